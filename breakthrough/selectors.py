"""Reads of the shared kernel."""

from django.db.models import Count, Q
from django.http import Http404

from breakthrough.models import Invitation, Organisation, Role, User


def organisation_of_user(*, user) -> Organisation:
    """The signed-in member of staff's own organisation, with what its landing page shows."""
    if not user.organisation_id:
        raise Http404("This account belongs to no organisation.")
    return (
        Organisation.objects.select_related("partnership")
        .prefetch_related("partnerships_served__localities", "partnership__localities", "members")
        .get(pk=user.organisation_id)
    )


def invitation_list(*, fetched_by, limit: int = 50):
    if fetched_by.role != Role.ADMIN:
        return Invitation.objects.none()
    return Invitation.objects.select_related("organisation", "invited_by")[:limit]


def users_by_role(*, fetched_by) -> list[dict]:
    if fetched_by.role != Role.ADMIN:
        return []
    counts = dict(User.objects.order_by().values_list("role").annotate(n=Count("pk")).values_list("role", "n"))
    active = dict(
        User.objects.filter(Q(is_active=True))
        .order_by()
        .values_list("role")
        .annotate(n=Count("pk"))
        .values_list("role", "n")
    )
    return [
        {"role": label, "count": counts.get(value, 0), "active": active.get(value, 0)} for value, label in Role.choices
    ]
