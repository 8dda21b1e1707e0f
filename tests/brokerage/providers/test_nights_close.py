"""Closing nights of a bookable property: open nights with no places taken go, all or nothing; a night with
places taken refuses the whole range, naming it; the directory's "has places" follows."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.directory.selectors import offer_search
from brokerage.models import Booking, BookingNight, Night
from brokerage.providers import services

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"brokerage:providers:{name}", kwargs=kwargs)


def _date(prefix, day: datetime.date) -> dict:
    return {f"{prefix}_0": str(day.day), f"{prefix}_1": str(day.month), f"{prefix}_2": str(day.year)}


def day(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def open_dates(offer) -> list[datetime.date]:
    return list(Night.objects.filter(offer=offer).order_by("date").values_list("date", flat=True))


@pytest.fixture
def opened(cottage, provider_user):
    """Nights open from 10 to 19 days ahead, 2 places each."""
    services.nights_open(offer=cottage, first_date=day(10), last_date=day(19), places=2, by=provider_user)
    return cottage


def test_closing_removes_the_open_nights_in_the_range_and_is_safe_to_repeat(opened, provider_user):
    assert services.nights_close(offer=opened, first_date=day(12), last_date=day(14), by=provider_user) == 3
    assert open_dates(opened) == [day(n) for n in (10, 11, 15, 16, 17, 18, 19)]
    event = AuditEvent.objects.get(action="brokerage.offer.nights_closed")
    assert event.data == {"from": day(12).isoformat(), "to": day(14).isoformat(), "closed": 3}
    assert services.nights_close(offer=opened, first_date=day(12), last_date=day(14), by=provider_user) == 0
    assert AuditEvent.objects.filter(action="brokerage.offer.nights_closed").count() == 1
    # A range wider than what is open closes what there is.
    assert services.nights_close(offer=opened, first_date=day(1), last_date=day(11), by=provider_user) == 2


def test_closing_is_refused_naming_the_first_night_with_places_taken(opened, provider_user, carer_a, make_stay):
    make_stay(carer_a, opened, day(16), nights=2)
    make_stay(carer_a, opened, day(13), nights=1, state=Booking.State.REQUESTED)
    with pytest.raises(ValidationError) as error:
        services.nights_close(offer=opened, first_date=day(10), last_date=day(19), by=provider_user)
    assert error.value.message_dict["first_date"] == [
        f"The night of {day(13):%A %-d %B %Y} has places taken. Close nights before or after it, "
        "or decline or cancel its bookings first"
    ]
    assert len(open_dates(opened)) == 10  # nothing closed
    assert services.nights_close(offer=opened, first_date=day(10), last_date=day(12), by=provider_user) == 3


def test_a_night_a_cancelled_stay_once_held_can_be_closed(opened, provider_user, carer_a, make_stay):
    stay = make_stay(carer_a, opened, day(11), nights=2, state=Booking.State.CANCELLED)
    assert services.nights_close(offer=opened, first_date=day(10), last_date=day(13), by=provider_user) == 4
    stay.refresh_from_db()
    assert (stay.state, stay.first_night, stay.nights) == (Booking.State.CANCELLED, day(11), 2)
    assert not BookingNight.objects.filter(booking=stay).exists()


@pytest.mark.parametrize(
    ("first", "last", "field", "words"),
    [
        (-1, 3, "first_date", "today or in the future"),
        (12, 11, "last_date", "same as or after the first night"),
        (10, 400, "last_date", "at most a year"),
    ],
)
def test_closing_refuses_dates_that_make_no_sense(opened, provider_user, first, last, field, words):
    with pytest.raises(ValidationError) as error:
        services.nights_close(offer=opened, first_date=day(first), last_date=day(last), by=provider_user)
    assert words in error.value.message_dict[field][0]
    assert len(open_dates(opened)) == 10


def test_only_a_property_has_nights_to_close(offer, provider_user):
    with pytest.raises(ValidationError, match="Only a bookable property"):
        services.nights_close(offer=offer, first_date=day(1), last_date=day(2), by=provider_user)


def test_the_property_leaves_has_places_when_its_last_open_nights_close(opened, provider_user):
    assert opened in offer_search(has_places=True)
    services.nights_close(offer=opened, first_date=day(15), last_date=day(19), by=provider_user)
    assert opened in offer_search(has_places=True)
    services.nights_close(offer=opened, first_date=day(10), last_date=day(14), by=provider_user)
    assert opened not in offer_search(has_places=True)


# --- the page ------------------------------------------------------------------------------------


def test_close_nights_page(provider_client, opened):
    detail = provider_client.get(url("offer_detail", pk=opened.pk)).content.decode()
    assert url("nights_close", pk=opened.pk) in detail
    assert provider_client.get(url("nights_close", pk=opened.pk)).status_code == 200
    done = provider_client.post(
        url("nights_close", pk=opened.pk), {**_date("first_date", day(10)), **_date("last_date", day(11))}
    )
    assert done.status_code == 302
    assert done.url == url("offer_detail", pk=opened.pk)
    assert "2 nights are closed." in provider_client.get(done.url).content.decode()
    assert len(open_dates(opened)) == 8


def test_close_nights_page_bad_input_keeps_values_and_shows_the_message_by_the_field(
    provider_client, opened, carer_a, make_stay
):
    make_stay(carer_a, opened, day(15), nights=1)
    post = {**_date("first_date", day(12)), **_date("last_date", day(18))}
    refused = provider_client.post(url("nights_close", pk=opened.pk), post)
    assert refused.status_code == 200
    html = refused.content.decode()
    message = f"The night of {day(15):%A %-d %B %Y} has places taken."
    assert message in refused.context["form"].errors["first_date"][0]
    assert html.count(message) == 2  # the error summary and beside the field
    assert 'id="id_first_date_1_error"' in html
    assert "<title>Error:" in html
    assert f'value="{day(18).day}"' in html
    assert len(open_dates(opened)) == 10

    backwards = provider_client.post(
        url("nights_close", pk=opened.pk), {**_date("first_date", day(12)), **_date("last_date", day(11))}
    )
    assert "after the first night" in backwards.context["form"].errors["last_date"][0]
    blank = provider_client.post(url("nights_close", pk=opened.pk), {})
    assert set(blank.context["form"].errors) == {"first_date", "last_date"}


def test_close_nights_is_404_for_a_session_offer_and_to_anyone_outside_the_provider(
    provider_client, client_for, offer, opened, rival, carer_a, x
):
    assert provider_client.get(url("nights_close", pk=offer.pk)).status_code == 404
    post = {**_date("first_date", day(10)), **_date("last_date", day(19))}
    for user in (rival.user, carer_a.user, x.broker):
        client = client_for(user)
        assert client.get(url("nights_close", pk=opened.pk)).status_code == 404
        assert client.post(url("nights_close", pk=opened.pk), post).status_code == 404
    assert len(open_dates(opened)) == 10
