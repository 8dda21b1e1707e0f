"""Builders for the access table in tests/test_access.py: each returns URL kwargs for the booking pages."""

from brokerage.bookings import ical, services
from brokerage.models import PaymentSource
from tests.factories import NightFactory, SessionFactory


def session_kwargs(w) -> dict:
    return {"session_pk": SessionFactory().pk}


def nights_kwargs(w) -> dict:
    return {"offer_pk": NightFactory().offer_id}


def staff_session_kwargs(w) -> dict:
    return {"carer_pk": w.carer_a.pk, **session_kwargs(w)}


def staff_nights_kwargs(w) -> dict:
    return {"carer_pk": w.carer_a.pk, **nights_kwargs(w)}


def booking_kwargs(w) -> dict:
    session = SessionFactory()
    booking = services.booking_create(
        carer=w.carer_a,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=[w.carer_a.person],
        payment_source=PaymentSource.FREE,
        by=w.carer_a.user,
    )
    return {"pk": booking.pk}


def waiting_kwargs(w) -> dict:
    session = SessionFactory(places=1, places_taken=1)
    entry = services.waiting_list_join(
        carer=w.carer_a,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=[w.carer_a.person],
        payment_source=PaymentSource.FREE,
        by=w.carer_a.user,
    )
    return {"pk": entry.pk}


def calendar_kwargs(w) -> dict:
    return {"carer_pk": w.carer_a.pk, "token": ical.carer_token(w.carer_a)}
