"""How a target is measured: its live value from the figure's one definition, its trend, and its status.

The rule the plan's page states (RULE): draw a straight line from the baseline (its value, on the last day of the
audit it came from) to the target value on the deadline. On a day between the two, the line gives the value
expected by then; after the deadline, the target itself. A target is

* on track when the live value is at or beyond the line (above it where higher is better, below it where lower
  is better);
* at risk when it falls short of the line by no more than a tenth of the whole planned change (|target -
  baseline| / 10);
* off track when it falls short by more than that.

Before the baseline's date the line is the baseline. A figure with no value yet (say a median of nothing) is not
known. Whether higher or lower is better is a property of the figure (LOWER_IS_BETTER), stated on every target.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from audits import figures as definitions
from breakthrough.reporting import reporting_reads
from commissioning.plans.models import Direction, Status

RULE = (
    "We draw a straight line from the baseline, on the last day of the audit it came from, to the target on its "
    "deadline, and read the value expected by today from it (after the deadline, the target itself). A target is "
    "on track when its live value is at or beyond that line; at risk when it falls short of the line by no more "
    "than a tenth of the whole change the target plans; off track when it falls short by more than that."
)
MARGIN = Decimal("0.1")  # the share of the whole planned change a target may fall short by and be "at risk"

# Figures where fewer or less is the improvement: time waited, requests not met, unmet demand, gaps.
LOWER_IS_BETTER = frozenset(
    {
        "demand.declined",
        "demand.lapsed",
        "demand.waiting_list_entries",
        "demand.waiting_days_median",
        "demand.unmet_places",
        "demand.unmet_nights",
        "demand.unmet_pence",
        "demand.crisis_referrals",
        "access.referral_to_first_break_median",
        "access.referral_to_first_break_p90",
        "gaps.demand_without_supply",
    }
)
# Figures that are a count or a sum of their rows: a row that is missing counted nothing (0). For the others (a
# median, a share, a lowest price) a missing row has no value.
ADDITIVE_UNITS = frozenset({"count", "places", "nights"})
ADDITIVE_PENCE = frozenset({"demand.unmet_pence", "spend.by_sds_option", "spend.by_kind"})
TWO_PLACES = Decimal("0.01")


def direction_of(code: str) -> str:
    return Direction.LOWER if code in LOWER_IS_BETTER else Direction.HIGHER


def targetable() -> list[definitions.Figure]:
    """Figures a target may follow: those that give one number (not the unit-cost tables, which have no total)."""
    return [f for f in definitions.FIGURES.values() if not f.code.startswith("supply.unit_cost")]


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def value_of(*, code: str, unit: str, total, rows: list[dict], by: dict) -> Decimal | None:
    """The figure's value for the target: its total, or the value of the row whose groups are exactly `by`."""
    if not by:
        return _number(total)
    for row in rows:
        if row.get("by") == by:
            return _number(row.get("value"))
    additive = unit in ADDITIVE_UNITS or code in ADDITIVE_PENCE
    return Decimal("0.00") if additive and total is not None else None


def live_period(*, partnership_id: int, start: datetime.date, end: datetime.date, today: datetime.date):
    """The plan's period up to today, or None before it begins."""
    if today < start:
        return None
    return definitions.Period(partnership_id, start, min(end, today))


def live_value(target, *, today: datetime.date) -> tuple[Decimal | None, datetime.date | None]:
    """Compute the target's figure now, by its one definition, for its plan's period up to today."""
    plan = target.plan
    period = live_period(partnership_id=plan.partnership_id, start=plan.period_start, end=plan.period_end, today=today)
    if period is None:
        return None, None
    figure = definitions.FIGURES.get(target.figure_code)
    if figure is None:
        return None, period.end
    with reporting_reads():  # a measure of loop 1's data, read where dashboards read
        result = figure.compute(period)
    value = value_of(code=figure.code, unit=figure.unit, total=result.total, rows=result.rows, by=target.by)
    return value, period.end


def expected_on(
    *, baseline: Decimal, target: Decimal, baseline_on: datetime.date, deadline: datetime.date, day: datetime.date
) -> Decimal:
    """The straight line from the baseline to the target, read on `day` (clamped to the two ends)."""
    if day <= baseline_on:
        return baseline
    if day >= deadline:
        return target
    elapsed = Decimal((day - baseline_on).days) / Decimal((deadline - baseline_on).days)
    return (baseline + (target - baseline) * elapsed).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def status_of(
    *,
    live: Decimal | None,
    baseline: Decimal,
    target: Decimal,
    baseline_on: datetime.date,
    deadline: datetime.date,
    direction: str,
    day: datetime.date,
) -> str:
    if live is None:
        return Status.NOT_KNOWN
    expected = expected_on(baseline=baseline, target=target, baseline_on=baseline_on, deadline=deadline, day=day)
    # How far the live value is beyond the line, in the direction of improvement (negative: short of it).
    ahead = live - expected if direction == Direction.HIGHER else expected - live
    if ahead >= 0:
        return Status.ON_TRACK
    if -ahead <= abs(target - baseline) * MARGIN:
        return Status.AT_RISK
    return Status.OFF_TRACK


def trend(*, live: Decimal | None, baseline: Decimal, direction: str) -> tuple[Decimal | None, str]:
    """The change since the baseline, and in words whether it is better, worse or the same."""
    if live is None:
        return None, "Not known yet"
    change = live - baseline
    if change == 0:
        return change, "No change"
    better = (change > 0) == (direction == Direction.HIGHER)
    return change, "Better" if better else "Worse"
