"""Micro-grants: services (writes) and selectors (reads) for applications, panel meetings and awards.

The cut-off rule. An application goes to the first meeting of the carer's partnership whose cut-off is still
ahead when it is submitted (a cut-off is inclusive: submitted at 17:00:00 for a 17:00 cut-off is in time).
With no such meeting it waits, and `panel_meeting_add` attaches every waiting application to the new meeting
when that meeting's cut-off is still ahead. Times are aware datetimes; pages show them in UK time.

An award goes into the carer's micro-grant fund (opened on first award) through the public ledger service
`ledger_allocate`, from the scheme's budget line, with the idempotency key `grant-award:<id>`: a double
submit or a retry finds the decision made and posts nothing twice.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.access import get_visible_or_404, visible
from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import Partnership, Role
from breakthrough.money import format_pence
from breakthrough.submissions import create_once, earlier_submission
from breakthrough.tasks import send_email
from brokerage.funds import services as ledger
from brokerage.models import Carer, Fund, GrantApplication, GrantScheme, PanelMeeting

State = GrantApplication.State


# ----------------------------------------------------------------------------------------------
# Who may do what
# ----------------------------------------------------------------------------------------------


def is_partnership_staff(user, partnership_id) -> bool:
    """Brokers and assessors of the partnership, or a platform admin."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in (Role.BROKER, Role.ASSESSOR):
        return user.partnership_id is not None and user.partnership_id == partnership_id
    return user.role == Role.ADMIN


def _require_staff(user, partnership_id) -> None:
    if not is_partnership_staff(user, partnership_id):
        raise ValidationError("Only the partnership's hub staff can do this.")


def _require_text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# ----------------------------------------------------------------------------------------------
# The scheme
# ----------------------------------------------------------------------------------------------


def grant_scheme(partnership_id: int) -> GrantScheme:
    """The partnership's scheme, or the default (£300, no budget line chosen) if it has never been set."""
    scheme = GrantScheme.objects.filter(partnership_id=partnership_id).select_related("budget_line").first()
    return scheme or GrantScheme(partnership_id=partnership_id)


@transaction.atomic
def grant_scheme_update(*, partnership: Partnership, max_award: int, budget_line: Fund | None, by) -> GrantScheme:
    _require_staff(by, partnership.pk)
    if isinstance(max_award, bool) or not isinstance(max_award, int) or max_award <= 0:
        raise ValidationError({"max_award": "Enter the largest award, more than £0"})
    if budget_line is not None and (
        budget_line.kind != Fund.Kind.BUDGET_LINE or budget_line.partnership_id != partnership.pk
    ):
        raise ValidationError({"budget_line": "Choose one of the partnership's budget lines"})
    scheme, _ = GrantScheme.objects.update_or_create(
        partnership=partnership,
        defaults={
            "max_award_pence": max_award,
            "budget_line": budget_line,
            "updated_by": by,
            "updated_at": timezone.now(),
        },
    )
    log_action(scheme, "brokerage.grant_scheme.updated", user=by, data={"max_award_pence": max_award})
    return scheme


# ----------------------------------------------------------------------------------------------
# Meetings and the cut-off
# ----------------------------------------------------------------------------------------------


def next_meeting(partnership_id: int, *, at=None) -> PanelMeeting | None:
    """The first meeting whose cut-off is at or after `at` (now): the one an application made then goes to."""
    at = at or timezone.now()
    return (
        PanelMeeting.objects.filter(partnership_id=partnership_id, cut_off__gte=at)
        .order_by("cut_off", "meets_on")
        .first()
    )


@locking_transaction
def panel_meeting_add(*, partnership: Partnership, meets_on, cut_off, by, now=None) -> PanelMeeting:
    """Schedule a meeting; applications waiting for one are attached to it when its cut-off is still ahead."""
    _require_staff(by, partnership.pk)
    now = now or timezone.now()
    if meets_on is None:
        raise ValidationError({"meets_on": "Enter the date the panel meets"})
    if cut_off is None:
        raise ValidationError({"cut_off_date": "Enter the cut-off date"})
    if meets_on < timezone.localdate(now):
        raise ValidationError({"meets_on": "The meeting date must be today or in the future"})
    if timezone.localdate(cut_off) > meets_on:
        raise ValidationError({"cut_off_date": "The cut-off must be on or before the day the panel meets"})
    if cut_off <= now:
        raise ValidationError({"cut_off_date": "The cut-off must be in the future"})
    if PanelMeeting.objects.filter(partnership=partnership, meets_on=meets_on).exists():
        raise ValidationError({"meets_on": "The panel already meets on that day"})
    meeting = PanelMeeting.objects.create(partnership=partnership, meets_on=meets_on, cut_off=cut_off, created_by=by)
    # Lock the waiting applications so one submitted at this moment is either attached here or sees this meeting.
    waiting = list(
        GrantApplication.objects.select_for_update()
        .filter(partnership=partnership, state=State.PENDING, meeting__isnull=True)
        .values_list("pk", flat=True)
    )
    if waiting:
        GrantApplication.objects.filter(pk__in=waiting).update(meeting=meeting)
    log_action(meeting, "brokerage.panel_meeting.added", user=by, data={"attached": len(waiting)})
    return meeting


# ----------------------------------------------------------------------------------------------
# Applications
# ----------------------------------------------------------------------------------------------


@transaction.atomic
def grant_apply(
    *,
    carer: Carer,
    amount_asked: int,
    what_for: str,
    break_kind: str,
    by,
    submission_key: str | None = None,
    now=None,
) -> GrantApplication:
    """A carer (or hub staff for them) applies. It goes to the next meeting whose cut-off is ahead, or waits."""
    existing = earlier_submission(GrantApplication, submission_key, carer=carer)
    if existing is not None:
        return existing  # the same form sent twice
    own = by is not None and by.role == Role.CARER and carer.user_id == by.pk
    if carer.partnership_id is None:
        raise ValidationError("Micro-grants come from your local partnership: ask the hub to add you to one first.")
    if not own and not is_partnership_staff(by, carer.partnership_id):
        raise ValidationError("You cannot apply for this carer.")
    if isinstance(amount_asked, bool) or not isinstance(amount_asked, int) or amount_asked <= 0:
        raise ValidationError({"amount": "Enter how much you are asking for, more than £0"})
    scheme = grant_scheme(carer.partnership_id)
    if amount_asked > scheme.max_award_pence:
        raise ValidationError({"amount": f"You can ask for up to {format_pence(scheme.max_award_pence)}"})
    what_for = _require_text(what_for, "what_for", "Say what the grant is for")
    if break_kind not in GrantApplication.BreakKind.values:
        raise ValidationError({"break_kind": "Select the kind of break"})
    now = now or timezone.now()
    application, made = create_once(
        GrantApplication,
        key=submission_key,
        owner={"carer": carer},
        partnership_id=carer.partnership_id,
        amount_asked_pence=amount_asked,
        what_for=what_for,
        break_kind=break_kind,
        meeting=next_meeting(carer.partnership_id, at=now),
        submitted_by=by,
        submitted_at=now,
    )
    if not made:
        return application  # the same form, sent at the same moment, made it
    log_action(
        application,
        "brokerage.grant_application.submitted",
        user=by,
        data={"pence": amount_asked, "meeting": application.meeting_id},
    )
    return application


class Decision:
    AWARD = "award"
    PART_AWARD = "part_award"
    REFUSE = "refuse"
    CHOICES = [
        (AWARD, "Award it in full"),
        (PART_AWARD, "Award part of it"),
        (REFUSE, "Do not award it"),
    ]
    STATE = {AWARD: State.AWARDED, PART_AWARD: State.PART_AWARDED, REFUSE: State.REFUSED}


def _micro_grant_fund(carer: Carer, by) -> Fund:
    fund = Fund.objects.filter(carer=carer, kind=Fund.Kind.MICRO_GRANT).order_by("-opened_at", "-pk").first()
    if fund is not None:
        return fund
    name = f"{carer.first_name} {carer.last_name}".strip() or "Carer"
    return ledger.fund_open(
        partnership=carer.partnership, kind=Fund.Kind.MICRO_GRANT, name=f"{name}'s micro-grants", carer=carer, by=by
    )


@locking_transaction
def grant_decide(
    *,
    application: GrantApplication,
    decision: str,
    reason: str,
    by,
    amount_awarded: int | None = None,
    budget_line: Fund | None = None,
) -> GrantApplication:
    """The panel's decision, with a reason, by hub staff who did not apply. An award is allocated to the carer's
    micro-grant fund once: a second identical decision (double submit, retry) returns the first."""
    application = (
        GrantApplication.objects.select_for_update(of=("self",))
        .select_related("carer__user", "carer__partnership", "meeting")
        .get(pk=application.pk)
    )
    _require_staff(by, application.partnership_id)
    if by.pk in (application.submitted_by_id, application.carer.user_id):
        raise ValidationError("You applied for this grant, so someone else on the panel must decide it.")
    if decision not in Decision.STATE:
        raise ValidationError({"decision": "Select the decision"})
    state = Decision.STATE[decision]
    if application.is_decided:
        if application.state == state and application.decided_by_id == by.pk:
            return application  # the same decision sent again
        raise ValidationError(f"This application was already decided: {application.get_state_display().lower()}.")
    if application.meeting_id is None:
        raise ValidationError("This application is waiting for the next meeting: schedule one before deciding it.")
    reason = _require_text(reason, "reason", "Give the reason for the decision")
    scheme = grant_scheme(application.partnership_id)
    if decision == Decision.AWARD:
        amount_awarded = application.amount_asked_pence
    elif decision == Decision.PART_AWARD:
        if isinstance(amount_awarded, bool) or not isinstance(amount_awarded, int) or amount_awarded <= 0:
            raise ValidationError({"amount": "Enter the amount awarded, more than £0"})
        if amount_awarded >= application.amount_asked_pence:
            raise ValidationError(
                {"amount": f"A part-award must be less than the {format_pence(application.amount_asked_pence)} asked"}
            )
    else:
        amount_awarded = None
    if amount_awarded is not None and amount_awarded > scheme.max_award_pence:
        raise ValidationError({"amount": f"An award can be at most {format_pence(scheme.max_award_pence)}"})
    if amount_awarded is not None:
        budget_line = budget_line or scheme.budget_line
        if budget_line is None:
            raise ValidationError({"budget_line": "Choose the budget line the award comes from"})
        fund = _micro_grant_fund(application.carer, by)
        application.posting = ledger.ledger_allocate(
            fund=fund,
            amount=amount_awarded,
            source=budget_line,
            by=by,
            memo=f"Micro-grant: {application.what_for[:200]}",
            reference=f"grant:{application.pk}",
            idempotency_key=f"grant-award:{application.pk}",
        )
        application.fund = fund
    application.state = state
    application.amount_awarded_pence = amount_awarded
    application.reason = reason
    application.decided_by = by
    application.decided_at = timezone.now()
    application.save(
        update_fields=["state", "amount_awarded_pence", "reason", "decided_by", "decided_at", "fund", "posting"]
    )
    log_action(
        application,
        f"brokerage.grant_application.{state}",
        user=by,
        data={"pence": amount_awarded or 0, "reason": reason},
    )
    _email_decision(application)
    return application


def _email_decision(application: GrantApplication) -> None:
    carer = application.carer
    if carer.user_id is None or not carer.user.email:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("brokerage:grants:carer_detail", kwargs={"pk": application.pk})
    subject = "your micro-grant: " + (
        "not awarded"
        if application.state == State.REFUSED
        else f"{format_pence(application.amount_awarded_pence)} awarded"
    )
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string(
            "brokerage/funds/grant_decided_email.txt", {"carer": carer, "application": application, "url": url}
        ),
        to=[carer.user.email],
    )


# ----------------------------------------------------------------------------------------------
# Selectors
# ----------------------------------------------------------------------------------------------


def application_list_for_carer(*, fetched_by) -> QuerySet[GrantApplication]:
    return visible(fetched_by, GrantApplication).filter(carer__user=fetched_by).select_related("meeting")


def application_get(*, fetched_by, pk) -> GrantApplication:
    """One application the user may see, or 404 (audited)."""
    source = GrantApplication.objects.select_related("carer", "meeting", "fund", "decided_by", "partnership")
    return get_visible_or_404(fetched_by, source, pk=pk)


def missed_meeting(application: GrantApplication) -> PanelMeeting | None:
    """The meeting an undecided application just missed: its cut-off had passed when it was sent, but it had not
    yet met. None if it missed nothing."""
    if application.is_decided:
        return None
    return (
        PanelMeeting.objects.filter(
            partnership_id=application.partnership_id,
            cut_off__lt=application.submitted_at,
            meets_on__gte=timezone.localdate(application.submitted_at),
        )
        .order_by("-cut_off")
        .first()
    )


def meeting_list(*, fetched_by, upcoming_from=None) -> QuerySet[PanelMeeting]:
    """Meetings the user may see, with how many applications each has waiting and decided."""
    queryset = visible(fetched_by, PanelMeeting).select_related("partnership")
    if upcoming_from is not None:
        queryset = queryset.filter(meets_on__gte=upcoming_from)
    return queryset.annotate(
        waiting=Count("applications", filter=Q(applications__state=State.PENDING)),
        decided=Count("applications", filter=~Q(applications__state=State.PENDING)),
    ).order_by("meets_on", "pk")


def meeting_get(*, fetched_by, pk) -> PanelMeeting:
    return get_visible_or_404(fetched_by, PanelMeeting.objects.select_related("partnership"), pk=pk, audit=False)


def meeting_applications(*, meeting: PanelMeeting, fetched_by) -> QuerySet[GrantApplication]:
    return (
        visible(fetched_by, GrantApplication)
        .filter(meeting=meeting)
        .select_related("carer", "decided_by")
        .order_by("submitted_at", "pk")
    )


def waiting_without_meeting(*, fetched_by) -> QuerySet[GrantApplication]:
    return (
        visible(fetched_by, GrantApplication)
        .filter(state=State.PENDING, meeting__isnull=True)
        .select_related("carer", "partnership")
        .order_by("submitted_at", "pk")
    )


def budget_lines(partnership_id: int) -> QuerySet[Fund]:
    return Fund.objects.filter(partnership_id=partnership_id, kind=Fund.Kind.BUDGET_LINE).order_by("name", "pk")
