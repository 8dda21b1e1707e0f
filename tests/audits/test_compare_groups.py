"""Two audits compared group by group: each figure's rows matched by their "by" keys (locality, needs level...),
with the earlier value, the later value, the change and its direction in words; a group only one audit has says
so. The values are worked out by hand from tests/audits/dataset.py."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audits import figures, selectors
from audits.models import AuditFigure, AuditRun
from audits.services import audit_compute
from tests.audits import dataset

pytestmark = pytest.mark.django_db

N, S, E = "X North", "X South", "X East"


def _computed(x, start, end):
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=start,
        period_end=end,
        started_by=x.commissioner,
        steps_total=len(figures.STEPS),
    )
    assert audit_compute(run_id=run.pk) == "finished"
    return run


@pytest.fixture
def runs(x, y):
    dataset.build(x, y)
    # The winter before: cA's referral (15 January, high needs, North) and cF's (1 February, medium, South).
    earlier = _computed(x, datetime.date(2025, 12, 1), datetime.date(2026, 2, 28))
    later = _computed(x, dataset.START, dataset.END)
    return earlier, later


def _groups(changes, code):
    change = next(c for c in changes if c.code == code)
    return change, {tuple(g.by): (g.before, g.after, g.difference, g.direction) for g in change.groups}


def test_referrals_are_compared_locality_by_locality_and_need_by_need(runs):
    earlier, later = runs
    change, groups = _groups(selectors.audit_compare(earlier, later), "demand.referrals")
    assert (change.before, change.after, change.difference, change.direction) == (2, 5, 3, "Up")
    assert change.headers == ["Locality", "Needs level"]
    assert groups == {
        # North, high needs: cA's in January; cA's (2 March) and cG's (8 March) in spring.
        (N, "High"): (1, 2, 1, "Up"),
        (N, "Complex"): (None, 1, None, "Only in the later audit"),  # cB, 5 March
        (S, "High"): (None, 1, None, "Only in the later audit"),  # cC, 1 April
        (E, "Low"): (None, 1, None, "Only in the later audit"),  # cD, 20 May
        (S, "Medium"): (1, None, None, "Only in the earlier audit"),  # cF, 1 February
    }
    # The later audit's groups in its own order, then the groups only the earlier one has.
    assert [tuple(g.by) for g in change.groups][-1] == (S, "Medium")


def test_the_compare_page_shows_each_group_with_its_direction_in_words(runs, x, client_for):
    earlier, later = runs
    page = client_for(x.commissioner).get(reverse("audits:compare", args=[later.pk, earlier.pk])).content.decode()
    assert "Referrals, by group</caption>" in page
    table = page.split("Referrals, by group</caption>", 1)[1].split("</table>", 1)[0]
    (row,) = [
        row
        for row in table.split("<tr")
        if 'data-label="Locality">X North</th>' in row and 'data-label="Needs level">High</td>' in row
    ]
    assert '"Earlier">1</td>' in row
    assert '"Later">2</td>' in row
    assert '"Change">+1</td>' in row
    assert ">Up</strong>" in row
    assert "Only in the earlier audit</strong>" in page
    assert "Not in this audit" in page


def _run(x, **figure):
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START,
        period_end=dataset.END,
        started_by=x.commissioner,
        state=AuditRun.State.FINISHED,
        finished_at=timezone.now(),
        definitions_version="test",
    )
    AuditFigure.objects.create(run=run, step="spend", position=0, definition="d", version=1, **figure)
    return run


def test_money_and_shares_are_compared_down_and_unchanged_as_well(x):
    spend = {"code": "spend.by_kind", "label": "Spend by kind", "unit": "pence", "breakdown": ["kind"]}
    earlier = _run(
        x,
        **spend,
        total=9000,
        rows=[{"by": {"kind": "Residential"}, "value": 6000}, {"by": {"kind": "Community"}, "value": 3000}],
    )
    later = _run(
        x,
        **spend,
        total=7550,
        rows=[{"by": {"kind": "Residential"}, "value": 4550}, {"by": {"kind": "Community"}, "value": 3000}],
    )
    change, groups = _groups(selectors.audit_compare(earlier, later), "spend.by_kind")
    assert change.difference_shown == "-£14.50"
    assert groups == {
        ("Residential",): (6000, 4550, Decimal(-1450), "Down"),
        ("Community",): (3000, 3000, Decimal(0), "No change"),
    }
    residential = change.groups[0]
    assert (residential.before_shown, residential.after_shown, residential.difference_shown) == (
        "£60",
        "£45.50",
        "-£14.50",
    )


def test_a_figure_only_one_audit_has_says_which(x):
    earlier = _run(x, code="a.one", label="One", unit="count", breakdown=["locality"], total=3, rows=[])
    later = _run(x, code="b.two", label="Two", unit="count", breakdown=["locality"], total=4, rows=[])
    directions = {c.code: c.direction for c in selectors.audit_compare(earlier, later)}
    assert directions == {"b.two": "Only in the later audit", "a.one": "Only in the earlier audit"}
