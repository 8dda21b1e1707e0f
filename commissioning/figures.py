"""A figure as a page shows it: a chart, the table of its data beside it, and the same data as CSV.

`Figure` joins the three so that they can never disagree: the chart is drawn from the table's rows and the CSV
is written from the same cells. A figure that leaves a partnership is built from a `PublishedTable`
(breakthrough/disclosure.py), so its chart, table and CSV all show "fewer than 5" and "hidden" alike.
"""

import csv
import io
from dataclasses import dataclass

from breakthrough.disclosure import PublishedTable, Shown
from breakthrough.money import format_pence
from brokerage.funds.exports import neutralise, pounds
from commissioning.charts import Chart, Series, count


@dataclass(frozen=True)
class Figure:
    slug: str
    title: str
    row_name: str  # what a row is: "Partnership", "Month"
    header: list[str]  # the table's column headers after the row name
    rows: list[tuple[str, list[Shown]]]  # each row's name and its cells (last one the total, where there is one)
    footer: tuple[str, list[Shown]] | None  # the totals row
    chart: Chart

    @property
    def table(self) -> dict:
        """The header, and each body row and the totals row as (column header, text) pairs (the header goes
        beside each cell on a phone's narrow screen)."""
        header = [self.row_name, *self.header]

        def pairs(name, cells):
            return list(zip(header, [name, *[cell.text for cell in cells]], strict=True))

        return {
            "header": header,
            "rows": [pairs(name, cells) for name, cells in self.rows],
            "footer": pairs(*self.footer) if self.footer else None,
        }

    def csv_text(self) -> str:
        """The table as CSV: counts as numbers, hidden ones as their words; no text cell can start a formula."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([neutralise(h) for h in [self.row_name, *self.header]])
        for name, cells in [*self.rows, *([self.footer] if self.footer else [])]:
            writer.writerow([neutralise(name), *[_csv_value(c) for c in cells]])
        return out.getvalue()


def from_published(
    table: PublishedTable,
    *,
    slug: str,
    title: str,
    measure: str,
    row_name: str,
    total_label: str = "Total",
    chart_kind: str = "stacked",
) -> Figure:
    money = any(cell.pence for row in table.cells for cell in row)
    """The figure of a published two-way table: its rows side by side as a (stacked) bar chart."""
    with_totals = table.row_totals is not None
    rows = [
        (name, [*cells, *([table.row_totals[i]] if with_totals else [])])
        for i, (name, cells) in enumerate(zip(table.rows, table.cells, strict=True))
    ]
    footer, extra = None, {}
    if table.column_totals is not None:
        footer = (total_label, [*table.column_totals, *([table.grand_total] if with_totals else [])])
    if chart_kind == "bar" or len(table.columns) == 1:
        series = [_series(table.columns[0], [cells[0] for cells in table.cells])]
        kind = "bar"
    else:
        series = [_series(col, [cells[j] for cells in table.cells]) for j, col in enumerate(table.columns)]
        kind = "stacked"
        if with_totals:
            totals = _series("Total", table.row_totals)
            extra = {"totals": totals.values, "total_notes": totals.notes}
    chart = Chart(
        kind=kind,
        title=title,
        measure=measure,
        category_name=row_name.lower(),
        categories=list(table.rows),
        series=series,
        ident=f"chart-{slug}",
        fmt=format_pence if money else count,
        **extra,
    )
    return Figure(
        slug=slug,
        title=title,
        row_name=row_name,
        header=[*table.columns, *(["Total"] if with_totals else [])],
        rows=rows,
        footer=footer,
        chart=chart,
    )


def _csv_value(cell: Shown):
    """A count as a number, an amount as pounds with two decimals (a number too), a hidden one as its words."""
    if cell.hidden is not None:
        return cell.text
    return pounds(cell.count) if cell.pence else cell.count


def _series(name: str, cells: list[Shown]) -> Series:
    return Series(name, [c.count for c in cells], notes=[c.text if c.hidden else None for c in cells])


def from_counts(
    *,
    slug: str,
    title: str,
    measure: str,
    row_name: str,
    rows: list[tuple[str, list[int]]],
    columns: list[str],
    ordered: bool = False,
    kind: str = "bar",
    money: bool = False,
) -> Figure:
    """The figure of counts that stay inside a partnership (not suppressed): one bar per row, or a stacked bar
    split by the columns, or a line per column (`kind`). With `money`, the numbers are pence, shown as pounds
    (and written to the CSV as pounds with two decimals)."""
    series = [Series(col, [counts[j] for _, counts in rows]) for j, col in enumerate(columns)]
    chart = Chart(
        kind=kind,
        title=title,
        measure=measure,
        category_name=row_name.lower(),
        categories=[name for name, _ in rows],
        series=series,
        ordered=ordered,
        ident=f"chart-{slug}",
        fmt=format_pence if money else count,
    )
    with_total = len(columns) > 1
    return Figure(
        slug=slug,
        title=title,
        row_name=row_name,
        header=[*columns, *(["Total"] if with_total else [])],
        rows=[
            (name, [Shown(n, pence=money) for n in counts] + ([Shown(sum(counts), pence=money)] if with_total else []))
            for name, counts in rows
        ],
        footer=None,
        chart=chart,
    )
