"""Booking and waiting-list services: every rule, every state change, its e-mail and its audit record."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.bookings import services
from brokerage.bookings.tasks import expire_waiting_list_offers, lapse_unanswered_requests
from brokerage.models import (
    Booking,
    BreakFor,
    ComplianceDocument,
    ComplianceKind,
    NeedsLevel,
    PaymentSource,
    Setting,
    WaitingListEntry,
)
from tests.brokerage.bookings.conftest import book
from tests.factories import CaredForPersonFactory, ComplianceDocumentFactory, OfferFactory, SessionFactory, cares_for

pytestmark = pytest.mark.django_db


def actions(obj):
    return list(AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("pk").values_list("action", flat=True))


# ----------------------------------------------------------------------------------------------
# booking_create: the rules
# ----------------------------------------------------------------------------------------------


def test_a_carer_books_an_instant_session_and_it_is_confirmed_emailed_and_audited(
    carer_a, session, django_capture_on_commit_callbacks
):
    carer_a.people = [carer_a.person]
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(carer_a, session)
    session.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert booking.places == 1
    assert session.places_taken == 1
    assert list(booking.cared_for.all()) == [carer_a.person]
    assert actions(booking) == ["brokerage.booking.confirmed"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carer.a@example.org"]
    assert "booked" in mail.outbox[0].subject
    assert f"/carer/breaks/{booking.pk}/" in mail.outbox[0].body


def test_a_joint_booking_is_one_row_with_two_places_requested_and_costed_per_place(
    carer_a, carer_a_fund, joint_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_create(
            carer=carer_a,
            offer=joint_session.offer,
            session=joint_session,
            includes_carer=True,
            cared_for=[carer_a.person],
            payment_source=PaymentSource.FUND,
            by=carer_a.user,
        )
    joint_session.refresh_from_db()
    assert booking.state == Booking.State.REQUESTED
    assert booking.places == 2
    assert joint_session.places_taken == 2
    assert booking.cost_pence == 5000
    assert "asked for" in mail.outbox[0].subject
    assert mail.outbox[1].to == ["bookings@provider.example"]
    assert "request" in mail.outbox[1].subject
    assert carer_a.person.last_name not in mail.outbox[1].body


def test_a_joint_booking_holds_or_fails_as_a_unit(carer_a, joint_session):
    joint_session.places_taken = 3
    joint_session.save()
    with pytest.raises(ValidationError, match="not enough places"):
        services.booking_create(
            carer=carer_a,
            offer=joint_session.offer,
            session=joint_session,
            includes_carer=True,
            cared_for=[carer_a.person],
            payment_source=PaymentSource.FUND,
            by=carer_a.user,
        )
    joint_session.refresh_from_db()
    assert joint_session.places_taken == 3
    assert not Booking.objects.exists()


def test_a_broker_of_the_partnership_may_book_for_a_carer_but_not_another_partnership(x, y, carer_a, session):
    carer_a.people = [carer_a.person]
    assert book(carer_a, session, by=x.broker).requested_by == x.broker
    with pytest.raises(ValidationError, match="cannot book for this carer"):
        book(carer_a, session, by=y.broker)


def test_another_carer_or_a_provider_cannot_book_for_a_household(carer_a, carer_b, provider_user, session):
    carer_a.people = [carer_a.person]
    for someone in (carer_b.user, provider_user):
        with pytest.raises(ValidationError, match="cannot book for this carer"):
            book(carer_a, session, by=someone)


def test_people_must_belong_to_the_household(carer_a, carer_b, session):
    with pytest.raises(ValidationError) as error:
        book(carer_a, session, people=[carer_b.person])
    assert error.value.message_dict["cared_for"] == ["You can only book for people in your household"]


@pytest.mark.parametrize(
    ("break_for", "includes_carer", "with_person", "ok"),
    [
        (BreakFor.CARER, True, False, True),
        (BreakFor.CARER, True, True, False),
        (BreakFor.CARED_FOR, False, True, True),
        (BreakFor.CARED_FOR, True, True, False),
        (BreakFor.CARED_FOR, False, False, False),
        (BreakFor.BOTH, True, True, True),
        (BreakFor.BOTH, False, True, False),
        (BreakFor.BOTH, True, False, False),
    ],
)
def test_who_takes_the_break_is_enforced(carer_a, break_for, includes_carer, with_person, ok):
    session = SessionFactory(offer=OfferFactory(break_for=break_for))
    people = [carer_a.person] if with_person else []
    if ok:
        assert (
            book(carer_a, session, people=people, includes_carer=includes_carer).places == len(people) + includes_carer
        )
    else:
        with pytest.raises(ValidationError):
            book(carer_a, session, people=people, includes_carer=includes_carer)


def test_needs_level_and_age_must_be_supported(carer_a):
    carer_a.person.needs_level = NeedsLevel.COMPLEX
    carer_a.person.save()
    session = SessionFactory(offer=OfferFactory(supports_complex=False))
    with pytest.raises(ValidationError, match="complex needs"):
        book(carer_a, session, people=[carer_a.person])
    carer_a.person.needs_level = NeedsLevel.HIGH
    carer_a.person.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 30)
    carer_a.person.save()
    session = SessionFactory(offer=OfferFactory(min_age=5, max_age=18))
    with pytest.raises(ValidationError, match="age"):
        book(carer_a, session, people=[carer_a.person])


def test_unpublished_cancelled_and_past_sessions_cannot_be_booked(carer_a):
    carer_a.people = [carer_a.person]
    with pytest.raises(ValidationError, match="not open"):
        book(carer_a, SessionFactory(offer=OfferFactory(is_published=False)))
    with pytest.raises(ValidationError, match="cancelled"):
        book(carer_a, SessionFactory(is_cancelled=True))
    past = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="already started"):
        book(carer_a, SessionFactory(starts_at=past, ends_at=past + datetime.timedelta(hours=2)))


def test_the_providers_required_checks_must_be_current_on_the_day(carer_a):
    carer_a.people = [carer_a.person]
    offer = OfferFactory(setting=Setting.APPROVED_CARER_HOME)
    session = SessionFactory(offer=offer)
    with pytest.raises(ValidationError, match="safety checks"):
        book(carer_a, session)
    ComplianceDocumentFactory(
        organisation=offer.provider,
        kind=ComplianceKind.APPROVED_CARER,
        expires_on=timezone.localdate() + datetime.timedelta(days=3),  # lapses before the session
    )
    with pytest.raises(ValidationError, match="safety checks"):
        book(carer_a, session)
    ComplianceDocumentFactory(organisation=offer.provider, kind=ComplianceKind.APPROVED_CARER)
    assert book(carer_a, session).state == Booking.State.CONFIRMED


def test_payment_source_must_fit_the_price(carer_a, session, joint_session):
    carer_a.people = [carer_a.person]
    with pytest.raises(ValidationError, match="free"):
        book(carer_a, session, payment_source=PaymentSource.SELF)
    with pytest.raises(ValidationError, match="paid for"):
        book(carer_a, joint_session, includes_carer=True, payment_source=PaymentSource.FREE)


def test_hourly_price_is_price_times_session_length_in_pence():
    offer = OfferFactory(price_unit="hour", price_pence=1250)
    session = SessionFactory(offer=offer)
    session.ends_at = session.starts_at + datetime.timedelta(hours=2, minutes=30)
    assert services.booking_cost(offer=offer, session=session, nights=None, places=2) == 3125


def test_a_full_session_cannot_be_booked(carer_a):
    carer_a.people = [carer_a.person]
    with pytest.raises(ValidationError, match="waiting list"):
        book(carer_a, SessionFactory(places=2, places_taken=2))


# ----------------------------------------------------------------------------------------------
# Nights of a property
# ----------------------------------------------------------------------------------------------


def stay(carer, offer, *, nights=2, includes_carer=True, people=None, first=None):
    return services.booking_create(
        carer=carer,
        offer=offer,
        first_night=first or offer.stay_nights[0].date,
        nights=nights,
        includes_carer=includes_carer,
        cared_for=[carer.person] if people is None else people,
        payment_source=PaymentSource.SELF,
        by=carer.user,
    )


def test_a_stay_takes_every_night_and_cancelling_releases_them(carer_a, property_offer):
    booking = stay(carer_a, property_offer, nights=2)
    assert booking.cost_pence == 4000 * 2  # the property's price per night, whatever the size of the party
    assert booking.places == 1
    taken = dict(property_offer.nights.values_list("date", "places_taken"))
    assert list(taken.values()) == [1, 1, 0]
    assert booking.booked_nights.count() == 2
    services.booking_cancel(booking=booking, by=carer_a.user, reason="Ill")
    assert set(property_offer.nights.values_list("places_taken", flat=True)) == {0}


def test_a_carer_and_the_person_they_care_for_take_a_one_let_property_together(carer_a, property_offer):
    """The Loch-side cottage: one let a night; the carer and the person cared for book it together."""
    booking = stay(carer_a, property_offer, nights=3)
    assert booking.includes_carer
    assert list(booking.cared_for.all()) == [carer_a.person]
    assert {n.places_taken for n in property_offer.nights.all()} == {1}


def test_a_let_property_is_taken_for_the_next_household(carer_a, carer_b_in_x, property_offer):
    stay(carer_a, property_offer, nights=2)
    with pytest.raises(ValidationError, match="The property has just been taken"):
        stay(carer_b_in_x, property_offer, nights=1)
    assert property_offer.bookings.count() == 1


def test_a_party_larger_than_the_property_sleeps_is_refused(carer_a, property_offer):
    property_offer.sleeps = 2
    property_offer.save()
    second = cares_for(carer_a, CaredForPersonFactory(first_name="Iona"))
    with pytest.raises(ValidationError) as error:
        stay(carer_a, property_offer, people=[carer_a.person, second])
    assert error.value.message_dict["cared_for"] == ["The property sleeps 2: choose 2 or fewer people"]
    assert {n.places_taken for n in property_offer.nights.all()} == {0}
    assert stay(carer_a, property_offer).places == 1  # two guests is fine


# ----------------------------------------------------------------------------------------------
# State changes
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def requested(carer_a, carer_a_fund, joint_session, provider_user):
    joint_session.offer.provider = provider_user.organisation
    joint_session.offer.save()
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    return services.booking_create(
        carer=carer_a,
        offer=joint_session.offer,
        session=joint_session,
        includes_carer=True,
        cared_for=[carer_a.person],
        payment_source=PaymentSource.FUND,
        by=carer_a.user,
    )


def test_the_provider_confirms_a_request(requested, provider_user, carer_a, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError, match="Only the provider"):
        services.booking_confirm(booking=requested, by=carer_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_confirm(booking=requested, by=provider_user)
    assert booking.state == Booking.State.CONFIRMED
    assert booking.decided_by == provider_user
    assert "brokerage.booking.confirmed" in actions(booking)
    assert "booked" in mail.outbox[-1].subject
    with pytest.raises(ValidationError, match="Only a requested"):
        services.booking_confirm(booking=booking, by=provider_user)


def test_the_provider_declines_with_a_reason_and_the_places_return(
    requested, provider_user, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as error:
        services.booking_decline(booking=requested, by=provider_user, reason="  ")
    assert "reason" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_decline(booking=requested, by=provider_user, reason="No staff that day")
    booking.session.refresh_from_db()
    assert booking.state == Booking.State.DECLINED
    assert booking.session.places_taken == 0
    assert "No staff that day" in mail.outbox[-1].body
    assert "brokerage.booking.declined" in actions(booking)


@pytest.mark.parametrize("who", ["carer", "broker", "provider"])
def test_carer_broker_or_provider_can_cancel(
    requested, provider_user, x, carer_a, who, django_capture_on_commit_callbacks
):
    by = {"carer": carer_a.user, "broker": x.broker, "provider": provider_user}[who]
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_cancel(booking=requested, by=by, reason="Poorly")
    booking.session.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    assert booking.cancelled_by == by
    assert booking.cancel_reason == "Poorly"
    assert booking.cancelled_at
    assert booking.session.places_taken == 0
    assert "cancelled" in mail.outbox[-1].subject
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        services.booking_cancel(booking=booking, by=by, reason="Again")


def test_someone_else_cannot_cancel(requested, y, carer_b):
    for someone in (y.broker, carer_b.user):
        with pytest.raises(ValidationError, match="cannot cancel"):
            services.booking_cancel(booking=requested, by=someone, reason="Mischief")


def test_attendance_only_after_the_session_started(requested, provider_user):
    booking = services.booking_confirm(booking=requested, by=provider_user)
    with pytest.raises(ValidationError, match="once the break has started"):
        services.booking_record_attendance(booking=booking, by=provider_user, attended=True)
    started = timezone.now() - datetime.timedelta(minutes=5)
    type(booking.session).objects.filter(pk=booking.session_id).update(starts_at=started)
    booking = services.booking_record_attendance(booking=booking, by=provider_user, attended=False)
    assert booking.state == Booking.State.NO_SHOW
    assert booking.attendance_recorded_at
    assert "brokerage.booking.no_show" in actions(booking)


# ----------------------------------------------------------------------------------------------
# Waiting lists
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def full(carer_a):
    """A session with one place, taken by carer A."""
    session = SessionFactory(places=1)
    carer_a.people = [carer_a.person]
    session.booking = book(carer_a, session)
    return session


def _join(carer, session, by=None, crisis=False, people=None):
    return services.waiting_list_join(
        carer=carer,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=people or carer.people,
        payment_source=PaymentSource.FREE,
        crisis=crisis,
        by=by or carer.user,
    )


def test_joining_needs_the_session_to_be_full_and_only_staff_set_crisis(make_carer, full, session, x):
    carer = make_carer()
    with pytest.raises(ValidationError, match="places left"):
        _join(carer, session)
    with pytest.raises(ValidationError) as error:
        _join(carer, full, crisis=True)
    assert "crisis" in error.value.message_dict
    entry = _join(carer, full, by=x.broker, crisis=True)
    assert entry.crisis
    assert entry.need_rank == WaitingListEntry.NEED_RANK["high"]
    with pytest.raises(ValidationError, match="already on the waiting list"):
        _join(carer, full)


def test_a_freed_place_goes_to_crisis_then_need_then_time_waited_and_is_held(
    make_carer, full, carer_a, x, django_capture_on_commit_callbacks
):
    early_low = make_carer(needs_level=NeedsLevel.LOW)
    later_high = make_carer(needs_level=NeedsLevel.HIGH)
    latest_crisis = make_carer(needs_level=NeedsLevel.LOW)
    e1 = _join(early_low, full)
    e2 = _join(later_high, full)
    e3 = _join(latest_crisis, full, by=x.broker, crisis=True)
    assert list(WaitingListEntry.objects.all()) == [e3, e2, e1]
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=full.booking, by=carer_a.user, reason="Away")
    e3.refresh_from_db()
    full.refresh_from_db()
    assert e3.state == WaitingListEntry.State.OFFERED
    assert e3.offer_expires_at - e3.offered_at == datetime.timedelta(hours=24)
    assert full.places_taken == 1  # held for the person offered it
    offered = [m for m in mail.outbox if "place has come up" in m.subject]
    assert len(offered) == 1
    assert f"/waiting-list/{e3.pk}/accept/" in offered[0].body
    assert f"/waiting-list/{e3.pk}/decline/" in offered[0].body
    assert "brokerage.booking.place_offered" in actions(e3)


def test_a_family_that_does_not_fit_is_skipped_for_one_that_does(make_carer, full, carer_a):
    family = make_carer(people=2)
    single = make_carer()
    big = _join(family, full)
    small = _join(single, full)
    services.booking_cancel(booking=full.booking, by=carer_a.user, reason="Away")
    big.refresh_from_db()
    small.refresh_from_db()
    assert big.state == WaitingListEntry.State.WAITING
    assert small.state == WaitingListEntry.State.OFFERED


def test_accepting_turns_the_hold_into_a_booking_without_taking_again(
    make_carer, full, carer_a, django_capture_on_commit_callbacks
):
    carer = make_carer()
    entry = _join(carer, full)
    services.booking_cancel(booking=full.booking, by=carer_a.user, reason="Away")
    entry.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.waiting_list_accept(entry=entry, by=carer.user)
    full.refresh_from_db()
    entry.refresh_from_db()
    assert full.places_taken == 1
    assert booking.places == 1
    assert entry.state == WaitingListEntry.State.ACCEPTED
    assert entry.booking == booking
    assert booking.state == Booking.State.CONFIRMED
    assert "booked" in mail.outbox[-1].subject
    with pytest.raises(ValidationError, match="no longer on offer"):
        services.waiting_list_accept(entry=entry, by=carer.user)


def test_accepting_a_place_runs_the_booking_rules_again(make_carer, full, carer_a):
    """The provider's insurance lapsed after the family joined: the offered place cannot be accepted."""
    carer = make_carer()
    entry = _join(carer, full)
    services.booking_cancel(booking=full.booking, by=carer_a.user, reason="Away")
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.OFFERED
    ComplianceDocument.objects.filter(organisation_id=full.offer.provider_id).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="safety checks"):
        services.waiting_list_accept(entry=entry, by=carer.user)
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.OFFERED
    assert not Booking.objects.filter(carer=carer).exists()


def test_declining_passes_the_place_to_the_next(make_carer, full, carer_a):
    first, second = make_carer(), make_carer()
    e1, e2 = _join(first, full), _join(second, full)
    services.booking_cancel(booking=full.booking, by=carer_a.user, reason="Away")
    e1.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot answer"):
        services.waiting_list_decline(entry=e1, by=second.user)
    services.waiting_list_decline(entry=e1, by=first.user)
    e1.refresh_from_db()
    e2.refresh_from_db()
    full.refresh_from_db()
    assert e1.state == WaitingListEntry.State.DECLINED
    assert e2.state == WaitingListEntry.State.OFFERED
    assert full.places_taken == 1


@override_settings(WAITING_LIST_OFFER_HOURS=2)
def test_the_task_expires_overdue_offers_and_offers_the_next(
    make_carer, full, carer_a, django_capture_on_commit_callbacks
):
    first, second = make_carer(), make_carer()
    e1, e2 = _join(first, full), _join(second, full)
    services.booking_cancel(booking=full.booking, by=carer_a.user, reason="Away")
    e1.refresh_from_db()
    assert e1.offer_expires_at - e1.offered_at == datetime.timedelta(hours=2)
    assert expire_waiting_list_offers.delay().get() == 0  # not due yet
    WaitingListEntry.objects.filter(pk=e1.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="run out"):
        services.waiting_list_accept(entry=e1, by=first.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_waiting_list_offers.delay().get() == 1
    e1.refresh_from_db()
    e2.refresh_from_db()
    full.refresh_from_db()
    assert e1.state == WaitingListEntry.State.EXPIRED
    assert e2.state == WaitingListEntry.State.OFFERED
    assert full.places_taken == 1
    subjects = [m.subject for m in mail.outbox]
    assert any("has gone" in s for s in subjects)
    assert any("place has come up" in s for s in subjects)
    assert "brokerage.booking.place_expired" in actions(e1)
    assert expire_waiting_list_offers.delay().get() == 0  # safe to run twice


def test_a_request_unanswered_when_its_break_begins_is_declined_and_the_carer_told(
    carer_a, joint_session, django_capture_on_commit_callbacks
):
    carer_a.people = [carer_a.person]
    paid = {"includes_carer": True, "payment_source": PaymentSource.SELF}
    waiting = book(carer_a, joint_session, **paid)
    later = book(carer_a, SessionFactory(offer=joint_session.offer, places=4), **paid)
    assert waiting.state == later.state == Booking.State.REQUESTED
    assert lapse_unanswered_requests.delay().get() == 0  # neither break has begun
    began = timezone.now() - datetime.timedelta(minutes=5)
    type(joint_session).objects.filter(pk=joint_session.pk).update(
        starts_at=began, ends_at=began + datetime.timedelta(hours=2)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert lapse_unanswered_requests.delay().get() == 1
    waiting.refresh_from_db()
    later.refresh_from_db()
    joint_session.refresh_from_db()
    assert waiting.state == Booking.State.DECLINED
    assert waiting.decline_reason == services.UNANSWERED_REASON
    assert later.state == Booking.State.REQUESTED
    assert joint_session.places_taken == 0
    assert [m.subject for m in mail.outbox] == [f"Breakthrough: your request was not answered: {joint_session.offer}"]
    assert "did not answer" in mail.outbox[0].body
    assert "brokerage.booking.lapsed" in actions(waiting)
    assert lapse_unanswered_requests.delay().get() == 0  # safe to run twice


def test_leaving_the_waiting_list(make_carer, full):
    carer = make_carer()
    entry = _join(carer, full)
    services.waiting_list_leave(entry=entry, by=carer.user)
    entry.refresh_from_db()
    assert entry.state == WaitingListEntry.State.WITHDRAWN


def test_cared_for_person_from_another_household_cannot_join(make_carer, full, carer_b):
    carer = make_carer()
    with pytest.raises(ValidationError):
        _join(carer, full, people=[cares_for(carer_b, CaredForPersonFactory())])


@pytest.mark.parametrize(
    ("price_pence", "minutes", "expected"),
    [
        (1000, 55, 917),  # 916.67p: to the nearest penny is up (cut off, it would be 916)
        (1001, 30, 501),  # 500.5p: a half penny goes up
        (1000, 50, 833),  # 833.33p: down
        (999, 20, 333),  # exactly 333p
    ],
)
def test_an_hourly_price_is_rounded_to_the_nearest_penny(price_pence, minutes, expected):
    offer = OfferFactory(price_unit="hour", price_pence=price_pence)
    session = SessionFactory(offer=offer)
    session.ends_at = session.starts_at + datetime.timedelta(minutes=minutes)
    assert services.booking_cost(offer=offer, session=session, nights=None, places=1) == expected
