"""The status rule, worked by hand at several dates, both ways round; the trend; a row's value."""

import datetime
from decimal import Decimal as D

import pytest

from commissioning.plans import measures
from commissioning.plans.models import Direction, Status

BASE_ON, DEADLINE = datetime.date(2026, 1, 1), datetime.date(2026, 4, 11)  # 100 days apart


def status(live, day, *, baseline="10", target="20", direction=Direction.HIGHER):
    return measures.status_of(
        live=None if live is None else D(live),
        baseline=D(baseline),
        target=D(target),
        baseline_on=BASE_ON,
        deadline=DEADLINE,
        direction=direction,
        day=day,
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 12, 1), "10"),  # before the baseline: the baseline
        (BASE_ON, "10"),
        (datetime.date(2026, 1, 26), "12.50"),  # 25 of 100 days: 10 + 10 x 0.25
        (datetime.date(2026, 2, 20), "15.00"),  # 50 days
        (datetime.date(2026, 3, 2), "16.00"),  # 60 days
        (DEADLINE, "20"),
        (datetime.date(2026, 5, 1), "20"),  # after the deadline: the target
    ],
)
def test_the_line_runs_straight_from_baseline_to_target(day, expected):
    line = measures.expected_on(baseline=D(10), target=D(20), baseline_on=BASE_ON, deadline=DEADLINE, day=day)
    assert line == D(expected)


def test_the_line_is_rounded_to_two_places():
    # 0 to 10 over 3 days, read after 1: 3.333... -> 3.33; after 2: 6.666... -> 6.67.
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 1, 4)
    read = lambda day: measures.expected_on(baseline=D(0), target=D(10), baseline_on=start, deadline=end, day=day)  # noqa: E731
    assert (read(datetime.date(2026, 1, 2)), read(datetime.date(2026, 1, 3))) == (D("3.33"), D("6.67"))


def test_higher_is_better_at_several_dates():
    # The margin is a tenth of the planned change: (20 - 10) / 10 = 1.
    halfway = datetime.date(2026, 2, 20)  # the line: 15
    assert status("15", halfway) == Status.ON_TRACK  # on the line
    assert status("17", halfway) == Status.ON_TRACK  # beyond it
    assert status("14.50", halfway) == Status.AT_RISK
    assert status("14", halfway) == Status.AT_RISK  # exactly the margin short
    assert status("13.99", halfway) == Status.OFF_TRACK
    before = datetime.date(2025, 12, 1)  # the line: 10
    assert (status("10", before), status("9.5", before), status("8", before)) == (
        Status.ON_TRACK,
        Status.AT_RISK,
        Status.OFF_TRACK,
    )
    after = datetime.date(2026, 6, 1)  # the line: 20
    assert (status("21", after), status("19.5", after), status("18.9", after)) == (
        Status.ON_TRACK,
        Status.AT_RISK,
        Status.OFF_TRACK,
    )


def test_lower_is_better_at_several_dates():
    # Days waited: 30 down to 10; the margin is 2. After 25 days the line is 30 - 20 x 0.25 = 25.
    lower = {"baseline": "30", "target": "10", "direction": Direction.LOWER}
    quarter = datetime.date(2026, 1, 26)
    assert status("25", quarter, **lower) == Status.ON_TRACK
    assert status("20", quarter, **lower) == Status.ON_TRACK
    assert status("26", quarter, **lower) == Status.AT_RISK
    assert status("27", quarter, **lower) == Status.AT_RISK
    assert status("27.01", quarter, **lower) == Status.OFF_TRACK
    assert status("31", datetime.date(2025, 12, 1), **lower) == Status.AT_RISK  # 1 over the baseline
    assert status("10", DEADLINE, **lower) == Status.ON_TRACK
    assert status("13", DEADLINE, **lower) == Status.OFF_TRACK


def test_no_live_value_is_not_known():
    assert status(None, BASE_ON) == Status.NOT_KNOWN


def test_the_trend_says_better_or_worse_by_the_figures_direction():
    assert measures.trend(live=D(14), baseline=D(10), direction=Direction.HIGHER) == (D(4), "Better")
    assert measures.trend(live=D(8), baseline=D(10), direction=Direction.HIGHER) == (D(-2), "Worse")
    assert measures.trend(live=D(26), baseline=D(30), direction=Direction.LOWER) == (D(-4), "Better")
    assert measures.trend(live=D(32), baseline=D(30), direction=Direction.LOWER) == (D(2), "Worse")
    assert measures.trend(live=D(30), baseline=D(30), direction=Direction.LOWER) == (D(0), "No change")
    assert measures.trend(live=None, baseline=D(30), direction=Direction.LOWER) == (None, "Not known yet")


def test_each_figure_says_which_way_is_better():
    assert measures.direction_of("access.carers_with_break") == Direction.HIGHER
    assert measures.direction_of("demand.waiting_days_median") == Direction.LOWER
    assert measures.direction_of("demand.unmet_places") == Direction.LOWER
    assert {f.code for f in measures.targetable()} >= set(measures.LOWER_IS_BETTER)


def test_a_rows_value_and_a_missing_row():
    rows = [{"by": {"locality": "X North"}, "value": 3}, {"by": {"locality": "X South"}, "value": 1}]
    value = lambda by, unit="count", code="access.carers_with_break": measures.value_of(  # noqa: E731
        code=code, unit=unit, total=4, rows=rows, by=by
    )
    assert value({}) == D(4)
    assert value({"locality": "X South"}) == D(1)
    assert value({"locality": "X East"}) == D(0)  # a count with no row counted nothing
    assert value({"locality": "X East"}, unit="days", code="demand.waiting_days_median") is None  # no median
