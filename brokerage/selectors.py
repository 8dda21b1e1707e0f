"""Reads of the carer's household. Every one takes the user who reads and goes through the access choke point."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from breakthrough.access import get_visible_or_404, visible
from breakthrough.models import Role
from breakthrough.postcodes import normalise_postcode
from brokerage.models import CaredForPerson, Carer, CaringRelationship


def carer_of_user(*, user) -> Carer:
    """The signed-in carer's own household record (404 for anyone who is not a carer)."""
    if user.role != Role.CARER:
        raise Http404("Only carers have a household.")
    return get_visible_or_404(user, Carer.objects.select_related("locality", "partnership"), audit=False, user=user)


def household_people(*, carer: Carer, fetched_by) -> list[CaringRelationship]:
    """The people this carer cares for, with the relationship, in the order they were added."""
    people = visible(fetched_by, CaredForPerson)
    return list(
        CaringRelationship.objects.filter(carer=carer, cared_for__in=people)
        .select_related("cared_for")
        .order_by("created_at", "pk")
    )


def carer_support_exists(*, carer: Carer, fetched_by) -> dict[str, bool]:
    """Which of the carer's budget, plan and money exist yet, so that their home page links only to those:
    "budget" once an assessment is completed (the budget page shows completed ones), "plan" once a version of
    a support plan is started, "money" once a personal fund (ISF, direct payment or micro-grant) is set up. One
    query."""
    from brokerage.models import Fund, Plan
    from ras.models import Assessment

    return (
        Carer.objects.filter(pk=carer.pk)
        .annotate(
            budget=Exists(Assessment.objects.filter(carer=OuterRef("pk"), status=Assessment.Status.COMPLETED)),
            plan=Exists(visible(fetched_by, Plan).filter(carer=OuterRef("pk"))),
            money=Exists(visible(fetched_by, Fund).filter(carer=OuterRef("pk"), kind__in=Fund.PERSONAL)),
        )
        .values("budget", "plan", "money")
        .get()
    )


def cared_for_get(*, fetched_by, pk, carer: Carer | None = None) -> CaredForPerson:
    """One person the user may see; with `carer`, one that carer cares for."""
    source = CaredForPerson.objects.all()
    if carer is not None:
        source = source.filter(relationships__carer=carer)
    return get_visible_or_404(fetched_by, source, pk=pk)


def relationship_get(*, carer: Carer, person: CaredForPerson) -> CaringRelationship:
    return CaringRelationship.objects.get(carer=carer, cared_for=person)


def carer_list(*, fetched_by, search: str = "") -> QuerySet[Carer]:
    """The carers a broker or assessor may work with, for the caseload."""
    # A correlated count (not a GROUP BY over every carer), so the database counts only the rows of the page.
    people = CaringRelationship.objects.filter(carer=OuterRef("pk")).order_by().values("carer").annotate(n=Count("pk"))
    carers = (
        visible(fetched_by, Carer)
        .select_related("locality")
        .annotate(people_count=Coalesce(Subquery(people.values("n")), 0))
        .order_by("last_name", "first_name", "pk")
    )
    if search:
        try:
            return carers.filter(postcode=normalise_postcode(search))
        except ValidationError:
            pass
        for word in search.split()[:5]:
            carers = carers.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(postcode__istartswith=word)
            )
    return carers


def carer_get(*, fetched_by, pk) -> Carer:
    """One carer's record with their household, for staff."""
    source = Carer.objects.select_related("locality", "partnership", "user").prefetch_related(
        Prefetch(
            "relationships",
            queryset=CaringRelationship.objects.select_related("cared_for").order_by("created_at", "pk"),
        ),
        "consents",
    )
    return get_visible_or_404(fetched_by, source, pk=pk)
