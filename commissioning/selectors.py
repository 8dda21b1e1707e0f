"""Figures for commissioners and national analysts. Counts that leave a partnership go through disclosure control.

Every count per group clears the ordering first (`.order_by()` before `.values().annotate()`): a model's default
ordering would otherwise join the GROUP BY as soon as the queryset is `distinct()` (each person became a group of
one, so every needs level read 1).
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from audits.feedback_figures import AGREEMENT, RESPONDENT, answers_in, responses_in
from audits.figures import FIGURES, LABELS, Period, plain, review_outcomes_in
from audits.models import AuditFigure
from audits.selectors import figure_table
from breakthrough import disclosure
from breakthrough.models import Partnership, Role
from breakthrough.reporting import reporting_reads
from brokerage.models import Booking, CaredForPerson, Carer, CaringRelationship, NeedsLevel, OutcomeResult
from commissioning import figures
from commissioning.figures import Figure

UK = ZoneInfo(settings.TIME_ZONE)


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
class Dashboard:
    partnership: Partnership
    locality: object  # the area counted, or None for all
    months: list[datetime.date]  # the first day of each month in the period, oldest first
    as_at: datetime.datetime  # when the figures were counted
    headline: list[tuple[str, int]]
    figures: list[Figure]


def partnership_dashboard(*, fetched_by, months: int, locality=None) -> Dashboard | None:
    """The commissioner's dashboard: headline counts, and each figure as a chart, a table and a CSV.

    The one place the dashboard's figures come from (the audit's figure definitions take its place later). Counted
    live from the records, on the reporting database: the page says when."""
    with reporting_reads():
        overview = partnership_overview(fetched_by=fetched_by, locality=locality)
        if overview is None:
            return None
        now = timezone.now()
        first = _month_start(timezone.localdate(now), back=months - 1)
        period = [_month_start(first, back=-i) for i in range(months)]
        carers = Carer.objects.filter(partnership=overview["partnership"])
        bookings = Booking.objects.filter(carer__partnership=overview["partnership"])
        if locality is not None:
            carers, bookings = carers.filter(locality=locality), bookings.filter(carer__locality=locality)
        start = datetime.datetime.combine(first, datetime.time(), tzinfo=UK)
        joined = _by_month(carers.filter(created_at__gte=start), "created_at", None)
        booked = _by_month(bookings.filter(requested_at__gte=start), "requested_at", "state")
    labels = [f"{m:%B %Y}" for m in period]
    attended = sum(booked.get((m, Booking.State.ATTENDED), 0) for m in period)
    headline = [
        ("carers registered", overview["carers"]),
        ("with their details confirmed", overview["completed"]),
        ("people cared for", overview["cared_for"]),
        (f"breaks attended in {period_words(len(period))}", attended),
    ]
    figures_ = [
        figures.from_counts(
            slug="carers-joined",
            title="Carers who registered each month",
            measure="carers who registered",
            row_name="Month",
            rows=[(label, [joined.get((m, None), 0)]) for label, m in zip(labels, period, strict=True)],
            columns=["Carers"],
            ordered=True,
        ),
        figures.from_counts(
            slug="bookings",
            title="Bookings each month, by what became of them",
            measure="bookings",
            row_name="Month",
            rows=[
                (label, [sum(booked.get((m, s), 0) for s in states) for _, states in BOOKING_GROUPS])
                for label, m in zip(labels, period, strict=True)
            ],
            columns=[label for label, _ in BOOKING_GROUPS],
            ordered=True,
            kind="stacked",
        ),
        figures.from_counts(
            slug="carers-by-area",
            title="Carers by area",
            measure="carers",
            row_name="Area",
            rows=[(name, [n]) for name, n in overview["by_locality"]],
            columns=["Carers"],
        ),
        figures.from_counts(
            slug="carers-by-kind",
            title="Carers by kind",
            measure="carers",
            row_name="Kind of carer",
            rows=[(name, [n]) for name, n in overview["by_type"]],
            columns=["Carers"],
        ),
        figures.from_counts(
            slug="people-by-needs",
            title="People cared for by needs level",
            measure="people cared for",
            row_name="Needs level",
            rows=[(name, [n]) for name, n in overview["by_needs"]],
            columns=["People"],
        ),
    ]
    return Dashboard(
        partnership=overview["partnership"],
        locality=locality,
        months=period,
        as_at=now,
        headline=headline,
        figures=figures_,
    )


def period_words(months: int) -> str:
    return "the last month" if months == 1 else f"the last {months} months"


def _month_start(day: datetime.date, *, back: int) -> datetime.date:
    """The first day of the month `back` months before `day`'s month (negative: after)."""
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _by_month(queryset, field: str, then: str | None) -> dict:
    """{(first day of the month, then): count} in one grouped query, months in UK time."""
    keys = ["month", then] if then else ["month"]
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth(field, tzinfo=UK))
        .values_list(*keys)
        .annotate(n=Count("pk"))
        .values_list(*keys, "n")
    )
    return {(_as_date(row[0]), row[1] if then else None): row[-1] for row in rows}


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


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
    today = timezone.localdate()
    return _month_start(today, back=months - 1), today


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
