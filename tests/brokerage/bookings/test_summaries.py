"""Bookings where people look for them: the carer's home page, the carer's record for hub staff, the URLs
of a carer's own breaks and the navigation."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from brokerage.bookings import services
from brokerage.models import Booking, BookingMode, PaymentSource, Session, WaitingListEntry
from tests.brokerage.bookings.conftest import book
from tests.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(carer_a):
    carer_a.people = [carer_a.person]
    return carer_a


def _past(booking):
    before = timezone.now() - datetime.timedelta(days=3)
    Session.objects.filter(pk=booking.session_id).update(starts_at=before, ends_at=before + datetime.timedelta(hours=2))


def _offered(carer):
    session = SessionFactory(places=1, places_taken=1, offer=OfferFactory(title="Full swim"))
    entry = services.waiting_list_join(
        carer=carer,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=carer.people,
        payment_source=PaymentSource.FREE,
        by=carer.user,
    )
    WaitingListEntry.objects.filter(pk=entry.pk).update(
        state=WaitingListEntry.State.OFFERED, offer_expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    return entry


def test_a_carers_own_breaks_live_under_carer_breaks():
    assert reverse("brokerage:bookings:booking_detail", kwargs={"pk": 5}) == "/carer/breaks/5/"
    assert reverse("brokerage:bookings:booking_cancel", kwargs={"pk": 5}) == "/carer/breaks/5/cancel/"


def _current(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"] if item["active"]]


def test_find_a_break_is_current_in_the_directory_but_not_on_a_carers_bookings(client_for, household):
    booking = book(household, SessionFactory())
    client = client_for(household.user)
    assert "Find a break" not in _current(client.get(reverse("brokerage:bookings:booking_detail", args=[booking.pk])))
    assert "Find a break" not in _current(client.get(reverse("brokerage:bookings:booking_cancel", args=[booking.pk])))
    assert "Find a break" not in _current(client.get(reverse("brokerage:bookings:breaks")))
    assert _current(client.get(reverse("brokerage:directory:offer", args=[booking.offer_id]))) == ["Find a break"]


def test_the_carer_home_page_sums_up_their_breaks(client_for, household):
    first = SessionFactory(offer=OfferFactory(title="Beach day"), starts_at=timezone.now() + datetime.timedelta(days=2))
    later = SessionFactory(offer=OfferFactory(title="Zoo trip"), starts_at=timezone.now() + datetime.timedelta(days=9))
    book(household, later)
    book(household, first)
    asked = SessionFactory(offer=OfferFactory(title="Art club", booking_mode=BookingMode.REQUEST))
    assert book(household, asked).state == Booking.State.REQUESTED
    entry = _offered(household)

    response = client_for(household.user).get(reverse("brokerage:carer_home"))
    summary = response.context["breaks"]
    assert summary["next_break"].offer.title == "Beach day"
    assert [b.offer.title for b in summary["requests"]] == ["Art club"]
    assert summary["offers"] == [entry]
    html = response.content.decode()
    assert "Your breaks" in html
    assert "1 request" in html
    assert "1 to answer" in html
    assert reverse("brokerage:bookings:waiting_accept", args=[entry.pk]) in html
    assert f'href="{reverse("brokerage:bookings:breaks")}"' in html
    assert f'href="{reverse("brokerage:directory:search")}"' in html


def test_a_carer_with_no_breaks_is_told_so(client_for, household):
    html = client_for(household.user).get(reverse("brokerage:carer_home")).content.decode()
    assert "You have no breaks coming up." in html
    assert "Waiting for the provider" not in html  # no summary of nothing
    assert "Find a break" in html


def test_staff_see_a_carers_bookings_and_can_find_a_break_for_them(client_for, household, x):
    coming = book(household, SessionFactory(offer=OfferFactory(title="Beach day")))
    gone = book(household, SessionFactory(offer=OfferFactory(title="Old trip")))
    _past(gone)
    cancelled = book(household, SessionFactory(offer=OfferFactory(title="Called off")))
    services.booking_cancel(booking=cancelled, by=household.user, reason="Poorly")
    _offered(household)
    for user in (x.broker, x.assessor):
        response = client_for(user).get(reverse("brokerage:carer_detail", args=[household.pk]))
        breaks = response.context["breaks"]
        assert [b.offer.title for b in breaks["upcoming"]] == ["Beach day"]
        assert sorted(b.offer.title for b in breaks["past"]) == ["Called off", "Old trip"]
        html = response.content.decode()
        find = reverse("brokerage:directory:search") + f"?for={household.pk}"
        assert f'href="{find}">Book a break for {household.full_name}</a>' in html
        for text in ("Beach day", "Old trip", "Confirmed", "Cancelled", "Full swim", "offered a place"):
            assert text in html
        assert reverse("brokerage:bookings:booking_detail", args=[coming.pk]) in html
        assert " and you" not in html


def test_the_find_a_break_link_on_a_record_reaches_the_directory_for_that_carer(client_for, household, x):
    client = client_for(x.broker)
    html = client.get(reverse("brokerage:carer_detail", args=[household.pk])).content.decode()
    find = reverse("brokerage:directory:search") + f"?for={household.pk}"
    assert find in html
    assert client.get(find).context["booking_for"] == household
