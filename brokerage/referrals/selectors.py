"""Reads for referrals. Every one that reads personal data takes the user who reads and goes through the
access choke point (`visible`, `get_visible_or_404`)."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from breakthrough.access import get_visible_or_404, visible
from breakthrough.models import CASEWORK_ROLES, Partnership, Role, User
from brokerage.models import CaredForPerson, Carer, CaseNote, EligibilityCriteria, Referral

# The queue's filters: value -> label. "open" (every open state) is the default.
STATE_FILTERS = {
    "open": "Open (new, in triage or assigned)",
    **{state.value: state.label for state in Referral.State},
}
ASSIGNED_FILTERS = {"": "Anyone or no one", "me": "Assigned to me", "none": "Not assigned yet"}
QUEUE_ORDER_IN_WORDS = (
    "Carers at crisis point come first. Then the greatest need comes first: complex, high, medium, then low. "
    "Among referrals with the same need, whoever has waited longest comes first."
)


def referral_queue(*, fetched_by, state: str = "open", assigned: str = "") -> QuerySet[Referral]:
    """The hub's queue: the referrals of the user's partnership, crisis first, then need, then time waited."""
    referrals = visible(fetched_by, Referral).select_related("carer", "worker").in_queue_order()
    referrals = referrals.filter(state=state) if state in Referral.State.values else referrals.open()
    if assigned == "me":
        referrals = referrals.filter(worker=fetched_by)
    elif assigned == "none":
        referrals = referrals.filter(worker__isnull=True)
    return referrals


def _with_details(source) -> QuerySet[Referral]:
    return source.select_related(
        "carer__user", "carer__locality", "partnership", "worker", "criteria"
    ).prefetch_related(Prefetch("cared_for", queryset=CaredForPerson.objects.order_by("first_name", "pk")))


def referral_get(*, fetched_by, pk) -> Referral:
    """One referral the user may see (staff of its partnership, or the carer it is for), or 404."""
    return get_visible_or_404(fetched_by, _with_details(Referral.objects.all()), pk=pk)


def carer_referrals(*, carer: Carer, fetched_by) -> list[Referral]:
    """A household's referrals, newest first."""
    return list(_with_details(visible(fetched_by, Referral)).filter(carer=carer))


def carer_latest_referral(*, carer: Carer, fetched_by) -> Referral | None:
    """What the carer's home page shows: their open referral, else their most recent one."""
    referrals = visible(fetched_by, Referral).filter(carer=carer).select_related("worker")
    return referrals.open().first() or referrals.first()


def referral_case_notes(*, referral: Referral, fetched_by) -> list[CaseNote]:
    return list(visible(fetched_by, CaseNote).filter(referral=referral).select_related("recorded_by"))


def carer_case_notes(*, carer: Carer, fetched_by) -> list[CaseNote]:
    """Every case note about a household, across its referrals, newest contact first."""
    return list(visible(fetched_by, CaseNote).filter(referral__carer=carer).select_related("recorded_by", "referral"))


def workers(*, partnership_id: int) -> QuerySet[User]:
    """Who can be a referral's worker: the active brokers and assessors of its partnership."""
    return User.objects.filter(
        is_active=True, role__in=CASEWORK_ROLES, organisation__partnership_id=partnership_id
    ).order_by("first_name", "last_name", "pk")


def criteria_partnership(*, fetched_by, pk) -> Partnership:
    """A partnership whose eligibility criteria the user may change: a broker's own, or any for an admin."""
    if fetched_by.role == Role.ADMIN or (fetched_by.role == Role.BROKER and fetched_by.partnership_id == int(pk)):
        partnership = Partnership.objects.filter(pk=pk).first()
        if partnership is not None:
            return partnership
    raise Http404("No such partnership.")


def criteria_history(*, partnership: Partnership) -> list[EligibilityCriteria]:
    """Every version of a partnership's criteria, the one that applies first. Not personal data."""
    return list(EligibilityCriteria.objects.filter(partnership=partnership).select_related("recorded_by"))
