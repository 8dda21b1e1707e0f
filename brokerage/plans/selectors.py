"""Reads of support plans. Each takes the user who reads and goes through the access choke point, so a plan
outside their scope answers 404. Related rows come in a fixed number of queries, whatever the plan's size."""

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from breakthrough.access import get_visible_or_404, visible
from brokerage.models import Carer, Offer, Plan, PlanDocument, PlanOutcome, PlanReviewOutcome, PlanSupport

PLAN_RELATED = (
    "carer__user",
    "carer__locality",
    "partnership",
    "created_by",
    "submitted_by",
    "returned_by",
    "approved_by",
    "document",
    "review__reviewed_by",
    "previous",
)


def _with_contents(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    return plans.select_related(*PLAN_RELATED).prefetch_related(
        Prefetch("outcomes", queryset=PlanOutcome.objects.select_related("cared_for").order_by("position")),
        Prefetch("supports", queryset=PlanSupport.objects.select_related("offer__provider").order_by("position")),
        "risks",
    )


def plan_get(*, fetched_by, pk, carer_pk=None) -> Plan:
    """One version of a plan with its outcomes, supports and risks; with `carer_pk`, one of that carer's."""
    source = _with_contents(Plan.objects.all())
    if carer_pk is not None:
        source = source.filter(carer_id=carer_pk)
    return get_visible_or_404(fetched_by, source, pk=pk)


def plan_for_document(document: PlanDocument) -> Plan:
    """The version a PDF is made of (tasks: the document was created by a service for this plan)."""
    return _with_contents(Plan.objects.all()).get(pk=document.plan_id)


def carer_plans(*, carer: Carer, fetched_by) -> list[Plan]:
    """Every version of the carer's plan, newest first, with its total."""
    return list(
        visible(fetched_by, Plan)
        .filter(carer=carer)
        .select_related("approved_by", "document")
        .annotate(total=Coalesce(Sum("supports__total_pence"), 0))
        .order_by("-number")
    )


def plan_current(versions: list[Plan]) -> Plan | None:
    """Of a carer's versions (newest first): the one being written, else the newest one approved."""
    for plan in versions:
        if plan.state in Plan.OPEN:
            return plan
    for plan in versions:
        if plan.state not in Plan.OPEN:
            return plan
    return None


def plan_in_force(versions: list[Plan]) -> Plan | None:
    return next((plan for plan in versions if plan.state in (*Plan.IN_FORCE, Plan.State.REVIEWED)), None)


PLAN_LISTS = {
    "waiting": ("Waiting for approval", Q(state=Plan.State.SUBMITTED)),
    "review": ("Review due", Q(state=Plan.State.REVIEW_DUE)),
    "writing": ("Being written", Q(state__in=(Plan.State.DRAFT, Plan.State.RETURNED))),
    "in_force": ("Approved and active", Q(state__in=(Plan.State.APPROVED, Plan.State.ACTIVE))),
}


def plan_list(*, fetched_by, show: str) -> QuerySet[Plan]:
    """The partnership's plans for the hub's plans list, oldest change first (the longest waiting at the top)."""
    _, condition = PLAN_LISTS.get(show, PLAN_LISTS["waiting"])
    return (
        visible(fetched_by, Plan)
        .filter(condition)
        .select_related("carer")
        .annotate(total=Coalesce(Sum("supports__total_pence"), 0))
        .order_by("updated_at", "pk")
    )


def plan_list_counts(*, fetched_by) -> dict[str, int]:
    """How many plans each list holds, in one query."""
    from django.db.models import Count

    plans = visible(fetched_by, Plan)
    return plans.aggregate(**{key: Count("pk", filter=condition) for key, (_, condition) in PLAN_LISTS.items()})


def offer_choices(*, fetched_by, carer: Carer, search: str = "") -> QuerySet[Offer]:
    """Directory breaks in the carer's partnership that a plan may use, by title."""
    offers = (
        visible(fetched_by, Offer)
        .filter(is_published=True, locality__partnership_id=carer.partnership_id)
        .select_related("provider")
        .order_by("title", "pk")
    )
    for word in search.split()[:5]:
        offers = offers.filter(title__icontains=word)
    return offers


def review_results(plan: Plan) -> dict[int, str]:
    """{outcome id: result label} of the version's review."""
    return {
        r.outcome_id: r.get_result_display()
        for r in PlanReviewOutcome.objects.filter(review__plan=plan).only("outcome_id", "result")
    }
