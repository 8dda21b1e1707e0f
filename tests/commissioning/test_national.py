"""The national view: every partnership side by side, counts only, through disclosure control.

Worked by hand on the commissioner's world (tests/commissioning/conftest.py) and a hand-built set of bookings,
several rows in each group; every hidden count is then attacked with tests/breakthrough/test_disclosure.py's
independent solver, which must fail to work any of them out.
"""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import Partnership
from brokerage.models import Booking, PaymentSource
from commissioning.selectors import national_figures
from tests.breakthrough.test_disclosure import attack
from tests.factories import CarerFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _book(carer, state, n, cost=0):
    session = SessionFactory(places=50)
    for _ in range(n):
        Booking.objects.create(
            carer=carer,
            offer=session.offer,
            session=session,
            places=1,
            cost_pence=cost,
            payment_source=PaymentSource.FUND if cost else PaymentSource.FREE,
            state=state,
            requested_by=carer.user,
            decline_reason="Full" if state == Booking.State.DECLINED else "",
            cancelled_at=timezone.now() if state == Booking.State.CANCELLED else None,
        )


@pytest.fixture
def booked(x, y, counted_world):
    """X: 6 attended at £12.50, 2 requested and 3 confirmed, 5 declined (16); Y: 7 attended at £20, 1 requested,
    6 cancelled (14)."""
    xc = CarerFactory(locality=x.locality, carer_type="parent")  # X has 8 parent carers now
    yc = CarerFactory(locality=y.locality, carer_type="adult")  # Y has 7 adult carers
    _book(xc, Booking.State.ATTENDED, 6, cost=1250)
    _book(yc, Booking.State.ATTENDED, 7, cost=2000)
    for carer, state, n in (
        (xc, Booking.State.REQUESTED, 2),
        (xc, Booking.State.CONFIRMED, 3),
        (xc, Booking.State.DECLINED, 5),
        (yc, Booking.State.REQUESTED, 1),
        (yc, Booking.State.CANCELLED, 6),
    ):
        _book(carer, state, n)


def _truth(figure) -> list[list[int]]:
    """The true counts behind a figure, by hand: X's and Y's rows, and zeros for the partnerships the offers'
    factories made (every partnership has its row, in name order: theirs are "Partnership 2", ...)."""
    x_row, y_row = {
        # Parent, Young, Adult, Not yet recorded
        "carers": [[8, 2, 3, 0], [0, 0, 7, 0]],
        # Low, Medium, High, Complex, Not yet recorded: one of X's high-needs people is also cared for in Y
        "cared-for": [[4, 6, 8, 2, 1], [6, 0, 1, 0, 0]],
        # Attended, Requested or confirmed, Did not attend, Declined, Cancelled
        "bookings": [[6, 5, 0, 5, 0], [7, 1, 0, 0, 6]],
    }[figure.slug]
    named = {"Partnership X": x_row, "Partnership Y": y_row}
    return [named.get(name, [0] * len(x_row)) for name, _ in figure.rows]


def _published(figure):
    """The figure's cells back as a PublishedTable-shaped object for the attacker."""
    from breakthrough.disclosure import PublishedTable

    width = len(figure.header) - 1
    return PublishedTable(
        rows=[name for name, _ in figure.rows],
        columns=figure.header[:-1],
        cells=[cells[:width] for _, cells in figure.rows],
        row_totals=[cells[width] for _, cells in figure.rows],
        column_totals=figure.footer[1][:width],
        grand_total=figure.footer[1][width],
    )


def _texts(figure):
    return [[text for _, text in row] for row in figure.table["rows"]] + [[t for _, t in figure.table["footer"]]]


def test_the_national_view_counts_every_group_and_hides_what_could_identify_a_family(national_user, x, y, booked):
    figures = {f.slug: f for f in national_figures(fetched_by=national_user)}
    assert list(figures) == ["carers", "cared-for", "bookings", "cost"]
    for figure in (figures["carers"], figures["cared-for"], figures["bookings"]):
        truth = _truth(figure)
        possible = attack(_published(figure), truth)
        assert possible, f"{figure.slug}: nothing hidden, but small counts are there"
        for cell, values in possible.items():
            assert len(values) > 1, f"{figure.slug}: hidden cell {cell} can be worked out"
        # Every count shown is the true one; every count from 1 to 4 is hidden as "fewer than 5".
        full = [[*row, sum(row)] for row in truth] + [
            [*(sum(col) for col in zip(*truth, strict=True)), sum(map(sum, truth))]
        ]
        for shown_row, true_row in zip(_texts(figure), full, strict=True):
            for text, value in zip(shown_row[1:], true_row, strict=True):
                if 0 < value < 5:
                    assert text == "fewer than 5"
                elif text != "hidden":
                    assert text == f"{value:,}"
    # By hand, the carers: X's 2 young and 3 adult carers are small; the 3 would follow from the adult column
    # (10 - 7), and the young total is small too, so the adult total is hidden to close the loop.
    assert _texts(figures["carers"])[-3:] == [
        ["Partnership X", "8", "fewer than 5", "fewer than 5", "0", "13"],
        ["Partnership Y", "0", "0", "7", "0", "7"],
        ["Total", "8", "fewer than 5", "hidden", "0", "20"],
    ]


def test_the_page_shows_each_figure_as_a_chart_a_table_and_a_csv(client_for, national_user, x, y, booked):
    client = client_for(national_user)
    page = client.get(reverse("commissioning:national")).content.decode()
    assert page.count('role="img"') == 4
    assert "fewer than 5" in page
    assert "style=" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    desc = ET.fromstring(svg).find("{http://www.w3.org/2000/svg}desc").text
    others = Partnership.objects.count() - 2  # the offers' factories made partnerships with no carers
    assert desc == (
        f"Stacked bar chart of carers by partnership for {others + 2} partnerships, each bar split into Parent carer, "
        f"Young carer, Adult carer, Not yet recorded: totals highest in Partnership X at 13, lowest in {others} "
        "partnerships at 0. 2 values are not shown, to protect families."
    )
    response = client.get(reverse("commissioning:national_csv", kwargs={"figure": "carers"}))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Partnership", "Parent carer", "Young carer", "Adult carer", "Not yet recorded", "Total"]
    assert rows[-3:] == [
        ["Partnership X", "8", "fewer than 5", "fewer than 5", "0", "13"],
        ["Partnership Y", "0", "0", "7", "0", "7"],
        ["Total", "8", "fewer than 5", "hidden", "0", "20"],
    ]
    assert client.get(reverse("commissioning:national_csv", kwargs={"figure": "nothing"})).status_code == 404


def test_the_cost_of_breaks_is_shown_where_the_number_attended_is(national_user, x, y, booked):
    figures = {f.slug: f for f in national_figures(fetched_by=national_user)}
    # By hand: Y's 1 request is protected by its 6 cancellations and the two column totals (1 + 6 = 14 - 7), so
    # the attended counts, 6 and 7, are shown, and so are their costs: 6 x £12.50 and 7 x £20.
    assert _texts(figures["bookings"])[-3:] == [
        ["Partnership X", "6", "5", "0", "5", "0", "16"],
        ["Partnership Y", "7", "fewer than 5", "0", "0", "hidden", "14"],
        ["Total", "13", "hidden", "0", "5", "hidden", "30"],
    ]
    rows = {row[0][1]: row[1][1] for row in figures["cost"].table["rows"]}
    assert (rows["Partnership X"], rows["Partnership Y"]) == ("£75", "£140")
    assert figures["cost"].table["footer"] == [("Partnership", "Total"), ("Cost of the breaks attended", "£215")]
    assert figures["cost"].csv_text().splitlines()[-1] == "Total,215.00"
    others = Partnership.objects.count() - 2  # the offers' factories made partnerships with no bookings
    assert figures["cost"].chart.desc == (
        f"Bar chart of cost of the breaks attended by partnership for {others + 2} partnerships: "
        f"highest in Partnership Y at £140, lowest in {others} partnerships at £0."
    )


def test_only_national_analysts_and_admins_get_the_national_figures(x):
    assert national_figures(fetched_by=x.commissioner) == []
