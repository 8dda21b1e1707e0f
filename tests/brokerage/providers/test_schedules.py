"""Managing a repeating session: end it early, or change the places of every coming session. Sessions with
bookings holding places are never cancelled or shrunk below what is taken, and the directory's "has places"
follows every change."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.availability import offers_refresh_places_until
from brokerage.directory.selectors import offer_search
from brokerage.models import Booking, Schedule, Session
from brokerage.providers import services

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"brokerage:providers:{name}", kwargs=kwargs)


def _date(prefix, day: datetime.date) -> dict:
    return {f"{prefix}_0": str(day.day), f"{prefix}_1": str(day.month), f"{prefix}_2": str(day.year)}


def _long(day: datetime.date) -> str:
    return f"{day:%A %-d %B %Y}"


def actions(obj):
    return list(AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("pk").values_list("action", flat=True))


@pytest.fixture
def first(offer):
    return timezone.localdate() + datetime.timedelta(days=2)


@pytest.fixture
def schedule(offer, provider_user, first):
    """Six weekly sessions of 4 places, the first in two days."""
    return services.schedule_create(
        offer=offer,
        weekday=first.weekday(),
        starts_at=datetime.time(10),
        ends_at=datetime.time(12),
        places=4,
        first_date=first,
        last_date=first + datetime.timedelta(weeks=5),
        by=provider_user,
    )


def sessions(schedule) -> list[Session]:
    return list(Session.objects.filter(schedule=schedule).order_by("starts_at"))


def week(first, n) -> datetime.date:
    return first + datetime.timedelta(weeks=n)


# --- ending a schedule ---------------------------------------------------------------------------


def test_ending_a_schedule_cancels_its_later_sessions_only(schedule, provider_user, first, offer):
    one_off = services.session_create(
        offer=offer,
        date=week(first, 4),
        starts_at=datetime.time(14),
        ends_at=datetime.time(15),
        places=2,
        by=provider_user,
    )
    cancelled = services.schedule_end(schedule=schedule, last_date=week(first, 2), by=provider_user)

    assert cancelled == 3
    assert [s.is_cancelled for s in sessions(schedule)] == [False, False, False, True, True, True]
    schedule.refresh_from_db()
    assert schedule.last_date == week(first, 2)
    one_off.refresh_from_db()
    assert not one_off.is_cancelled
    event = AuditEvent.objects.get(action="brokerage.schedule.ended")
    assert event.data == {"from": week(first, 5).isoformat(), "to": week(first, 2).isoformat(), "cancelled": 3}


def test_a_schedule_can_end_on_a_day_between_its_sessions(schedule, provider_user, first):
    assert (
        services.schedule_end(
            schedule=schedule, last_date=week(first, 3) - datetime.timedelta(days=1), by=provider_user
        )
        == 3
    )
    assert [s.is_cancelled for s in sessions(schedule)] == [False, False, False, True, True, True]


def test_ending_is_refused_naming_the_first_later_date_with_bookings(
    schedule, provider_user, first, carer_a, carer_b_in_x, make_booking
):
    later = sessions(schedule)
    make_booking(carer_a, later[4])  # requested: holds places
    make_booking(carer_b_in_x, later[3], state=Booking.State.CONFIRMED)
    make_booking(carer_a, later[2], state=Booking.State.CONFIRMED)  # on or before the new last date: fine

    with pytest.raises(ValidationError) as error:
        services.schedule_end(schedule=schedule, last_date=week(first, 2), by=provider_user)

    message = error.value.message_dict["last_date"][0]
    assert f"The session on {_long(week(first, 3))} has bookings holding places" in message
    assert not any(s.is_cancelled for s in sessions(schedule))
    schedule.refresh_from_db()
    assert schedule.last_date == week(first, 5)
    assert "brokerage.schedule.ended" not in actions(schedule)


def test_bookings_that_no_longer_hold_places_do_not_stop_the_end(schedule, provider_user, first, carer_a):
    later = sessions(schedule)[5]
    Booking.objects.create(
        carer=carer_a,
        offer=schedule.offer,
        session=later,
        places=1,
        payment_source="free",
        state=Booking.State.DECLINED,
        decline_reason="No staff",
        requested_by=carer_a.user,
    )
    assert services.schedule_end(schedule=schedule, last_date=week(first, 4), by=provider_user) == 1


@pytest.mark.parametrize(
    ("last_date", "words"),
    [
        (lambda first: timezone.localdate() - datetime.timedelta(days=1), "today or in the future"),
        (lambda first: week(first, 5), "It already ends on"),
        (lambda first: week(first, 9), "It already ends on"),
        (lambda first: first - datetime.timedelta(days=1), "It starts on"),
    ],
)
def test_ending_refuses_dates_that_make_no_sense(schedule, provider_user, first, last_date, words):
    with pytest.raises(ValidationError) as error:
        services.schedule_end(schedule=schedule, last_date=last_date(first), by=provider_user)
    assert words in error.value.message_dict["last_date"][0]
    assert not any(s.is_cancelled for s in sessions(schedule))


def test_the_offer_leaves_has_places_when_its_schedule_ends(offer, provider_user):
    """A schedule that has begun (its first session was yesterday): ending it today leaves nothing to book."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    schedule = Schedule.objects.create(
        offer=offer,
        weekday=yesterday.weekday(),
        starts_at=datetime.time(10),
        ends_at=datetime.time(12),
        places=4,
        first_date=yesterday,
        last_date=yesterday + datetime.timedelta(weeks=4),
    )
    assert services.schedule_generate_sessions(schedule=schedule, by=provider_user) == 5
    assert offer in offer_search(has_places=True)

    services.schedule_end(schedule=schedule, last_date=timezone.localdate(), by=provider_user)

    assert offer not in offer_search(has_places=True)
    assert offer in offer_search()


# --- changing places --------------------------------------------------------------------------


def test_change_places_for_every_coming_session(schedule, provider_user, offer):
    coming = sessions(schedule)
    Session.objects.filter(pk=coming[5].pk).update(is_cancelled=True)
    changed = services.schedule_change_places(schedule=schedule, places=6, by=provider_user)
    assert changed == 5
    assert [s.places for s in sessions(schedule)] == [6, 6, 6, 6, 6, 4]  # a cancelled one is left alone
    schedule.refresh_from_db()
    assert schedule.places == 6
    event = AuditEvent.objects.get(action="brokerage.schedule.places_changed")
    assert event.data == {"from": 4, "to": 6, "sessions": 5}
    assert services.schedule_change_places(schedule=schedule, places=6, by=provider_user) == 0
    assert actions(schedule).count("brokerage.schedule.places_changed") == 1


def test_places_never_go_below_what_is_taken_and_the_message_names_the_date(
    schedule, provider_user, first, carer_a, carer_b_in_x, make_booking
):
    coming = sessions(schedule)
    make_booking(carer_a, coming[1], places=2)
    make_booking(carer_b_in_x, coming[3], places=3)
    with pytest.raises(ValidationError) as error:
        services.schedule_change_places(schedule=schedule, places=2, by=provider_user)
    assert error.value.message_dict["places"] == [
        f"The session on {_long(week(first, 3))} already has 3 places taken: choose at least 3"
    ]
    assert {s.places for s in sessions(schedule)} == {4}
    assert services.schedule_change_places(schedule=schedule, places=3, by=provider_user) == 6
    with pytest.raises(ValidationError, match="at least 1 place"):
        services.schedule_change_places(schedule=schedule, places=0, by=provider_user)


def test_sessions_that_have_started_keep_their_places(offer, provider_user):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    schedule = Schedule.objects.create(
        offer=offer,
        weekday=yesterday.weekday(),
        starts_at=datetime.time(10),
        ends_at=datetime.time(12),
        places=4,
        first_date=yesterday,
        last_date=yesterday + datetime.timedelta(weeks=2),
    )
    services.schedule_generate_sessions(schedule=schedule, by=provider_user)
    assert services.schedule_change_places(schedule=schedule, places=9, by=provider_user) == 2
    assert [s.places for s in sessions(schedule)] == [4, 9, 9]


def test_more_places_on_full_sessions_puts_the_offer_back_in_has_places(schedule, provider_user, offer):
    Session.objects.filter(schedule=schedule).update(places_taken=4)
    offers_refresh_places_until()
    assert offer not in offer_search(has_places=True)
    services.schedule_change_places(schedule=schedule, places=5, by=provider_user)
    assert offer in offer_search(has_places=True)


# --- pages --------------------------------------------------------------------------------------


def test_the_offer_page_links_to_managing_each_running_schedule(provider_client, offer, schedule):
    html = provider_client.get(url("offer_detail", pk=offer.pk)).content.decode()
    assert url("schedule_end", pk=schedule.pk) in html
    assert url("schedule_places", pk=schedule.pk) in html
    Schedule.objects.filter(pk=schedule.pk).update(
        first_date=timezone.localdate() - datetime.timedelta(days=30),
        last_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    html = provider_client.get(url("offer_detail", pk=offer.pk)).content.decode()
    assert url("schedule_end", pk=schedule.pk) not in html
    assert "(ended)" in html


def test_end_a_schedule_page(provider_client, schedule, first, offer):
    page = provider_client.get(url("schedule_end", pk=schedule.pk))
    assert page.status_code == 200
    assert "End this repeating session" in page.content.decode()
    done = provider_client.post(url("schedule_end", pk=schedule.pk), _date("last_date", week(first, 1)))
    assert done.status_code == 302
    assert done.url == url("offer_detail", pk=offer.pk)
    assert [s.is_cancelled for s in sessions(schedule)] == [False, False, True, True, True, True]
    follow = provider_client.get(done.url).content.decode()
    assert "4 later sessions are cancelled" in follow


def test_end_a_schedule_page_bad_input_keeps_values_and_shows_the_message_by_the_field(
    provider_client, schedule, first, carer_a, make_booking
):
    blank = provider_client.post(url("schedule_end", pk=schedule.pk), {})
    assert blank.context["form"].errors == {"last_date": ["Enter the new last date"]}
    assert "<title>Error:" in blank.content.decode()

    impossible = provider_client.post(
        url("schedule_end", pk=schedule.pk), {**_date("last_date", first), "last_date_0": "32"}
    )
    assert "real date" in impossible.context["form"].errors["last_date"][0]
    assert 'value="32"' in impossible.content.decode()

    make_booking(carer_a, sessions(schedule)[4])
    refused = provider_client.post(url("schedule_end", pk=schedule.pk), _date("last_date", week(first, 1)))
    assert refused.status_code == 200
    html = refused.content.decode()
    message = f"The session on {_long(week(first, 4))} has bookings holding places"
    assert message in refused.context["form"].errors["last_date"][0]
    assert html.count(message) == 2  # in the error summary and beside the field
    beside_the_field = 'id="id_last_date_1_error" class="govuk-error-message"> <span class="govuk-visually-hidden">'
    assert f"{beside_the_field}Error:</span> {message}" in html
    assert f'value="{week(first, 1).day}"' in html
    assert "<title>Error:" in html
    assert not any(s.is_cancelled for s in sessions(schedule))


def test_change_places_page(provider_client, schedule, first, carer_a, make_booking):
    make_booking(carer_a, sessions(schedule)[2], places=3)
    page = provider_client.get(url("schedule_places", pk=schedule.pk))
    html = page.content.decode()
    assert 'value="4"' in html
    assert "This changes 6 coming sessions." in html
    assert "The most places taken on one of them is 3." in html

    refused = provider_client.post(url("schedule_places", pk=schedule.pk), {"places": "2"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["places"] == [
        f"The session on {_long(week(first, 2))} already has 3 places taken: choose at least 3"
    ]
    assert 'value="2"' in refused.content.decode()
    words = provider_client.post(url("schedule_places", pk=schedule.pk), {"places": "lots"})
    assert "whole number" in words.context["form"].errors["places"][0]
    assert 'value="lots"' in words.content.decode()

    assert provider_client.post(url("schedule_places", pk=schedule.pk), {"places": "7"}).status_code == 302
    assert {s.places for s in sessions(schedule)} == {7}


def test_another_providers_schedule_is_404_and_untouched(client_for, schedule, rival, carer_a, x, first):
    for user in (rival.user, carer_a.user, x.broker):
        client = client_for(user)
        for name, data in (("schedule_end", _date("last_date", first)), ("schedule_places", {"places": "1"})):
            assert client.get(url(name, pk=schedule.pk)).status_code == 404, (user, name)
            assert client.post(url(name, pk=schedule.pk), data).status_code == 404, (user, name)
    schedule.refresh_from_db()
    assert (schedule.places, schedule.last_date) == (4, week(first, 5))
    assert not any(s.is_cancelled for s in sessions(schedule))
