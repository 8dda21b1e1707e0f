"""Page titles: "Error: " on every page re-shown with errors (once, in base.html), and search results that say
what was found. tests/page_checks.py also checks the "Error: " rule on every page every test gets."""

import datetime

import pytest
from django import forms
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from brokerage.models import BreakFor, OfferKind, OutwardCode, Session
from tests.factories import OfferFactory, SessionFactory
from tests.page_checks import page_problems

pytestmark = pytest.mark.django_db

SEARCH = reverse("brokerage:directory:search")


def title(response) -> str:
    html = response.content.decode()
    return html[html.index("<title>") + len("<title>") : html.index("</title>")]


class NameForm(forms.Form):
    name = forms.CharField()


PAGE = engines["django"].from_string('{% extends "base.html" %}{% block title %}A page{% endblock %}')


def _render(**context) -> str:
    request = RequestFactory().get("/")
    request.csp_nonce = "n"
    html = PAGE.render(context, request)
    return html[html.index("<title>") + len("<title>") : html.index("</title>")]


def test_the_base_template_prefixes_error_for_any_form_formset_or_refusal_in_the_context():
    assert _render() == "A page – Breakthrough"
    assert _render(form=NameForm()) == "A page – Breakthrough"  # not bound: nothing to correct yet
    assert _render(form=NameForm({"name": "Ann"})) == "A page – Breakthrough"
    assert _render(form=NameForm({})) == "Error: A page – Breakthrough"
    # Whatever the view calls its form (the queue's filter_form, say)
    assert _render(filter_form=NameForm({})) == "Error: A page – Breakthrough"
    formset = forms.formset_factory(NameForm)(
        {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0"} | {"form-0-name": ""}
    )
    formset.forms[0].empty_permitted = False
    assert _render(formset=formset) == "Error: A page – Breakthrough"
    # A service's refusal shown in the page's own error summary (the booking check page, triage, publishing...)
    assert _render(error="This break is full") == "Error: A page – Breakthrough"
    assert _render(errors=[{"error": "Not recorded"}]) == "Error: A page – Breakthrough"
    assert _render(error=None, errors=[]) == "A page – Breakthrough"


def test_a_refused_booking_check_page_has_the_error_prefix(client_for, carer_a):
    """The check page re-shown with the booking's refusal (here: the last places went while the carer read it)."""
    offer = OfferFactory(break_for=BreakFor.BOTH)
    session = SessionFactory(offer=offer, places=4)
    client = client_for(carer_a.user)
    url = reverse("brokerage:bookings:book_session", kwargs={"session_pk": session.pk})
    client.post(url, {"people": ["me", str(carer_a.person.pk)], "payment_source": "free"})
    assert title(client.get(url + "?step=check")) == "Check your booking – Breakthrough"
    Session.objects.filter(pk=session.pk).update(places_taken=3)
    refused = client.post(url + "?step=check")
    assert refused.status_code == 200
    assert "There is a problem" in refused.content.decode()
    assert title(refused) == "Error: Check your booking – Breakthrough"


def test_a_refused_waiting_list_answer_has_the_error_prefix(client_for, carer_a):
    from brokerage.models import WaitingListEntry

    session = SessionFactory()
    entry = WaitingListEntry.objects.create(
        carer=carer_a,
        offer=session.offer,
        session=session,
        places=1,
        payment_source="free",
        joined_by=carer_a.user,
        state=WaitingListEntry.State.WAITING,  # not offered a place (yet): accepting is refused
    )
    response = client_for(carer_a.user).post(reverse("brokerage:bookings:waiting_accept", kwargs={"pk": entry.pk}))
    assert response.status_code == 200
    assert "This place is no longer on offer." in response.content.decode()
    assert title(response) == f"Error: A place on {session.offer.title} – Breakthrough"


@pytest.fixture
def edinburgh(db):
    OutwardCode.objects.create(code="EH1", easting=325603, northing=673734, postcodes=10)
    OutwardCode.objects.create(code="G1", easting=259300, northing=665300, postcodes=10)
    near = {"postcode": "EH1 1YZ", "easting": 325603, "northing": 673734}
    OfferFactory(title="Swimming", kind=OfferKind.ACTIVITY, **near)
    OfferFactory(title="Sitters", kind=OfferKind.SITTER, **near)
    OfferFactory(title="Glasgow swim", kind=OfferKind.ACTIVITY, postcode="G1 1AA", easting=259300, northing=665300)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "Find a break"),
        ({"q": "swim"}, "2 breaks matching ‘swim’ – Find a break"),
        ({"q": "sitters"}, "1 break matching ‘sitters’ – Find a break"),
        ({"postcode": "eh1 1yz"}, "3 breaks near EH1 1YZ – Find a break"),
        ({"postcode": "EH1 1YZ", "within": 5}, "2 breaks within 5 miles of EH1 1YZ – Find a break"),
        (
            {"q": "swim", "postcode": "EH1 1YZ", "within": 5},
            "1 break matching ‘swim’ within 5 miles of EH1 1YZ – Find a break",
        ),
        ({"kind": "activity"}, "2 breaks found – Find a break"),
        ({"q": "zzz"}, "0 breaks matching ‘zzz’ – Find a break"),
        ({"q": "<b>"}, "0 breaks matching ‘&lt;b&gt;’ – Find a break"),
        ({"age": "twelve"}, "Error: Find a break"),
        ({"postcode": "BT1 1AA"}, "Error: Find a break"),
    ],
)
def test_search_results_say_in_the_title_what_was_found(client, edinburgh, params, expected):
    assert title(client.get(SEARCH, params)) == f"{expected} – Breakthrough"


def test_a_long_list_says_which_page_in_the_title(client, db):
    for n in range(25):
        OfferFactory(title=f"Club {n:02d}", kind=OfferKind.ACTIVITY)
    assert (
        title(client.get(SEARCH, {"kind": "activity"})) == "25 breaks found (page 1 of 2) – Find a break – Breakthrough"
    )
    assert (
        title(client.get(SEARCH, {"kind": "activity", "page": 2}))
        == "25 breaks found (page 2 of 2) – Find a break – Breakthrough"
    )


def test_the_page_check_finds_an_error_summary_without_the_prefix_and_an_unstyled_input():
    summary = '<div class="govuk-error-summary" data-module="govuk-error-summary">'

    def page(title_text, body):
        return HttpResponse(f"<html><head><title>{title_text}</title></head><body>{body}</body></html>")

    assert page_problems("/x/", page("Error: Book – Breakthrough", summary)) == []
    assert page_problems("/x/", page("Book – Breakthrough", summary))
    assert page_problems("/x/", page("Error: Book – Breakthrough", "<p>fine</p>"))
    assert page_problems("/x/", page("Book", '<input type="number" name="age" class="numberinput">'))
    assert page_problems("/x/", page("Book", '<input type="number" class="numberinput govuk-input--width-3">'))
    assert page_problems("/x/", page("Book", '<input type="hidden" name="csrfmiddlewaretoken">')) == []
    assert page_problems("/x/", page("Book", '<input type="text" class="govuk-input" name="q">')) == []
    assert page_problems("/admin/x/", page("Admin", '<input type="text" name="q">')) == []
    assert page_problems("/x/", HttpResponse("{}", content_type="application/json")) == []


def test_a_past_stay_date_is_an_error_page(client_for, carer_a):
    """The stay page (a GET form) re-shown with a message by the field."""
    cottage = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH)
    from tests.factories import NightFactory

    NightFactory(offer=cottage, date=timezone.localdate() + datetime.timedelta(days=3))
    url = reverse("brokerage:bookings:stay", kwargs={"offer_pk": cottage.pk})
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = client_for(carer_a.user).get(
        url, {"first_night_0": past.day, "first_night_1": past.month, "first_night_2": past.year, "nights": 1}
    )
    assert title(response).startswith("Error: ")
