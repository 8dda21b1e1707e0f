"""Reads of local audits. A run belongs to its partnership: only that partnership's commissioners see it; anyone
else gets the same 404 as for a run that does not exist. The tables are built from the frozen snapshot only."""

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404

from audits.figures import STEPS
from audits.models import AuditFigure, AuditRun
from breakthrough.models import Role
from breakthrough.money import format_pence

BREAKDOWN_HEADERS = {
    "locality": "Locality",
    "kind": "Kind of break",
    "needs": "Needs level",
    "unit": "Unit",
    "option": "SDS option",
    "result": "Outcome",
    "question": "Question",
    "respondent": "Who answered",
    "agreement": "How far they agreed",
}


def audit_runs(*, fetched_by):
    if fetched_by.role != Role.COMMISSIONER or fetched_by.partnership_id is None:
        return AuditRun.objects.none()
    return AuditRun.objects.filter(partnership_id=fetched_by.partnership_id).select_related("started_by")


def audit_run_get(*, fetched_by, pk: int) -> AuditRun:
    run = audit_runs(fetched_by=fetched_by).select_related("partnership").filter(pk=pk).first()
    if run is None:
        raise Http404("No such audit.")
    return run


def number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def shown(value, unit: str) -> str:
    """A stored value in words for the page: £27.50, 6.58 days, 66.7%, 3.63 out of 5, 12."""
    if value is None:
        return "Not available"
    amount = number(value)
    if unit == "pence":
        return (
            format_pence(amount.to_integral_value())
            if amount == amount.to_integral_value()
            else f"£{amount / 100:,.2f}"
        )
    if unit == "percent":
        return f"{amount.normalize():f}%"
    if unit == "days":
        return f"{amount:.1f} days"
    if unit == "score":
        return f"{amount:.2f} out of 5"
    return f"{int(amount):,}"


@dataclass
class Table:
    figure: AuditFigure
    headers: list[str]
    rows: list[list]  # cells as stored (labels, then values)
    shown_rows: list[list[str]]
    compares: bool

    @property
    def cells(self) -> list[list[tuple[str, str, bool]]]:
        """Each row's cells as (header, text, is a value): a label cell heads its row, a value is numeric."""
        labels = len(self.figure.breakdown)
        return [
            [(header, text, i >= labels) for i, (header, text) in enumerate(zip(self.headers, row, strict=True))]
            for row in self.shown_rows
        ]

    @property
    def total_shown(self) -> str:
        return shown(self.figure.total, self.figure.unit)

    @property
    def total_year_before_shown(self) -> str:
        return shown(self.figure.total_year_before, self.figure.unit)


def figure_table(figure: AuditFigure) -> Table:
    compares = any("year_before" in row for row in figure.rows)
    headers = [BREAKDOWN_HEADERS.get(name, name.title()) for name in figure.breakdown] + [figure.label]
    if compares:
        headers.append("Same period a year before")
    rows, shown_rows = [], []
    for row in figure.rows:
        labels = [row["by"].get(name, "") for name in figure.breakdown]
        values = [row["value"]] + ([row.get("year_before")] if compares else [])
        rows.append(labels + values)
        shown_rows.append(labels + [shown(value, figure.unit) for value in values])
    return Table(figure, headers, rows, shown_rows, compares)


def audit_tables(run: AuditRun) -> list[tuple[str, list[Table]]]:
    """The run's figures as tables, step by step, in the order they were defined."""
    by_step: dict[str, list[Table]] = {step: [] for step in STEPS}
    for figure in run.figures.order_by("position"):
        by_step.setdefault(figure.step, []).append(figure_table(figure))
    return [(STEPS.get(step, step.title()), tables) for step, tables in by_step.items() if tables]


@dataclass
class Change:
    label: str
    unit: str
    code: str
    before: object
    after: object

    @property
    def difference(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return number(self.after) - number(self.before)

    @property
    def direction(self) -> str:
        """In words (never by colour alone): Up, Down, No change, or Not comparable."""
        if self.difference is None:
            return "Not comparable"
        if self.difference > 0:
            return "Up"
        if self.difference < 0:
            return "Down"
        return "No change"

    @property
    def before_shown(self) -> str:
        return shown(self.before, self.unit)

    @property
    def after_shown(self) -> str:
        return shown(self.after, self.unit)

    @property
    def difference_shown(self) -> str:
        if self.difference is None:
            return "–"
        sign = "+" if self.difference > 0 else "-" if self.difference < 0 else ""
        return sign + shown(abs(self.difference), self.unit)


def audit_compare(earlier: AuditRun, later: AuditRun) -> list[Change]:
    """The totals of two runs side by side, figure by figure (a figure only one run has shows as not
    comparable)."""
    before = {f.code: f for f in earlier.figures.all()}
    after = {f.code: f for f in later.figures.order_by("position")}
    codes = list(after) + [code for code in before if code not in after]
    changes = []
    for code in codes:
        figure = after.get(code) or before[code]
        changes.append(
            Change(
                label=figure.label,
                unit=figure.unit,
                code=code,
                before=before[code].total if code in before else None,
                after=after[code].total if code in after else None,
            )
        )
    return changes
