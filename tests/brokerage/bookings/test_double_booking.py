"""Twice is once for bookings (issue 10, item 1).

A double click on the check page (the same page, so the same hidden submission key, sent at once) books
once, and every send is answered with that booking: on PostgreSQL, posts in threads, each its own
connection, released together by a barrier. Two check pages (two tabs, two keys) sent at once, or a second
pass through the whole flow, cannot give the same person a second live booking of the same session (or of
overlapping nights of a stay): the second is refused with a message that says so. The hub's booking for a
carer goes through the same path.
"""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from brokerage.bookings import services
from brokerage.funds.checks import ledger_check
from brokerage.models import Booking, BreakFor, FundAccount, OfferKind, PaymentSource, Posting, PriceUnit
from tests.brokerage.bookings.conftest import book
from tests.brokerage.funds.factories import personal_fund
from tests.factories import CarerFactory, NightFactory, OfferFactory, SessionFactory, UserFactory, cares_for

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent posts need PostgreSQL")
CLICKS = 6


def _paid_session(**offer):
    """An instant break for the cared-for person at £20 a place, so a booking commits money from the fund."""
    return SessionFactory(offer=OfferFactory(price_pence=2_000, price_unit=PriceUnit.PLACE, **offer), places=8)


def _urls(session, carer=None):
    if carer is None:
        who = reverse("brokerage:bookings:book_session", kwargs={"session_pk": session.pk})
    else:
        who = reverse("brokerage:bookings:staff_book_session", kwargs={"session_pk": session.pk, "carer_pk": carer.pk})
    return who, who + "?step=check"


def _answer_who(client, session, people, *, carer=None, payment_source="fund") -> str:
    """The first page of the flow: who is going and how it is paid for. Returns the check page's URL."""
    who, check = _urls(session, carer)
    response = client.post(who, {"people": [str(p.pk) for p in people], "payment_source": payment_source})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == check
    return check


def _check_page_key(client, check_url) -> str:
    page = client.get(check_url)
    assert page.status_code == 200
    key = page.context["submission_key"]
    assert f'name="submission_key" value="{key}"' in page.content.decode()
    return key


def _clone(client) -> Client:
    """Another client with the same signed-in browser session (the same tab's cookies)."""
    twin = Client()
    twin.cookies = client.cookies
    return twin


def _post_at_once(posts):
    """[(client, url, data)] posted at the same moment, each thread on its own database connection."""
    barrier = threading.Barrier(len(posts), timeout=30)
    responses = [None] * len(posts)

    def send(i, client, url, data):
        try:
            barrier.wait()
            responses[i] = client.post(url, data)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(response is not None for response in responses), "a post did not finish"
    return responses


def _household(x, first_name="Ailsa"):
    carer = CarerFactory(user=UserFactory(), locality=x.locality, first_name=first_name)
    carer.person = cares_for(carer, relationship="Son")
    return carer


# ----------------------------------------------------------------------------------------------
# A double click (the same check page sent at once): one booking, every answer shows it
# ----------------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_the_check_page_books_once_and_commits_the_money_once(x):
    carer = _household(x)
    fund = personal_fund(x.broker, carer=carer, amount=50_000)
    session = _paid_session()
    client = Client()
    client.force_login(carer.user)
    check = _answer_who(client, session, [carer.person])
    key = _check_page_key(client, check)

    responses = _post_at_once([(_clone(client), check, {"submission_key": key}) for _ in range(CLICKS)])

    booking = Booking.objects.get()
    detail = reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk})
    assert [r.status_code for r in responses] == [302] * CLICKS  # every send is a success...
    assert {r.url for r in responses} == {detail}  # ...that shows the one booking
    session.refresh_from_db()
    assert session.places_taken == 1
    assert Posting.objects.filter(booking=booking, kind=Posting.Kind.COMMIT).count() == 1
    assert FundAccount.objects.get(fund=fund, kind=FundAccount.Kind.AVAILABLE).balance == 48_000
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_check_pages_sent_at_once_give_the_person_one_booking(x):
    """Two tabs (two keys) at once: the session's lock queues them, the second sees the first and is refused."""
    carer = _household(x)
    personal_fund(x.broker, carer=carer, amount=50_000)
    session = _paid_session()
    client = Client()
    client.force_login(carer.user)
    check = _answer_who(client, session, [carer.person])
    keys = [_check_page_key(client, check) for _ in range(4)]
    assert len(set(keys)) == 4

    responses = _post_at_once([(_clone(client), check, {"submission_key": key}) for key in keys])

    booking = Booking.objects.get()
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 302]
    for refused in (r for r in responses if r.status_code == 200):
        assert f"{carer.person.full_name} is already booked on this session" in refused.content.decode()
    assert next(r for r in responses if r.status_code == 302).url == reverse(
        "brokerage:bookings:booking_detail", kwargs={"pk": booking.pk}
    )
    session.refresh_from_db()
    assert session.places_taken == 1
    assert Posting.objects.filter(kind=Posting.Kind.COMMIT).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_hubs_double_click_booking_for_a_carer_books_once(x):
    carer = _household(x)
    personal_fund(x.broker, carer=carer, amount=50_000)
    session = _paid_session()
    client = Client()
    client.force_login(x.broker)
    check = _answer_who(client, session, [carer.person], carer=carer)
    key = _check_page_key(client, check)

    responses = _post_at_once([(_clone(client), check, {"submission_key": key}) for _ in range(CLICKS)])

    booking = Booking.objects.get()
    assert booking.requested_by == x.broker
    assert [r.status_code for r in responses] == [302] * CLICKS
    assert {r.url for r in responses} == {reverse("brokerage:carer_detail", kwargs={"pk": carer.pk})}
    session.refresh_from_db()
    assert session.places_taken == 1
    assert Posting.objects.filter(kind=Posting.Kind.COMMIT).count() == 1


# ----------------------------------------------------------------------------------------------
# One after the other (any database)
# ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_check_page_sent_again_later_answers_with_the_booking_already_made(client_for, carer_a, session):
    client = client_for(carer_a.user)
    check = _answer_who(client, session, [carer_a.person], payment_source="free")
    key = _check_page_key(client, check)
    first = client.post(check, {"submission_key": key})
    again = client.post(check, {"submission_key": key}, follow=True)  # the back button, then Book again
    booking = Booking.objects.get()
    detail = reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk})
    assert first.url == detail
    assert again.redirect_chain == [(detail, 302)]
    assert "Your break is booked." in again.content.decode()
    session.refresh_from_db()
    assert session.places_taken == 1


@pytest.mark.django_db
def test_a_second_pass_through_the_whole_flow_is_refused_with_a_message(client_for, carer_a, session):
    client = client_for(carer_a.user)
    check = _answer_who(client, session, [carer_a.person], payment_source="free")
    assert client.post(check, {"submission_key": _check_page_key(client, check)}).status_code == 302
    # Start again from the offer: who is going, check, book.
    check = _answer_who(client, session, [carer_a.person], payment_source="free")
    response = client.post(check, {"submission_key": _check_page_key(client, check)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f"{carer_a.person.full_name} is already booked on this session" in page
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_a_second_pass_by_the_hub_for_a_carer_is_refused_too(client_for, x, carer_a, session):
    client = client_for(x.broker)
    book(carer_a, session, people=[carer_a.person])  # the carer booked it themself
    check = _answer_who(client, session, [carer_a.person], carer=carer_a, payment_source="free")
    response = client.post(check, {"submission_key": _check_page_key(client, check)})
    assert response.status_code == 200
    assert f"{carer_a.person.full_name} is already booked on this session" in response.content.decode()
    assert Booking.objects.count() == 1


# ----------------------------------------------------------------------------------------------
# The rule in the service: nobody holds two live bookings of one session or of overlapping nights
# ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_carer_is_not_booked_twice_on_a_joint_session_even_with_someone_else(x, make_carer):
    offer = OfferFactory(break_for=BreakFor.BOTH)
    session = SessionFactory(offer=offer)
    carer = make_carer(people=2)
    first, second = carer.people
    book(carer, session, people=[first], includes_carer=True)
    with pytest.raises(ValidationError, match="You are already booked on this session"):
        book(carer, session, people=[second], includes_carer=True)
    session.refresh_from_db()
    assert session.places_taken == 2


@pytest.mark.django_db
def test_a_person_two_carers_care_for_is_booked_once(x, make_carer, session):
    mum = make_carer()
    dad = CarerFactory(user=UserFactory(), locality=x.locality)
    cares_for(dad, mum.people[0], relationship="Son")
    book(mum, session)
    with pytest.raises(ValidationError, match=f"{mum.people[0].full_name} is already booked on this session"):
        book(dad, session, people=[mum.people[0]], by=x.broker)
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_only_the_people_already_booked_are_named_and_others_may_still_book(make_carer, session):
    carer = make_carer(people=2)
    first, second = carer.people
    book(carer, session, people=[first])
    with pytest.raises(ValidationError) as refused:
        book(carer, session, people=[first, second])
    assert refused.value.messages == [f"{first.full_name} is already booked on this session."]
    book(carer, session, people=[second])  # a separate booking for the one not yet going is fine
    assert Booking.objects.count() == 2


@pytest.mark.django_db
def test_a_cancelled_or_declined_booking_does_not_stop_booking_again(make_carer, session):
    carer = make_carer()
    booking = book(carer, session)
    services.booking_cancel(booking=booking, by=carer.user, reason="Poorly")
    again = book(carer, session)
    assert again.state == Booking.State.CONFIRMED
    other = SessionFactory(offer=session.offer, starts_at=session.starts_at + datetime.timedelta(days=7))
    book(carer, other)  # another date of the same break is another booking
    assert Booking.objects.filter(state=Booking.State.CONFIRMED).count() == 2


@pytest.mark.django_db
def test_overlapping_nights_of_a_stay_are_refused_and_the_next_stay_is_not(x, make_carer):
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH)
    first = datetime.date.today() + datetime.timedelta(days=14)
    for day in range(6):
        NightFactory(offer=offer, date=first + datetime.timedelta(days=day), places=6)
    carer = make_carer()

    def stay(start, nights):
        return services.booking_create(
            carer=carer,
            offer=offer,
            first_night=first + datetime.timedelta(days=start),
            nights=nights,
            includes_carer=True,
            cared_for=carer.people,
            payment_source=PaymentSource.FREE,
            by=carer.user,
        )

    stay(0, 3)
    with pytest.raises(ValidationError, match="already booked at this property on some of those nights"):
        stay(2, 2)
    stay(3, 2)  # from the morning the first stay ends
    assert Booking.objects.count() == 2


@pytest.mark.django_db
def test_the_service_returns_the_booking_a_key_already_made(make_carer, session):
    carer = make_carer()
    kwargs = {
        "carer": carer,
        "offer": session.offer,
        "session": session,
        "includes_carer": False,
        "cared_for": carer.people,
        "payment_source": PaymentSource.FREE,
        "by": carer.user,
        "submission_key": "k1",
    }
    first = services.booking_create(**kwargs)
    assert services.booking_create(**kwargs) == first
    other = make_carer()
    theirs = services.booking_create(**{**kwargs, "carer": other, "cared_for": other.people, "by": other.user})
    assert theirs != first  # another household's key is their own booking
    session.refresh_from_db()
    assert session.places_taken == 2


@pytest.mark.django_db
def test_the_waiting_list_gives_nobody_a_second_place_on_a_session(x, make_carer):
    session = SessionFactory(places=2)
    mum = make_carer()
    child = mum.people[0]
    dad = CarerFactory(user=UserFactory(), locality=x.locality)
    cares_for(dad, child, relationship="Daughter")
    others = [make_carer(), make_carer()]
    book(mum, session)
    book(others[0], session)
    with pytest.raises(ValidationError, match=f"{child.full_name} is already booked on this session"):
        services.waiting_list_join(
            carer=dad,
            offer=session.offer,
            session=session,
            includes_carer=False,
            cared_for=[child],
            payment_source=PaymentSource.FREE,
            by=dad.user,
        )

    # Both parents wait for the child while the session is full; the first place offered is accepted, the second
    # offer (to the other parent) cannot book the child again.
    services.booking_cancel(booking=Booking.objects.get(carer=mum), by=mum.user, reason="Clash")
    book(others[1], session)
    entries = [
        services.waiting_list_join(
            carer=parent,
            offer=session.offer,
            session=session,
            includes_carer=False,
            cared_for=[child],
            payment_source=PaymentSource.FREE,
            by=parent.user,
        )
        for parent in (dad, mum)
    ]
    services.booking_cancel(booking=Booking.objects.get(carer=others[0]), by=others[0].user, reason="Ill")
    services.waiting_list_accept(entry=entries[0], by=dad.user)
    services.booking_cancel(booking=Booking.objects.get(carer=others[1]), by=others[1].user, reason="Away")
    entries[1].refresh_from_db()
    assert entries[1].state == entries[1].State.OFFERED
    with pytest.raises(ValidationError, match="already booked on this session"):
        services.waiting_list_accept(entry=entries[1], by=mum.user)
    assert Booking.objects.filter(state__in=Booking.HOLDING, cared_for=child).count() == 1
