"""Recalibration: every current assessment priced under a draft scale by the database, in one query, and the
same amounts as the pure function gives."""

import pytest

from ras import selectors
from ras.budget import budget_compute
from ras.models import Assessment
from tests.factories import CarerFactory
from tests.ras.factories import completed_assessment, price_scale, raw_completed_assessments

pytestmark = pytest.mark.django_db

PICKS = [[0, 0, 0, 0, 0], [2, 1, 1, 1, 1], [2, 2, 2, 0, 1], [1, 0, 2, 1, 0], [2, 2, 2, 1, 1], [0, 1, 0, 0, 1]]

DRAFTS = {
    "per point, floor, ceiling, adjustments, contingency": {
        "price": 4_150,
        "floor": 40_000,
        "ceiling": 90_000,
        "contingency": "7.5",
        "adjustments": [("second-carer", "A second carer at home", -12_345), ("sibling-needs", "A sibling", 9_999)],
    },
    "bands": {
        "method": "bands",
        "price": None,
        "bands": [(0, 5, 25_000), (6, 15, 60_050), (16, None, 99_999)],
        "contingency": "2.5",
        "adjustments": [("sibling-needs", "A sibling", 1_001)],
    },
    "per point, nothing else": {"price": 1},
}


@pytest.fixture
def assessed(x, version_x, scale_x, panel_x):
    """Six carers in X assessed under the published scale; the first one twice (only the later one counts)."""
    carers = [CarerFactory(locality=x.locality) for _ in PICKS]
    completed_assessment(carers[0], version_x, x.assessor, [2, 2, 2, 1, 1])
    return [
        completed_assessment(carer, version_x, x.assessor, picks) for carer, picks in zip(carers, PICKS, strict=True)
    ]


@pytest.mark.parametrize("draft", sorted(DRAFTS))
def test_each_assessment_gets_what_the_pure_function_gives_under_the_draft(x, assessed, draft):
    scale = price_scale(x.partnership, published=False, **DRAFTS[draft])
    rows = {row.pk: row for row in selectors.recalibration_rows(scale=scale, fetched_by=x.assessor)}
    assert set(rows) == {a.pk for a in assessed}  # the first carer's earlier assessment is not current
    terms = selectors.scale_terms(scale)
    for assessment in assessed:
        expected = budget_compute(**selectors.assessment_inputs(assessment=assessment), terms=terms)
        row = rows[assessment.pk]
        assert (row.new_points, row.new_contingency, row.new_amount) == (
            expected.points,
            expected.contingency_pence,
            expected.amount_pence,
        ), assessment.explanation
        assert row.change == expected.amount_pence - assessment.amount_pence


def test_totals_gainers_and_losers(x, assessed):
    scale = price_scale(x.partnership, published=False, **DRAFTS["per point, floor, ceiling, adjustments, contingency"])
    terms = selectors.scale_terms(scale)
    new = {
        a.pk: budget_compute(**selectors.assessment_inputs(assessment=a), terms=terms).amount_pence for a in assessed
    }
    changes = {a.pk: new[a.pk] - a.amount_pence for a in assessed}
    rows = selectors.recalibration_rows(scale=scale, fetched_by=x.assessor)
    totals = selectors.recalibration_totals(rows=rows)
    assert totals["assessments"] == 6
    assert totals["total_now"] == sum(a.amount_pence for a in assessed)
    assert totals["total_new"] == sum(new.values())
    assert totals["gainers"] == sum(1 for c in changes.values() if c > 0)
    assert totals["losers"] == sum(1 for c in changes.values() if c < 0)
    assert totals["gained"] == sum(c for c in changes.values() if c > 0)
    assert totals["lost"] == sum(c for c in changes.values() if c < 0)
    gains = list(selectors.recalibration_list(rows=rows, show="gains"))
    assert [g["pk"] for g in gains] == sorted((pk for pk, c in changes.items() if c > 0), key=lambda pk: -changes[pk])
    losses = list(selectors.recalibration_list(rows=rows, show="losses"))
    assert [row["change"] for row in losses] == sorted(c for c in changes.values() if c < 0)


def test_only_the_scales_partnership_and_what_the_reader_may_see(x, y, assessed, carer_b):
    scale = price_scale(x.partnership, published=False, price=100)
    assert selectors.recalibration_rows(scale=scale, fetched_by=y.assessor).count() == 0
    assert selectors.recalibration_rows(scale=scale, fetched_by=x.broker).count() == 6


@pytest.mark.parametrize("count", [3, 30])
def test_the_totals_and_a_page_take_the_same_few_queries_however_many_assessments(
    x, version_x, scale_x, count, django_assert_num_queries
):
    carers = [CarerFactory(locality=x.locality) for _ in range(count)]
    raw_completed_assessments(carers, version_x, x.assessor, scale_x, lambda i: PICKS[i % len(PICKS)])
    scale = price_scale(x.partnership, published=False, **DRAFTS["bands"])
    scale = selectors.scale_get(fetched_by=x.assessor, pk=scale.pk)  # bands and adjustments prefetched
    with django_assert_num_queries(3):
        rows = selectors.recalibration_rows(scale=scale, fetched_by=x.assessor)
        totals = selectors.recalibration_totals(rows=rows)  # one aggregate
        page = selectors.recalibration_list(rows=rows, show="all")
        assert page.count() == count  # one count
        assert len(list(page[:25])) == min(count, 25)  # one page of rows
    assert totals["assessments"] == count == Assessment.objects.filter(status="completed").count()
