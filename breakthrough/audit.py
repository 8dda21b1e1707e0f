"""The audit trail as one call: log_action(obj, "brokerage.carer.viewed", user=request.user)."""

from django.contrib.contenttypes.models import ContentType

from breakthrough.models import AuditEvent


def log_action(obj, action: str, *, user=None, data: dict | None = None) -> AuditEvent:
    """Record that `user` did `action` to `obj`. Data must not repeat personal details: name fields, not values."""
    actor = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        partnership_id=getattr(obj, "partnership_id", None),
        data=data or {},
    )
