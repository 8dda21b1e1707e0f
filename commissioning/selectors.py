"""Figures for commissioners and national analysts. Counts that leave a partnership are suppressed under 5.

Every count per group clears the ordering first (`.order_by()` before `.values().annotate()`): a model's default
ordering would otherwise join the GROUP BY as soon as the queryset is `distinct()` (each person became a group of
one, so every needs level read 1).
"""

from django.db.models import Count, Q

from breakthrough.models import Partnership, Role
from brokerage.models import CaredForPerson, Carer, CaringRelationship, NeedsLevel

SUPPRESS_BELOW = 5


def suppress(count: int) -> int | None:
    """None stands for "fewer than 5": small counts could identify a family."""
    return None if 0 < count < SUPPRESS_BELOW else count


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


def national_overview(*, fetched_by) -> list[dict]:
    """Carers and cared-for people per partnership, suppressed under 5, for national analysts."""
    if fetched_by.role not in (Role.NATIONAL, Role.ADMIN):
        return []
    carers = dict(
        Carer.objects.order_by().values_list("partnership").annotate(n=Count("pk")).values_list("partnership", "n")
    )
    cared_for = dict(
        CaringRelationship.objects.order_by()
        .values_list("carer__partnership")
        .annotate(n=Count("cared_for", distinct=True))
        .values_list("carer__partnership", "n")
    )
    return [
        {"partnership": p, "carers": suppress(carers.get(p.pk, 0)), "cared_for": suppress(cared_for.get(p.pk, 0))}
        for p in Partnership.objects.order_by("name")
    ]
