"""The commissioner's dashboard: headline counts and each figure as a chart, a table and a CSV, by period and area.

Worked by hand: in X North, 3 carers who registered this month and 2 last month, and in X South 4 two months ago;
their bookings: this month 2 attended and 1 declined (North), last month 3 attended (South), two months ago 1
cancelled (North). Partnership Y's carers and bookings must count nowhere.
"""

import csv
import datetime
import io
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.models import Booking, PaymentSource
from commissioning.selectors import _month_start, partnership_dashboard
from tests.factories import CarerFactory, LocalityFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _at(months_back: int) -> datetime.datetime:
    """Noon on the 10th of the month `months_back` before this one (UK time)."""
    first = _month_start(timezone.localdate(), back=months_back)
    return timezone.make_aware(datetime.datetime.combine(first.replace(day=10), datetime.time(12)))


def _carers(n, locality, months_back):
    carers = CarerFactory.create_batch(n, locality=locality)
    for carer in carers:
        carer.created_at = _at(months_back)
        carer.save(update_fields=["created_at"])
    return carers


def _book(carer, state, n, months_back):
    session = SessionFactory(places=20)
    for _ in range(n):
        Booking.objects.create(
            carer=carer,
            offer=session.offer,
            session=session,
            places=1,
            payment_source=PaymentSource.FREE,
            state=state,
            requested_by=carer.user,
            requested_at=_at(months_back),
            decline_reason="Full" if state == Booking.State.DECLINED else "",
            cancelled_at=timezone.now() if state == Booking.State.CANCELLED else None,
        )


@pytest.fixture
def months(x, y):
    south = LocalityFactory(partnership=x.partnership, name="X South")
    north_now = _carers(3, x.locality, 0)
    north_last = _carers(2, x.locality, 1)
    south_old = _carers(4, south, 2)
    _book(north_now[0], Booking.State.ATTENDED, 2, 0)
    _book(north_last[0], Booking.State.DECLINED, 1, 0)
    _book(south_old[0], Booking.State.ATTENDED, 3, 1)
    _book(north_now[1], Booking.State.CANCELLED, 1, 2)
    _book(_carers(5, y.locality, 0)[0], Booking.State.ATTENDED, 4, 0)  # Y's: never in X's figures
    return {"south": south}


def _month(back):
    return f"{_month_start(timezone.localdate(), back=back):%B %Y}"


def _rows(figure):
    return [[text for _, text in row] for row in figure.table["rows"]]


def test_each_figure_counts_several_rows_in_each_month_and_area(x, months):
    dashboard = partnership_dashboard(fetched_by=x.commissioner, months=3)
    figures = {f.slug: f for f in dashboard.figures}
    assert dashboard.headline == [
        ("carers registered", 9),
        ("with their details confirmed", 0),
        ("people cared for", 0),
        ("breaks attended in the last 3 months", 5),
    ]
    assert _rows(figures["carers-joined"]) == [[_month(2), "4"], [_month(1), "2"], [_month(0), "3"]]
    # Attended, Requested or confirmed, Did not attend, Declined, Cancelled, Total
    assert _rows(figures["bookings"]) == [
        [_month(2), "0", "0", "0", "0", "1", "1"],
        [_month(1), "3", "0", "0", "0", "0", "3"],
        [_month(0), "2", "0", "0", "1", "0", "3"],
    ]
    assert _rows(figures["carers-by-area"]) == [["X North", "5"], ["X South", "4"]]
    desc = figures["carers-joined"].chart.desc
    assert desc == (
        f"Bar chart of carers who registered by month from {_month(2)} to {_month(0)}: "
        f"highest in {_month(2)} at 4, lowest in {_month(1)} at 2."
    )


def test_the_area_and_period_filters_narrow_every_figure(x, months):
    south = months["south"]
    dashboard = partnership_dashboard(fetched_by=x.commissioner, months=3, locality=south)
    figures = {f.slug: f for f in dashboard.figures}
    assert dashboard.headline[0] == ("carers registered", 4)
    assert _rows(figures["carers-joined"]) == [[_month(2), "4"], [_month(1), "0"], [_month(0), "0"]]
    assert [row[-1] for row in _rows(figures["bookings"])] == ["0", "3", "0"]
    assert _rows(figures["carers-by-area"]) == [["X South", "4"]]
    short = partnership_dashboard(fetched_by=x.commissioner, months=1)
    assert [row[0] for row in _rows(short.figures[0])] == [_month(0)]
    assert short.headline[3] == ("breaks attended in the last month", 2)


def test_the_page_shows_each_chart_with_its_table_csv_and_how_fresh_it_is(client_for, x, months):
    client = client_for(x.commissioner)
    page = client.get(reverse("commissioning:home"), {"period": "3"}).content.decode()
    assert page.count('role="img"') == 5
    assert "Counted from the records at" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "style=" not in main
    assert "<script" not in main
    svg = main[main.index("<svg") : main.index("</svg>") + 6]
    assert ET.fromstring(svg).get("role") == "img"
    response = client.get(reverse("commissioning:dashboard_csv", kwargs={"figure": "bookings"}), {"period": "3"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Month",
        "Attended",
        "Requested or confirmed",
        "Did not attend",
        "Declined",
        "Cancelled",
        "Total",
    ]
    assert rows[1:] == [
        [_month(2), "0", "0", "0", "0", "1", "1"],
        [_month(1), "3", "0", "0", "0", "0", "3"],
        [_month(0), "2", "0", "0", "1", "0", "3"],
    ]
    assert response["Content-Disposition"] == 'attachment; filename="partnership-x-bookings.csv"'


def test_a_filter_not_on_offer_is_explained_by_its_field_and_the_defaults_are_shown(client_for, x, y, months):
    client = client_for(x.commissioner)
    response = client.get(reverse("commissioning:home"), {"period": "7", "locality": str(y.locality.pk)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "Choose a period from the list" in page
    assert "Choose one of your partnership’s areas, or all areas" in page
    assert "breaks attended in the last 6 months" in page


def test_the_dashboard_costs_the_same_queries_whatever_the_data(x, months):
    with CaptureQueriesContext(connection) as small:
        partnership_dashboard(fetched_by=x.commissioner, months=12)
    _carers(30, x.locality, 4)
    for carer in _carers(10, months["south"], 7):
        _book(carer, Booking.State.ATTENDED, 2, 7)
    with CaptureQueriesContext(connection) as large:
        partnership_dashboard(fetched_by=x.commissioner, months=12)
    assert len(small) == len(large) == 8


def test_only_a_commissioner_of_a_partnership_has_a_dashboard(x):
    assert partnership_dashboard(fetched_by=x.broker, months=6) is None
