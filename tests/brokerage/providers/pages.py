"""Kwargs builders for the provider portal's booking pages in tests/test_access.py's PAGES."""

import datetime

from django.utils import timezone

from brokerage.models import Booking, OfferKind, PaymentSource, Schedule
from tests.factories import OfferFactory, SessionFactory


def provider_booking(w, *, state=Booking.State.REQUESTED) -> Booking:
    """A booking by carer A of a session of the provider persona's organisation."""
    session = SessionFactory(offer=OfferFactory(provider=w.personas["provider"].organisation), places_taken=1)
    booking = Booking.objects.create(
        carer=w.carer_a,
        offer=session.offer,
        session=session,
        places=1,
        payment_source=PaymentSource.FREE,
        state=state,
        requested_by=w.carer_a.user,
    )
    booking.cared_for.add(w.carer_a.person)
    return booking


def booking_kwargs(w) -> dict:
    return {"pk": provider_booking(w).pk}


def session_kwargs(w) -> dict:
    return {"pk": provider_booking(w, state=Booking.State.CONFIRMED).session_id}


def schedule_kwargs(w) -> dict:
    """A repeating session of one of the provider persona's offers, with one session."""
    first = timezone.localdate() + datetime.timedelta(days=7)
    offer = OfferFactory(provider=w.personas["provider"].organisation)
    schedule = Schedule.objects.create(
        offer=offer,
        weekday=first.weekday(),
        starts_at=datetime.time(10),
        ends_at=datetime.time(12),
        places=8,
        first_date=first,
        last_date=first + datetime.timedelta(weeks=4),
    )
    SessionFactory(offer=offer, schedule=schedule)
    return {"pk": schedule.pk}


def property_kwargs(w) -> dict:
    return {"pk": OfferFactory(provider=w.personas["provider"].organisation, kind=OfferKind.PROPERTY).pk}
