"""The indicative budget as a pure function: every line a carer reads, and the amount, for each kind of scale."""

from decimal import Decimal

import pytest

from ras.budget import BANDS, PER_POINT, Band, ScaleTerms, budget_compute, format_percent, percent_of

DOMAINS = [("Personal care", 12), ("Behaviour", 20), ("Communication", 0), ("Community access", 14)]  # 46 points


def test_per_point_scale_explains_every_line():
    budget = budget_compute(
        domain_points=DOMAINS,
        circumstances=set(),
        terms=ScaleTerms(method=PER_POINT, price_per_point_pence=3800, ceiling_pence=300_000),
    )
    assert budget.amount_pence == 174_800
    assert budget.lines == [
        "Personal care: 12 points",
        "Behaviour: 20 points",
        "Communication: 0 points",
        "Community access: 14 points",
        "46 points in all",
        "46 x £38 = £1,748",
        "Less than the most anyone is given, £3,000 (the ceiling)",
        "Your budget to plan with (indicative budget): £1,748",
    ]


def test_band_scale_uses_the_band_the_points_fall_in():
    terms = ScaleTerms(
        method=BANDS,
        bands=(Band(0, 20, 50_000), Band(21, 45, 120_000), Band(46, None, 200_000)),
    )
    budget = budget_compute(domain_points=DOMAINS, circumstances=set(), terms=terms)
    assert budget.amount_pence == 200_000
    assert "The band for 46 points or more: £2,000" in budget.lines
    budget = budget_compute(domain_points=[("Personal care", 45)], circumstances=set(), terms=terms)
    assert budget.amount_pence == 120_000
    assert "The band for 21 to 45 points: £1,200" in budget.lines


def test_floor_raises_a_low_budget():
    budget = budget_compute(
        domain_points=[("Personal care", 2)],
        circumstances=set(),
        terms=ScaleTerms(method=PER_POINT, price_per_point_pence=3800, floor_pence=50_000),
    )
    assert budget.amount_pence == 50_000
    assert "Raised to the least anyone is given, £500 (the floor)" in budget.lines
    assert "No upper limit (ceiling)" in budget.lines


def test_ceiling_limits_a_high_budget():
    budget = budget_compute(
        domain_points=DOMAINS,
        circumstances=set(),
        terms=ScaleTerms(method=PER_POINT, price_per_point_pence=3800, floor_pence=50_000, ceiling_pence=150_000),
    )
    assert budget.amount_pence == 150_000
    assert "More than the least anyone is given, £500 (the floor)" in budget.lines
    assert "Limited to the most anyone is given, £1,500 (the ceiling)" in budget.lines


def test_adjustments_apply_only_for_circumstances_recorded():
    terms = ScaleTerms(
        method=PER_POINT,
        price_per_point_pence=3800,
        adjustments=(
            ("second-carer", "A second carer at home", -20_000),
            ("sibling-needs", "A sibling with needs", 15_050),
        ),
    )
    budget = budget_compute(domain_points=DOMAINS, circumstances={"second-carer"}, terms=terms)
    assert budget.amount_pence == 154_800
    assert "A second carer at home: −£200" in budget.lines
    assert "After adjustments: £1,548" in budget.lines
    assert not any("sibling" in line for line in budget.lines)
    both = budget_compute(domain_points=DOMAINS, circumstances={"second-carer", "sibling-needs"}, terms=terms)
    assert both.amount_pence == 169_850
    assert "A sibling with needs: +£150.50" in both.lines


def test_adjustments_never_take_a_budget_below_the_floor_or_zero():
    terms = ScaleTerms(method=PER_POINT, price_per_point_pence=100, adjustments=(("x", "Something", -50_000),))
    assert budget_compute(domain_points=[("A", 3)], circumstances={"x"}, terms=terms).amount_pence == 0


def test_contingency_is_held_back_and_rounded_half_up_to_the_penny():
    # 5% of £1,748 = £87.40; 2.5% of 101p = 2.525p -> 3p (half up), 2.5% of 99p = 2.475p -> 2p.
    budget = budget_compute(
        domain_points=DOMAINS,
        circumstances=set(),
        terms=ScaleTerms(method=PER_POINT, price_per_point_pence=3800, contingency_percent=Decimal("5.00")),
    )
    assert (budget.contingency_pence, budget.amount_pence) == (8_740, 166_060)
    assert (
        "5% of £1,748 kept back for costs nobody expected, which the panel can add (contingency): £87.40"
        in budget.lines
    )
    assert budget.lines[-1] == "Your budget to plan with (indicative budget): £1,660.60"
    assert percent_of(101, Decimal("2.5")) == 3
    assert percent_of(99, Decimal("2.5")) == 2
    assert percent_of(20, Decimal("2.5")) == 1  # exactly 0.5p rounds up
    assert percent_of(1, Decimal("12.34")) == 0


@pytest.mark.parametrize(("percent", "text"), [("5.00", "5%"), ("2.50", "2.5%"), ("12.25", "12.25%"), ("0", "0%")])
def test_percentages_read_naturally(percent, text):
    assert format_percent(Decimal(percent)) == text
