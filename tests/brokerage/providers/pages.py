"""Kwargs builders for the provider portal's booking pages in tests/test_access.py's PAGES."""

from brokerage.models import Booking, PaymentSource
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
