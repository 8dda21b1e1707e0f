"""Booking pages: the carer's flow, bad input, other households, the waiting list, the broker's flow, iCal."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from breakthrough.models import AuditEvent
from brokerage.bookings import ical, services
from brokerage.models import Booking, BreakFor, WaitingListEntry
from tests.brokerage.bookings.conftest import book
from tests.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


def book_url(session, **extra):
    return reverse("brokerage:bookings:book_session", kwargs={"session_pk": session.pk, **extra})


def test_a_carer_books_for_the_person_they_care_for_then_checks_and_confirms(client_for, carer_a, session):
    client = client_for(carer_a.user)
    page = client.get(book_url(session))
    assert page.status_code == 200
    assert carer_a.person.full_name in page.content.decode()
    assert 'value="me"' not in page.content.decode()  # a break for the cared-for person only
    response = client.post(book_url(session), {"people": [str(carer_a.person.pk)], "payment_source": "free"})
    assert response.status_code == 302
    assert response.url.endswith("?step=check")
    check = client.get(response.url)
    assert "Check your booking" in check.content.decode()
    done = client.post(response.url)
    booking = Booking.objects.get()
    assert done.url == reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk})
    assert booking.state == Booking.State.CONFIRMED
    assert client.get(done.url).status_code == 200


def test_a_joint_break_offers_me_and_the_person(client_for, carer_a, carer_a_fund, joint_session):
    client = client_for(carer_a.user)
    page = client.get(book_url(joint_session)).content.decode()
    assert 'value="me"' in page
    assert "From the carer&#x27;s fund" in page or "From the carer's fund" in page
    response = client.post(
        book_url(joint_session), {"people": ["me", str(carer_a.person.pk)], "payment_source": "fund"}
    )
    client.post(response.url)
    booking = Booking.objects.get()
    assert booking.places == 2
    assert booking.includes_carer


def test_bad_input_gets_a_message_by_the_field_and_keeps_what_was_entered(client_for, carer_a, joint_session):
    client = client_for(carer_a.user)
    response = client.post(book_url(joint_session), {"people": [str(carer_a.person.pk)]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose how the break will be paid for" in page
    assert "govuk-error-message" in page
    assert "checked" in page  # the person stays ticked
    # Nothing chosen at all
    page = client.post(book_url(joint_session), {}).content.decode()
    assert "Choose who is going on the break" in page
    # A booking rule (a joint break without the carer) is refused on this page, by the question, before any
    # check page with a "Book" button
    response = client.post(book_url(joint_session), {"people": [str(carer_a.person.pk)], "payment_source": "fund"})
    assert response.status_code == 200
    assert "for you and the person you care for together" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_carer_cannot_book_a_person_from_another_household(client_for, carer_a, carer_b, session):
    response = client_for(carer_a.user).post(
        book_url(session), {"people": [str(carer_b.person.pk)], "payment_source": "free"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_other_households_get_404_for_a_booking(client_for, carer_a, carer_b, session):
    carer_a.people = [carer_a.person]
    booking = book(carer_a, session)
    client = client_for(carer_b.user)
    assert client.get(reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk})).status_code == 404
    cancel = reverse("brokerage:bookings:booking_cancel", kwargs={"pk": booking.pk})
    assert client.post(cancel, {"reason": "Mischief"}).status_code == 404
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED


def test_cancel_needs_a_reason_then_returns_the_place(client_for, carer_a, session):
    carer_a.people = [carer_a.person]
    booking = book(carer_a, session)
    client = client_for(carer_a.user)
    url = reverse("brokerage:bookings:booking_cancel", kwargs={"pk": booking.pk})
    page = client.post(url, {"reason": ""}).content.decode()
    assert "Say why you are cancelling" in page
    response = client.post(url, {"reason": "We are away"})
    assert response.status_code == 302
    booking.refresh_from_db()
    session.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    assert booking.cancel_reason == "We are away"
    assert session.places_taken == 0


def test_a_full_session_offers_the_waiting_list_and_an_offered_place_can_be_accepted(client_for, carer_a, carer_b_in_x):
    session = SessionFactory(places=1)
    carer_b_in_x.people = [carer_b_in_x.person]
    taken = book(carer_b_in_x, session)
    client = client_for(carer_a.user)
    page = client.get(book_url(session)).content.decode()
    assert "Join the waiting list" in page
    response = client.post(
        book_url(session), {"people": [str(carer_a.person.pk)], "payment_source": "free", "action": "waiting_list"}
    )
    assert response.status_code == 302
    entry = WaitingListEntry.objects.get()
    assert entry.carer == carer_a
    services.booking_cancel(booking=taken, by=carer_b_in_x.user, reason="Away")
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.OFFERED
    url = reverse("brokerage:bookings:waiting_accept", kwargs={"pk": entry.pk})
    assert "Accept the place" in client.get(url).content.decode()
    assert client_for(carer_b_in_x.user).post(url).status_code == 404
    response = client.post(url)
    booking = Booking.objects.get(carer=carer_a)
    assert response.url == reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk})


def test_a_broker_books_for_a_carer_of_their_partnership(client_for, x, y, carer_a, session):
    url = reverse("brokerage:bookings:staff_book_session", kwargs={"carer_pk": carer_a.pk, "session_pk": session.pk})
    assert client_for(y.broker).get(url).status_code == 404
    client = client_for(x.broker)
    response = client.post(url, {"people": [str(carer_a.person.pk)], "payment_source": "free"})
    response = client.post(response.url)
    booking = Booking.objects.get()
    assert booking.requested_by == x.broker
    assert response.url == reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})


def test_a_carer_books_nights_at_a_property(client_for, carer_a, property_offer):
    first = property_offer.stay_nights[0].date
    url = reverse("brokerage:bookings:book_nights", kwargs={"offer_pk": property_offer.pk})
    url += f"?from={first.isoformat()}&nights=2"
    client = client_for(carer_a.user)
    response = client.post(url, {"people": ["me", str(carer_a.person.pk)], "payment_source": "self"})
    assert "step=check" in response.url
    assert "nights=2" in response.url
    client.post(response.url)
    booking = Booking.objects.get()
    # Let as a whole: two guests take the one let of each night, at the price of the property per night.
    assert (booking.first_night, booking.nights, booking.places, booking.cost_pence) == (first, 2, 1, 8000)
    assert list(property_offer.nights.order_by("date").values_list("places_taken", flat=True)) == [1, 1, 0]
    assert client.get(url.replace("nights=2", "nights=x")).status_code == 404


def nights_url(offer, first, nights=2):
    return reverse("brokerage:bookings:book_nights", kwargs={"offer_pk": offer.pk}) + (
        f"?from={first.isoformat()}&nights={nights}"
    )


def test_the_who_is_going_step_at_a_property_says_it_is_let_as_a_whole(client_for, carer_a, property_offer):
    property_offer.sleeps = 4
    property_offer.save()
    page = client_for(carer_a.user).get(nights_url(property_offer, property_offer.stay_nights[0].date)).content
    page = page.decode()
    assert "Free on every night of the stay" in page
    assert "Places left" not in page
    assert "let to your household as a whole, for up to 4 guests" in page


def test_more_guests_than_the_property_sleeps_is_an_error_on_the_who_is_going_step(client_for, carer_a, property_offer):
    from tests.factories import CaredForPersonFactory, cares_for

    property_offer.sleeps = 2
    property_offer.save()
    second = cares_for(carer_a, CaredForPersonFactory(first_name="Iona"))
    url = nights_url(property_offer, property_offer.stay_nights[0].date)
    response = client_for(carer_a.user).post(
        url, {"people": ["me", str(carer_a.person.pk), str(second.pk)], "payment_source": "self"}
    )
    assert response.status_code == 200
    assert "The property sleeps 2: choose 2 or fewer people" in response.content.decode()


def test_the_who_is_going_step_offers_only_people_the_break_takes_and_says_why(client_for, carer_a):
    from tests.factories import CaredForPersonFactory, cares_for

    carer_a.person.date_of_birth = datetime.date.today().replace(year=datetime.date.today().year - 30)
    carer_a.person.save()
    young = cares_for(carer_a, CaredForPersonFactory(first_name="Iona", date_of_birth=datetime.date(2016, 1, 1)))
    session = SessionFactory(offer=OfferFactory(max_age=18))
    response = client_for(carer_a.user).get(book_url(session))
    assert [value for value, _ in response.context["form"].fields["people"].choices] == [str(young.pk)]
    assert f"{carer_a.person.full_name} cannot go: Jamie is 30; this is for ages up to 18." in response.content.decode()
    response = client_for(carer_a.user).post(book_url(session), {"people": [str(carer_a.person.pk)]})
    assert response.status_code == 200
    assert "govuk-error-message" in response.content.decode()


def test_a_check_page_the_booking_would_refuse_shows_why_instead_of_a_book_button(client_for, carer_a, session):
    from brokerage.models import ComplianceDocument

    client = client_for(carer_a.user)
    check = client.post(book_url(session), {"people": [str(carer_a.person.pk)], "payment_source": "free"}).url
    assert "Book this break" in client.get(check).content.decode()
    ComplianceDocument.objects.filter(organisation_id=session.offer.provider_id).delete()  # the insurance lapsed
    page = client.get(check).content.decode()
    assert "safety checks are not up to date" in page
    assert "Book this break" not in page
    assert not Booking.objects.exists()


def test_a_joint_session_with_one_place_left_offers_the_waiting_list(client_for, carer_a, joint_session):
    joint_session.places_taken = joint_session.places - 1
    joint_session.save()
    page = client_for(carer_a.user).get(book_url(joint_session)).content.decode()
    assert "This is full. You can join the waiting list" in page
    assert "Join the waiting list" in page


def _breaks_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("brokerage:bookings:breaks")).status_code == 200
    return len(queries)


def test_your_breaks_lists_upcoming_and_past_in_a_fixed_number_of_queries(client_for, carer_a):
    carer_a.people = [carer_a.person]
    client = client_for(carer_a.user)
    book(carer_a, SessionFactory())
    few = _breaks_queries(client)
    for _ in range(5):
        cancelled = book(carer_a, SessionFactory(offer=OfferFactory()))
        services.booking_cancel(booking=cancelled, by=carer_a.user, reason="Poorly")
    many = _breaks_queries(client)
    assert few == many
    assert many <= 12
    page = client.get(reverse("brokerage:bookings:breaks")).content.decode()
    assert "Coming up" in page
    assert "Cancelled" in page


# ----------------------------------------------------------------------------------------------
# iCal
# ----------------------------------------------------------------------------------------------


def _unfold(body: str) -> list[str]:
    assert body.endswith("\r\n")
    lines = []
    for raw in body.split("\r\n")[:-1]:
        assert "\n" not in raw
        assert len(raw.encode()) <= 75
        if raw.startswith(" "):
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    return lines


def test_the_calendar_feed_lists_confirmed_breaks_at_a_secret_url(client, carer_a, carer_b):
    offer = OfferFactory(title="Art, music; and fun", break_for=BreakFor.CARED_FOR)
    session = SessionFactory(offer=offer)
    carer_a.people = [carer_a.person]
    booking = book(carer_a, session)
    cancelled = book(carer_a, SessionFactory())
    services.booking_cancel(booking=cancelled, by=carer_a.user, reason="No")
    url = reverse("brokerage:bookings:calendar", kwargs={"carer_pk": carer_a.pk, "token": ical.carer_token(carer_a)})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    lines = _unfold(response.content.decode())
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    assert fields["UID"].startswith(f"booking-{booking.pk}@")
    assert fields["SUMMARY"] == "Art\\, music\\; and fun"
    start = datetime.datetime.strptime(fields["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    assert start == session.starts_at
    assert fields["DTEND"].endswith("Z")
    wrong = reverse("brokerage:bookings:calendar", kwargs={"carer_pk": carer_b.pk, "token": ical.carer_token(carer_a)})
    assert client.get(wrong).status_code == 404


def test_a_new_calendar_address_ends_the_old_one(client_for, carer_a):
    old = reverse("brokerage:bookings:calendar", kwargs={"carer_pk": carer_a.pk, "token": ical.carer_token(carer_a)})
    client = client_for(carer_a.user)
    assert client.get(old).status_code == 200
    response = client.post(reverse("brokerage:bookings:calendar_renew"))
    assert response.status_code == 302
    carer_a.refresh_from_db()
    new = reverse("brokerage:bookings:calendar", kwargs={"carer_pk": carer_a.pk, "token": ical.carer_token(carer_a)})
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    breaks = client.get(reverse("brokerage:bookings:breaks")).content.decode()
    assert new in breaks
    assert old not in breaks
    assert AuditEvent.objects.filter(action="brokerage.carer.calendar_link_renewed", actor=carer_a.user).count() == 1


def test_long_lines_are_folded():
    from types import SimpleNamespace

    offer = SimpleNamespace(title="A" * 200, summary="é" * 100, postcode="EH1 1YZ")
    now = datetime.datetime(2030, 1, 1, 10, tzinfo=datetime.UTC)
    booking = SimpleNamespace(pk=1, session_id=1, session=SimpleNamespace(starts_at=now, ends_at=now), offer=offer)
    lines = _unfold(ical.calendar([booking]))
    assert "SUMMARY:" + "A" * 200 in lines
