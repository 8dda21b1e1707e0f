"""Provider portal jobs. Thin and safe to run twice."""

import datetime

from celery import shared_task
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.models import Role, User
from breakthrough.tasks import send_email
from brokerage.models import ComplianceDocument


def _recipients(organisation_id: int) -> list[str]:
    return list(
        User.objects.filter(organisation_id=organisation_id, role=Role.PROVIDER, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


@shared_task
def warn_expiring_compliance() -> int:
    """E-mail a provider's staff when a compliance document expires within 30 days. Once per document.

    A document already replaced by a later one of the same kind is not warned about. Returns how many
    documents were warned about.
    """
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=ComplianceDocument.WARN_DAYS)
    due = ComplianceDocument.objects.filter(
        expiry_warned_on__isnull=True, expires_on__gte=today, expires_on__lte=horizon
    ).select_related("organisation")
    warned = 0
    for document in due:
        renewed = ComplianceDocument.objects.filter(
            organisation_id=document.organisation_id, kind=document.kind, expires_on__gt=horizon
        ).exists()
        if renewed:
            continue
        with transaction.atomic():
            # Claim the document first: of two runs at once only one sends.
            claimed = ComplianceDocument.objects.filter(pk=document.pk, expiry_warned_on__isnull=True).update(
                expiry_warned_on=today
            )
            if not claimed:
                continue
            to = _recipients(document.organisation_id)
            days = (document.expires_on - today).days
            context = {"document": document, "organisation": document.organisation, "days": days}
            subject = render_to_string("brokerage/email/compliance_expiring_subject.txt", context).strip()
            body = render_to_string("brokerage/email/compliance_expiring.txt", context)
            log_action(document, "brokerage.compliancedocument.expiry_warned", data={"recipients": len(to)})
            if to:
                transaction.on_commit(lambda s=subject, b=body, t=to: send_email.delay(subject=s, body=b, to=t))
            warned += 1
    return warned
