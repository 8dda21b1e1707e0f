"""Reads of local audits. A run belongs to its partnership: that partnership's commissioners see it, and a carer
partner it names may read it once finished, while the partnership is current; anyone else gets the same 404 as for
a run that does not exist. Only commissioners change a run. The tables are built from the frozen snapshot only."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils.formats import date_format

from audits.figures import STEPS
from audits.models import AuditFigure, AuditRun, AuditSettings
from breakthrough.models import CarerPartner, Role
from breakthrough.money import format_pence
from breakthrough.partners import Reading

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
    """The runs the user may read: their partnership's (a commissioner), or the finished runs that name them as a
    current carer partner of the run's partnership (a carer)."""
    if not getattr(fetched_by, "is_authenticated", False) or not fetched_by.is_active:
        return AuditRun.objects.none()
    if fetched_by.role == Role.COMMISSIONER and fetched_by.partnership_id is not None:
        return AuditRun.objects.filter(partnership_id=fetched_by.partnership_id).select_related("started_by")
    if fetched_by.role == Role.CARER:
        named = CarerPartner.objects.current().filter(
            audit_runs=OuterRef("pk"), user=fetched_by, partnership_id=OuterRef("partnership_id")
        )
        return AuditRun.objects.filter(Exists(named), state=AuditRun.State.FINISHED).select_related("started_by")
    return AuditRun.objects.none()


def audit_runs_to_change(*, fetched_by):
    """The runs the user may change (start again, write findings and views, name partners): commissioners' only."""
    if fetched_by.role != Role.COMMISSIONER:
        return AuditRun.objects.none()
    return audit_runs(fetched_by=fetched_by)


def may_change(user, run: AuditRun) -> bool:
    return user.role == Role.COMMISSIONER and user.partnership_id == run.partnership_id


def audit_run_get(*, fetched_by, pk: int, to_change: bool = False) -> AuditRun:
    runs = audit_runs_to_change(fetched_by=fetched_by) if to_change else audit_runs(fetched_by=fetched_by)
    run = runs.select_related("partnership").filter(pk=pk).first()
    if run is None:
        raise Http404("No such audit.")
    return run


def minimum_nights(*, fetched_by) -> int | None:
    """The commissioner's partnership's minimum entitlement in nights a year, or None when it is not set."""
    if fetched_by.role != Role.COMMISSIONER or fetched_by.partnership_id is None:
        return None
    found = AuditSettings.objects.filter(partnership_id=fetched_by.partnership_id).values_list("minimum_nights")
    return next((nights for (nights,) in found), None)


def named_partners(run: AuditRun) -> list[CarerPartner]:
    """The carer partners named on the run, current or since ended, with their users."""
    return list(run.carer_partners.select_related("user").order_by("user__first_name", "user__email", "pk"))


def partner_readings(*, fetched_by) -> list[Reading]:
    """For the carer's home page (breakthrough.partners): the finished audits that name them."""
    runs = audit_runs(fetched_by=fetched_by).select_related("partnership").order_by("-period_end", "-pk")
    return [
        Reading(
            title=f"Local audit of {run.partnership.name}, {date_format(run.period_start, 'j F Y')} to "
            f"{date_format(run.period_end, 'j F Y')}",
            url=reverse("audits:run", kwargs={"pk": run.pk}),
            hint="the figures, what the commissioners found and carers' views",
        )
        for run in runs
    ]


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
    """A figure's total, or one of its groups, in two runs: before, after, the change and its direction."""

    label: str
    unit: str
    code: str
    before: object
    after: object
    by: list[str] = field(default_factory=list)  # a group's labels, in the figure's breakdown order
    only_in: str = ""  # "earlier" or "later" when only one run has the group (or the figure)
    headers: list[str] = field(default_factory=list)  # the breakdown's headers, for a figure's groups
    groups: list["Change"] = field(default_factory=list)

    @property
    def by_cells(self) -> list[tuple[str, str]]:
        """A group's (header, label) pairs."""
        return list(zip(self.headers, self.by, strict=True))

    @property
    def difference(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return number(self.after) - number(self.before)

    @property
    def direction(self) -> str:
        """In words (never by colour alone): Up, Down, No change, only in one audit, or Not comparable."""
        if self.only_in:
            return f"Only in the {self.only_in} audit"
        if self.difference is None:
            return "Not comparable"
        if self.difference > 0:
            return "Up"
        if self.difference < 0:
            return "Down"
        return "No change"

    @property
    def before_shown(self) -> str:
        return "Not in this audit" if self.only_in == "later" else shown(self.before, self.unit)

    @property
    def after_shown(self) -> str:
        return "Not in this audit" if self.only_in == "earlier" else shown(self.after, self.unit)

    @property
    def difference_shown(self) -> str:
        if self.difference is None:
            return "–"
        sign = "+" if self.difference > 0 else "-" if self.difference < 0 else ""
        return sign + shown(abs(self.difference), self.unit)


def _group_key(row: dict) -> frozenset:
    return frozenset((name, str(value)) for name, value in row["by"].items())


def _matched(earlier: dict, later: dict):
    """(key, earlier's item or None, later's item or None, only_in) for every key: the later run's in its order,
    then those only the earlier one has; only_in is "" when both have it, else "earlier" or "later"."""
    for key in [*later, *(key for key in earlier if key not in later)]:
        only_in = "" if key in earlier and key in later else ("later" if key in later else "earlier")
        yield key, earlier.get(key), later.get(key), only_in


def _group_changes(figure: AuditFigure, before: AuditFigure | None, after: AuditFigure | None) -> list[Change]:
    """The figure's groups matched by their "by" keys: the later run's groups in its order, then the groups only the
    earlier one has."""
    earlier = {_group_key(row): row for row in (before.rows if before else [])}
    later = {_group_key(row): row for row in (after.rows if after else [])}
    return [
        Change(
            label=figure.label,
            unit=figure.unit,
            code=figure.code,
            before=old["value"] if old else None,
            after=new["value"] if new else None,
            by=[str((new or old)["by"].get(name, "")) for name in figure.breakdown],
            only_in=only_in,
            headers=[BREAKDOWN_HEADERS.get(name, name.title()) for name in figure.breakdown],
        )
        for _, old, new, only_in in _matched(earlier, later)
    ]


def audit_compare(earlier: AuditRun, later: AuditRun) -> list[Change]:
    """Two runs side by side, figure by figure: each total, and each group of the figure matched by its "by" keys
    (locality, kind, needs...). A figure or a group only one run has says which."""
    before = {f.code: f for f in earlier.figures.all()}
    after = {f.code: f for f in later.figures.order_by("position")}
    changes = []
    for code, old, new, only_in in _matched(before, after):
        figure = new or old
        changes.append(
            Change(
                label=figure.label,
                unit=figure.unit,
                code=code,
                before=old.total if old else None,
                after=new.total if new else None,
                only_in=only_in,
                headers=[BREAKDOWN_HEADERS.get(name, name.title()) for name in figure.breakdown],
                groups=_group_changes(figure, old, new) if figure.breakdown else [],
            )
        )
    return changes
