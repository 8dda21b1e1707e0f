"""The one access choke point: may this user see this record?

Every model that holds personal data has a queryset with `visible_to(user)`. Views never fetch such
a record by primary key themselves: they ask a selector, which asks here. A record outside the
user's scope answers 404 (never 403, which would confirm that it exists), and every record read
through here is written to the audit trail.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

from breakthrough.audit import log_action
from breakthrough.models import Role


def visible(viewer, source: type[Model] | QuerySet) -> QuerySet:
    """The rows of `source` that `viewer` may see: none for anonymous or inactive users."""
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return queryset.none()
    if not hasattr(queryset, "visible_to"):
        raise TypeError(f"{queryset.model.__name__} has no visible_to(user): it cannot pass the access choke point.")
    return queryset.visible_to(viewer)


def get_visible_or_404(viewer, source: type[Model] | QuerySet, *, audit: bool = True, **lookup) -> Model:
    """One record the user may see, or 404. Reading it is logged as `<app>.<model>.viewed`."""
    queryset = visible(viewer, source)
    try:
        obj = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404("No such record.") from None
    if audit:
        log_action(obj, f"{obj._meta.app_label}.{obj._meta.model_name}.viewed", user=viewer)
    return obj


def sees_whole_platform(user) -> bool:
    return user.role == Role.ADMIN


def casework_partnership_id(user) -> int | None:
    """The partnership whose households this user may work with (brokers and assessors), else None."""
    if user.role in (Role.BROKER, Role.ASSESSOR):
        return user.partnership_id
    return None
