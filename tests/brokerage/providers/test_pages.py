"""Provider portal pages: each works end to end, bad input gets a message by its field with values kept,
another organisation's records answer 404, and the busy pages take a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.models import ComplianceDocument, Night, Offer, OfferKind, ProviderProfile, Session
from tests.factories import ComplianceDocumentFactory, OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db

OFFER_LIST_QUERIES = 4
PROVIDER_HOME_QUERIES = 12


def url(name, **kwargs):
    return reverse(f"brokerage:providers:{name}", kwargs=kwargs or None)


def _date(prefix, day: datetime.date) -> dict:
    return {f"{prefix}_0": str(day.day), f"{prefix}_1": str(day.month), f"{prefix}_2": str(day.year)}


def _offer_post(area, **overrides):
    data = {
        "title": "Tuesday swim",
        "summary": "A swim and a cup of tea.",
        "description": "",
        "kind": "activity",
        "break_for": "carer",
        "setting": "community",
        "min_age": "16",
        "max_age": "",
        "needs_levels": ["low", "medium"],
        "locality": str(area.pk),
        "postcode": "eh1 1yz",
        "price_unit": "session",
        "price": "12.50",
        "booking_mode": "request",
    }
    return {**data, **overrides}


def _errors(response) -> dict:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


# --- profile ---------------------------------------------------------------------------------


def test_profile_page_and_edit(provider_client, sunny, x):
    assert provider_client.get(url("profile")).status_code == 200
    response = provider_client.post(
        url("profile_edit"),
        {
            "summary": "Clubs and sitters.",
            "regulator": "care_inspectorate",
            "registration_number": "CS2020",
            "email": "hello@sunny.example",
            "phone": "0131 000 0000",
            "website": "https://sunny.example",
            "localities": [str(x.locality.pk)],
        },
    )
    assert response.status_code == 302
    profile = ProviderProfile.objects.get(organisation=sunny)
    assert profile.registration_number == "CS2020"
    assert list(profile.localities.all()) == [x.locality]
    page = provider_client.get(url("profile"))
    assert b"CS2020" in page.content
    assert b"X North" in page.content


def test_profile_edit_bad_input_keeps_values(provider_client, sunny):
    response = provider_client.post(
        url("profile_edit"),
        {"summary": "Kept words", "regulator": "cqc", "registration_number": "", "email": "not-an-email"},
    )
    assert response.status_code == 200
    errors = _errors(response)
    assert "registration number" in errors["registration_number"][0]
    assert "email address" in errors["email"][0]
    assert b"Kept words" in response.content
    assert b"There is a problem" in response.content
    assert not ProviderProfile.objects.filter(organisation=sunny).exists()


# --- offers ----------------------------------------------------------------------------------


def test_create_edit_publish_an_offer(provider_client, sunny, x):
    response = provider_client.post(url("offer_create"), _offer_post(x.locality))
    assert response.status_code == 302
    offer = Offer.objects.get(provider=sunny)
    assert (offer.price_pence, offer.postcode, offer.is_published) == (1250, "EH1 1YZ", False)
    assert offer.needs_levels == ["low", "medium"]
    assert response.url == url("offer_detail", pk=offer.pk)
    assert provider_client.get(response.url).status_code == 200
    edit = provider_client.get(url("offer_edit", pk=offer.pk))
    assert b'value="12.50"' in edit.content
    provider_client.post(url("offer_edit", pk=offer.pk), _offer_post(x.locality, price="0.99", title="Swim"))
    offer.refresh_from_db()
    assert (offer.title, offer.price_pence) == ("Swim", 99)
    provider_client.post(url("offer_publish", pk=offer.pk), {"publish": "yes"})
    offer.refresh_from_db()
    assert offer.is_published
    provider_client.post(url("offer_publish", pk=offer.pk), {"publish": "no"})
    offer.refresh_from_db()
    assert not offer.is_published


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"title": ""}, "title", "Enter the name"),
        ({"postcode": "XX"}, "postcode", "real postcode"),
        ({"price": "twelve"}, "price", "in pounds"),
        ({"price": "12.505"}, "price", "pounds and pence"),
        ({"price": "-3"}, "price", "more than"),
        ({"price": ""}, "price", "Enter the price"),
        ({"min_age": "20", "max_age": "5"}, "max_age", "oldest age"),
        ({"needs_levels": []}, "needs_levels", "at least one"),
        ({"kind": "spaceship"}, "kind", "kind of break"),
        ({"locality": "999999"}, "locality", "areas you serve"),
    ],
)
def test_offer_form_bad_input(provider_client, sunny, x, overrides, field, words):
    response = provider_client.post(url("offer_create"), _offer_post(x.locality, summary="Kept sentence", **overrides))
    assert response.status_code == 200
    assert words in " ".join(_errors(response)[field])
    assert b"Kept sentence" in response.content
    assert not Offer.objects.filter(provider=sunny).exists()


def test_a_free_offer_needs_no_price(provider_client, sunny, x):
    provider_client.post(url("offer_create"), _offer_post(x.locality, price_unit="free", price=""))
    assert Offer.objects.get(provider=sunny).price_pence == 0


def test_offers_list_takes_the_same_queries_for_few_or_many(provider_client, sunny, x):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert provider_client.get(url("offer_list")).status_code == 200
        return len(queries)

    offers = OfferFactory.create_batch(2, provider=sunny, locality=x.locality)
    SessionFactory(offer=offers[0])
    few = count()
    for offer in OfferFactory.create_batch(20, provider=sunny, locality=x.locality):
        SessionFactory.create_batch(2, offer=offer)
    assert few == count() == OFFER_LIST_QUERIES


# --- availability ----------------------------------------------------------------------------


def test_add_a_session_and_bad_input(provider_client, offer):
    day = timezone.localdate() + datetime.timedelta(days=5)
    good = {**_date("date", day), "starts_at": "10:00", "ends_at": "15:30", "places": "6"}
    assert provider_client.post(url("session_add", pk=offer.pk), good).status_code == 302
    session = Session.objects.get(offer=offer)
    assert timezone.localtime(session.starts_at).strftime("%H:%M") == "10:00"
    bad = provider_client.post(
        url("session_add", pk=offer.pk),
        {**_date("date", day), "starts_at": "25:99", "ends_at": "09:00", "places": "0"},
    )
    errors = _errors(bad)
    assert "hours and minutes" in errors["starts_at"][0]
    assert "at least 1" in errors["places"][0]
    assert b'value="09:00"' in bad.content
    backwards = provider_client.post(
        url("session_add", pk=offer.pk), {**good, "starts_at": "15:00", "ends_at": "09:00"}
    )
    assert "after the start time" in _errors(backwards)["ends_at"][0]
    impossible = provider_client.post(url("session_add", pk=offer.pk), {**good, "date_0": "31", "date_1": "2"})
    assert "real date" in _errors(impossible)["date"][0]
    assert Session.objects.filter(offer=offer).count() == 1


def test_add_a_repeating_session(provider_client, offer):
    first = timezone.localdate() + datetime.timedelta(days=1)
    post = {
        "weekday": str(first.weekday()),
        "starts_at": "09:30",
        "ends_at": "12:00",
        "places": "5",
        **_date("first_date", first),
        **_date("last_date", first + datetime.timedelta(weeks=3)),
    }
    assert provider_client.post(url("schedule_add", pk=offer.pk), post).status_code == 302
    assert Session.objects.filter(offer=offer).count() == 4
    too_long = provider_client.post(
        url("schedule_add", pk=offer.pk), {**post, **_date("last_date", first + datetime.timedelta(days=500))}
    )
    assert "at most a year" in _errors(too_long)["last_date"][0]
    assert b'value="09:30"' in too_long.content


def test_change_places_and_cancel_a_session(provider_client, session, carer_a, make_booking):
    make_booking(carer_a, session, places=2)
    low = provider_client.post(url("session_places", pk=session.pk), {"places": "1"})
    assert "already taken" in _errors(low)["places"][0]
    assert provider_client.post(url("session_places", pk=session.pk), {"places": "9"}).status_code == 302
    session.refresh_from_db()
    assert session.places == 9
    refused = provider_client.post(url("session_cancel", pk=session.pk))
    assert refused.status_code == 200
    assert b"hold places on this session" in refused.content or b"holds places on this session" in refused.content
    session.refresh_from_db()
    assert not session.is_cancelled


def test_cancel_an_empty_session(provider_client, session):
    assert provider_client.post(url("session_cancel", pk=session.pk)).status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled


def test_open_nights_for_a_property(provider_client, sunny, x, offer):
    prop = OfferFactory(provider=sunny, kind=OfferKind.PROPERTY, locality=x.locality)
    first = timezone.localdate() + datetime.timedelta(days=3)
    post = {**_date("first_date", first), **_date("last_date", first + datetime.timedelta(days=2)), "places": "1"}
    assert provider_client.post(url("nights_open", pk=prop.pk), post).status_code == 302
    assert provider_client.post(url("nights_open", pk=prop.pk), post).status_code == 302
    assert Night.objects.filter(offer=prop).count() == 3
    backwards = provider_client.post(
        url("nights_open", pk=prop.pk), {**post, **_date("last_date", first - datetime.timedelta(days=1))}
    )
    assert "after the first night" in _errors(backwards)["last_date"][0]
    assert provider_client.get(url("nights_open", pk=offer.pk)).status_code == 404  # not a property


# --- access ----------------------------------------------------------------------------------


def test_another_providers_records_answer_404(provider_client, rival):
    for name, pk in [
        ("offer_detail", rival.offer.pk),
        ("offer_edit", rival.offer.pk),
        ("offer_publish", rival.offer.pk),
        ("session_add", rival.offer.pk),
        ("schedule_add", rival.offer.pk),
        ("session_places", rival.session.pk),
        ("session_cancel", rival.session.pk),
        ("compliance_replace", rival.document.pk),
        ("compliance_download", rival.document.pk),
    ]:
        assert provider_client.get(url(name, pk=pk)).status_code == 404, name
        assert provider_client.post(url(name, pk=pk), {"places": "1", "publish": "no"}).status_code == 404, name
    rival.offer.refresh_from_db()
    rival.session.refresh_from_db()
    assert rival.offer.is_published
    assert not rival.session.is_cancelled
    assert rival.session.places == 8


def test_lists_show_only_the_organisations_own_records(provider_client, offer, rival, insured):
    offers = provider_client.get(url("offer_list"))
    assert b"Sunny Saturday club" in offers.content
    assert b"Rival club" not in offers.content
    documents = provider_client.get(url("compliance_list"))
    assert b"INS-1" in documents.content
    assert rival.document.reference.encode() not in documents.content


@pytest.mark.parametrize("persona", ["carer_a", "broker", "admin"])
def test_people_who_are_not_provider_staff_get_404(client_for, carer_a, x, admin_user, offer, persona):
    user = {"carer_a": carer_a.user, "broker": x.broker, "admin": admin_user}[persona]
    client = client_for(user)
    for target in (url("offer_list"), url("offer_detail", pk=offer.pk), url("profile"), url("compliance_add")):
        assert client.get(target).status_code == 404


# --- provider home ---------------------------------------------------------------------------


def test_provider_home_shows_offers_sessions_requests_and_expiring_documents(
    provider_client, sunny, offer, session, carer_a, make_booking
):
    make_booking(carer_a, session, places=2)
    today = timezone.localdate()
    ComplianceDocumentFactory(
        organisation=sunny,
        reference="INS-SOON",
        issued_on=today - datetime.timedelta(days=300),
        expires_on=today + datetime.timedelta(days=12),
    )
    page = provider_client.get(reverse("brokerage:provider_home"))
    content = page.content.decode()
    assert "Sunny Saturday club" in content
    assert "2 of 4" in content  # places taken
    assert "Requests waiting for you" in content
    assert "No requests are waiting" not in content
    assert "INS-SOON" in content
    assert "Expires in 12 days" in content


def test_provider_home_takes_the_same_queries_for_few_or_many(provider_client, sunny, x, carer_a, make_booking):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert provider_client.get(reverse("brokerage:provider_home")).status_code == 200
        return len(queries)

    offer = OfferFactory(provider=sunny, locality=x.locality)
    make_booking(carer_a, SessionFactory(offer=offer))
    ComplianceDocumentFactory(organisation=sunny, expires_on=timezone.localdate() + datetime.timedelta(days=3))
    few = count()
    for offer in OfferFactory.create_batch(8, provider=sunny, locality=x.locality):
        for session in SessionFactory.create_batch(2, offer=offer):
            make_booking(carer_a, session)
    ComplianceDocumentFactory.create_batch(
        4, organisation=sunny, expires_on=timezone.localdate() + datetime.timedelta(days=5)
    )
    assert few == count() == PROVIDER_HOME_QUERIES


def test_compliance_list_shows_expiry_status(provider_client, sunny):
    today = timezone.localdate()
    ComplianceDocumentFactory(
        organisation=sunny,
        reference="OLD",
        issued_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=1),
    )
    ComplianceDocumentFactory(organisation=sunny, reference="SOON", expires_on=today + datetime.timedelta(days=1))
    ComplianceDocumentFactory(organisation=sunny, reference="FINE")
    content = provider_client.get(url("compliance_list")).content.decode()
    assert 'govuk-tag--red">Expired' in content
    assert "Expires in 1 day<" in content
    assert 'govuk-tag--green">Current' in content
    assert ComplianceDocument.objects.filter(organisation=sunny).count() == 3
