"""E-mails of the two-person rule: when an adjustment or an overdraft is asked for, to the others who may approve
it (brokers and assessors of the fund's partnership, never the one who asked); when it is decided, to the one who
asked. Sent after commit (send_email.delay_on_commit), so a request that is rolled back tells nobody."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from breakthrough.models import Role, User
from breakthrough.tasks import send_email
from brokerage.models import FundAdjustment, Overdraft


def request_url(request: FundAdjustment | Overdraft) -> str:
    name = "adjustment_detail" if isinstance(request, FundAdjustment) else "overdraft_detail"
    return settings.SITE_URL.rstrip("/") + reverse(f"brokerage:funds:{name}", kwargs={"pk": request.pk})


def what(request: FundAdjustment | Overdraft) -> str:
    """'an adjustment', 'an overdraft': the noun for a subject line."""
    return "an adjustment" if isinstance(request, FundAdjustment) else "an overdraft"


def approvers(request: FundAdjustment | Overdraft) -> list[str]:
    """Who may approve it: the fund's partnership's active brokers and assessors with an e-mail, but not the one
    who asked (the same people services._may_manage lets approve, less platform admins, who are not the hub)."""
    return list(
        User.objects.filter(
            role__in=(Role.BROKER, Role.ASSESSOR),
            is_active=True,
            organisation__partnership_id=request.fund.partnership_id,
        )
        .exclude(pk=request.requested_by_id)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


def awaiting_approval(request: FundAdjustment | Overdraft) -> None:
    to = approvers(request)
    if not to:
        return
    context = {"request": request, "what": what(request), "url": request_url(request)}
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{what(request)} to {request.fund.name} waits for approval",
        body=render_to_string("brokerage/funds/email/approval_waiting.txt", context),
        to=to,
    )


def decided(request: FundAdjustment | Overdraft) -> None:
    to = request.requested_by.email
    if not to:
        return
    context = {"request": request, "what": what(request), "url": request_url(request)}
    word = "approved" if request.state == request.State.APPROVED else "refused"
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}your request for {what(request)} to {request.fund.name} "
        f"is {word}",
        body=render_to_string("brokerage/funds/email/approval_decided.txt", context),
        to=[to],
    )
