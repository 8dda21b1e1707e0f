"""Attendance for stays at a bookable property: one page per property lists the confirmed stays that began in
the last four weeks, saved together through the bookings service, as a session's page does."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.models import Booking
from tests.factories import CarerFactory, UserFactory, cares_for

pytestmark = pytest.mark.django_db

STAY_ATTENDANCE_QUERIES = 8  # session, user, MFA; the offer (+ features, audit); the stays and who is going


def url(name, **kwargs):
    return reverse(f"brokerage:providers:{name}", kwargs=kwargs)


def day(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def actions(obj):
    return list(AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("pk").values_list("action", flat=True))


def test_the_page_lists_confirmed_stays_that_began_in_the_last_four_weeks(
    provider_client, cottage, carer_a, carer_b_in_x, make_stay, make_booking, session
):
    tonight = make_stay(carer_a, cottage, day(0), nights=3)
    last_week = make_stay(carer_b_in_x, cottage, day(-7), nights=2, state=Booking.State.ATTENDED)
    edge = make_stay(carer_a, cottage, day(-28), nights=1, state=Booking.State.NO_SHOW)
    left_out = [
        make_stay(carer_a, cottage, day(-29), nights=1),  # too long ago
        make_stay(carer_a, cottage, day(1), nights=1),  # not begun
        make_stay(carer_b_in_x, cottage, day(-3), nights=1, state=Booking.State.REQUESTED),
        make_stay(carer_b_in_x, cottage, day(-4), nights=1, state=Booking.State.CANCELLED),
    ]
    response = provider_client.get(url("stay_attendance", pk=cottage.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert [row["booking"] for row in response.context["rows"]] == [edge, last_week, tonight]
    assert [row["value"] for row in response.context["rows"]] == ["no_show", "attended", ""]
    for stay in left_out:
        assert f"attendance-{stay.pk}" not in html
    assert f"3 nights from {day(0):%a %-d %b %Y}" in html  # each stay's dates in its legend
    assert '<h1 class="govuk-heading-l">Attendance for stays</h1>' in html
    assert url("offer_detail", pk=cottage.pk) in html  # back link


def test_stay_attendance_is_saved_in_one_post_with_a_message_per_row(
    provider_client, cottage, carer_a, carer_b_in_x, make_stay
):
    first = make_stay(carer_a, cottage, day(-2), nights=3)
    second = make_stay(carer_b_in_x, cottage, day(-1), nights=1)
    target = url("stay_attendance", pk=cottage.pk)

    missing = provider_client.post(target, {f"attendance-{first.pk}": "no_show"})
    assert missing.status_code == 200
    html = missing.content.decode()
    assert "<title>Error:" in html
    assert f'id="attendance-{second.pk}-error"' in html
    assert f'href="#attendance-{second.pk}"' in html  # the error summary links to the row
    assert f'id="attendance-{first.pk}-error"' not in html
    assert f'name="attendance-{first.pk}" type="radio" value="no_show" checked' in html  # kept
    first.refresh_from_db()
    assert first.state == Booking.State.CONFIRMED  # nothing saved until every row is answered

    done = provider_client.post(target, {f"attendance-{first.pk}": "no_show", f"attendance-{second.pk}": "attended"})
    assert done.status_code == 302
    assert done.url == url("offer_detail", pk=cottage.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Booking.State.NO_SHOW, Booking.State.ATTENDED)
    assert "brokerage.booking.no_show" in actions(first)
    assert "brokerage.booking.attended" in actions(second)

    # Changing a recorded answer is allowed; an unchanged one is not written again.
    provider_client.post(target, {f"attendance-{first.pk}": "attended", f"attendance-{second.pk}": "attended"})
    first.refresh_from_db()
    assert first.state == Booking.State.ATTENDED
    assert actions(second).count("brokerage.booking.attended") == 1


def test_a_rubbish_answer_is_an_error_not_a_500(provider_client, cottage, carer_a, make_stay):
    stay = make_stay(carer_a, cottage, day(-1), nights=1)
    response = provider_client.post(url("stay_attendance", pk=cottage.pk), {f"attendance-{stay.pk}": "maybe"})
    assert response.status_code == 200
    assert "Select attended or did not attend" in response.content.decode()


def test_with_no_stays_the_page_says_so(provider_client, cottage):
    html = provider_client.get(url("stay_attendance", pk=cottage.pk)).content.decode()
    assert "No confirmed stays began in the last 28 days." in html
    assert "Save attendance" not in html


def test_the_page_takes_the_same_queries_for_2_or_20_stays(provider_client, cottage, x, make_stay):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert provider_client.get(url("stay_attendance", pk=cottage.pk)).status_code == 200
        return len(queries)

    def add(n):
        for i in range(n):
            carer = CarerFactory(user=UserFactory(), locality=x.locality)
            carer.person = cares_for(carer)
            stay = make_stay(carer, cottage, day(-(i % 20)), nights=1)
            stay.cared_for.add(cares_for(carer))

    add(2)
    few = count()
    add(18)
    assert few == count() == STAY_ATTENDANCE_QUERIES


def test_the_offer_page_and_a_stays_booking_page_link_to_stay_attendance(provider_client, cottage, carer_a, make_stay):
    target = url("stay_attendance", pk=cottage.pk)
    assert target in provider_client.get(url("offer_detail", pk=cottage.pk)).content.decode()
    begun = make_stay(carer_a, cottage, day(-1), nights=2)
    assert target in provider_client.get(url("booking_detail", pk=begun.pk)).content.decode()
    coming = make_stay(carer_a, cottage, day(5), nights=2)
    html = provider_client.get(url("booking_detail", pk=coming.pk)).content.decode()
    assert target not in html
    assert f"You can record attendance for this stay from its first night, {day(5):%-d %B %Y}." in html
    requested = make_stay(carer_a, cottage, day(-1), nights=1, state=Booking.State.REQUESTED)
    assert target not in provider_client.get(url("booking_detail", pk=requested.pk)).content.decode()


def test_stay_attendance_is_404_for_a_session_offer_and_to_anyone_outside_the_provider(
    provider_client, client_for, offer, cottage, carer_a, rival, x, make_stay
):
    stay = make_stay(carer_a, cottage, day(-1), nights=1)
    assert provider_client.get(url("stay_attendance", pk=offer.pk)).status_code == 404
    for user in (rival.user, carer_a.user, x.broker):
        client = client_for(user)
        assert client.get(url("stay_attendance", pk=cottage.pk)).status_code == 404
        assert (
            client.post(url("stay_attendance", pk=cottage.pk), {f"attendance-{stay.pk}": "attended"}).status_code == 404
        )
    stay.refresh_from_db()
    assert stay.state == Booking.State.CONFIRMED
