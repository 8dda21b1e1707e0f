"""Odd dates get a message by the field, never a server error, in every date field of the project.

A year of 99999999999999999999 gave a 500 in the directory and its calendar (for anyone, signed in or not), the
finance exports, stay dates, a date of birth and a case note. Every date input now goes through one field,
breakthrough.forms.DayMonthYearField. The field test below finds every date field in every form by walking the
project's forms, so a new one is covered without being listed; the page tests throw the same values over HTTP at
the GET filters of /breaks/ and /breaks/calendar/ and at the named pages.
"""

import datetime
import re
from html import escape

import pytest
from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from breakthrough.forms import EARLIEST_YEAR, LATEST_YEAR, DayMonthYearField
from brokerage.models import BreakFor, OfferKind, PriceUnit
from tests.brokerage.referrals.factories import ReferralFactory
from tests.factories import NightFactory, OfferFactory
from tests.project_forms import project_fields, project_forms

pytestmark = pytest.mark.django_db

ODD = [
    "",
    " ",
    "0",
    "00",
    "-1",
    "-2027",
    "99999999999999999999",
    "9" * 5000,  # longer than int() reads by default
    "1e3",
    "12.0",
    "+5",
    "0x1F",
    "NaN",
    "∞",
    "²",
    "٢٧",  # Arabic-Indic digits
    "２０２７",  # full-width digits
    "१२",  # Devanagari
    "1\x00",
    "\x00",
    " 12 ",
    "\t3\n",
    "1 2",
    "\u202e12",
    "0000",
    "0999",
    "2101",
    "1899",
    "31",
    "29",
    "13",
]
part = st.one_of(
    st.sampled_from(ODD),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.integers(min_value=0, max_value=40).map(str),
    st.integers(min_value=1890, max_value=2110).map(str),
    st.text(max_size=8),
)
RUNS = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
RUNS_HTTP = settings(RUNS, max_examples=30)
GENERIC = {"Enter a valid date", "Enter a valid month", "Enter a valid year", "Null characters are not allowed."}


def _date_fields():
    return project_fields(DateInputField)


def test_every_date_input_in_the_project_is_the_shared_field():
    fields = _date_fields()
    named = {(form, name) for form, name, _ in fields}
    # The ones the issue names, so the walk cannot quietly find nothing.
    assert {
        ("DirectorySearchForm", "date"),
        ("FinanceExportForm", "starts_on"),
        ("FinanceExportForm", "ends_on"),
        ("StayForm", "first_night"),
        ("PersonDateOfBirthForm", "date_of_birth"),
        ("CaseNoteForm", "contacted_on"),
    } <= named
    assert [f"{form}.{name}" for form, name, field in fields if not isinstance(field, DayMonthYearField)] == []
    # No other kind of date input anywhere: a Django DateField (or one a ModelForm makes from a model's) is
    # a single box the GOV.UK pattern does not use, and would escape the checks below.
    others = [
        f"{form.__name__}.{name}"
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
    ]
    assert others == []


@pytest.mark.parametrize(("form", "name", "field"), _date_fields(), ids=lambda v: v if isinstance(v, str) else "")
@RUNS
@given(day=part, month=part, year=part)
@example(day="1", month="1", year="99999999999999999999")
@example(day="31", month="12", year=str(LATEST_YEAR))
@example(day="1", month="1", year=str(EARLIEST_YEAR))
@example(day="1\x00", month="٣", year="２０２７")
def test_odd_days_months_and_years_get_a_message_never_an_exception(form, name, field, day, month, year):
    try:
        value = field.clean([day, month, year])
    except ValidationError as error:
        messages = error.messages
        assert messages
        assert all(message and not GENERIC.intersection([message]) for message in messages), messages
        return
    if value is not None:
        assert isinstance(value, datetime.date)
        assert EARLIEST_YEAR <= value.year <= LATEST_YEAR


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("1", "1", "99999999999999999999"), "The date must have a year with 4 numbers, like 2027"),
        (("1", "1", "0"), "The date must have a year with 4 numbers, like 2027"),
        (("1", "1", "0999"), "The date must be in a year from 1900 to 2100"),
        (("1", "1", "3000"), "The date must be in a year from 1900 to 2100"),
        (("0", "1", "2027"), "The date must be a real date, like 27 3 2027"),
        (("-1", "1", "2027"), "The date must be a real date, like 27 3 2027"),
        (("1\x00", "1", "2027"), "The date must be a real date, like 27 3 2027"),
        (("31", "2", "2027"), "The date must be a real date, like 27 3 2027"),
        (("1", "", "2027"), "Enter the date as a day, month and year, like 27 3 2027"),
    ],
)
def test_the_messages_say_what_to_do(parts, message):
    with pytest.raises(ValidationError) as caught:
        DayMonthYearField(required=False).clean(list(parts))
    assert caught.value.messages == [message]


def test_digits_of_any_script_and_spaces_around_them_are_read_as_the_numbers_they_are():
    field = DayMonthYearField()
    assert field.clean(["٢٧", " ３ ", "2027"]) == datetime.date(2027, 3, 27)


def test_a_date_of_birth_with_a_huge_year_says_so_and_is_not_in_the_future():
    from brokerage.forms import PersonDateOfBirthForm

    form = PersonDateOfBirthForm(
        {"date_of_birth_0": "1", "date_of_birth_1": "1", "date_of_birth_2": "99999999999999999999"}
    )
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == ["Their date of birth must have a year with 4 numbers, like 2027"]


# --- over HTTP -------------------------------------------------------------------------------


def _date(name: str, day, month, year) -> dict:
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def _assert_message_by_the_field(response, field: str) -> None:
    """A page, not an error: if the form has errors they are on the date field, and the page shows them."""
    assert response.status_code == 200
    form = response.context["form"]
    if form.errors:
        assert set(form.errors) <= {field, "__all__"} or field in form.errors, dict(form.errors)
        page = response.content.decode()
        for message in form.errors.get(field, []):
            assert escape(message, quote=False) in page or escape(message) in page


@RUNS_HTTP
@given(day=part, month=part, year=part)
@example(day="1", month="1", year="99999999999999999999")
def test_the_public_directory_answers_any_date_filter_with_a_page(client, day, month, year):
    response = client.get(reverse("brokerage:directory:search"), _date("date", day, month, year))
    _assert_message_by_the_field(response, "date")
    if response.context["form"].errors:
        assert set(response.context["form"].errors) == {"date"}


@RUNS_HTTP
@given(day=part, month=part, year=part, month_param=st.one_of(st.sampled_from(ODD), st.text(max_size=10)))
@example(day="1", month="1", year="99999999999999999999", month_param="99999999999999999999-1")
@example(day="", month="", year="", month_param="9999-12")
@example(day="", month="", year="", month_param="0001-01")
@example(day="", month="", year="", month_param="2100-12")
def test_the_public_calendar_answers_any_date_and_month_with_a_page(client_for, carer_a, day, month, year, month_param):
    for client in (client_for(carer_a.user), None):
        from django.test import Client

        client = client or Client()
        query = {"month": month_param, **_date("date", day, month, year)}
        response = client.get(reverse("brokerage:directory:calendar"), query)
        _assert_message_by_the_field(response, "date")


def test_a_signed_in_carer_gets_a_message_for_a_huge_year_in_the_directory(client_for, carer_a):
    response = client_for(carer_a.user).get(
        reverse("brokerage:directory:search"), _date("date", "1", "1", "99999999999999999999")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"date": ["The date must have a year with 4 numbers, like 2027"]}
    assert "<title>Error:" in response.content.decode()


@RUNS_HTTP
@given(day=part, month=part, year=part)
@example(day="1", month="1", year="99999999999999999999")
@example(day="", month="", year=" ")  # only a space: still "Enter the first day", not an empty date and a 500
@example(day="1", month="1", year="1900")  # the message is by the first day, not "the period is too long"
def test_the_finance_exports_answer_any_first_day_with_a_message_or_a_file(client_for, x, day, month, year):
    query = {"what": "postings", **_date("starts_on", day, month, year), **_date("ends_on", "31", "3", "2026")}
    response = client_for(x.broker).get(reverse("brokerage:funds_carer:finance_exports"), query)
    assert response.status_code == 200
    if response["Content-Type"].startswith("text/html"):
        _assert_message_by_the_field(response, "starts_on")
        assert response.context["form"].errors


@pytest.fixture
def cottage(db):
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, price_pence=4000, price_unit=PriceUnit.NIGHT)
    start = timezone.localdate() + datetime.timedelta(days=14)
    for i in range(3):
        NightFactory(offer=offer, date=start + datetime.timedelta(days=i))
    return offer


@RUNS_HTTP
@given(day=part, month=part, year=part, nights=st.one_of(st.sampled_from(ODD), st.text(max_size=4)))
@example(day="1", month="1", year="99999999999999999999", nights="2")
@example(day="31", month="12", year="2100", nights="14")
def test_stay_dates_answer_any_first_night_with_a_message_or_the_next_step(
    client_for, carer_a, cottage, day, month, year, nights
):
    client = client_for(carer_a.user)
    query = {**_date("first_night", day, month, year), "nights": nights}
    response = client.get(reverse("brokerage:bookings:stay", kwargs={"offer_pk": cottage.pk}), query)
    if response.status_code == 302:
        return
    _assert_message_by_the_field(response, "first_night")


@RUNS_HTTP
@given(first=st.one_of(st.sampled_from(ODD), st.text(max_size=12)), nights=st.sampled_from(["1", "2", "28", "٢"]))
@example(first="9999-12-31", nights="28")
@example(first="0001-01-01", nights="1")
@example(first="99999999999999999999-01-01", nights="1")
def test_a_stay_link_with_an_odd_date_is_not_found_never_an_error(client_for, carer_a, cottage, first, nights):
    client = client_for(carer_a.user)
    book = reverse("brokerage:bookings:book_nights", kwargs={"offer_pk": cottage.pk})
    assert client.get(book, {"from": first, "nights": nights}).status_code in (200, 302, 404)
    stay = reverse("brokerage:bookings:stay", kwargs={"offer_pk": cottage.pk})
    assert client.get(stay, {"from": first}).status_code == 200


@RUNS_HTTP
@given(day=part, month=part, year=part)
@example(day="1", month="1", year="99999999999999999999")
def test_a_date_of_birth_gets_a_message_by_the_field(client_for, carer_a, day, month, year):
    url = reverse("brokerage:person_step", kwargs={"pk": carer_a.person.pk, "step": "date-of-birth"})
    response = client_for(carer_a.user).post(url, _date("date_of_birth", day, month, year))
    if response.status_code == 302:
        return
    _assert_message_by_the_field(response, "date_of_birth")
    assert response.context["form"].errors


@pytest.fixture
def referral(carer_a):
    return ReferralFactory(carer=carer_a)


@RUNS_HTTP
@given(day=part, month=part, year=part)
@example(day="1", month="1", year="99999999999999999999")
def test_a_case_note_date_gets_a_message_by_the_field(client_for, x, referral, day, month, year):
    url = reverse("brokerage:referrals:note_add", kwargs={"pk": referral.pk})
    response = client_for(x.broker).post(url, {**_date("contacted_on", day, month, year), "kind": "visit", "text": "x"})
    if response.status_code == 302:
        return
    _assert_message_by_the_field(response, "contacted_on")
    assert "contacted_on" in response.context["form"].errors
    assert re.search(r"<title>Error:", response.content.decode())
