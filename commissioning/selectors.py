"""Figures for commissioners and national analysts. Counts that leave a partnership go through disclosure control.

Every count per group clears the ordering first (`.order_by()` before `.values().annotate()`): a model's default
ordering would otherwise join the GROUP BY as soon as the queryset is `distinct()` (each person became a group of
one, so every needs level read 1).
"""

from django.db.models import Count, Q

from breakthrough import disclosure
from breakthrough.models import Partnership, Role
from breakthrough.reporting import reporting_reads
from brokerage.models import Booking, CaredForPerson, Carer, CaringRelationship, NeedsLevel
from commissioning import figures
from commissioning.figures import Figure


def partnership_overview(*, fetched_by) -> dict | None:
    """Counts of the commissioner's own partnership (not suppressed: they stay inside it)."""
    if fetched_by.role != Role.COMMISSIONER or fetched_by.partnership_id is None:
        return None
    partnership = Partnership.objects.prefetch_related("localities").get(pk=fetched_by.partnership_id)
    carers = Carer.objects.filter(partnership=partnership)
    totals = carers.aggregate(
        carers=Count("pk"),
        completed=Count("pk", filter=Q(about_you_completed_at__isnull=False)),
        **{f"type_{value}": Count("pk", filter=Q(carer_type=value)) for value in Carer.CarerType.values},
    )
    people = CaredForPerson.objects.filter(relationships__carer__partnership=partnership).distinct()
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
        "by_locality": [(loc.name, by_locality.get(loc.pk, 0)) for loc in partnership.localities.all()],
    }


def national_figures(*, fetched_by) -> list[Figure]:
    """Every partnership side by side, for national analysts: carers by kind, people cared for by needs level,
    and bookings by what became of them, each through disclosure control (breakthrough/disclosure.py), so that
    no count of 1 to 4 is shown or can be worked out from the totals. Three grouped queries, read from the
    reporting database (a read replica where one is configured)."""
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
    names = [p.name for p in partnerships]
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
            disclosure.publish(
                [
                    [sum(bookings.get((p.pk, s), 0) for s in states) for _, states in BOOKING_GROUPS]
                    for p in partnerships
                ],
                rows=names,
                columns=[label for label, _ in BOOKING_GROUPS],
            ),
            slug="bookings",
            title="Bookings of breaks, by what became of them",
            measure="bookings",
            row_name="Partnership",
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
