"""The commissioner's dashboard: the audit's figures from the summary, each with its trend by month, by period and
area, as a chart, a table and a CSV.

Counted on the hand-built partnership of tests/audits/dataset.py, looked at on 20 May 2026 with the last 3 months
(March to May 2026: the audit's own period, so the headline is the audit's hand-worked values). By month, worked
out from the dataset's docstring and rows:
- carers who had a break (attended, beginning in the month): March cA (b1), cB (b7), cC (b8); April cA (b2),
  cF (b9); May cB (b3). 3, 2, 1, but 4 carers over the period: cA and cB had breaks in two months.
- carers known at the end of each month: cA, cB, cG (North), cC, cF (South), cD (East): 6 each month (cE came
  in June). In South: 2.
- referrals: March cA, cB, cG; April cC; May cD: 3, 1, 1. In South: 0, 1, 0.
- booking requests (by when asked): March b1, b2, b8, b9; April b3, b4; May b5, b6: 4, 2, 2. South (cC, cF):
  March b8, b9; April b4; May b5: 2, 1, 1.
- unmet demand: April b4 £60 and w1 £40; May b5 £160, b6 £90, w3 £240, w4 £45: £0, £100, £535. South: April b4
  £60; May b5 and w4 £205.
- spend: every posting of the period is on 1 April: £0, £265, £0.
Partnership Y's rows of every kind count nowhere.
"""

import csv
import datetime
import io
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audits.figures import FIGURES
from brokerage.models import Booking
from commissioning import services
from commissioning.models import FigureSummary
from commissioning.selectors import partnership_dashboard
from commissioning.tasks import refresh_dashboard_summaries
from tests.audits import dataset
from tests.factories import BookingFactory, CarerFactory, ReferralFactory

pytestmark = pytest.mark.django_db

MAY_20 = datetime.date(2026, 5, 20)
MONTHS = ["March 2026", "April 2026", "May 2026"]
PAGE_QUERIES = 7


@pytest.fixture
def data(x, y, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: MAY_20)
    return dataset.build(x, y)


@pytest.fixture
def refreshed(data):
    services.dashboards_refresh()
    return data


def _rows(figure):
    return [[text for _, text in row] for row in figure.table["rows"]]


def _figures(dashboard):
    return {f.slug: f for f in dashboard.figures}


def _south(x):
    return x.partnership.localities.get(name="X South")


def test_the_headline_is_the_audits_figures_for_the_period(x, refreshed):
    dashboard = partnership_dashboard(fetched_by=x.commissioner, months=3)
    assert [(h.label, h.value) for h in dashboard.headline] == [
        ("carers who had a break in the last 3 months", "4"),
        ("carers known at the end of the period", "6"),
        ("referrals in the last 3 months", "5"),
        ("booking requests in the last 3 months", "8"),
        ("unmet demand in the last 3 months", "£635"),
        ("spend in the last 3 months", "£265"),
    ]
    assert [h.code for h in dashboard.headline] == list(services.DASHBOARD_FIGURES)


def test_each_figures_trend_counts_several_rows_in_each_month(x, refreshed):
    figures = _figures(partnership_dashboard(fetched_by=x.commissioner, months=3))
    assert _rows(figures["carers-with-a-break"]) == [[m, n] for m, n in zip(MONTHS, ["3", "2", "1"], strict=True)]
    assert _rows(figures["carers-known"]) == [[m, "6"] for m in MONTHS]
    assert _rows(figures["referrals"]) == [[m, n] for m, n in zip(MONTHS, ["3", "1", "1"], strict=True)]
    assert _rows(figures["booking-requests"]) == [[m, n] for m, n in zip(MONTHS, ["4", "2", "2"], strict=True)]
    assert _rows(figures["unmet-demand"]) == [[m, n] for m, n in zip(MONTHS, ["£0", "£100", "£535"], strict=True)]
    assert _rows(figures["spend"]) == [[m, n] for m, n in zip(MONTHS, ["£0", "£265", "£0"], strict=True)]
    # The period split by area and by kind, from the same rows: North cA, cB, cG; South cC, cF; East cD.
    assert _rows(figures["carers-by-area"]) == [["X East", "1"], ["X North", "3"], ["X South", "2"]]
    assert _rows(figures["requests-by-kind"]) == [
        ["Bookable accessible property", "3"],
        ["Day break", "4"],
        ["Evening break", "1"],
    ]
    assert _rows(figures["spend-by-kind"]) == [
        ["Community and universal breaks", "£50"],
        ["Not linked to a break", "£25"],
        ["Other direct payment purchases", "£30"],
        ["Residential and overnight breaks", "£160"],
    ]
    assert figures["carers-with-a-break"].chart.desc == (
        "Bar chart of carers who had a break by month from March 2026 to May 2026: highest in March 2026 at 3, "
        "lowest in May 2026 at 1."
    )
    assert figures["carers-known"].chart.kind == "line"


def test_an_area_narrows_every_figure_counted_by_area_and_says_which_are_not(x, refreshed):
    dashboard = partnership_dashboard(fetched_by=x.commissioner, months=3, locality=_south(x))
    assert [(h.value, h.note) for h in dashboard.headline] == [
        ("2", ""),  # cC, cF
        ("2", ""),
        ("1", ""),
        ("4", ""),
        ("£265", ""),  # b4 £60, b5 £160, w4 £45
        ("£265", "The ledger records no area: this is the whole partnership's spend."),
    ]
    figures = _figures(dashboard)
    assert _rows(figures["referrals"]) == [[m, n] for m, n in zip(MONTHS, ["0", "1", "0"], strict=True)]
    assert _rows(figures["booking-requests"]) == [[m, n] for m, n in zip(MONTHS, ["2", "1", "1"], strict=True)]
    assert _rows(figures["unmet-demand"]) == [[m, n] for m, n in zip(MONTHS, ["£0", "£60", "£205"], strict=True)]
    assert _rows(figures["carers-by-area"]) == [["X South", "2"]]
    assert _rows(figures["requests-by-kind"]) == [["Bookable accessible property", "2"], ["Day break", "2"]]


def test_a_shorter_period_has_its_own_headline_not_a_sum_of_months(x, refreshed):
    dashboard = partnership_dashboard(fetched_by=x.commissioner, months=1)
    assert [row[0] for row in _rows(dashboard.figures[0])] == ["May 2026"]
    assert dashboard.headline[0].label == "carers who had a break in the last month"
    assert dashboard.headline[0].value == "1"  # cB (b3)


def test_the_page_reads_the_summary_only_and_says_when_it_was_counted(x, refreshed):
    counted = FigureSummary.objects.filter(partnership=x.partnership).order_by("computed_at").first().computed_at
    with CaptureQueriesContext(connection) as queries:
        dashboard = partnership_dashboard(fetched_by=x.commissioner, months=24)
    assert len(queries) == 2  # the partnership, the summary rows
    assert all("brokerage_" not in q["sql"] for q in queries)
    assert dashboard.as_at == counted
    assert len(dashboard.months) == 24


def test_the_dashboard_costs_the_same_queries_at_ten_times_the_data(
    client_for, x, refreshed, django_assert_num_queries
):
    client = client_for(x.commissioner)
    url = reverse("commissioning:home")
    # What every signed-in page asks (session, user, second step), the areas for the filter, the partnership and
    # the summary rows: 7, whatever the data.
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url, {"period": "12"}).status_code == 200
    session = refreshed.b1.session  # s1, 10 March
    for carer in CarerFactory.create_batch(60, locality=x.locality, created_at=dataset.at(1, 1)):  # ten times as many
        BookingFactory(carer=carer, session=session, requested_at=dataset.at(4, 3), state=Booking.State.ATTENDED)
        ReferralFactory(carer=carer, submitted_at=dataset.at(4, 3))
    services.dashboards_refresh()
    with django_assert_num_queries(PAGE_QUERIES) as large:
        page = client.get(url, {"period": "12"})
    assert "booking requests in the last 12 months" in page.content.decode()
    headline = partnership_dashboard(fetched_by=x.commissioner, months=12).headline
    # 5 carers with a break over the 12 months (cA, cB, cC, cF, cG), 6 known, 7 referrals, 10 requests, and 60 more.
    assert [h.value for h in headline][:4] == ["65", "66", "67", "70"]
    assert len([q for q in large.captured_queries if "commissioning_figuresummary" in q["sql"]]) == 1


def test_an_empty_summary_is_counted_on_demand_then_read(x, data):
    assert not FigureSummary.objects.exists()  # a fresh install: the beat task has not run yet
    dashboard = partnership_dashboard(fetched_by=x.commissioner, months=3)
    assert dashboard.headline[0].value == "4"
    # The three months and the period, each of the six figures: stored, so the next page only reads.
    assert FigureSummary.objects.filter(partnership=x.partnership).count() == 4 * len(services.DASHBOARD_FIGURES)
    with CaptureQueriesContext(connection) as queries:
        partnership_dashboard(fetched_by=x.commissioner, months=3)
    assert len(queries) == 2


def test_a_figure_counted_by_an_older_definition_is_counted_again(x, refreshed, monkeypatch):
    figure = FIGURES["demand.referrals"]
    monkeypatch.setitem(FIGURES, figure.code, type(figure)(**{**figure.__dict__, "version": figure.version + 1}))
    partnership_dashboard(fetched_by=x.commissioner, months=3)
    versions = set(
        FigureSummary.objects.filter(partnership=x.partnership, code="demand.referrals", months__in=[1, 3])
        .filter(month__gte=datetime.date(2026, 3, 1))
        .values_list("version", flat=True)
    )
    assert versions == {figure.version + 1}


def test_the_beat_task_recounts_recent_months_and_keeps_older_ones_as_counted(x, refreshed, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: datetime.date(2026, 7, 20))
    refresh_dashboard_summaries()  # July, June and May recounted; March and April already counted, kept
    late, recent = CarerFactory.create_batch(2, locality=x.locality, created_at=dataset.at(1, 1))
    ReferralFactory(carer=late, submitted_at=dataset.at(3, 20))  # entered late, for March
    ReferralFactory(carer=recent, submitted_at=dataset.at(5, 20))
    before = FigureSummary.objects.count()
    refresh_dashboard_summaries()
    refresh_dashboard_summaries()  # twice is once: the same rows, updated
    assert FigureSummary.objects.count() == before
    figures = _figures(partnership_dashboard(fetched_by=x.commissioner, months=6))
    referrals = dict(_rows(figures["referrals"]))
    assert referrals["March 2026"] == "3"  # counted when it was recent, kept
    assert referrals["May 2026"] == "2"  # recent: recounted
    # The periods ending in May were removed when the month turned; those ending in July are there.
    assert not FigureSummary.objects.filter(months__gt=1, month=datetime.date(2026, 5, 1)).exists()
    assert set(FigureSummary.objects.filter(months__gt=1).values_list("month", "months").distinct()) == {
        (datetime.date(2026, 7, 1), n) for n in services.SPANS
    }


def test_the_beat_schedule_runs_the_refresh(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "commissioning.tasks.refresh_dashboard_summaries" in tasks


def test_the_page_shows_each_chart_with_its_table_csv_and_definition(client_for, x, refreshed):
    client = client_for(x.commissioner)
    page = client.get(reverse("commissioning:home"), {"period": "3"}).content.decode()
    assert page.count('role="img"') == 9
    assert "Figures as at " in page
    assert page.count("How we count this") == 9
    assert escape(FIGURES["demand.unmet_pence"].definition) in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "style=" not in main
    assert "<script" not in main
    svg = main[main.index("<svg") : main.index("</svg>") + 6]
    assert ET.fromstring(svg).get("role") == "img"
    response = client.get(reverse("commissioning:dashboard_csv", kwargs={"figure": "unmet-demand"}), {"period": "3"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Month", "Unmet demand: cost"],
        ["March 2026", "0.00"],
        ["April 2026", "100.00"],
        ["May 2026", "535.00"],
    ]
    assert response["Content-Disposition"] == 'attachment; filename="partnership-x-unmet-demand.csv"'
    area = client.get(
        reverse("commissioning:dashboard_csv", kwargs={"figure": "referrals"}),
        {"period": "3", "locality": str(_south(x).pk)},
    )
    assert list(csv.reader(io.StringIO(area.content.decode("utf-8-sig"))))[1:] == [
        ["March 2026", "0"],
        ["April 2026", "1"],
        ["May 2026", "0"],
    ]


def test_a_filter_not_on_offer_is_explained_by_its_field_and_the_defaults_are_shown(client_for, x, y, refreshed):
    client = client_for(x.commissioner)
    response = client.get(reverse("commissioning:home"), {"period": "7", "locality": str(y.locality.pk)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "Choose a period from the list" in page
    assert "Choose one of your partnership’s areas, or all areas" in page
    assert "carers who had a break in the last 6 months" in page


def test_only_a_commissioner_of_a_partnership_has_a_dashboard(x):
    assert partnership_dashboard(fetched_by=x.broker, months=6) is None


def test_another_partnerships_area_is_refused(x, y, refreshed):
    with pytest.raises(ValueError, match="not in the commissioner's partnership"):
        partnership_dashboard(fetched_by=x.commissioner, months=3, locality=y.locality)


def test_with_no_period_chosen_the_select_shows_the_period_counted(client_for, x, refreshed):
    page = client_for(x.commissioner).get(reverse("commissioning:home")).content.decode()
    assert "carers who had a break in the last 6 months" in page
    assert '<option value="6" selected>The last 6 months</option>' in page
