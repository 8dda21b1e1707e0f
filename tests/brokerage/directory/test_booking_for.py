"""Hub staff who come from a carer's record browse the directory for that carer (?for=<carer>)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.models import BreakFor, OfferKind, Setting
from tests.factories import NightFactory, OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


def offer_url(offer, carer=None):
    url = reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})
    return f"{url}?for={carer.pk}" if carer is not None else url


def search_url(carer=None):
    url = reverse("brokerage:directory:search")
    return f"{url}?for={carer.pk}" if carer is not None else url


def test_the_offer_page_lives_at_breaks_pk():
    assert reverse("brokerage:directory:offer", kwargs={"pk": 7}) == "/breaks/7/"


def test_the_search_carries_the_carer_to_each_offer(client_for, carer_a, x):
    offer = OfferFactory(title="Saturday swimming")
    response = client_for(x.broker).get(search_url(), {"q": "swimming", "for": carer_a.pk})
    html = response.content.decode()
    assert response.context["booking_for"] == carer_a
    assert "finding a break for" in html
    assert carer_a.full_name in html
    assert f'href="{offer_url(offer, carer_a)}"' in html
    assert f'<input type="hidden" name="for" value="{carer_a.pk}">' in html
    # Pages of results keep it too.
    assert f"for={carer_a.pk}" in response.context["querystring"]


def test_book_for_links_go_to_the_staff_booking_pages(client_for, carer_a, x):
    session = SessionFactory()
    client = client_for(x.broker)
    response = client.get(offer_url(session.offer, carer_a))
    book = reverse("brokerage:bookings:staff_book_session", kwargs={"carer_pk": carer_a.pk, "session_pk": session.pk})
    assert response.context["rows"][0]["url"] == book
    assert f'href="{book}">Book for {carer_a.full_name}' in response.content.decode()
    assert client.get(book).status_code == 200


def test_the_carers_household_decides_what_is_bookable(client_for, carer_a, x):
    # carer_a's only person, Jamie, is 13 with high needs.
    for_teens = OfferFactory(min_age=16)
    SessionFactory(offer=for_teens)
    full = SessionFactory(places=2, places_taken=2)
    client = client_for(x.broker)
    row = client.get(offer_url(for_teens, carer_a)).context["rows"][0]
    assert row["bookable"] is False
    assert row["url"] is None
    assert row["reason"].startswith("Jamie is ")
    assert row["reason"].endswith("this is for ages 16 and over")
    assert client.get(offer_url(full.offer, carer_a)).context["rows"][0]["url"] is None


def test_no_book_links_when_a_required_check_has_lapsed(client_for, carer_a, x):
    offer = OfferFactory(setting=Setting.OWN_HOME, kind=OfferKind.SITTER)  # needs a disclosure check
    SessionFactory(offer=offer)
    row = client_for(x.broker).get(offer_url(offer, carer_a)).context["rows"][0]
    assert row["url"] is None
    assert row["reason"].startswith("Not bookable")


def test_a_property_links_staff_to_choose_the_dates_for_the_carer(client_for, carer_a, x):
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH)
    NightFactory(offer=offer, date=timezone.localdate() + datetime.timedelta(days=3))
    response = client_for(x.assessor).get(offer_url(offer, carer_a))
    stay = reverse("brokerage:bookings:staff_stay", kwargs={"carer_pk": carer_a.pk, "offer_pk": offer.pk})
    assert response.context["nights_url"] == stay
    assert f"Book nights for {carer_a.full_name}" in response.content.decode()


def test_staff_without_the_carer_see_the_carer_through_the_choke_point_only(client_for, carer_a, y):
    session = SessionFactory()
    client = client_for(y.broker)
    for url in (offer_url(session.offer, carer_a), search_url(carer_a)):
        response = client.get(url)
        assert response.status_code == 404
        assert carer_a.full_name not in response.content.decode()
    for nonsense in ("nonsense", "-1", "99999999999999999999999", "1.5"):
        assert client.get(offer_url(session.offer) + f"?for={nonsense}").status_code == 404


def test_reading_the_carer_for_a_booking_is_audited(client_for, carer_a, x):
    session = SessionFactory()
    client_for(x.broker).get(offer_url(session.offer, carer_a))
    assert AuditEvent.objects.filter(action="brokerage.carer.viewed", actor=x.broker).exists()


def test_for_is_ignored_for_carers_and_the_public(client, client_for, carer_a, carer_b):
    session = SessionFactory()
    own = client_for(carer_b.user).get(offer_url(session.offer, carer_a))
    assert own.status_code == 200
    assert own.context["booking_for"] is None
    assert carer_a.full_name not in own.content.decode()
    assert own.context["rows"][0]["url"] == reverse(
        "brokerage:bookings:book_session", kwargs={"session_pk": session.pk}
    )
    public = client.get(offer_url(session.offer, carer_a))
    assert public.status_code == 200
    assert public.context["rows"][0]["url"] is None
    assert carer_a.full_name not in public.content.decode()
    assert client.get(search_url(carer_a)).context["booking_for"] is None


def test_no_book_links_for_staff_who_did_not_come_from_a_record(client_for, x):
    session = SessionFactory()
    assert client_for(x.broker).get(offer_url(session.offer)).context["rows"][0]["url"] is None


def _queries(client, url) -> int:
    client.get(url)  # warm the session and any caches
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def test_the_offer_page_costs_the_same_queries_as_before(client, client_for, carer_a, x):
    offer = OfferFactory()
    SessionFactory(offer=offer)
    carer = client_for(carer_a.user)
    broker = client_for(x.broker)
    before = {
        "public": _queries(client, offer_url(offer)),
        "carer": _queries(carer, offer_url(offer)),
        "staff for a carer": _queries(broker, offer_url(offer, carer_a)),
    }
    # What the page cost before booking for a carer was added: public 6, carer 10. Staff booking for a carer
    # pay for their own sign-in, reading the carer through the choke point and its audit row, and the household.
    assert before == {"public": 6, "carer": 10, "staff for a carer": 13}
    for n in range(30):
        SessionFactory(offer=offer, starts_at=timezone.now() + datetime.timedelta(days=n + 1))
    after = {
        "public": _queries(client, offer_url(offer)),
        "carer": _queries(carer, offer_url(offer)),
        "staff for a carer": _queries(broker, offer_url(offer, carer_a)),
    }
    assert after == before


def test_a_signed_in_carers_book_links_open(client_for, carer_a):
    session = SessionFactory()
    prop = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH)
    NightFactory(offer=prop, date=timezone.localdate() + datetime.timedelta(days=3))
    client = client_for(carer_a.user)
    session_link = client.get(offer_url(session.offer)).context["rows"][0]["url"]
    nights_link = client.get(offer_url(prop)).context["nights_url"]
    assert client.get(session_link).status_code == 200
    assert client.get(nights_link).status_code == 200
