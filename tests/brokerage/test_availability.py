"""The offer's "has places" column (`places_until`) follows every change of places, and time passing."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from brokerage.availability import offers_refresh_places_until
from brokerage.bookings import services as bookings
from brokerage.directory.selectors import offer_search
from brokerage.models import ComplianceKind, Offer, PaymentSource, Session
from brokerage.providers import services as providers
from tests.factories import (
    CaredForPersonFactory,
    CarerFactory,
    ComplianceDocumentFactory,
    NightFactory,
    OfferFactory,
    SessionFactory,
    UserFactory,
    cares_for,
)

pytestmark = pytest.mark.django_db


def _has_places(offer) -> bool:
    return offer_search(has_places=True).filter(pk=offer.pk).exists()


def _household():
    carer = CarerFactory(user=UserFactory())
    carer.people = [cares_for(carer, CaredForPersonFactory())]
    return carer


def _book(carer, session, places=1):
    people = carer.people + [cares_for(carer, CaredForPersonFactory()) for _ in range(places - len(carer.people))]
    return bookings.booking_create(
        carer=carer,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=people,
        payment_source=PaymentSource.FREE,
        by=carer.user,
    )


def test_taking_the_last_place_ends_has_places_and_a_cancellation_brings_it_back():
    session = SessionFactory(places=1)
    assert _has_places(session.offer)
    booking = _book(_household(), session)
    assert not _has_places(session.offer)
    bookings.booking_cancel(booking=booking, by=booking.carer.user, reason="Unwell")
    assert _has_places(session.offer)


def test_the_latest_open_session_counts_and_a_past_one_does_not():
    later = SessionFactory(places=1)
    offer = later.offer
    soon = SessionFactory(offer=offer, starts_at=later.starts_at - datetime.timedelta(days=3), places=2)
    offer.refresh_from_db()
    assert offer.places_until == later.starts_at
    _book(_household(), later)
    offer.refresh_from_db()
    assert offer.places_until == soon.starts_at
    Session.objects.filter(pk=soon.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    offers_refresh_places_until(offers=Offer.objects.filter(pk=offer.pk))
    assert not _has_places(offer)  # places left, but only on a session that has started


def test_provider_changes_to_sessions_follow(provider_user):
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    offer = OfferFactory(provider=provider_user.organisation)
    assert not _has_places(offer)
    day = timezone.localdate() + datetime.timedelta(days=5)
    session = providers.session_create(
        offer=offer, date=day, starts_at=datetime.time(10), ends_at=datetime.time(12), places=1, by=provider_user
    )
    assert _has_places(offer)
    _book(_household(), session)
    assert not _has_places(offer)
    providers.session_change_places(session=session, places=2, by=provider_user)
    assert _has_places(offer)
    other = providers.session_create(
        offer=offer, date=day, starts_at=datetime.time(14), ends_at=datetime.time(16), places=3, by=provider_user
    )
    providers.session_change_places(session=session, places=1, by=provider_user)
    providers.session_cancel(session=other, by=provider_user)
    assert not _has_places(offer)


def test_nights_count_until_the_end_of_the_last_open_night(provider_user):
    night = NightFactory(places=1)  # a property is let to one household a night
    offer = night.offer
    offer.refresh_from_db()
    end = timezone.localtime(offer.places_until)
    assert (end.date(), end.hour, end.minute) == (night.date, 23, 59)
    assert _has_places(offer)
    carer = _household()
    bookings.booking_create(
        carer=carer,
        offer=offer,
        first_night=night.date,
        nights=1,
        includes_carer=True,
        cared_for=carer.people,
        payment_source=PaymentSource.FREE,
        by=carer.user,
    )
    assert not _has_places(offer)


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_filling_an_offers_last_two_sessions_at_once_leaves_no_places():
    """Each booking locks the offer before it recomputes, so neither writes a value read before the other's commit."""
    for attempt in range(3):
        first = SessionFactory(places=1)
        SessionFactory(offer=first.offer, places=1, starts_at=first.starts_at + datetime.timedelta(days=1))
        pairs = zip([_household(), _household()], Session.objects.filter(offer=first.offer), strict=True)
        assert _book_at_once(list(pairs)) == [], attempt
        first.offer.refresh_from_db()
        assert first.offer.places_until is None, attempt


def _book_at_once(pairs) -> list[Exception]:
    barrier = threading.Barrier(len(pairs), timeout=30)
    errors = []

    def book(carer, session):
        try:
            barrier.wait()
            _book(carer, session)
        except Exception as error:  # noqa: BLE001 - returned to the test, which asserts there are none
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
