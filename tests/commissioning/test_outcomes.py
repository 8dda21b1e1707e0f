"""The outcomes chain (issue 12): each person's outcomes counted, the partnership's, and the programme's across
partnerships, on the audit's hand-built dataset (tests/audits/dataset.py, whose working is beside each value
in tests/audits/test_figures.py: the chain counts with the same definitions, so it must give the same values).
The programme's tables leave the partnership: every hidden count is attacked with the independent solver of
tests/breakthrough/test_disclosure.py and must not be worked out."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.figures import FIGURES
from breakthrough.models import Partnership
from commissioning import selectors
from tests.audits import dataset
from tests.audits.test_figures import EXPECTED
from tests.breakthrough.test_disclosure import attack

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_the_dataset_period(monkeypatch):
    """The chain counts the months up to today; the dataset is of March to May 2026."""
    monkeypatch.setattr(selectors, "outcomes_period", lambda months: (dataset.START, dataset.END))


@pytest.fixture
def data(x, y, in_the_dataset_period):
    return dataset.build(x, y)


def _values(table):
    figure = table.figure
    return figure.total, {tuple(row["by"][name] for name in figure.breakdown): row["value"] for row in figure.rows}


def test_each_person_and_the_partnership_count_as_the_audit_does(x, data):
    chain = selectors.outcomes_chain(fetched_by=x.commissioner, months=12)
    assert (chain.start, chain.end, chain.partnership) == (dataset.START, dataset.END, x.partnership)
    individual = {t.figure.code: t for t in chain.individual}
    partnership = {t.figure.code: t for t in chain.partnership_level}
    assert list(individual) == list(selectors.INDIVIDUAL_FIGURES)
    assert list(partnership) == list(selectors.PARTNERSHIP_FIGURES)
    for code, table in {**individual, **partnership}.items():
        assert _values(table) == EXPECTED[code], code
        assert table.figure.definition == FIGURES[code].definition
    # e.g. plan reviews: cA's met, met, partly met and cB's not met, met
    assert _values(individual["outcomes.plan_reviews"]) == (5, {("Met",): 3, ("Partly met",): 1, ("Not met",): 1})


# The programme, worked by hand (X from the dataset's docstring; Y: one review, not met; one carer's response,
# 1 and 1). Columns as the figures' groups.
PROGRAMME = {
    # X: met 3, partly 1, not met 1; Y: not met 1.
    "outcomes.plan_reviews": {"Partnership X": [3, 1, 1], "Partnership Y": [0, 0, 1]},
    # X: agree 7 (day) + 3 (property), neither 1 + 1, disagree 2 + 2; Y: two answers of 1.
    "outcomes.feedback_agreement": {"Partnership X": [10, 2, 4], "Partnership Y": [0, 0, 2]},
    # X: six carers (r1-r6), four cared-for people (r7-r10); Y: one carer.
    "outcomes.feedback_by_respondent": {"Partnership X": [6, 4], "Partnership Y": [1, 0]},
}


def test_the_programme_counts_every_partnership_and_no_hidden_count_can_be_worked_out(x, data, national_user):
    assert list(Partnership.objects.order_by("name").values_list("name", flat=True)) == list(
        PROGRAMME["outcomes.plan_reviews"]
    )
    for chain in (
        selectors.outcomes_chain(fetched_by=x.commissioner, months=12),
        selectors.programme_outcomes(fetched_by=national_user, months=12),
    ):
        assert [t.code for t in chain.programme] == list(PROGRAMME)
        for table in chain.programme:
            truth = list(PROGRAMME[table.code].values())
            published = table.published
            assert published.rows == list(PROGRAMME[table.code])
            full = [[*row, sum(row)] for row in truth]
            for shown_row, shown_total, true_row in zip(published.cells, published.row_totals, full, strict=True):
                for shown, value in zip([*shown_row, shown_total], true_row, strict=True):
                    if shown.hidden is None:
                        assert shown.count == value, table.code
                        assert not 0 < value < 5, table.code
            possible = attack(published, truth)
            assert possible, f"{table.code}: small counts are there, so something is hidden"
            for cell, values in possible.items():
                assert len(values) > 1, f"{table.code}: hidden cell {cell} can be worked out"
            assert table.definition == FIGURES[table.code].definition


def test_the_chain_is_for_commissioners_and_the_programme_for_national_analysts(x, national_user):
    assert selectors.outcomes_chain(fetched_by=national_user, months=12) is None
    assert selectors.outcomes_chain(fetched_by=x.broker, months=12) is None
    assert selectors.programme_outcomes(fetched_by=x.commissioner, months=12) is None


def test_the_period_runs_from_the_first_of_a_month_to_today(monkeypatch):
    monkeypatch.setattr(selectors.services, "today", lambda: datetime.date(2026, 12, 6))
    assert selectors.outcomes_period(12) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 6))
    assert selectors.outcomes_period(3) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 6))


def test_the_page_shows_three_levels_with_how_each_is_counted(client_for, x, data):
    page = client_for(x.commissioner).get(reverse("commissioning:outcomes"))
    html = page.content.decode()
    for heading in ("1. Each person’s outcomes", "2. The partnership’s outcomes", "3. The programme’s outcomes"):
        assert heading in html
    for code in (*selectors.INDIVIDUAL_FIGURES, *selectors.PARTNERSHIP_FIGURES):
        assert FIGURES[code].label in html
    assert html.count("How we count this") == len(selectors.INDIVIDUAL_FIGURES + selectors.PARTNERSHIP_FIGURES) + 3
    assert "3.63 out of 5" in html  # the mean score of every answer
    assert page.context["form"]["period"].value() == "12"  # the form says which period is counted
    assert "fewer than 5" in html
    for carer in vars(data.carers).values():
        assert carer.last_name not in html


def test_a_period_not_on_offer_is_told_by_the_field(client_for, x):
    page = client_for(x.commissioner).get(reverse("commissioning:outcomes"), {"period": "7"})
    assert page.status_code == 200
    assert "Choose a period from the list" in page.content.decode()


def test_the_national_page_shows_the_programme_only(client_for, national_user, data):
    html = client_for(national_user).get(reverse("commissioning:national_outcomes")).content.decode()
    assert "The programme’s outcomes, by partnership" in html
    assert "1. Each person’s outcomes" not in html
    assert "Partnership X" in html


def test_the_page_costs_the_same_queries_empty_and_full(client_for, x, y, in_the_dataset_period):
    client = client_for(x.commissioner)
    url = reverse("commissioning:outcomes")
    client.get(url)  # warms the session and content types
    with CaptureQueriesContext(connection) as empty:
        client.get(url)
    dataset.build(x, y)
    with CaptureQueriesContext(connection) as full:
        client.get(url)
    assert len(full) == len(empty)
