"""Funds wired to plans and bookings: approval allocates once (a new version tops up or gives back), a booking
paid from a fund commits when confirmed and releases when cancelled, declined or lapsed, an unaffordable
booking is refused in words, and a pooled group session splits its cost between funds. After every test the
ledger check finds no difference."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from brokerage.bookings import services as booking_services
from brokerage.funds import wiring
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import (
    Booking,
    BookingMode,
    BookingShare,
    ComplianceKind,
    Fund,
    PaymentSource,
    Posting,
    Session,
)
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.wiring_helpers import approved_plan, book_from_fund, new_version, paid_session, party
from tests.factories import ComplianceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


def money(fund, x):
    b = fund_balances(fund=fund, fetched_by=x.broker)
    return {"available": b.available, "committed": b.committed, "spent": b.spent}


@pytest.fixture
def provider(provider_user):
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    return provider_user


# ----------------------------------------------------------------------------------------------
# Plan approval allocates
# ----------------------------------------------------------------------------------------------


def test_approving_a_plan_allocates_option_2_to_the_isf_and_option_1_to_the_direct_payment(x, carer_a):
    plan = approved_plan(carer_a, x, isf=(10, 4500), dp=(4, 2500), council=(2, 10_000))
    isf = Fund.objects.get(carer=carer_a, kind=Fund.Kind.ISF)
    dp = Fund.objects.get(carer=carer_a, kind=Fund.Kind.DIRECT_PAYMENT)
    assert money(isf, x)["available"] == 45_000
    assert money(dp, x)["available"] == 10_000  # the option-3 support (council-arranged) is in no carer fund
    assert isf.held_by == x.hub
    assert (isf.starts_on, isf.ends_on) == (plan.starts_on, plan.ends_on)
    line = Fund.objects.get(partnership=x.partnership, kind=Fund.Kind.BUDGET_LINE)
    start, end = wiring.financial_year(plan.starts_on)
    assert (line.starts_on, line.ends_on) == (start, end)
    assert start.month == 4
    assert start.day == 1
    keys = set(Posting.objects.exclude(idempotency_key=None).values_list("idempotency_key", flat=True))
    assert {f"plan:{plan.pk}:isf", f"plan:{plan.pk}:direct_payment"} <= keys


def test_allocating_the_same_version_again_changes_nothing(x, carer_a):
    plan = approved_plan(carer_a, x)
    before = Posting.objects.count()
    assert wiring.plan_allocate(plan=plan, by=x.assessor) == {}
    assert Posting.objects.count() == before
    assert money(Fund.objects.get(carer=carer_a, kind="isf"), x)["available"] == 45_000


def test_a_new_version_tops_up_only_the_difference_and_a_smaller_one_gives_back(x, carer_a):
    plan = approved_plan(carer_a, x)
    isf = Fund.objects.get(carer=carer_a, kind="isf")
    v2 = new_version(plan, x, isf_total=60_000)
    assert money(isf, x)["available"] == 60_000
    new_version(v2, x, isf_total=20_000)
    assert money(isf, x)["available"] == 20_000
    assert Fund.objects.filter(carer=carer_a, kind="isf").count() == 1
    line = Fund.objects.get(kind=Fund.Kind.BUDGET_LINE, partnership=x.partnership)
    assert money(line, x)["available"] == 40_000  # what was given back waits in the budget line


def test_a_give_back_never_takes_money_already_booked(x, carer_a):
    plan = approved_plan(carer_a, x)  # £450
    isf = Fund.objects.get(carer=carer_a, kind="isf")
    book_from_fund(carer_a, paid_session(price=40_000))
    new_version(plan, x, isf_total=10_000)  # asks for £350 back; only £50 is not booked
    assert money(isf, x) == {"available": 0, "committed": 40_000, "spent": 0}


def test_approval_and_allocation_stand_or_fall_together(x, carer_a, monkeypatch):
    def broken(**kwargs):
        raise ValidationError("The ledger refused")

    monkeypatch.setattr(wiring, "plan_allocate", broken)
    with pytest.raises(ValidationError):
        approved_plan(carer_a, x)
    assert not carer_a.plans.filter(state="approved").exists()


# ----------------------------------------------------------------------------------------------
# Bookings paid from a fund
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def isf(x, carer_a):
    return personal_fund(x.broker, carer=carer_a, amount=10_000)


def test_an_instant_booking_commits_its_cost_at_once_and_a_cancellation_releases_it(x, carer_a, isf):
    booking = book_from_fund(carer_a, paid_session(price=2500))
    assert booking.state == Booking.State.CONFIRMED
    assert money(isf, x) == {"available": 7_500, "committed": 2_500, "spent": 0}
    share = BookingShare.objects.get(booking=booking)
    assert (share.fund, share.pence, share.rule) == (isf, 2500, "sole")
    booking_services.booking_cancel(booking=booking, by=carer_a.user, reason="Ill")
    assert money(isf, x) == {"available": 10_000, "committed": 0, "spent": 0}
    # A second release (a retry) posts nothing.
    wiring.booking_fund_release(booking=booking, by=carer_a.user)
    assert Posting.objects.filter(kind="release", booking=booking).count() == 1


def test_a_request_commits_when_the_provider_confirms(x, carer_a, isf, provider):
    session = paid_session(price=3000, mode=BookingMode.REQUEST, provider=provider.organisation)
    booking = book_from_fund(carer_a, session)
    assert money(isf, x)["committed"] == 0
    booking_services.booking_confirm(booking=booking, by=provider)
    assert money(isf, x) == {"available": 7_000, "committed": 3_000, "spent": 0}


def test_a_declined_request_commits_nothing_and_releases_nothing(x, carer_a, isf, provider):
    session = paid_session(price=3000, mode=BookingMode.REQUEST, provider=provider.organisation)
    booking = book_from_fund(carer_a, session)
    booking_services.booking_decline(booking=booking, by=provider, reason="Full that day")
    assert money(isf, x) == {"available": 10_000, "committed": 0, "spent": 0}
    assert not Posting.objects.filter(booking=booking).exists()


def test_a_lapsed_request_is_released_by_the_platform(x, carer_a, isf, provider):
    session = paid_session(price=3000, mode=BookingMode.REQUEST, provider=provider.organisation)
    booking = book_from_fund(carer_a, session)
    # A request is never committed; lapsing it frees what it promised.
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=5))
    assert booking_services.booking_lapse(booking=booking)
    assert money(isf, x)["available"] == 10_000
    # What a pending request promised no longer counts against the fund.
    assert wiring.fund_spendable([isf])[isf.pk] == 10_000


def test_a_confirmed_booking_cancelled_by_the_provider_is_released(x, carer_a, isf, provider):
    session = paid_session(price=3000, mode=BookingMode.REQUEST, provider=provider.organisation)
    booking = book_from_fund(carer_a, session)
    booking_services.booking_confirm(booking=booking, by=provider)
    booking_services.booking_cancel(booking=booking, by=provider, reason="Staff ill")
    assert money(isf, x) == {"available": 10_000, "committed": 0, "spent": 0}
    release = Posting.objects.get(kind="release", booking=booking)
    assert release.created_by == provider


def test_an_unaffordable_booking_is_refused_with_what_is_left_and_what_it_costs(x, carer_a, isf):
    session = paid_session(price=12_000)
    with pytest.raises(ValidationError) as refused:
        book_from_fund(carer_a, session)
    assert "Your fund has £100 left; this costs £120." in refused.value.messages
    assert not Booking.objects.exists()
    session.refresh_from_db()
    assert session.places_taken == 0


def test_a_pending_request_counts_against_what_a_new_booking_can_use(x, carer_a, isf, provider):
    book_from_fund(carer_a, paid_session(price=8_000, mode=BookingMode.REQUEST, provider=provider.organisation))
    with pytest.raises(ValidationError, match="has £20 left; this costs £30"):
        book_from_fund(carer_a, paid_session(price=3_000))


def test_a_carer_without_a_fund_is_told_to_pay_another_way(carer_a):
    with pytest.raises(ValidationError, match="You have no fund that can pay for this break"):
        book_from_fund(carer_a, paid_session())


def test_staff_booking_for_a_carer_see_the_carers_name(x, carer_a, isf):
    with pytest.raises(ValidationError, match="Ailsa's fund has £100 left"):
        book_from_fund(carer_a, paid_session(price=50_000), by=x.broker)


def test_a_break_after_the_fund_ends_cannot_be_paid_from_it(x, carer_a, isf):
    Fund.objects.filter(pk=isf.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=30), ends_on=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="no fund that can pay"):
        book_from_fund(carer_a, paid_session(days=7))


def test_a_free_or_self_paid_booking_touches_no_fund(carer_a, isf):
    from brokerage.models import Offer

    session = paid_session()
    booking = booking_services.booking_create(
        carer=carer_a,
        offer=Offer.objects.get(pk=session.offer_id),
        session=session,
        includes_carer=False,
        cared_for=[carer_a.person],
        payment_source=PaymentSource.SELF,
        by=carer_a.user,
    )
    assert not BookingShare.objects.filter(booking=booking).exists()
    assert not Posting.objects.filter(booking=booking).exists()


# ----------------------------------------------------------------------------------------------
# Pooled: one group session shared by several carers' funds
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def three_households(x, carer_a, make_carer):
    carers = [carer_a, make_carer(), make_carer()]
    funds = [personal_fund(x.broker, carer=carer, amount=20_000) for carer in carers]
    return carers, funds


@pytest.fixture
def make_carer(x):
    from tests.factories import CarerFactory, UserFactory

    return lambda: CarerFactory(user=UserFactory(), locality=x.locality)


def test_a_pooled_session_split_equally_commits_each_funds_share_in_one_posting(x, three_households):
    carers, funds = three_households
    session = paid_session(price=1_000)  # £10 a place
    booking = wiring.pooled_booking_create(
        session=session,
        parties=[party(carers[0], 1), party(carers[1], 2), party(carers[2], 2)],
        rule="equal",
        by=x.broker,
    )
    assert booking.cost_pence == 5_000
    assert booking.places == 5
    shares = dict(BookingShare.objects.filter(booking=booking).values_list("fund_id", "pence"))
    assert shares == {funds[0].pk: 1_667, funds[1].pk: 1_667, funds[2].pk: 1_666}
    assert Posting.objects.filter(kind="commit", booking=booking).count() == 1
    assert [money(f, x)["committed"] for f in funds] == [1_667, 1_667, 1_666]
    session.refresh_from_db()
    assert session.places_taken == 5


def test_a_pooled_session_split_by_places_and_cancelled_releases_every_share(x, three_households):
    carers, funds = three_households
    booking = wiring.pooled_booking_create(
        session=paid_session(price=1_000),
        parties=[party(carers[0], 1), party(carers[1], 3)],
        rule="places",
        by=x.broker,
    )
    assert [money(f, x)["committed"] for f in funds[:2]] == [1_000, 3_000]
    assert set(BookingShare.objects.filter(booking=booking).values_list("rule", flat=True)) == {"places"}
    booking_services.booking_cancel(booking=booking, by=x.broker, reason="Trip called off")
    assert [money(f, x)["available"] for f in funds[:2]] == [20_000, 20_000]


def test_a_pooled_session_is_refused_if_one_fund_cannot_pay_its_share(x, three_households, make_carer):
    carers, _ = three_households
    poor = make_carer()
    personal_fund(x.broker, carer=poor, amount=500)
    with pytest.raises(ValidationError, match="has £5 left; this costs £10"):
        wiring.pooled_booking_create(
            session=paid_session(price=1_000), parties=[party(carers[0], 1), party(poor, 1)], rule="equal", by=x.broker
        )
    assert not Booking.objects.exists()


def test_only_hub_staff_of_the_partnership_book_a_pooled_session(x, y, three_households):
    carers, _ = three_households
    for someone in (y.broker, carers[0].user):
        with pytest.raises(ValidationError, match="cannot book"):
            wiring.pooled_booking_create(
                session=paid_session(), parties=[party(carers[0], 1), party(carers[1], 1)], rule="equal", by=someone
            )


def test_each_carer_sees_only_their_own_share(x, three_households):
    from breakthrough.access import visible

    carers, funds = three_households
    booking = wiring.pooled_booking_create(
        session=paid_session(price=1_000), parties=[party(carers[0], 1), party(carers[1], 1)], rule="equal", by=x.broker
    )
    assert list(visible(carers[1].user, BookingShare).filter(booking=booking).values_list("fund_id", flat=True)) == [
        funds[1].pk
    ]
