"""Choosing the dates of a stay at a property: the first night and the number of nights."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from brokerage.models import BreakFor, OfferKind
from tests.factories import NightFactory, OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def cottage(db, today):
    """A property open every night from 3 to 9 days ahead, and 60 days ahead; the night 6 days ahead is full."""
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, title="Seaview cottage")
    for days in range(3, 10):
        NightFactory(offer=offer, date=today + datetime.timedelta(days=days), places_taken=1 if days == 6 else 0)
    NightFactory(offer=offer, date=today + datetime.timedelta(days=60))
    return offer


def stay_url(offer, carer=None):
    if carer is not None:
        return reverse("brokerage:bookings:staff_stay", kwargs={"offer_pk": offer.pk, "carer_pk": carer.pk})
    return reverse("brokerage:bookings:stay", kwargs={"offer_pk": offer.pk})


def answer(day: datetime.date | None, nights) -> dict:
    date = {"first_night_0": "", "first_night_1": "", "first_night_2": ""}
    if day is not None:
        date = {"first_night_0": day.day, "first_night_1": day.month, "first_night_2": day.year}
    return {**date, "nights": nights}


def test_the_page_shows_the_nights_open_in_the_next_eight_weeks(client_for, carer_a, cottage, today):
    response = client_for(carer_a.user).get(stay_url(cottage))
    assert response.status_code == 200
    assert [n.date for n in response.context["nights"]] == [today + datetime.timedelta(days=d) for d in range(3, 10)]
    html = response.content.decode()
    assert "Nights free in the next 8 weeks" in html
    assert "Taken" in html
    assert "Free" in html
    assert "Places free" not in html
    assert 'name="first_night_0"' in html
    assert 'name="nights"' in html


def test_a_good_answer_continues_to_the_nights_booking_page(client_for, carer_a, cottage, today):
    client = client_for(carer_a.user)
    first = today + datetime.timedelta(days=3)
    response = client.get(stay_url(cottage), answer(first, 2))
    book = reverse("brokerage:bookings:book_nights", kwargs={"offer_pk": cottage.pk})
    assert response.status_code == 302
    assert response.url == f"{book}?from={first.isoformat()}&nights=2"
    page = client.get(response.url)
    assert page.status_code == 200
    assert page.context["stay"] == {"first_night": first, "nights": 2}


@pytest.mark.parametrize(
    ("days", "nights", "field", "message"),
    [
        (None, "2", "first_night", "Enter the first night of the stay"),
        (0, "2", "first_night", "The first night must be in the future"),
        (-5, "2", "first_night", "The first night must be in the future"),
        (20, "2", "first_night", "The property is not open on"),
        (3, "", "nights", "Enter the number of nights"),
        (3, "0", "nights", "The stay must be at least 1 night"),
        (3, "15", "nights", "The stay can be at most 14 nights"),
        (3, "two", "nights", "Enter the number of nights as a whole number, like 3"),
    ],
)
def test_bad_answers_get_a_message_beside_the_field_and_keep_the_values(
    client_for, carer_a, cottage, today, days, nights, field, message
):
    day = None if days is None else today + datetime.timedelta(days=days)
    response = client_for(carer_a.user).get(stay_url(cottage), answer(day, nights))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert "There is a problem" in html
    assert html.count(message) >= 2  # in the summary and beside the field
    if nights:
        assert f'value="{nights}"' in html
    if day is not None:
        assert f'value="{day.year}"' in html


def test_an_incomplete_date_is_an_error(client_for, carer_a, cottage, today):
    data = {"first_night_0": "12", "first_night_1": "", "first_night_2": str(today.year + 1), "nights": "2"}
    response = client_for(carer_a.user).get(stay_url(cottage), data)
    assert response.status_code == 200
    assert response.context["form"].errors["first_night"]


def test_a_stay_over_full_or_closed_nights_says_which(client_for, carer_a, cottage, today):
    client = client_for(carer_a.user)
    response = client.get(stay_url(cottage), answer(today + datetime.timedelta(days=5), 3))
    full_night = today + datetime.timedelta(days=6)
    errors = response.context["form"].errors["nights"]
    assert errors == [f"The property is full on {full_night:%A} {full_night.day} {full_night:%B %Y}"]

    response = client.get(stay_url(cottage), answer(today + datetime.timedelta(days=8), 4))
    closed = [today + datetime.timedelta(days=d) for d in (10, 11)]
    words = " and ".join(f"{d:%A} {d.day} {d:%B %Y}" for d in closed)
    assert response.context["form"].errors["nights"] == [f"The property is not open on {words}"]


def test_a_night_beyond_the_eight_weeks_shown_can_still_be_chosen(client_for, carer_a, cottage, today):
    response = client_for(carer_a.user).get(stay_url(cottage), answer(today + datetime.timedelta(days=60), 1))
    assert response.status_code == 302


def test_a_date_from_the_link_fills_the_form(client_for, carer_a, cottage, today):
    first = today + datetime.timedelta(days=4)
    response = client_for(carer_a.user).get(stay_url(cottage), {"from": first.isoformat()})
    assert response.context["form"].is_bound is False
    assert f'value="{first.day}"' in response.content.decode()


def test_only_properties_have_a_stay_page(client_for, carer_a):
    session = SessionFactory()
    assert client_for(carer_a.user).get(stay_url(session.offer)).status_code == 404


def test_staff_choose_dates_for_a_carer_in_their_partnership_only(client_for, carer_a, cottage, today, x, y):
    first = today + datetime.timedelta(days=3)
    response = client_for(x.broker).get(stay_url(cottage, carer_a), answer(first, 1))
    book = reverse("brokerage:bookings:staff_book_nights", kwargs={"offer_pk": cottage.pk, "carer_pk": carer_a.pk})
    assert response.url == f"{book}?from={first.isoformat()}&nights=1"
    assert client_for(y.broker).get(stay_url(cottage, carer_a)).status_code == 404
    # Staff do not use the carer's own page.
    assert client_for(x.broker).get(stay_url(cottage)).status_code == 404
