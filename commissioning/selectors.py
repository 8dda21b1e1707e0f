"""Figures for commissioners and national analysts. Counts that leave a partnership go through disclosure control.

Every count per group clears the ordering first (`.order_by()` before `.values().annotate()`): a model's default
ordering would otherwise join the GROUP BY as soon as the queryset is `distinct()` (each person became a group of
one, so every needs level read 1).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from audits.feedback_figures import AGREEMENT, RESPONDENT, answers_in, responses_in
from audits.figures import FIGURES, LABELS, Period, plain, review_outcomes_in
from audits.models import AuditFigure
from audits.selectors import figure_table
from breakthrough import disclosure
from breakthrough.models import Partnership, Role
from breakthrough.money import format_pence
from breakthrough.reporting import reporting_reads
from brokerage.models import Booking, CaredForPerson, Carer, CaringRelationship, NeedsLevel, OutcomeResult
from commissioning import figures, services
from commissioning.figures import Figure
from commissioning.models import FigureSummary


def partnership_overview(*, fetched_by, locality=None) -> dict | None:
    """Counts of the commissioner's own partnership, or of one of its areas (not suppressed: they stay inside it)."""
    if fetched_by.role != Role.COMMISSIONER or fetched_by.partnership_id is None:
        return None
    partnership = Partnership.objects.prefetch_related("localities").get(pk=fetched_by.partnership_id)
    if locality is not None and locality.partnership_id != partnership.pk:
        raise ValueError("That area is not in the commissioner's partnership.")
    carers = Carer.objects.filter(partnership=partnership)
    if locality is not None:
        carers = carers.filter(locality=locality)
    totals = carers.aggregate(
        carers=Count("pk"),
        completed=Count("pk", filter=Q(about_you_completed_at__isnull=False)),
        **{f"type_{value}": Count("pk", filter=Q(carer_type=value)) for value in Carer.CarerType.values},
    )
    people = CaredForPerson.objects.filter(relationships__carer__in=carers).distinct()
    needs = dict(
        people.order_by()
        .values_list("needs_level")
        .annotate(n=Count("pk", distinct=True))
        .values_list("needs_level", "n")
    )
    by_locality = dict(carers.order_by().values_list("locality").annotate(n=Count("pk")).values_list("locality", "n"))
    return {
        "partnership": partnership,
        "carers": totals["carers"],
        "completed": totals["completed"],
        "cared_for": people.count(),
        "by_type": [(label, totals[f"type_{value}"]) for value, label in Carer.CarerType.choices],
        "by_needs": [(label, needs.get(value, 0)) for value, label in NeedsLevel.choices]
        + [("Not yet recorded", needs.get("", 0))],
        "by_locality": [
            (loc.name, by_locality.get(loc.pk, 0))
            for loc in partnership.localities.all()
            if locality is None or loc.pk == locality.pk
        ],
    }


@dataclass(frozen=True)
class Headline:
    code: str
    label: str  # "carers who had a break"
    value: str  # as shown: "1,204", "£3,120.50"
    note: str = ""


@dataclass(frozen=True)
class Section:
    """One chart with its table and CSV, and how the audit's definition counts it ("how we count this")."""

    figure: Figure
    definition: str
    note: str = ""


@dataclass(frozen=True)
class Dashboard:
    partnership: Partnership
    locality: object  # the area counted, or None for all
    months: list[datetime.date]  # the first day of each month in the period, oldest first
    as_at: datetime.datetime | None  # when the oldest figure shown was counted
    headline: list[Headline]
    sections: list[Section]

    @property
    def figures(self) -> list[Figure]:
        return [section.figure for section in self.sections]


# How the dashboard shows each of the audit's figures: its chart's slug and title, what it counts (for the
# headline and the chart's words), and its trend as bars, or as a line for a figure that is a level, not a flow.
TRENDS = {
    "access.carers_with_break": ("carers-with-a-break", "Carers who had a break, each month", "carers who had a break"),
    "access.carers_known": ("carers-known", "Carers known to the hub at the end of each month", "carers known"),
    "demand.referrals": ("referrals", "Referrals each month", "referrals"),
    "demand.booking_requests": ("booking-requests", "Booking requests each month", "booking requests"),
    "demand.unmet_pence": ("unmet-demand", "Unmet demand each month, at the offers' unit cost", "unmet demand"),
    "spend.by_kind": ("spend", "Spend each month", "spend"),
}
LINES = {"access.carers_known"}
WHOLE_PARTNERSHIP = "The ledger records no area: this is the whole partnership's spend."


def partnership_dashboard(*, fetched_by, months: int, locality=None) -> Dashboard | None:
    """The commissioner's dashboard: the audit's figures (one definition per figure) for the period, with each
    one's trend by month, for the partnership or one of its areas.

    Read from the summary the beat task keeps (commissioning/services.py): the partnership and one query of
    summary rows, whatever the data. A row missing (a fresh install, a new version of a figure) is computed on
    demand by the same service. The page says when the oldest figure shown was counted."""
    if fetched_by.role != Role.COMMISSIONER or fetched_by.partnership_id is None:
        return None
    if locality is not None and locality.partnership_id != fetched_by.partnership_id:
        raise ValueError("That area is not in the commissioner's partnership.")
    current = services.month_start(services.today())
    trend = [services.month_start(current, back=i) for i in reversed(range(months))]
    with reporting_reads():
        partnership = Partnership.objects.get(pk=fetched_by.partnership_id)
        rows = FigureSummary.objects.filter(
            Q(months=1, month__in=trend) | Q(months=months, month=current),
            partnership=partnership,
            code__in=services.DASHBOARD_FIGURES,
        )
        stored = {(row.code, row.month, row.months): row for row in rows if row.version == FIGURES[row.code].version}
    keys = [(month, 1) for month in trend] + ([(current, months)] if months > 1 else [])
    missing = sorted({(m, n) for m, n in keys for code in services.DASHBOARD_FIGURES if (code, m, n) not in stored})
    if missing:
        for row in services.summary_compute(partnership_id=partnership.pk, keys=missing):
            stored[(row.code, row.month, row.months)] = row
    name = locality.name if locality is not None else None
    period_row = {code: stored[(code, current, months)] for code in services.DASHBOARD_FIGURES}
    headline, sections = [], []
    for code in services.DASHBOARD_FIGURES:
        figure = FIGURES[code]
        slug, title, measure = TRENDS[code]
        note = WHOLE_PARTNERSHIP if name and "locality" not in figure.breakdown else ""
        money = figure.unit == "pence"
        value = _value(period_row[code], name)
        when = "at the end of the period" if code in LINES else f"in {period_words(months)}"
        headline.append(Headline(code, f"{measure} {when}", format_pence(value) if money else f"{value:,}", note))
        sections.append(
            Section(
                figures.from_counts(
                    slug=slug,
                    title=title,
                    measure=measure,
                    row_name="Month",
                    rows=[(f"{m:%B %Y}", [_value(stored[(code, m, 1)], name)]) for m in trend],
                    columns=[figure.label],
                    ordered=True,
                    kind="line" if code in LINES else "bar",
                    money=money,
                ),
                figure.definition,
                note,
            )
        )
    sections += _breakdowns(period_row, name, months)
    return Dashboard(
        partnership=partnership,
        locality=locality,
        months=trend,
        as_at=min((row.computed_at for row in stored.values()), default=None),
        headline=headline,
        sections=sections,
    )


def _value(summary: FigureSummary, locality: str | None) -> int:
    """The figure's total, or for one area the sum of its rows for that area (a figure not counted by area: the
    whole partnership's, as the page's note says)."""
    if locality is None or "locality" not in FIGURES[summary.code].breakdown:
        return summary.total or 0
    return sum(row["value"] or 0 for row in summary.rows if row["by"].get("locality") == locality)


def _by(summary: FigureSummary, name: str, locality: str | None) -> list[tuple[str, int]]:
    """The figure's rows added up by one of its groups ("kind"), in that area only when one is chosen."""
    totals: dict[str, int] = {}
    for row in summary.rows:
        if locality is not None and row["by"].get("locality", locality) != locality:
            continue
        totals[row["by"][name]] = totals.get(row["by"][name], 0) + (row["value"] or 0)
    return sorted(totals.items())


def _breakdowns(period_row: dict, locality: str | None, months: int) -> list[Section]:
    """The period's figures split by area and by kind, from the same summary rows as the headline."""
    words = period_words(months)
    known, requests, spend = (
        period_row["access.carers_known"],
        period_row["demand.booking_requests"],
        period_row["spend.by_kind"],
    )
    charts = [
        ("carers-by-area", "Carers known to the hub, by area", "carers known", "Area", "locality", known, False),
        (
            "requests-by-kind",
            f"Booking requests in {words}, by kind of break",
            "booking requests",
            "Kind of break",
            "kind",
            requests,
            False,
        ),
        ("spend-by-kind", f"Spend in {words}, by kind", "spend", "Kind", "kind", spend, True),
    ]
    sections = []
    for slug, title, measure, row_name, by, summary, money in charts:
        figure = FIGURES[summary.code]
        sections.append(
            Section(
                figures.from_counts(
                    slug=slug,
                    title=title,
                    measure=measure,
                    row_name=row_name,
                    rows=[(label, [value]) for label, value in _by(summary, by, locality)],
                    columns=[figure.label],
                    money=money,
                ),
                figure.definition,
                WHOLE_PARTNERSHIP if locality and "locality" not in figure.breakdown else "",
            )
        )
    return sections


def period_words(months: int) -> str:
    return "the last month" if months == 1 else f"the last {months} months"


def national_figures(*, fetched_by) -> list[Figure]:
    """Every partnership side by side, for national analysts: carers by kind, people cared for by needs level,
    bookings by what became of them and the cost of the breaks attended, each through disclosure control
    (breakthrough/disclosure.py), so that no count of 1 to 4 is shown or can be worked out from the totals.
    Five queries (the partnerships and four grouped counts), read from the reporting database (a read replica
    where one is configured)."""
    if fetched_by.role not in (Role.NATIONAL, Role.ADMIN):
        return []
    with reporting_reads():
        partnerships = list(Partnership.objects.order_by("name"))
        carers = _grouped(Carer.objects.all(), "partnership", "carer_type", Count("pk"))
        people = _grouped(
            CaringRelationship.objects.all(),
            "carer__partnership",
            "cared_for__needs_level",
            Count("cared_for", distinct=True),
        )
        bookings = _grouped(Booking.objects.all(), "carer__partnership", "state", Count("pk"))
        spent = dict(
            Booking.objects.filter(state=Booking.State.ATTENDED)
            .order_by()
            .values_list("carer__partnership")
            .annotate(pence=Sum("cost_pence"))
            .values_list("carer__partnership", "pence")
        )
    names = [p.name for p in partnerships]
    booked = disclosure.publish(
        [[sum(bookings.get((p.pk, s), 0) for s in states) for _, states in BOOKING_GROUPS] for p in partnerships],
        rows=names,
        columns=[label for label, _ in BOOKING_GROUPS],
    )
    # The cost of the breaks attended, hidden wherever the number attended is.
    cost = disclosure.publish_amounts(
        [spent.get(p.pk) or 0 for p in partnerships],
        protect=[row[0].hidden is not None for row in booked.cells],
        rows=names,
        column="Cost of the breaks attended",
    )
    kinds = [*Carer.CarerType.choices, ("", "Not yet recorded")]
    needs = [*NeedsLevel.choices, ("", "Not yet recorded")]
    return [
        figures.from_published(
            disclosure.publish(
                [[carers.get((p.pk, value), 0) for value, _ in kinds] for p in partnerships],
                rows=names,
                columns=[label for _, label in kinds],
            ),
            slug="carers",
            title="Carers registered, by kind of carer",
            measure="carers",
            row_name="Partnership",
        ),
        figures.from_published(
            disclosure.publish(
                [[people.get((p.pk, value), 0) for value, _ in needs] for p in partnerships],
                rows=names,
                columns=[label for _, label in needs],
            ),
            slug="cared-for",
            title="People cared for, by needs level",
            measure="people cared for",
            row_name="Partnership",
            total_label="Total (a person cared for in two partnerships counts in each)",
        ),
        figures.from_published(
            booked,
            slug="bookings",
            title="Bookings of breaks, by what became of them",
            measure="bookings",
            row_name="Partnership",
        ),
        figures.from_published(
            cost,
            slug="cost",
            title="The cost of the breaks attended",
            measure="cost of the breaks attended",
            row_name="Partnership",
            chart_kind="bar",
        ),
    ]


# What became of a booking, in the order a national reader asks: did the break happen?
BOOKING_GROUPS = [
    ("Attended", [Booking.State.ATTENDED]),
    ("Requested or confirmed", [Booking.State.REQUESTED, Booking.State.CONFIRMED]),
    ("Did not attend", [Booking.State.NO_SHOW]),
    ("Declined", [Booking.State.DECLINED]),
    ("Cancelled", [Booking.State.CANCELLED]),
]


def _grouped(queryset, by: str, then: str, measure) -> dict:
    """{(by, then): measure} in one query, the model's ordering cleared so it cannot join the GROUP BY."""
    return {
        (key, value): n
        for key, value, n in queryset.order_by().values_list(by, then).annotate(n=measure).values_list(by, then, "n")
    }


# ----------------------------------------------------------------------------------------------
# The outcomes chain: each person's outcomes, the partnership's, the programme's (Breakthrough 002)
# ----------------------------------------------------------------------------------------------

# Which of the audit's outcome figures (audits/figures.py, audits/feedback_figures.py) each level shows: one
# definition per figure, so the chain counts exactly as the audit does.
INDIVIDUAL_FIGURES = (
    "outcomes.plan_reviews",
    "outcomes.feedback_agreement",
    "outcomes.feedback_by_respondent",
)
PARTNERSHIP_FIGURES = (
    "outcomes.feedback_responses",
    "outcomes.feedback_answers",
    "outcomes.feedback_agree_share",
    "outcomes.feedback_mean_score",
)


@dataclass(frozen=True)
class ProgrammeTable:
    """One table of the programme's outcomes: a figure's definition, and its counts by partnership through
    disclosure control."""

    code: str
    label: str
    definition: str
    published: disclosure.PublishedTable
    figure: Figure


@dataclass(frozen=True)
class OutcomesChain:
    partnership: Partnership | None
    start: datetime.date
    end: datetime.date
    individual: list  # audits.selectors.Table each, counted live (they stay inside the partnership)
    partnership_level: list
    programme: list[ProgrammeTable]


def outcomes_period(months: int) -> tuple[datetime.date, datetime.date]:
    """The first day of the month `months - 1` months ago, and today."""
    today = services.today()
    return services.month_start(today, back=months - 1), today


def _live_tables(codes, period) -> list:
    """The figures computed now for the period, as the audit page's tables (nothing stored)."""
    tables = []
    for code in codes:
        definition = FIGURES[code]
        result = definition.compute(period)
        figure = AuditFigure(
            code=code,
            step=definition.step,
            position=0,
            label=definition.label,
            definition=definition.definition,
            unit=definition.unit,
            version=definition.version,
            breakdown=list(definition.breakdown),
            total=plain(result.total),
            rows=result.rows,
            note=result.note,
        )
        tables.append(figure_table(figure))
    return tables


def outcomes_chain(*, fetched_by, months: int) -> OutcomesChain | None:
    """The commissioner's outcomes chain for the last `months` months: the outcomes of the people of their
    partnership counted one by one (never named), the partnership's outcomes by area, kind of break and
    question, and the programme's across every partnership (suppressed, as everything that leaves a
    partnership is). Read on the reporting database."""
    from audits.figures import Period

    if fetched_by.role != Role.COMMISSIONER or fetched_by.partnership_id is None:
        return None
    start, end = outcomes_period(months)
    period = Period(fetched_by.partnership_id, start, end)
    with reporting_reads():
        partnership = Partnership.objects.get(pk=fetched_by.partnership_id)
        individual = _live_tables(INDIVIDUAL_FIGURES, period)
        partnership_level = _live_tables(PARTNERSHIP_FIGURES, period)
    return OutcomesChain(
        partnership=partnership,
        start=start,
        end=end,
        individual=individual,
        partnership_level=partnership_level,
        programme=_programme_tables(period),
    )


def programme_outcomes(*, fetched_by, months: int) -> OutcomesChain | None:
    """The programme's outcomes alone, for national analysts: every partnership side by side, suppressed."""
    if fetched_by.role not in (Role.NATIONAL, Role.ADMIN):
        return None
    start, end = outcomes_period(months)
    return OutcomesChain(
        partnership=None,
        start=start,
        end=end,
        individual=[],
        partnership_level=[],
        programme=_programme_tables(Period(None, start, end)),
    )


def _programme_tables(period) -> list[ProgrammeTable]:
    """The outcome figures that add up, counted by partnership in one grouped query each, with the figures'
    own populations (every partnership's: `period`'s partnership is not used), each table through disclosure
    control with its totals."""
    words = {**LABELS["result"], **AGREEMENT, **RESPONDENT}
    start_at, end_at = period.start_at, period.end_at
    with reporting_reads():
        partnerships = list(Partnership.objects.order_by("name"))
        reviews = _grouped(
            review_outcomes_in(None, start_at, end_at), "review__plan__partnership", "result", Count("pk")
        )
        agreement = _grouped(answers_in(None, start_at, end_at), "response__partnership", "agreement", Count("pk"))
        who = _grouped(responses_in(None, start_at, end_at), "partnership", "respondent", Count("pk"))
    names = [p.name for p in partnerships]
    tables = []
    for code, counts, columns, measure in (
        ("outcomes.plan_reviews", reviews, list(OutcomeResult.values), "personal outcomes reviewed"),
        ("outcomes.feedback_agreement", agreement, list(AGREEMENT), "answers"),
        ("outcomes.feedback_by_respondent", who, list(RESPONDENT), "people who gave feedback"),
    ):
        definition = FIGURES[code]
        published = disclosure.publish(
            [[counts.get((p.pk, column), 0) for column in columns] for p in partnerships],
            rows=names,
            columns=[words[column] for column in columns],
        )
        tables.append(
            ProgrammeTable(
                code=code,
                label=definition.label,
                definition=definition.definition,
                published=published,
                figure=figures.from_published(
                    published,
                    slug=code.replace(".", "-").replace("_", "-"),
                    title=f"{definition.label}, by partnership",
                    measure=measure,
                    row_name="Partnership",
                ),
            )
        )
    return tables
