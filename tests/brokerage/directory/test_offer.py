import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.directory import views
from brokerage.models import (
    AccessibilityFeature,
    BreakFor,
    ComplianceKind,
    NeedsLevel,
    OfferKind,
    PriceUnit,
    ProviderProfile,
    Regulator,
    Setting,
)
from tests.factories import (
    CaredForPersonFactory,
    ComplianceDocumentFactory,
    NightFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    cares_for,
)

pytestmark = pytest.mark.django_db


def url(offer):
    return reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})


def test_the_page_shows_everything_about_the_offer_and_its_provider(client):
    provider = ProviderFactory(name="Crossroads Lothian")
    ProviderProfile.objects.filter(organisation=provider).update(
        regulator=Regulator.CARE_INSPECTORATE, registration_number="CS2003012345", phone="0131 000 0000"
    )
    offer = OfferFactory(
        provider=provider,
        title="Saturday swimming",
        summary="Swimming with trained staff.",
        kind=OfferKind.ACTIVITY,
        break_for=BreakFor.CARED_FOR,
        min_age=8,
        max_age=16,
        price_unit=PriceUnit.SESSION,
        price_pence=1250,
        booking_mode="request",
    )
    offer.features.add(AccessibilityFeature.objects.create(name="Hoist in the changing room", slug="hoist"))
    html = client.get(url(offer)).content.decode()
    for text in [
        "Saturday swimming",
        "Swimming with trained staff.",
        "Activity or event",
        "The person cared for",
        "Out in the community",
        "8 to 16",
        "Low, medium, high",
        "Hoist in the changing room",
        "EH1 1YZ",
        "£12.50 per session",
        "Request, and the provider confirms",
        "Crossroads Lothian",
        "Care Inspectorate (Scotland), number CS2003012345",
        "0131 000 0000",
        "Contains OS data © Crown copyright and database right",
    ]:
        assert text in html, text


def test_prices_are_written_from_pence():
    assert views.price_text(OfferFactory.build(price_unit=PriceUnit.FREE, price_pence=0)) == "Free"
    assert views.price_text(OfferFactory.build(price_unit=PriceUnit.HOUR, price_pence=2000)) == "£20 per hour"
    assert views.price_text(OfferFactory.build(price_unit=PriceUnit.NIGHT, price_pence=123405)) == "£1,234.05 per night"


def test_an_unpublished_offer_is_not_found(client):
    assert client.get(url(OfferFactory(is_published=False))).status_code == 404


def test_next_sessions_show_places_left_or_full(client):
    offer = OfferFactory()
    SessionFactory(offer=offer, places=8, places_taken=3)
    SessionFactory(offer=offer, places=4, places_taken=4, starts_at=timezone.now() + datetime.timedelta(days=9))
    SessionFactory(offer=offer, starts_at=timezone.now() - datetime.timedelta(days=1))  # past: not shown
    response = client.get(url(offer))
    rows = response.context["rows"]
    assert [(r["session"].places_left, r["bookable"], r["reason"]) for r in rows] == [(5, True, ""), (0, False, "Full")]
    assert "Sign in to book" in response.content.decode()


def test_an_expired_required_check_makes_sessions_not_bookable_with_the_reason(client):
    offer = OfferFactory(setting=Setting.OWN_HOME, kind=OfferKind.SITTER)  # needs a disclosure check
    ComplianceDocumentFactory(
        organisation=offer.provider,
        kind=ComplianceKind.DISCLOSURE,
        issued_on=datetime.date.today() - datetime.timedelta(days=400),
        expires_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    SessionFactory(offer=offer)
    response = client.get(url(offer))
    html = response.content.decode()
    assert "This break cannot be booked at the moment" in html
    assert "disclosure or pvg check of staff and volunteers is not current" in html
    assert response.context["rows"][0]["bookable"] is False
    assert "Not bookable: the provider's disclosure" in response.context["rows"][0]["reason"]


def test_a_signed_in_carer_sees_why_they_cannot_book(client_for, carer_a):
    # carer_a cares for one person born 17 May 2014 with high needs.
    for_teens = OfferFactory(min_age=16, max_age=25)
    SessionFactory(offer=for_teens, starts_at=timezone.make_aware(datetime.datetime(2027, 6, 1, 10)))
    low_only = OfferFactory(supports_high=False)
    SessionFactory(offer=low_only, starts_at=timezone.make_aware(datetime.datetime(2027, 6, 1, 10)))
    for_carers = OfferFactory(break_for=BreakFor.CARER, min_age=16)
    session = SessionFactory(offer=for_carers)
    client = client_for(carer_a.user)

    teen_rows = client.get(url(for_teens)).context["rows"]
    assert teen_rows[0]["reason"] == "Jamie is 13; this is for ages 16 and over"
    low_rows = client.get(url(low_only)).context["rows"]
    assert low_rows[0]["reason"] == "It does not support high needs, which Jamie has"
    response = client.get(url(for_carers))
    assert response.context["rows"][0]["bookable"] is True
    book = reverse("brokerage:bookings:book_session", kwargs={"session_pk": session.pk})
    assert response.context["rows"][0]["url"] == book
    assert f'href="{book}"' in response.content.decode()


def test_one_eligible_person_in_the_household_is_enough(client_for, carer_a):
    cares_for(carer_a, CaredForPersonFactory(first_name="Skye", needs_level=NeedsLevel.LOW))
    offer = OfferFactory(supports_high=False)
    SessionFactory(offer=offer)
    assert client_for(carer_a.user).get(url(offer)).context["rows"][0]["bookable"] is True


def test_a_booking_link_only_when_the_bookings_page_exists():
    assert views.book_url("no_such_page", session_pk=1) is None


def test_a_property_shows_nights_for_the_next_four_weeks(client, client_for, carer_a):
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, setting=Setting.RESIDENTIAL)
    today = timezone.localdate()
    NightFactory(offer=offer, date=today + datetime.timedelta(days=3))
    NightFactory(offer=offer, date=today + datetime.timedelta(days=4), places_taken=1)
    NightFactory(offer=offer, date=today + datetime.timedelta(days=40))
    response = client.get(url(offer))
    assert [n.date for n in response.context["nights"]] == [today + datetime.timedelta(days=d) for d in (3, 4)]
    page = response.content.decode()
    assert "Taken" in page
    assert "Free" in page
    assert "Places free" not in page
    carer_page = client_for(carer_a.user).get(url(offer))
    assert carer_page.context["nights_url"] == reverse("brokerage:bookings:stay", kwargs={"offer_pk": offer.pk})


def test_a_property_the_household_cannot_take_has_no_book_button_and_says_why(client_for, carer_a):
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, supports_high=False, sleeps=4)
    NightFactory(offer=offer, date=timezone.localdate() + datetime.timedelta(days=3))
    response = client_for(carer_a.user).get(url(offer))
    assert response.context["nights_url"] is None
    page = response.content.decode()
    assert "It does not support high needs, which Jamie has" in page
    assert "Up to 4 guests, let to one household at a time" in page
    offer.supports_high = True
    offer.save()
    assert client_for(carer_a.user).get(url(offer)).context["nights_url"] is not None


def test_a_joint_session_with_one_place_left_offers_the_waiting_list_not_book(client_for, carer_a):
    offer = OfferFactory(break_for=BreakFor.BOTH)
    SessionFactory(offer=offer, places=3, places_taken=2)
    [row] = client_for(carer_a.user).get(url(offer)).context["rows"]
    assert row["url"] is None
    assert row["waiting_url"] is not None
    assert "which takes 2" in row["reason"]


def test_the_offer_page_costs_the_same_queries_however_many_sessions(client):
    offer = OfferFactory()
    SessionFactory(offer=offer)
    with CaptureQueriesContext(connection) as few:
        client.get(url(offer))
    for n in range(30):
        SessionFactory(offer=offer, starts_at=timezone.now() + datetime.timedelta(days=n + 1))
    with CaptureQueriesContext(connection) as many:
        client.get(url(offer))
    assert len(many) == len(few)
