"""Every figure against the value worked out by hand from tests/audits/dataset.py (the working is beside each)."""

import pytest

from audits import figures
from audits.figures import FIGURES, Period
from tests.audits import dataset

pytestmark = pytest.mark.django_db

N, S, E = "X North", "X South", "X East"
DAY, EVENING, PROPERTY = "Day break", "Evening break", "Bookable accessible property"
CARER, CARED_FOR = "The carer", "The person cared for, with help"
TIME, ISOLATED = "Carers: I had some time for myself", "Carers: I feel less isolated"
ENJOYED = "People cared for: I enjoyed my break"
AGREE, NEITHER = "Agree or strongly agree (4 or 5)", "Neither agree nor disagree (3)"
DISAGREE = "Disagree or strongly disagree (1 or 2)"

# code: (total, {group: value}); a group is its labels in the figure's breakdown order.
EXPECTED = {
    # o1, o2, o3, o4, o5, o8 by prov1, prov2, prov3; North o1 (prov1), o3 and o4 (prov2); South o2 (prov1),
    # o5 (prov3), o8 (prov2). o6 has nothing in the period, o7 is unpublished, Y's offer is Y's.
    "supply.providers": (3, {(N,): 2, (S,): 3}),
    "supply.offers": (6, {(N, DAY): 2, (N, EVENING): 1, (S, DAY): 2, (S, PROPERTY): 1}),
    # s1, s2, s_o4 in North; s_o3; s_o2, s_o8 in South. Not s0 (before), the cancelled one, o6's, o7's.
    "supply.sessions": (6, {(N, DAY): 3, (N, EVENING): 1, (S, DAY): 2}),
    "supply.places": (33, {(N, DAY): 8 + 6 + 10, (N, EVENING): 3, (S, DAY): 4 + 2}),
    "supply.nights": (3, {(S,): 3}),  # 20 Mar, 15 and 16 Apr; not 10 Jun
    # per session: 2000, 2500, 3000, 4000 -> median (2500 + 3000) / 2
    "supply.unit_cost_median": (
        None,
        {(DAY, "per session"): "2750.00", (EVENING, "per hour"): "1500.00", (PROPERTY, "per night"): "8000.00"},
    ),
    "supply.unit_cost_lowest": (
        None,
        {(DAY, "per session"): 2000, (EVENING, "per hour"): 1500, (PROPERTY, "per night"): 8000},
    ),
    "supply.unit_cost_highest": (
        None,
        {(DAY, "per session"): 4000, (EVENING, "per hour"): 1500, (PROPERTY, "per night"): 8000},
    ),
    # In the period: cA 2 Mar (high, crisis), cB 5 Mar (complex), cG 8 Mar (high), cC 1 Apr (high, crisis), cD 20 May
    # (low). Not cA's of 15 Jan or cF's of 1 Feb, nor Y's.
    "demand.referrals": (5, {(N, "High"): 2, (N, "Complex"): 1, (S, "High"): 1, (E, "Low"): 1}),
    "demand.crisis_referrals": (2, {(N, "High"): 1, (S, "High"): 1}),
    # b1 (cA day), b2 (cA property), b3 (cB day), b4 (cC day), b5 (cC property), b6 (cD evening), b8 (cC property),
    # b9 (cF day). Not b7 or b10 (requested in February) nor the 2025 booking.
    "demand.booking_requests": (8, {(N, DAY): 2, (N, PROPERTY): 1, (S, DAY): 2, (S, PROPERTY): 2, (E, EVENING): 1}),
    "demand.declined": (2, {(S, DAY): 1, (E, EVENING): 1}),  # b4, b6
    "demand.lapsed": (1, {(S, PROPERTY): 1}),  # b5
    # w1 (cA, o1), w2 (cB, o2), w5 (cB, o4) North day; w3 (cD) East property; w4 (cC) South evening.
    "demand.waiting_list_entries": (5, {(N, DAY): 3, (E, PROPERTY): 1, (S, EVENING): 1}),
    # w5 1 day, w3 3, w4 6d14h to 1 Jun 00:00 (6.58), w2 10, w1 41d14h (41.58): middle 6.58; North 1, 10, 41.58.
    "demand.waiting_days_median": ("6.58", {(N,): "10.00", (E,): "3.00", (S,): "6.58"}),
    # Unmet: b4 (2 places), b6 (2), w1 (2), w4 (1); nights b5 (2), w3 (3). Not w2 (accepted) nor w5 (turned down).
    "demand.unmet_places": (7, {(S, DAY): 2, (E, EVENING): 2, (N, DAY): 2, (S, EVENING): 1}),
    "demand.unmet_nights": (5, {(S, PROPERTY): 2, (E, PROPERTY): 3}),
    # b4 3000x2, b5 8000x2 nights, b6 1500/h x2 places x3h, w1 2000x2, w3 8000x3 nights, w4 1500x1x3h.
    "demand.unmet_pence": (
        63_500,
        {
            (S, DAY): 6000,
            (S, PROPERTY): 16_000,
            (E, EVENING): 9000,
            (N, DAY): 4000,
            (E, PROPERTY): 24_000,
            (S, EVENING): 4500,
        },
    ),
    # Attended breaks beginning in the period: cA (b1, b2), cB (b3, b7), cC (b8), cF (b9); not cG (b10 in Feb).
    "access.carers_with_break": (4, {(N,): 2, (S,): 2}),
    # Known by 31 May: cA, cB, cG North; cC, cF South; cD East. Not cE (5 Jun).
    "access.carers_known": (6, {(N,): 3, (S,): 2, (E,): 1}),
    "access.share_with_break": ("66.70", {(N,): "66.70", (S,): "100.00", (E,): "0.00"}),
    # First break ever in the period, from the first referral: cA 15 Jan -> 10 Mar 54 days; cB 5 Mar -> 10 Mar 5;
    # cF 1 Feb 10:00 GMT -> 5 Apr 10:00 BST 62 days 23 hours. cC's first referral came after the break; cG's first
    # break was in 2025. Median of 5, 54, 62.96 is 54; the 90th percentile 54 + 0.8 x 8.96 = 61.17.
    "access.referral_to_first_break_median": ("54.00", {(N,): "29.50", (S,): "62.96"}),
    "access.referral_to_first_break_p90": ("61.17", {(N,): "49.10", (S,): "62.96"}),
    # Complex needs, known by 31 May: cA, cB North, cD East (not cE).
    "access.highest_need_carers": (3, {(N,): 2, (E,): 1}),
    # 4 nights a year x 92/365, rounded up: 2. cA 2 nights (b2) met; cB 1 (s2 spans one midnight, s1 none); cD 0.
    "access.minimum_entitlement_met": (1, {(N,): 1, (E,): 0}),
    "access.minimum_entitlement_share": ("33.30", {(N,): "50.00", (E,): "0.00"}),
    # Ledger, 1 Apr 2026: b1 +6000 invoiced, paid (nothing net), -1000 refunded; b2 +16000; direct payment +3000;
    # micro-grant +2500 for nothing booked. Not the invoice of 2 Jun, nor Y's. The year before: 4000 (1 Apr 2025).
    "spend.by_sds_option": (
        26_500,
        {("Option 2: Individual Service Fund",): 21_000, ("Option 1: direct payment",): 3000, ("Micro-grant",): 2500},
    ),
    "spend.by_kind": (
        26_500,
        {
            ("Community and universal breaks",): 5000,
            ("Residential and overnight breaks",): 16_000,
            ("Other direct payment purchases",): 3000,
            ("Not linked to a break",): 2500,
        },
    ),
    # North day and evening; South day and property; East none. Three kinds in all.
    "variety.kinds_per_locality": (3, {(N,): 2, (S,): 2, (E,): 0}),
    # Asked for with no such offer where they live: North property (b2), South evening (w4), East evening (b6),
    # East property (w3). North day (5) and South day and property have supply.
    "gaps.demand_without_supply": (4, {(N, PROPERTY): 1, (S, EVENING): 1, (E, EVENING): 1, (E, PROPERTY): 1}),
    # cA's review (met, met, partly) on 30 Apr and cB's (not met, met) on 31 May; not cF's in February, nor Y's.
    "outcomes.plan_reviews": (5, {("Met",): 3, ("Partly met",): 1, ("Not met",): 1}),
    # Feedback (audits/feedback_figures.py), r1-r10 in the dataset's docstring; not b10's of 22 February, the
    # cared-for person's at 00:30 on 1 June, nor Y's. North day r1 r2 r3 r7; North property r4 r8; South property
    # r5 r9; South day r6 r10.
    "outcomes.feedback_responses": (10, {(N, DAY): 4, (N, PROPERTY): 2, (S, PROPERTY): 2, (S, DAY): 2}),
    # Carers: complex r1 r2 r3 r4, high r5, medium r6. Cared-for: complex r7, high r8 r9, medium r10.
    "outcomes.feedback_by_respondent": (
        10,
        {
            (CARER, "Complex"): 4,
            (CARER, "High"): 1,
            (CARER, "Medium"): 1,
            (CARED_FOR, "Complex"): 1,
            (CARED_FOR, "High"): 2,
            (CARED_FOR, "Medium"): 1,
        },
    ),
    # Six carers answered both questions (versions 1 and 2 alike: the newest words); four cared-for people one.
    "outcomes.feedback_answers": (16, {(TIME,): 6, (ISOLATED,): 6, (ENJOYED,): 4}),
    # Day: r1 5 4, r2 4 2, r3 2 3, r6 4 4, r7 5, r10 5 -> agree 5 4 4 4 4 5 5 (7), neither 3 (1), disagree 2 2 (2).
    # Property: r4 5 5, r5 3 1, r8 4, r9 2 -> agree 5 5 4 (3), neither 3 (1), disagree 1 2 (2).
    "outcomes.feedback_agreement": (
        16,
        {
            (DAY, AGREE): 7,
            (DAY, NEITHER): 1,
            (DAY, DISAGREE): 2,
            (PROPERTY, AGREE): 3,
            (PROPERTY, NEITHER): 1,
            (PROPERTY, DISAGREE): 2,
        },
    ),
    # time: North 5 4 2 5 (3 of 4), South 3 4 (1 of 2); isolated: North 4 2 3 5 (2 of 4), South 1 4 (1 of 2);
    # enjoyed: North 5 4 (2 of 2), South 2 5 (1 of 2). All: 10 of 16 = 62.5%.
    "outcomes.feedback_agree_share": (
        "62.50",
        {
            (TIME, N): "75.00",
            (TIME, S): "50.00",
            (ISOLATED, N): "50.00",
            (ISOLATED, S): "50.00",
            (ENJOYED, N): "100.00",
            (ENJOYED, S): "50.00",
        },
    ),
    # time: day 5 4 2 4 = 15/4, property 5 3 = 8/2; isolated: day 4 2 3 4 = 13/4, property 5 1 = 6/2; enjoyed:
    # day 5 5 = 10/2, property 4 2 = 6/2. All: (23 + 19 + 16) / 16 = 3.625, rounded half up to 3.63.
    "outcomes.feedback_mean_score": (
        "3.63",
        {
            (TIME, DAY): "3.75",
            (TIME, PROPERTY): "4.00",
            (ISOLATED, DAY): "3.25",
            (ISOLATED, PROPERTY): "3.00",
            (ENJOYED, DAY): "5.00",
            (ENJOYED, PROPERTY): "3.00",
        },
    ),
}

YEAR_BEFORE = {
    "spend.by_sds_option": (4000, {("Option 2: Individual Service Fund",): 4000}),
    "spend.by_kind": (4000, {("Community and universal breaks",): 4000}),
}


@pytest.fixture
def data(x, y):
    return dataset.build(x, y)


@pytest.fixture
def period(x, data):
    return Period(x.partnership.pk, dataset.START, dataset.END)


def _groups(figure, result):
    return {tuple(row["by"][name] for name in figure.breakdown): row["value"] for row in result.rows}


def test_every_figure_has_a_hand_worked_value():
    assert set(EXPECTED) == set(FIGURES)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_figure_matches_the_value_worked_out_by_hand(code, period):
    figure = FIGURES[code]
    result = figure.compute(period)
    total, groups = EXPECTED[code]
    values = _groups(figure, result)
    if code in YEAR_BEFORE:
        before_total, before = YEAR_BEFORE[code]
        assert result.total_year_before == before_total
        earlier = {tuple(row["by"][n] for n in figure.breakdown): row["year_before"] for row in result.rows}
        assert {k: v for k, v in earlier.items() if v} == before
        values = {k: v for k, v in values.items() if v}
    assert figures.plain(result.total) == total
    assert values == groups


def test_every_figure_says_how_it_is_counted():
    for figure in FIGURES.values():
        assert figure.label, figure.code
        assert len(figure.definition) > 40, figure.code
        assert figure.step in figures.STEPS
        assert figure.version >= 1


def test_the_entitlement_is_not_counted_when_the_partnership_has_not_set_it(x):
    result = FIGURES["access.minimum_entitlement_share"].compute(Period(x.partnership.pk, dataset.START, dataset.END))
    assert result.total is None
    assert "not set" in result.note


def test_a_figure_cannot_be_defined_twice():
    figure = FIGURES["demand.referrals"]
    changed = figures.Figure(figure.code, figure.step, "Another", figure.definition, figure.unit, figure.query)
    with pytest.raises(ValueError, match="one definition per figure"):
        figures.register(changed)


def test_the_definitions_version_changes_with_a_figure_version(monkeypatch):
    before = figures.definitions_version()
    figure = FIGURES["demand.referrals"]
    bumped = figures.Figure(
        figure.code, figure.step, figure.label, figure.definition, figure.unit, figure.query, version=2
    )
    monkeypatch.setitem(FIGURES, figure.code, bumped)
    assert figures.definitions_version() != before
