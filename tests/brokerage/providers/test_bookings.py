"""Provider staff answer booking requests and record attendance; they see their own organisation's bookings
only, and only what they need to deliver the break (first names and needs level until they confirm)."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.bookings import services as booking_services
from brokerage.models import Booking, Offer, OutwardCode
from brokerage.providers import selectors, services
from tests.brokerage.providers.test_pages import _offer_post
from tests.factories import CarerFactory, OfferFactory, SessionFactory, UserFactory, cares_for

pytestmark = pytest.mark.django_db

BOOKING_LIST_QUERIES = 7  # session, user, MFA; requests and confirmed, each with who is going


def url(name, **kwargs):
    return reverse(f"brokerage:providers:{name}", kwargs=kwargs or None)


def actions(obj):
    return list(AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("pk").values_list("action", flat=True))


@pytest.fixture
def book(make_booking):
    """A booking of `session` for the carer's cared-for person."""

    def make(carer, session, **kwargs):
        booking = make_booking(carer, session, **kwargs)
        booking.cared_for.add(carer.person)
        return booking

    return make


@pytest.fixture
def requested(book, carer_a, session):
    return book(carer_a, session)


@pytest.fixture
def started_session(offer):
    now = timezone.now()
    return SessionFactory(
        offer=offer, starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=3)
    )


# --- the list ----------------------------------------------------------------------------------


def test_requests_show_who_is_going_but_not_the_family_until_confirmed(
    provider_client, book, carer_a, carer_b_in_x, session
):
    carer_a.person.first_name, carer_a.person.needs_level = "Jamie", "complex"
    carer_a.person.save()
    book(carer_a, session)
    carer_b_in_x.phone = "0131 496 0000"
    carer_b_in_x.save()
    book(carer_b_in_x, session, state=Booking.State.CONFIRMED)

    html = provider_client.get(url("booking_list")).content.decode()

    requests_part, confirmed_part = html.split("Upcoming confirmed bookings")
    assert "Sunny Saturday club" in requests_part
    assert "Jamie, complex needs" in requests_part
    assert "Free" in requests_part  # payment source
    assert carer_a.last_name not in html
    assert "carer.a@example.org" not in html
    assert carer_b_in_x.full_name in confirmed_part
    assert "0131 496 0000" in confirmed_part
    assert "carer.bx@example.org" in confirmed_part


def test_the_list_takes_the_same_queries_for_2_or_20_bookings(provider_client, book, sunny, x, offer):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert provider_client.get(url("booking_list")).status_code == 200
        return len(queries)

    def add(n):
        for i in range(n):
            carer = CarerFactory(user=UserFactory(), locality=x.locality)
            carer.person = cares_for(carer)
            other = cares_for(carer)
            booking = book(carer, SessionFactory(offer=OfferFactory(provider=sunny, locality=x.locality)))
            booking.cared_for.add(other)
            if i % 2:
                Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CONFIRMED)

    add(2)
    few = count()
    add(18)
    assert Booking.objects.count() == 20
    assert few == count() == BOOKING_LIST_QUERIES


def test_requests_come_first_oldest_first_with_how_long_each_has_waited(
    provider_client, book, carer_a, carer_b_in_x, session, offer
):
    now = timezone.now()
    confirmed = book(carer_b_in_x, SessionFactory(offer=offer), state=Booking.State.CONFIRMED)
    newest = book(carer_a, session)
    oldest = book(carer_b_in_x, session)
    middle = book(carer_a, SessionFactory(offer=offer))
    for booking, ago in ((newest, datetime.timedelta(minutes=20)), (oldest, datetime.timedelta(days=3, hours=2))):
        Booking.objects.filter(pk=booking.pk).update(requested_at=now - ago)
    Booking.objects.filter(pk=middle.pk).update(requested_at=now - datetime.timedelta(hours=5, minutes=10))

    response = provider_client.get(url("booking_list"))
    assert [b.pk for b in response.context["requests"]] == [oldest.pk, middle.pk, newest.pk]
    assert [b.waited for b in response.context["requests"]] == ["3 days", "5 hours", "Under an hour"]
    html = response.content.decode()
    assert html.index("Requests waiting for you") < html.index("Upcoming confirmed bookings")
    requests_part = html.split("Upcoming confirmed bookings")[0]
    assert '<th scope="col" class="govuk-table__header">Waiting</th>' in requests_part
    positions = [requests_part.index(f"request {b.pk} for") for b in (oldest, middle, newest)]
    assert positions == sorted(positions)
    assert requests_part.index("3 days") < requests_part.index("5 hours") < requests_part.index("Under an hour")
    assert f"booking {confirmed.pk}<" in html.split("Upcoming confirmed bookings")[1]


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (datetime.timedelta(minutes=59), "Under an hour"),
        (datetime.timedelta(hours=1), "1 hour"),
        (datetime.timedelta(hours=47, minutes=59), "47 hours"),
        (datetime.timedelta(hours=48), "2 days"),
        (datetime.timedelta(days=9, hours=23), "9 days"),
    ],
)
def test_waited_reads_in_hours_then_days(ago, text):
    now = timezone.now()
    assert selectors.waited(now - ago, now) == text


# --- confirm or decline ------------------------------------------------------------------------


def test_confirming_a_request_tells_the_carer(provider_client, requested, django_capture_on_commit_callbacks):
    page = provider_client.get(url("booking_detail", pk=requested.pk))
    assert page.status_code == 200
    assert "carer.a@example.org" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(url("booking_detail", pk=requested.pk), {"decision": "confirm"})
    assert response.status_code == 302
    assert response.url == url("booking_list")
    requested.refresh_from_db()
    assert requested.state == Booking.State.CONFIRMED
    assert "brokerage.booking.confirmed" in actions(requested)
    assert mail.outbox[-1].to == ["carer.a@example.org"]
    assert "booked" in mail.outbox[-1].subject
    # Now confirmed, the provider sees how to reach the family, and cannot answer twice.
    html = provider_client.get(url("booking_detail", pk=requested.pk)).content.decode()
    assert "carer.a@example.org" in html
    assert 'name="decision"' not in html
    again = provider_client.post(url("booking_detail", pk=requested.pk), {"decision": "decline", "reason": "x"})
    assert again.status_code == 302
    requested.refresh_from_db()
    assert requested.state == Booking.State.CONFIRMED


def test_declining_needs_a_reason_and_keeps_what_was_entered(
    provider_client, requested, session, django_capture_on_commit_callbacks
):
    response = provider_client.post(url("booking_detail", pk=requested.pk), {"decision": "decline", "reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Say why you are declining, so the carer knows"]}
    html = response.content.decode()
    assert "Error: " in html
    assert response.context["form"]["decision"].value() == "decline"
    assert "checked" in html
    requested.refresh_from_db()
    assert requested.state == Booking.State.REQUESTED

    nothing = provider_client.post(url("booking_detail", pk=requested.pk), {"reason": "Full that day"})
    assert nothing.context["form"].errors == {"decision": ["Select confirm or decline"]}
    assert "Full that day" in nothing.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = provider_client.post(
            url("booking_detail", pk=requested.pk), {"decision": "decline", "reason": "No staff that day"}
        )
    assert done.status_code == 302
    requested.refresh_from_db()
    session.refresh_from_db()
    assert requested.state == Booking.State.DECLINED
    assert requested.decline_reason == "No staff that day"
    assert session.places_taken == 0
    assert "brokerage.booking.declined" in actions(requested)
    assert "No staff that day" in mail.outbox[-1].body


# --- attendance --------------------------------------------------------------------------------


def test_attendance_waits_until_the_session_has_started(provider_client, book, carer_a, session):
    booking = book(carer_a, session, state=Booking.State.CONFIRMED)
    page = provider_client.get(url("session_attendance", pk=session.pk))
    assert "You can record attendance once the session has started" in page.content.decode()
    provider_client.post(url("session_attendance", pk=session.pk), {f"attendance-{booking.pk}": "attended"})
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED


def test_attendance_is_saved_in_one_post_with_a_message_per_row(
    provider_client, book, carer_a, carer_b_in_x, started_session
):
    first = book(carer_a, started_session, state=Booking.State.CONFIRMED)
    second = book(carer_b_in_x, started_session, state=Booking.State.CONFIRMED)
    target = url("session_attendance", pk=started_session.pk)
    assert provider_client.get(target).status_code == 200

    missing = provider_client.post(target, {f"attendance-{first.pk}": "attended"})
    assert missing.status_code == 200
    html = missing.content.decode()
    assert f'id="attendance-{second.pk}-error"' in html
    assert f'id="attendance-{first.pk}-error"' not in html
    assert f'name="attendance-{first.pk}" type="radio" value="attended" checked' in html  # kept
    first.refresh_from_db()
    assert first.state == Booking.State.CONFIRMED  # nothing saved until every row is answered

    done = provider_client.post(target, {f"attendance-{first.pk}": "attended", f"attendance-{second.pk}": "no_show"})
    assert done.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Booking.State.ATTENDED, Booking.State.NO_SHOW)
    assert "brokerage.booking.attended" in actions(first)
    assert "brokerage.booking.no_show" in actions(second)


def test_a_row_the_service_refuses_shows_its_message_and_the_others_are_saved(
    provider_client, book, carer_a, carer_b_in_x, started_session, monkeypatch
):
    first = book(carer_a, started_session, state=Booking.State.CONFIRMED)
    second = book(carer_b_in_x, started_session, state=Booking.State.CONFIRMED)
    real = booking_services.booking_record_attendance

    def refuse_second(*, booking, by, attended):
        if booking.pk == second.pk:
            raise ValidationError("Attendance can only be recorded for a confirmed booking.")
        return real(booking=booking, by=by, attended=attended)

    monkeypatch.setattr(booking_services, "booking_record_attendance", refuse_second)
    response = provider_client.post(
        url("session_attendance", pk=started_session.pk),
        {f"attendance-{first.pk}": "no_show", f"attendance-{second.pk}": "attended"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Attendance can only be recorded for a confirmed booking." in html
    assert f'id="attendance-{second.pk}-error"' in html
    first.refresh_from_db()
    assert first.state == Booking.State.NO_SHOW


def test_offer_page_and_home_link_to_attendance_and_requests(provider_client, offer, started_session, requested):
    detail = provider_client.get(reverse("brokerage:providers:offer_detail", kwargs={"pk": offer.pk})).content.decode()
    assert url("session_attendance", pk=started_session.pk) in detail
    home = provider_client.get(reverse("brokerage:provider_home")).content.decode()
    assert url("booking_detail", pk=requested.pk) in home
    assert url("booking_list") in home
    assert url("session_attendance", pk=started_session.pk) in home


# --- access ------------------------------------------------------------------------------------


def test_other_providers_carers_and_brokers_get_404(client_for, rival, requested, session, carer_a, x):
    pages = [url("booking_detail", pk=requested.pk), url("session_attendance", pk=session.pk)]
    for user in (rival.user, carer_a.user, x.broker):
        client = client_for(user)
        for page in pages:
            assert client.get(page).status_code == 404, (user, page)
        assert client.post(pages[0], {"decision": "confirm"}).status_code == 404
    requested.refresh_from_db()
    assert requested.state == Booking.State.REQUESTED
    rival_list = client_for(rival.user).get(url("booking_list")).content.decode()
    assert "Sunny Saturday club" not in rival_list


def test_reading_a_booking_is_audited(provider_client, requested, provider_user):
    provider_client.get(url("booking_detail", pk=requested.pk))
    assert "brokerage.booking.viewed" in actions(requested)


# --- geocoding on save -------------------------------------------------------------------------


@pytest.fixture
def centroids(db):
    OutwardCode.objects.create(code="EH1", easting=325900, northing=673800, postcodes=10)
    OutwardCode.objects.create(code="G1", easting=259200, northing=665300, postcodes=10)


def _offer_form(area, **overrides):
    return _offer_post(area, **overrides)


def test_a_new_offer_is_placed_on_the_grid_at_once(provider_client, sunny, x, centroids):
    response = provider_client.post(url("offer_create"), _offer_form(x.locality, postcode="eh1 1yz"))
    assert response.status_code == 302
    offer = Offer.objects.get(provider=sunny, title="Tuesday swim")
    assert (offer.easting, offer.northing) == (325900, 673800)


def test_changing_the_postcode_moves_the_offer_and_an_unknown_one_is_refused(
    provider_client, sunny, x, offer, centroids
):
    target = url("offer_edit", pk=offer.pk)
    moved = provider_client.post(target, _offer_form(x.locality, title=offer.title, postcode="G1 1XQ"))
    assert moved.status_code == 302
    offer.refresh_from_db()
    assert (offer.postcode, offer.easting, offer.northing) == ("G1 1XQ", 259200, 665300)

    unknown = provider_client.post(target, _offer_form(x.locality, title=offer.title, postcode="KW1 4AA"))
    assert unknown.status_code == 200
    assert unknown.context["form"].errors["postcode"] == ["We could not find that postcode"]
    assert 'value="KW1 4AA"' in unknown.content.decode()
    offer.refresh_from_db()
    assert (offer.postcode, offer.easting) == ("G1 1XQ", 259200)


def test_with_no_centroids_loaded_any_real_postcode_is_accepted_unplaced(provider_client, sunny, x, offer):
    target = url("offer_edit", pk=offer.pk)
    response = provider_client.post(target, _offer_form(x.locality, title=offer.title, postcode="KW1 4AA"))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.postcode, offer.easting, offer.northing) == ("KW1 4AA", None, None)


def test_an_edit_that_keeps_an_unknown_postcode_is_not_refused(provider_user, sunny, x, offer, centroids):
    Offer.objects.filter(pk=offer.pk).update(postcode="KW1 4AA", easting=None, northing=None)
    offer.refresh_from_db()
    data = {name: getattr(offer, name) for name in services.OFFER_FIELDS}
    data["title"] = "Renamed club"
    services.offer_update(offer=offer, data=data, features=[], by=provider_user)
    offer.refresh_from_db()
    assert (offer.title, offer.easting) == ("Renamed club", None)
