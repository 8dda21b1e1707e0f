"""Writes for Personal Support Plans. Views and tasks call these; each checks the rule it enforces and raises
a ValidationError whose message says what to do.

States: draft -> submitted -> approved (or returned with reasons -> submitted again) -> active -> review due
-> reviewed. Carers and staff of the carer's partnership write a draft together; only an assessor who did not
write or change the version approves it. An approved version never changes: `plan_new_version` copies it into
a new draft, and approving that one replaces (supersedes) it. The PDF of an approved version is rendered in the
background after commit; a failed render is retried and shown to staff, and never holds up approval.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import Role, User
from breakthrough.money import format_pence
from breakthrough.tasks import send_email
from brokerage.models import (
    Carer,
    OutcomeResult,
    Plan,
    PlanContributor,
    PlanDocument,
    PlanOutcome,
    PlanReview,
    PlanReviewOutcome,
    PlanRisk,
    PlanSupport,
    Referral,
    SupportKind,
    Whose,
)

WRITERS = (Role.CARER, Role.BROKER, Role.ASSESSOR, Role.ADMIN)
STAFF = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)
SECTIONS = {"outcomes": PlanOutcome, "supports": PlanSupport, "risks": PlanRisk}


# ----------------------------------------------------------------------------------------------
# Rules every write shares
# ----------------------------------------------------------------------------------------------


def _require_writer(plan: Plan, by: User) -> None:
    if by.role not in WRITERS or (by.role == Role.CARER and plan.carer.user_id != by.pk):
        raise ValidationError("You cannot change this plan.")


def _require_editable(plan: Plan) -> None:
    if plan.state == Plan.State.SUBMITTED:
        raise ValidationError("This plan is waiting for approval, so it cannot be changed now.")
    if not plan.is_editable:
        raise ValidationError("This version of the plan is approved, so it cannot be changed. Start a new version.")


def _touch(plan: Plan, by: User) -> None:
    """Record that `by` wrote part of this version (they may not approve it), and when it last changed."""
    now = timezone.now()
    plan.updated_at = now
    Plan.objects.filter(pk=plan.pk).update(updated_at=now)
    contributor, created = PlanContributor.objects.get_or_create(plan=plan, user=by, defaults={"first_at": now})
    if not created:
        PlanContributor.objects.filter(pk=contributor.pk).update(last_at=now)


def _lock(plan: Plan) -> Plan:
    """The plan's row, locked for the rest of the transaction, so two changes of state never cross."""
    return Plan.objects.select_for_update().select_related("carer").get(pk=plan.pk)


def _editing(plan: Plan, by: User) -> Plan:
    locked = _lock(plan)
    _require_writer(locked, by)
    _require_editable(locked)
    return locked


# ----------------------------------------------------------------------------------------------
# Starting a plan, and new versions
# ----------------------------------------------------------------------------------------------


@transaction.atomic
def plan_start(*, carer: Carer, by: User) -> Plan:
    """A carer's first plan, or a new version of their latest approved one. One open version at a time."""
    Carer.objects.select_for_update().filter(pk=carer.pk).first()  # two starts at once make one plan
    if by.role not in WRITERS or (by.role == Role.CARER and carer.user_id != by.pk):
        raise ValidationError("You cannot start a plan for this carer.")
    if carer.partnership_id is None:
        raise ValidationError("Record where the carer lives before starting a plan: the plan belongs to their area.")
    if Plan.objects.filter(carer=carer, state__in=Plan.OPEN).exists():
        raise ValidationError("There is already a plan being written. Carry on with that one.")
    latest = Plan.objects.filter(carer=carer, state__in=Plan.CHANGEABLE).order_by("-number").first()
    if latest is not None:
        return plan_new_version(plan=latest, by=by)
    plan = Plan.objects.create(carer=carer, partnership_id=carer.partnership_id, created_by=by)
    _touch(plan, by)
    log_action(plan, "brokerage.plan.started", user=by, data={"number": plan.number})
    return plan


@transaction.atomic
def plan_new_version(*, plan: Plan, by: User) -> Plan:
    """A new draft copied from an approved version, to change it. The approved one stays in force until the new
    one is approved; then it is superseded. Those who wrote the old version wrote the copy too."""
    plan = _lock(plan)
    _require_writer(plan, by)
    if plan.state not in Plan.CHANGEABLE:
        raise ValidationError("Only an approved plan can be changed by starting a new version.")
    if Plan.objects.filter(carer_id=plan.carer_id, state__in=Plan.OPEN).exists():
        raise ValidationError("A new version of this plan is already being written. Carry on with that one.")
    number = (Plan.objects.filter(carer_id=plan.carer_id).aggregate(n=Max("number"))["n"] or 0) + 1
    fields = (
        "starts_on",
        "ends_on",
        "review_on",
        "emergency_name",
        "emergency_relationship",
        "emergency_phone",
        "emergency_notes",
        "over_budget_reason",
    )
    new = Plan.objects.create(
        carer_id=plan.carer_id,
        partnership_id=plan.partnership_id,
        number=number,
        previous=plan,
        created_by=by,
        **{name: getattr(plan, name) for name in fields},
    )
    PlanOutcome.objects.bulk_create(
        PlanOutcome(plan=new, position=o.position, whose=o.whose, cared_for_id=o.cared_for_id, text=o.text)
        for o in plan.outcomes.all()
    )
    PlanSupport.objects.bulk_create(
        PlanSupport(
            plan=new,
            position=s.position,
            kind=s.kind,
            offer_id=s.offer_id,
            description=s.description,
            times=s.times,
            how_often=s.how_often,
            unit_cost_pence=s.unit_cost_pence,
            total_pence=s.total_pence,
            sds_option=s.sds_option,
            origin_id=s.origin_id or s.pk,
        )
        for s in plan.supports.all()
    )
    PlanRisk.objects.bulk_create(
        PlanRisk(plan=new, position=r.position, risk=r.risk, handling=r.handling) for r in plan.risks.all()
    )
    PlanContributor.objects.bulk_create(
        PlanContributor(plan=new, user_id=c.user_id, first_at=c.first_at, last_at=c.last_at)
        for c in plan.contributors.all()
    )
    _touch(new, by)
    log_action(new, "brokerage.plan.version_started", user=by, data={"number": number, "from": plan.number})
    return new


# ----------------------------------------------------------------------------------------------
# Writing a draft
# ----------------------------------------------------------------------------------------------

DETAIL_FIELDS = (
    "starts_on",
    "ends_on",
    "review_on",
    "emergency_name",
    "emergency_relationship",
    "emergency_phone",
    "emergency_notes",
)


@transaction.atomic
def plan_update_details(*, plan: Plan, by: User, data: dict) -> Plan:
    """The plan period, review date and who to call in an emergency."""
    locked = _editing(plan, by)
    starts, ends, review = data.get("starts_on"), data.get("ends_on"), data.get("review_on")
    errors = {}
    if starts and ends and ends <= starts:
        errors["ends_on"] = "The plan must end after it starts"
    if review and starts and review < starts:
        errors["review_on"] = "The review date must be on or after the day the plan starts"
    elif review and ends and review > ends:
        errors["review_on"] = "The review date must be on or before the day the plan ends"
    if errors:
        raise ValidationError(errors)
    changed = [name for name in DETAIL_FIELDS if name in data and getattr(locked, name) != data[name]]
    for name in changed:
        setattr(locked, name, data[name])
    locked.save(update_fields=changed)
    _touch(locked, by)
    log_action(locked, "brokerage.plan.details_changed", user=by, data={"fields": changed})
    return locked


def _next_position(plan: Plan, model) -> int:
    return (model.objects.filter(plan=plan).aggregate(n=Max("position"))["n"] or 0) + 1


def _outcome_fields(plan: Plan, data: dict) -> dict:
    whose, person = data["whose"], data.get("cared_for")
    if whose == Whose.CARED_FOR:
        if person is None:
            raise ValidationError({"cared_for": "Select the person this outcome is for"})
        if not plan.carer.relationships.filter(cared_for=person).exists():
            raise ValidationError({"cared_for": "Select someone the carer cares for"})
    else:
        person = None
    return {"whose": whose, "cared_for": person, "text": data["text"]}


def _support_fields(data: dict, by: User) -> dict:
    from breakthrough.access import visible
    from brokerage.models import Offer

    kind, offer, description = data["kind"], data.get("offer"), (data.get("description") or "").strip()
    if kind == SupportKind.OFFER:
        if offer is None:
            raise ValidationError({"offer": "Select the break from the directory"})
        if not visible(by, Offer).filter(pk=offer.pk).exists():
            raise ValidationError({"offer": "That break is no longer in the directory. Choose another"})
    else:
        offer = None
        if not description:
            noun = "the personal assistant's support" if kind == SupportKind.PA else "the creative break"
            raise ValidationError({"description": f"Describe {noun}"})
    times, unit = data["times"], data["unit_cost_pence"]
    return {
        "kind": kind,
        "offer": offer,
        "description": description,
        "times": times,
        "how_often": data.get("how_often", ""),
        "unit_cost_pence": unit,
        "total_pence": times * unit,
        "sds_option": data["sds_option"],
    }


def _risk_fields(plan: Plan, data: dict) -> dict:
    return {"risk": data["risk"], "handling": data["handling"]}


def _fields_for(section: str, plan: Plan, data: dict, by: User) -> dict:
    if section == "outcomes":
        return _outcome_fields(plan, data)
    if section == "supports":
        return _support_fields(data, by)
    return _risk_fields(plan, data)


@transaction.atomic
def item_save(*, plan: Plan, section: str, data: dict, by: User, item=None):
    """Add (item None) or change an outcome, support or risk of a draft."""
    model = SECTIONS[section]
    locked = _editing(plan, by)
    fields = _fields_for(section, locked, data, by)
    if item is None:
        item = model.objects.create(plan=locked, position=_next_position(locked, model), **fields)
        action = "added"
    else:
        if item.plan_id != locked.pk:
            raise ValidationError("That is not part of this plan.")
        for name, value in fields.items():
            setattr(item, name, value)
        item.save()
        action = "changed"
    _touch(locked, by)
    log_action(locked, f"brokerage.plan.{section[:-1]}_{action}", user=by, data={"item": item.pk})
    return item


@transaction.atomic
def item_remove(*, plan: Plan, section: str, item, by: User) -> None:
    locked = _editing(plan, by)
    if item.plan_id != locked.pk:
        raise ValidationError("That is not part of this plan.")
    pk = item.pk
    item.delete()
    _touch(locked, by)
    log_action(locked, f"brokerage.plan.{section[:-1]}_removed", user=by, data={"item": pk})


@transaction.atomic
def plan_set_over_budget_reason(*, plan: Plan, by: User, reason: str) -> Plan:
    locked = _editing(plan, by)
    locked.over_budget_reason = reason.strip()
    locked.save(update_fields=["over_budget_reason"])
    _touch(locked, by)
    log_action(locked, "brokerage.plan.over_budget_reason_changed", user=by)
    return locked


# ----------------------------------------------------------------------------------------------
# The budget check
# ----------------------------------------------------------------------------------------------


def plan_total(plan: Plan) -> int:
    return plan.supports.aggregate(total=Sum("total_pence"))["total"] or 0


def approved_budget_pence(carer: Carer) -> int | None:
    """The resource panel's latest approved budget for the carer, or None before it has decided."""
    from ras.selectors import approved_budget

    decision = approved_budget(carer=carer)
    return decision.amount_pence if decision is not None else None


def budget_check(plan: Plan, *, total: int | None = None) -> dict:
    """The plan's total against the approved budget: {total, budget, over, over_by, problem}; `problem` says why
    the plan cannot be sent for approval as it is ("" when it can)."""
    total = plan_total(plan) if total is None else total
    budget = approved_budget_pence(plan.carer)
    over = budget is not None and total > budget
    problem = ""
    if budget is None and total > 0:
        problem = (
            "The resource panel has not approved a budget yet. A plan that costs money can be sent for approval "
            "once it has."
        )
    elif over and not plan.over_budget_reason:
        problem = (
            f"The plan costs {format_pence(total)}, {format_pence(total - budget)} more than the approved budget "
            f"of {format_pence(budget)}. Explain why, or change the supports."
        )
    return {
        "total": total,
        "budget": budget,
        "over": over,
        "over_by": total - budget if over else 0,
        "problem": problem,
    }


# ----------------------------------------------------------------------------------------------
# Submission and the assessor's decision
# ----------------------------------------------------------------------------------------------


def plan_missing(plan: Plan) -> list[str]:
    """What the plan still needs before it can be sent for approval, in words."""
    missing = []
    if not plan.outcomes.exists():
        missing.append("Add at least one outcome")
    if not plan.supports.exists():
        missing.append("Add at least one support")
    if not (plan.starts_on and plan.ends_on):
        missing.append("Give the dates the plan starts and ends")
    if not plan.review_on:
        missing.append("Give the date the plan will be reviewed")
    if not (plan.emergency_name and plan.emergency_phone):
        missing.append("Say who to call in an emergency, and their phone number")
    return missing


@transaction.atomic
def plan_submit(*, plan: Plan, by: User) -> Plan:
    """Send a draft (or a returned plan) to an assessor for approval."""
    locked = _lock(plan)
    _require_writer(locked, by)
    if locked.state not in Plan.EDITABLE:
        raise ValidationError("Only a draft or returned plan can be sent for approval.")
    missing = plan_missing(locked)
    if missing:
        raise ValidationError(missing)
    check = budget_check(locked)
    if check["problem"]:
        raise ValidationError(check["problem"])
    if not check["over"] and locked.over_budget_reason:
        locked.over_budget_reason = ""  # within budget: nothing to justify
    now = timezone.now()
    locked.state = Plan.State.SUBMITTED
    locked.submitted_at, locked.submitted_by = now, by
    locked.budget_pence = check["budget"]
    locked.save(update_fields=["state", "submitted_at", "submitted_by", "budget_pence", "over_budget_reason"])
    _touch(locked, by)
    log_action(
        locked,
        "brokerage.plan.submitted",
        user=by,
        data={"total_pence": check["total"], "budget_pence": check["budget"], "over_budget": check["over"]},
    )
    return locked


def _require_assessor(plan: Plan, by: User, doing: str) -> None:
    if by.role != Role.ASSESSOR:
        raise ValidationError(f"Only an assessor can {doing} a plan.")
    if by.partnership_id != plan.partnership_id:
        raise ValidationError(f"Only an assessor in the carer's partnership can {doing} this plan.")


@transaction.atomic
def plan_return(*, plan: Plan, by: User, reason: str) -> Plan:
    """Send a submitted plan back to be changed, saying why."""
    locked = _lock(plan)
    _require_assessor(locked, by, "return")
    if locked.state != Plan.State.SUBMITTED:
        raise ValidationError("Only a plan waiting for approval can be returned.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say what needs to change"})
    locked.state = Plan.State.RETURNED
    locked.returned_at, locked.returned_by, locked.return_reason = timezone.now(), by, reason
    locked.save(update_fields=["state", "returned_at", "returned_by", "return_reason"])
    log_action(locked, "brokerage.plan.returned", user=by)
    return locked


@locking_transaction
def plan_approve(*, plan: Plan, by: User) -> Plan:
    """An assessor who did not write or change this version approves it. It replaces the version it was copied
    from, and its PDF is made in the background (a failed render never undoes the approval)."""
    locked = _lock(plan)
    _require_assessor(locked, by, "approve")
    if locked.state != Plan.State.SUBMITTED:
        raise ValidationError("Only a plan waiting for approval can be approved.")
    if locked.created_by_id == by.pk or PlanContributor.objects.filter(plan=locked, user=by).exists():
        raise ValidationError("You helped write this plan, so another assessor must approve it.")
    check = budget_check(locked)
    if check["problem"]:
        raise ValidationError(check["problem"] + " Return the plan so that it can be changed.")
    now = timezone.now()
    replaced = list(
        Plan.objects.filter(carer_id=locked.carer_id, state__in=Plan.CHANGEABLE)
        .exclude(pk=locked.pk)
        .values_list("pk", flat=True)
    )
    Plan.objects.filter(pk__in=replaced).update(state=Plan.State.SUPERSEDED)
    locked.state = Plan.State.APPROVED
    locked.approved_at, locked.approved_by = now, by
    locked.budget_pence = check["budget"]
    locked.save(update_fields=["state", "approved_at", "approved_by", "budget_pence"])
    log_action(
        locked,
        "brokerage.plan.approved",
        user=by,
        data={"total_pence": check["total"], "budget_pence": check["budget"], "superseded": replaced},
    )
    # funds wiring: the approved budget lands in the carer's funds in this same transaction (once per version).
    from brokerage.funds.wiring import plan_allocate

    plan_allocate(plan=locked, by=by)
    document_request(plan=locked)
    return locked


# ----------------------------------------------------------------------------------------------
# The PDF
# ----------------------------------------------------------------------------------------------


def _queue_render(document_id: int) -> None:
    from brokerage.plans.tasks import render_plan_document

    # robust: a broker that is down (or a render that fails in eager mode) is logged, never undoes the commit.
    transaction.on_commit(lambda: render_plan_document.delay(document_id), robust=True)


def document_request(*, plan: Plan) -> PlanDocument:
    """Ask for the version's PDF to be made after commit (once: an existing document is reused)."""
    document, _ = PlanDocument.objects.get_or_create(plan=plan)
    _queue_render(document.pk)
    return document


@transaction.atomic
def document_retry(*, plan: Plan, by: User) -> PlanDocument:
    """Staff ask again for a PDF that could not be made."""
    if by.role not in STAFF:
        raise ValidationError("Only the hub can ask for the plan's PDF to be made again.")
    document = PlanDocument.objects.select_for_update().filter(plan=plan).first()
    if document is None or document.state != PlanDocument.State.FAILED:
        raise ValidationError("The plan's PDF has not failed, so there is nothing to try again.")
    document.state, document.attempts, document.last_error = PlanDocument.State.PENDING, 0, ""
    document.save(update_fields=["state", "attempts", "last_error"])
    log_action(document, "brokerage.plandocument.retried", user=by)
    _queue_render(document.pk)
    return document


def document_render(*, document_id: int, final: bool = True) -> str:
    """Render and store the PDF of an approved version. Safe to run twice: a rendered document is left alone.

    On failure, records the attempt and the error and raises, so the task retries; the last attempt (`final`)
    marks the document failed for staff to see, and returns."""
    from brokerage.plans import pdf
    from brokerage.plans.selectors import plan_for_document

    with transaction.atomic():
        document = PlanDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.state == PlanDocument.State.RENDERED:
            return "nothing to do"
        document.attempts += 1
        document.save(update_fields=["attempts"])
    plan = plan_for_document(document)
    try:
        content = pdf.render_plan(plan)
    except Exception as error:
        document.last_error = f"{type(error).__name__}: {error}"[:2000]
        document.state = PlanDocument.State.FAILED if final else PlanDocument.State.PENDING
        document.save(update_fields=["last_error", "state"])
        if not final:
            raise  # the task retries it
        log_action(document, "brokerage.plandocument.failed", data={"attempts": document.attempts})
        return "failed"
    name = f"support-plan-{plan.carer_id}-v{plan.number}.pdf"
    with transaction.atomic():
        current = PlanDocument.objects.select_for_update().get(pk=document_id)
        if current.state == PlanDocument.State.RENDERED:  # another run finished first
            return "nothing to do"
        current.file.save(name, ContentFile(content), save=False)
        current.state, current.rendered_at, current.last_error = PlanDocument.State.RENDERED, timezone.now(), ""
        current.save(update_fields=["file", "state", "rendered_at", "last_error"])
        log_action(current, "brokerage.plandocument.rendered", data={"bytes": len(content)})
    return "rendered"


# ----------------------------------------------------------------------------------------------
# Start dates, reviews and the reminder
# ----------------------------------------------------------------------------------------------


def plans_activate_started(*, today: datetime.date | None = None) -> int:
    """Approved plans whose period has begun become active. Safe to run twice."""
    today = today or timezone.localdate()
    return Plan.objects.filter(state=Plan.State.APPROVED, starts_on__lte=today).update(state=Plan.State.ACTIVE)


def review_recipients(plan: Plan) -> list[str]:
    """The hub staff told that a review is due: the worker a referral assigned the carer, and the brokers who wrote
    this version with the carer; with neither, every broker of the carer's partnership (one of them picks it up
    from the plans list). The carer is told too."""
    worker = (
        Referral.objects.filter(carer_id=plan.carer_id, worker__isnull=False, worker__is_active=True)
        .order_by("-assigned_at", "-pk")
        .values_list("worker__email", flat=True)
        .first()
    )
    writers = PlanContributor.objects.filter(plan=plan, user__role=Role.BROKER, user__is_active=True).exclude(
        user__email=""
    )
    staff = sorted({*([worker] if worker else []), *writers.values_list("user__email", flat=True)})
    if not staff:
        staff = list(
            User.objects.filter(role=Role.BROKER, is_active=True, organisation__partnership_id=plan.partnership_id)
            .exclude(email="")
            .order_by("email")
            .values_list("email", flat=True)
        )
    return staff


def plans_mark_review_due(*, today: datetime.date | None = None) -> int:
    """Mark approved and active plans whose review date has come as review due, and e-mail the hub and the carer.

    Each plan is claimed by a conditional UPDATE of its state, so of two runs (or two workers) only one sends.
    Returns how many plans were marked."""
    today = today or timezone.localdate()
    due = Plan.objects.filter(state__in=(Plan.State.APPROVED, Plan.State.ACTIVE), review_on__lte=today)
    marked = 0
    for plan in due.select_related("carer__user").order_by("pk"):
        with transaction.atomic():
            claimed = Plan.objects.filter(pk=plan.pk, state__in=(Plan.State.APPROVED, Plan.State.ACTIVE)).update(
                state=Plan.State.REVIEW_DUE, review_due_at=timezone.now()
            )
            if not claimed:
                continue
            staff = review_recipients(plan)
            base = settings.SITE_URL.rstrip("/")
            context = {
                "plan": plan,
                "carer": plan.carer,
                "staff_url": base
                + reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": plan.carer_id, "pk": plan.pk}),
                "carer_url": base + reverse("brokerage:plans:carer_plan", kwargs={"pk": plan.pk}),
            }
            prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
            if staff:
                send_email.delay_on_commit(
                    subject=f"{prefix}a support plan is due for review",
                    body=render_to_string("brokerage/plans/email/review_due_staff.txt", context),
                    to=staff,
                )
            carer_email = plan.carer.user.email if plan.carer.user_id else ""
            if carer_email:
                send_email.delay_on_commit(
                    subject=f"{prefix}your support plan is due for review",
                    body=render_to_string("brokerage/plans/email/review_due_carer.txt", context),
                    to=[carer_email],
                )
            log_action(plan, "brokerage.plan.review_due", data={"staff": len(staff), "carer": bool(carer_email)})
            marked += 1
    return marked


@transaction.atomic
def plan_review_record(*, plan: Plan, by: User, what_changed: str, results: dict[int, str]) -> PlanReview:
    """Record a review: what changed, and for every outcome whether it was met. The plan becomes reviewed, and a
    new version can be started from it."""
    locked = _lock(plan)
    if by.role not in STAFF:
        raise ValidationError("Only the hub can record a review.")
    if locked.state not in Plan.IN_FORCE:
        raise ValidationError("Only an approved plan that is not yet reviewed can be reviewed.")
    what_changed = what_changed.strip()
    errors = {}
    if not what_changed:
        errors["what_changed"] = "Say what has changed since the plan was approved"
    outcomes = list(locked.outcomes.order_by("position"))
    for outcome in outcomes:
        if results.get(outcome.pk) not in OutcomeResult.values:
            errors[f"outcome_{outcome.pk}"] = "Select whether this outcome was met"
    if errors:
        raise ValidationError(errors)
    review = PlanReview.objects.create(plan=locked, what_changed=what_changed, reviewed_by=by)
    PlanReviewOutcome.objects.bulk_create(
        PlanReviewOutcome(review=review, outcome=outcome, result=results[outcome.pk]) for outcome in outcomes
    )
    locked.state = Plan.State.REVIEWED
    locked.save(update_fields=["state"])
    log_action(
        locked,
        "brokerage.plan.reviewed",
        user=by,
        data={value: sum(1 for r in results.values() if r == value) for value in OutcomeResult.values},
    )
    return review
