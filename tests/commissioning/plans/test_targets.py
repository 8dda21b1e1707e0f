"""Targets' live values from the audit's definitions, worked by hand; the weekly recompute and its e-mail; the
spend the ledger can say against a commitment."""

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail

from audits.models import AuditFigure
from brokerage.models import Booking
from commissioning.plans import selectors, services
from commissioning.plans.models import Commitment, Status, Target
from commissioning.plans.tasks import recompute_targets
from tests.audits import dataset
from tests.commissioning.plans import helpers
from tests.factories import BookingFactory, CarerFactory, LocalityFactory, OfferFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2026, 9, 8)  # 100 days after the baseline's date, 31 May 2026


@pytest.fixture
def breaks(x, y):
    """Attended breaks of X's carers in the plan's period (from 1 June 2026), worked by hand:

    10 Jun North session: cA, cB, cC attended; cE booked but not recorded as attended
    20 Jun North: cB again (a second break: still one carer)
    15 Jul South: cD attended
    10 Aug North: cE attended
    20 May North (before the plan's period): cA; 10 Jun in Y: a carer of Y, never X's.

    Carers with a break, up to: 15 Jun 3 (North 3); 31 Jul 4 (North 3, South 1); 31 Aug 5 (North 4, South 1)."""
    north = x.locality
    north.name = "X North"
    north.save()
    south = LocalityFactory(partnership=x.partnership, name="X South")
    offer_n, offer_s = OfferFactory(locality=north), OfferFactory(locality=south)
    session = lambda offer, month, day: SessionFactory(offer=offer, starts_at=dataset.at(month, day))  # noqa: E731
    s_jun10, s_jun20, s_jul15, s_aug10 = (
        session(offer_n, 6, 10),
        session(offer_n, 6, 20),
        session(offer_s, 7, 15),
        session(offer_n, 8, 10),
    )
    s_may20 = session(offer_n, 5, 20)
    carer = lambda locality: CarerFactory(user=UserFactory(), locality=locality)  # noqa: E731
    c_a, c_b, c_c, c_d, c_e = carer(north), carer(north), carer(north), carer(south), carer(north)
    attended = {"state": Booking.State.ATTENDED}
    for c, s in (
        (c_a, s_jun10),
        (c_b, s_jun10),
        (c_c, s_jun10),
        (c_b, s_jun20),
        (c_d, s_jul15),
        (c_e, s_aug10),
        (c_a, s_may20),
    ):
        BookingFactory(carer=c, session=s, **attended)
    BookingFactory(carer=c_e, session=s_jun10, state=Booking.State.CONFIRMED)
    BookingFactory(
        carer=CarerFactory(user=UserFactory(), locality=y.locality),
        session=session(OfferFactory(locality=y.locality), 6, 10),
        **attended,
    )


def _target(x, *, by=None, target="12"):
    plan = helpers.draft(x.commissioner, target=False)
    run = helpers.finished_audit(x.commissioner)
    return services.target_add(
        plan=plan,
        by=x.commissioner,
        code="access.carers_with_break",
        run=run,
        narrowed_to=by or {},
        target_value=D(target),
        deadline=DEADLINE,
    )


def _at(target, day):
    status = services.target_recompute(target_id=target.pk, today=day)
    target.refresh_from_db()
    return target.live_value, status


def test_the_live_value_counts_by_the_audits_definition_for_the_plans_period_up_to_today(x, breaks):
    whole = _target(x)
    assert _at(whole, datetime.date(2026, 5, 31)) == (None, Status.NOT_KNOWN)  # before the plan's period
    # The line from 2 (31 May) to 12 (8 Sep), margin 1: 3.50 on 15 Jun, 8.10 on 31 Jul, 11.20 on 31 Aug.
    assert _at(whole, datetime.date(2026, 6, 15)) == (D(3), Status.AT_RISK)
    assert whole.live_up_to == datetime.date(2026, 6, 15)
    assert whole.live_computed_at is not None
    assert _at(whole, datetime.date(2026, 7, 31)) == (D(4), Status.OFF_TRACK)
    assert _at(whole, datetime.date(2026, 8, 31)) == (D(5), Status.OFF_TRACK)


def test_a_target_narrowed_to_a_row_counts_that_row(x, breaks):
    # North: baseline 1, target 4, margin 0.3; the line is 1.45 on 15 Jun, 2.83 on 31 Jul, 3.76 on 31 Aug.
    north = _target(x, by={"locality": "X North"}, target="4")
    assert north.baseline_value == D(1)
    assert _at(north, datetime.date(2026, 6, 15)) == (D(3), Status.ON_TRACK)
    assert _at(north, datetime.date(2026, 7, 31)) == (D(3), Status.ON_TRACK)
    assert _at(north, datetime.date(2026, 8, 31)) == (D(4), Status.ON_TRACK)
    # South: baseline 1, target 3: 0 on 15 Jun against 1.30, 1 on 31 Jul against 2.22.
    south = _target(x, by={"locality": "X South"}, target="3")
    assert _at(south, datetime.date(2026, 6, 15)) == (D(0), Status.OFF_TRACK)
    assert _at(south, datetime.date(2026, 7, 31)) == (D(1), Status.OFF_TRACK)


def test_the_page_shows_the_trend_and_the_line(x, breaks):
    whole = _target(x)
    services.target_recompute(target_id=whole.pk, today=datetime.date(2026, 7, 31))
    page = selectors.plan_page(plan=whole.plan, viewer=x.commissioner)
    (shown,) = page.targets
    assert (shown.live_shown, shown.baseline_shown, shown.target_shown) == ("4", "2", "12")
    assert (shown.change, shown.change_words, shown.change_shown) == (D(2), "Better", "+2")
    assert shown.expected == D(12)  # today (after the deadline) the line is the target itself


def test_the_owner_is_told_once_when_a_target_turns_at_risk(x, breaks, django_capture_on_commit_callbacks):
    whole = _target(x)  # worked out for today (December 2026): 5 against 12, off track
    assert whole.status == Status.OFF_TRACK

    def recompute(day):
        with django_capture_on_commit_callbacks(execute=True):
            return services.target_recompute(target_id=whole.pk, today=day)

    assert recompute(datetime.date(2026, 6, 15)) == Status.AT_RISK
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [x.commissioner.email]
    assert "at risk" in message.subject
    assert "Live value now: 3" in message.body
    recompute(datetime.date(2026, 6, 15))  # a duplicate delivery
    assert len(mail.outbox) == 1
    recompute(datetime.date(2026, 7, 31))  # off track: not told
    assert len(mail.outbox) == 1
    recompute(datetime.date(2026, 6, 15))  # turns at risk again
    assert len(mail.outbox) == 2


def test_the_weekly_task_recomputes_every_target_in_use_but_not_replaced_versions(x, breaks):
    plan = helpers.published(x.commissioner)
    newer = services.plan_new_version(plan=plan, by=x.commissioner)
    services.plan_publish(plan=newer, by=x.commissioner, what_changed="Nothing but the date")
    Target.objects.update(live_value=None, live_computed_at=None)
    assert recompute_targets.delay().get() == 1
    old, new = Target.objects.get(plan=plan), Target.objects.get(plan=newer)
    assert old.live_computed_at is None
    assert new.live_value == D(5)  # up to today, 6 December 2026: all five carers


def test_the_weekly_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["transformation-targets-weekly"]
    assert entry["task"] == recompute_targets.name
    assert entry["schedule"].day_of_week == {1}


def test_a_baseline_is_taken_from_the_snapshot_not_the_data_now(x, breaks):
    whole = _target(x)
    AuditFigure.objects.filter(code="access.carers_with_break").update(total=99)
    whole.refresh_from_db()
    assert (whole.baseline_value, whole.baseline_on) == (D(2), datetime.date(2026, 5, 31))


def test_spend_against_commitments_from_the_ledger(x, y):
    dataset.build(x, y)  # spend 1 Mar to 31 May 2026 by kind: residential £160, community £50 (test_figures)
    plan = services.plan_create(by=x.commissioner, title="Spring", period_start=dataset.START, period_end=dataset.END)
    add = lambda **kw: services.commitment_add(plan=plan, by=x.commissioner, **kw)  # noqa: E731
    add(what="Overnight breaks", resource="money", amount_pence=20_000, spend_kind="residential")
    add(what="Clubs", resource="money", amount_pence=10_000, spend_kind="community")
    add(what="Sitters", resource="money", amount_pence=10_000, spend_kind="home")
    add(what="A coordinator", resource="money", amount_pence=500_000)
    add(what="Planning time", resource="hours", hours=D("150"))
    rows = selectors.plan_page(plan=plan, viewer=x.commissioner).commitments
    assert [(r.committed_shown, r.spent) for r in rows] == [
        ("£200", 16_000),
        ("£100", 5000),
        ("£100", 0),
        ("£5,000", None),
        ("150 hours", None),
    ]
    assert rows[0].spent_words == "£160 spent on residential and overnight breaks in the plan's period so far"
    assert rows[3].spent_words == "Not linked to a kind of spend the ledger records"
    assert rows[4].spent_words == "The ledger records money only: staff time spent is not recorded"
    assert Commitment.objects.filter(plan=plan).count() == 5
