"""Live capacity: places left on what can still be booked, as the booking services hold them, in HSDS 3.1's
service_capacity shape, and a booking through the booking service takes one at once."""

import datetime

import pytest
from django.utils import timezone

from brokerage.bookings import services as bookings
from brokerage.models import BreakFor, OfferKind, PaymentSource
from commissioning.openreferral import ids
from tests.factories import CarerFactory, NightFactory, OfferFactory, SessionFactory, UserFactory, cares_for
from tests.openreferral.schemas import check

pytestmark = pytest.mark.django_db


def _capacity(get, offer) -> dict:
    service = get(f"services/{ids.of('service', offer.pk)}")
    [capacity] = service["capacities"]
    check("service_capacity", capacity)
    return capacity


def test_sessions_to_come_count_and_past_or_cancelled_ones_do_not(get):
    offer = OfferFactory()
    soon = timezone.now() + datetime.timedelta(days=3)
    SessionFactory(offer=offer, starts_at=soon, places=8, places_taken=3)  # 5 left
    SessionFactory(offer=offer, starts_at=soon + datetime.timedelta(days=7), places=5, places_taken=5)  # full
    SessionFactory(offer=offer, starts_at=soon + datetime.timedelta(days=1), places=10, is_cancelled=True)
    SessionFactory(offer=offer, starts_at=timezone.now() - datetime.timedelta(hours=1), places=6)  # started
    capacity = _capacity(get, offer)
    assert capacity["available"] == 5  # 5 + 0
    assert capacity["maximum"] == 13  # 8 + 5
    assert capacity["unit"] == {"id": ids.named("unit:place"), "name": "Place"}
    assert capacity["description"] == "Places left to book, on the 2 coming sessions that are not cancelled"
    assert capacity["id"] == ids.of("service_capacity", offer.pk)


def test_a_property_counts_its_nights_from_tomorrow_on(get):
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, sleeps=4)
    today = timezone.localdate()
    NightFactory(offer=offer, date=today)  # tonight can no longer be booked
    NightFactory(offer=offer, date=today + datetime.timedelta(days=1))
    NightFactory(offer=offer, date=today + datetime.timedelta(days=2), places_taken=1)
    NightFactory(offer=offer, date=today + datetime.timedelta(days=3), places=2)
    capacity = _capacity(get, offer)
    assert (capacity["available"], capacity["maximum"]) == (3, 4)  # 1 + 0 + 2 of 1 + 1 + 2
    assert capacity["unit"]["name"] == "Night"
    assert capacity["description"] == "Nights free to book at the property, of the 3 nights open from tomorrow on"


def test_a_service_with_nothing_to_book_says_none_available(get):
    offer = OfferFactory()
    assert (_capacity(get, offer)["available"], _capacity(get, offer)["maximum"]) == (0, 0)


def test_a_booking_through_the_booking_service_takes_one_place_and_a_cancellation_gives_it_back(get, x):
    offer = OfferFactory()
    session = SessionFactory(offer=offer, places=8)
    SessionFactory(offer=offer, places=4, starts_at=session.starts_at + datetime.timedelta(days=7))
    carer = CarerFactory(user=UserFactory(), locality=x.locality)
    person = cares_for(carer)
    before = _capacity(get, offer)
    assert (before["available"], before["maximum"]) == (12, 12)

    booking = bookings.booking_create(
        carer=carer,
        offer=offer,
        session=session,
        includes_carer=False,
        cared_for=[person],
        payment_source=PaymentSource.FREE,
        by=carer.user,
    )
    after = _capacity(get, offer)
    assert after["available"] == before["available"] - 1 == 11
    assert after["maximum"] == 12
    assert after["updated"] > before["updated"]
    # The list and the service at its location say the same.
    listed = get("services")["contents"]
    assert [s["capacities"][0]["available"] for s in listed if s["id"] == ids.of("service", offer.pk)] == [11]
    at = get(f"service_at_locations/{ids.of('service_at_location', offer.pk)}")
    assert at["service"]["capacities"][0]["available"] == 11

    bookings.booking_cancel(booking=booking, by=carer.user, reason="Change of plan")
    assert _capacity(get, offer)["available"] == 12


def test_a_session_shows_its_own_places_left_in_the_schedules(get):
    offer = OfferFactory()
    session = SessionFactory(offer=offer, places=8, places_taken=3)
    service = get(f"services/{ids.of('service', offer.pk)}")
    [schedule] = service["schedules"]
    assert schedule["id"] == ids.of("session", session.pk)
    assert schedule["description"].endswith(": 5 of 8 places left")
    starts = timezone.localtime(session.starts_at)
    assert schedule["opens_at"] == f"{starts:%H:%M}"
    assert schedule["valid_from"] == starts.date().isoformat()
