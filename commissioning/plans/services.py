"""Writes for transformation plans. Only a commissioner of the plan's partnership writes a plan; a named,
current carer partner may comment. A published version never changes: `plan_new_version` copies it."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audits import figures as definitions
from audits.models import AuditRun
from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import CarerPartner, Role
from breakthrough.submissions import create_once, earlier_submission
from breakthrough.tasks import send_email
from commissioning.plans import measures
from commissioning.plans.models import (
    Commitment,
    Initiative,
    Milestone,
    PlanComment,
    PlanPartner,
    Risk,
    Status,
    Target,
    TransformationPlan,
)

# The parts a version is made of, copied into a new version and compared between two.
PARTS = {
    "targets": Target,
    "commitments": Commitment,
    "milestones": Milestone,
    "initiatives": Initiative,
    "risks": Risk,
}
NOT_COMPARED = {"id", "plan", "key", "position", "live_value", "live_computed_at", "live_up_to", "status"}
FROZEN = "A published plan cannot be changed: make a new version of it"


def _check_commissioner(by, partnership_id: int) -> None:
    if by.role != Role.COMMISSIONER or by.partnership_id != partnership_id:
        raise ValidationError("Only a commissioner of this partnership can do this.")


def _lock_draft(plan: TransformationPlan) -> TransformationPlan:
    locked = TransformationPlan.objects.select_for_update().get(pk=plan.pk)
    if not locked.is_draft:
        raise ValidationError(FROZEN)
    return locked


def _check_period(start: datetime.date, end: datetime.date) -> None:
    if start and end and end < start:
        raise ValidationError({"period_end": "The last day must be the same as or after the first day"})


@transaction.atomic
def plan_create(
    *, by, title: str, period_start: datetime.date, period_end: datetime.date, submission_key: str | None = None
) -> TransformationPlan:
    """A new draft plan of the commissioner's partnership. The same form sent twice makes one plan."""
    _check_commissioner(by, by.partnership_id)
    owner = {"partnership_id": by.partnership_id}
    earlier = earlier_submission(TransformationPlan, submission_key, **owner)
    if earlier is not None:
        return earlier
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Enter the plan's title"})
    _check_period(period_start, period_end)
    plan, made = create_once(
        TransformationPlan,
        key=submission_key,
        owner=owner,
        title=title,
        period_start=period_start,
        period_end=period_end,
        owner_id=by.pk,
    )
    if made:
        log_action(plan, "commissioning.plan.created", user=by)
    return plan


@transaction.atomic
def plan_update(*, plan: TransformationPlan, by, title: str, period_start, period_end) -> TransformationPlan:
    _check_commissioner(by, plan.partnership_id)
    plan = _lock_draft(plan)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Enter the plan's title"})
    _check_period(period_start, period_end)
    plan.title, plan.period_start, plan.period_end = title, period_start, period_end
    plan.save(update_fields=["title", "period_start", "period_end"])
    log_action(plan, "commissioning.plan.changed", user=by)
    return plan


@transaction.atomic
def plan_name_partners(*, plan: TransformationPlan, by, partner_ids: list[int]) -> TransformationPlan:
    """Name exactly these current carer partners of the partnership on the draft."""
    _check_commissioner(by, plan.partnership_id)
    plan = _lock_draft(plan)
    current = CarerPartner.objects.current().filter(partnership_id=plan.partnership_id)
    chosen = list(current.filter(pk__in=partner_ids))
    if len(chosen) != len(set(partner_ids)):
        raise ValidationError({"partners": "Choose only carers who are partners of the partnership now"})
    PlanPartner.objects.filter(plan=plan).exclude(partner__in=chosen).delete()
    named = set(PlanPartner.objects.filter(plan=plan).values_list("partner_id", flat=True))
    PlanPartner.objects.bulk_create(PlanPartner(plan=plan, partner=p) for p in chosen if p.pk not in named)
    log_action(plan, "commissioning.plan.partners_named", user=by, data={"partners": len(chosen)})
    return plan


def _next_position(plan, model) -> int:
    last = model.objects.filter(plan=plan).order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def baseline_of(*, run: AuditRun, code: str, by: dict) -> Decimal | None:
    """The baseline a target takes from a finished audit snapshot: the figure's total or one of its rows."""
    figure = run.figures.filter(code=code).first()
    if figure is None:
        return None
    return measures.value_of(code=code, unit=figure.unit, total=figure.total, rows=figure.rows, by=by)


@transaction.atomic
def target_add(
    *, plan: TransformationPlan, by, code: str, run: AuditRun, narrowed_to: dict, target_value: Decimal, deadline
) -> Target:
    _check_commissioner(by, plan.partnership_id)
    plan = _lock_draft(plan)
    figure = definitions.FIGURES.get(code)
    if figure is None or figure not in measures.targetable():
        raise ValidationError({"figure": "Choose a figure from the list"})
    if run.partnership_id != plan.partnership_id or run.state != AuditRun.State.FINISHED:
        raise ValidationError({"run": "Choose a finished audit of your partnership"})
    baseline = baseline_of(run=run, code=code, by=narrowed_to)
    errors = {}
    if baseline is None:
        errors["narrowed_to"] = "The audit has no value for this: choose another part of the figure, or another audit"
    if deadline is not None and deadline <= run.period_end:
        errors["deadline"] = f"The deadline must be after the baseline's date, {run.period_end:%-d %B %Y}"
    direction = measures.direction_of(code)
    if baseline is not None and target_value is not None:
        if target_value == baseline:
            errors["target_value"] = "The target must be different from the baseline"
        elif (target_value < baseline) != (direction == "lower"):
            word = "lower" if direction == "lower" else "higher"
            errors["target_value"] = (
                f"The target must be {word} than the baseline ({baseline.normalize():f}): "
                f"{word} is better for this figure"
            )
    if errors:
        raise ValidationError(errors)
    target = Target.objects.create(
        plan=plan,
        position=_next_position(plan, Target),
        figure_code=code,
        figure_label=figure.label,
        figure_version=figure.version,
        unit=figure.unit,
        by=narrowed_to,
        direction=direction,
        baseline_run=run,
        baseline_value=baseline,
        baseline_on=run.period_end,
        target_value=target_value,
        deadline=deadline,
    )
    target_recompute(target_id=target.pk)
    target.refresh_from_db()
    log_action(target, "commissioning.target.added", user=by, data={"figure": code})
    return target


def _part_add(model, action: str, *, plan, by, **fields):
    _check_commissioner(by, plan.partnership_id)
    with transaction.atomic():
        plan = _lock_draft(plan)
        part = model(plan=plan, position=_next_position(plan, model), **fields)
        part.full_clean(exclude=["plan", "key"])
        part.save()
        log_action(part, action, user=by)
    return part


def commitment_add(*, plan, by, what, resource, amount_pence=None, hours=None, spend_kind="") -> Commitment:
    if resource == Commitment.Resource.MONEY:
        hours = None
        if not amount_pence or amount_pence <= 0:
            raise ValidationError({"amount": "Enter the money committed, more than £0"})
        if spend_kind and spend_kind not in definitions.SPEND_KINDS:
            raise ValidationError({"spend_kind": "Choose what the ledger should count against it"})
    else:
        amount_pence, spend_kind = None, ""
        if not hours or hours <= 0:
            raise ValidationError({"hours": "Enter the staff time committed, more than 0 hours"})
    return _part_add(
        Commitment,
        "commissioning.commitment.added",
        plan=plan,
        by=by,
        what=(what or "").strip(),
        resource=resource,
        amount_pence=amount_pence,
        hours=hours,
        spend_kind=spend_kind or "",
    )


def milestone_add(*, plan, by, title, owner, due_on, state) -> Milestone:
    return _part_add(
        Milestone,
        "commissioning.milestone.added",
        plan=plan,
        by=by,
        title=title,
        owner=owner,
        due_on=due_on,
        state=state,
    )


def initiative_add(*, plan, by, title, description, stage) -> Initiative:
    return _part_add(
        Initiative,
        "commissioning.initiative.added",
        plan=plan,
        by=by,
        title=title,
        description=description,
        stage=stage,
    )


def risk_add(*, plan, by, **fields) -> Risk:
    return _part_add(Risk, "commissioning.risk.added", plan=plan, by=by, **fields)


@transaction.atomic
def part_remove(*, plan: TransformationPlan, by, part: str, part_id: int) -> None:
    _check_commissioner(by, plan.partnership_id)
    plan = _lock_draft(plan)
    removed, _ = PARTS[part].objects.filter(plan=plan, pk=part_id).delete()
    if removed:
        log_action(plan, f"commissioning.{part[:-1]}.removed", user=by)


@locking_transaction
def plan_publish(*, plan: TransformationPlan, by, what_changed: str = "") -> TransformationPlan:
    """Freeze the draft (the version before it, if any, is superseded). Publishing twice publishes once."""
    _check_commissioner(by, plan.partnership_id)
    locked = TransformationPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.state != TransformationPlan.State.DRAFT:
        if locked.state == TransformationPlan.State.PUBLISHED:
            return locked  # a resend of the same confirmation
        raise ValidationError(FROZEN)
    what_changed = (what_changed or "").strip()
    if locked.version > 1 and not what_changed:
        raise ValidationError({"what_changed": "Say what changed in this version"})
    if len(what_changed) > 2000:
        raise ValidationError({"what_changed": "What changed must be 2,000 characters or fewer"})
    if not locked.targets.exists():
        raise ValidationError("Add at least one target before publishing the plan")
    TransformationPlan.objects.filter(lineage=locked.lineage, state=TransformationPlan.State.PUBLISHED).update(
        state=TransformationPlan.State.SUPERSEDED
    )
    locked.state = TransformationPlan.State.PUBLISHED
    locked.published_at, locked.published_by, locked.what_changed = timezone.now(), by, what_changed
    locked.save(update_fields=["state", "published_at", "published_by", "what_changed"])
    log_action(locked, "commissioning.plan.published", user=by, data={"version": locked.version})
    return locked


@locking_transaction
def plan_new_version(*, plan: TransformationPlan, by) -> TransformationPlan:
    """A new draft from a published version, with its parts and named partners copied. If the plan already has a
    draft (a double click, or another commissioner's), that draft is the answer."""
    _check_commissioner(by, plan.partnership_id)
    locked = TransformationPlan.objects.select_for_update().get(pk=plan.pk)
    draft = TransformationPlan.objects.filter(lineage=locked.lineage, state=TransformationPlan.State.DRAFT).first()
    if draft is not None:
        return draft
    if locked.state != TransformationPlan.State.PUBLISHED:
        raise ValidationError("Only the published version can be changed")
    try:
        with transaction.atomic():
            copy = TransformationPlan.objects.create(
                partnership_id=locked.partnership_id,
                lineage=locked.lineage,
                version=locked.version + 1,
                previous=locked,
                title=locked.title,
                period_start=locked.period_start,
                period_end=locked.period_end,
                owner_id=locked.owner_id,
            )
    except IntegrityError:  # another session made the draft first
        return TransformationPlan.objects.get(lineage=locked.lineage, state=TransformationPlan.State.DRAFT)
    for model in PARTS.values():
        parts = list(model.objects.filter(plan=locked))
        for part in parts:
            part.pk = None
            part.plan = copy
        model.objects.bulk_create(parts)
    current = CarerPartner.objects.current().filter(plans__plan=locked)
    PlanPartner.objects.bulk_create(PlanPartner(plan=copy, partner=p) for p in current)
    log_action(copy, "commissioning.plan.new_version", user=by, data={"version": copy.version})
    return copy


def may_comment(plan: TransformationPlan, user) -> bool:
    if user.role == Role.COMMISSIONER:
        return user.partnership_id == plan.partnership_id
    return (
        user.role == Role.CARER
        and CarerPartner.objects.current()
        .filter(user=user, partnership_id=plan.partnership_id, plans__plan=plan)
        .exists()
    )


@transaction.atomic
def comment_add(*, plan: TransformationPlan, by, text: str, submission_key: str | None = None) -> PlanComment:
    if not may_comment(plan, by):
        raise ValidationError("Only the plan's commissioners and the carer partners named on it can comment.")
    earlier = earlier_submission(PlanComment, submission_key, author=by)
    if earlier is not None:
        return earlier
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter your comment"})
    if len(text) > 3000:
        raise ValidationError({"text": "Your comment must be 3,000 characters or fewer"})
    comment, made = create_once(PlanComment, key=submission_key, owner={"author": by}, plan=plan, text=text)
    if made:
        log_action(comment, "commissioning.plan.commented", user=by)
    return comment


# --- measuring ---------------------------------------------------------------------------------------------


def target_recompute(*, target_id: int, today: datetime.date | None = None) -> str:
    """Compute the target's live value and status now, and store them with when. When the target turns at risk
    (it was not at risk before), e-mail the plan's owner: the row is locked while old and new are compared, so
    two runs at once (a duplicate delivery) send one e-mail."""
    today = today or timezone.localdate()
    target = Target.objects.select_related("plan").get(pk=target_id)
    value, up_to = measures.live_value(target, today=today)
    status = measures.status_of(
        live=value,
        baseline=target.baseline_value,
        target=target.target_value,
        baseline_on=target.baseline_on,
        deadline=target.deadline,
        direction=target.direction,
        day=today,
    )
    with transaction.atomic():
        locked = Target.objects.select_for_update().select_related("plan__owner").get(pk=target_id)
        turned_at_risk = status == Status.AT_RISK and locked.status != Status.AT_RISK
        locked.live_value, locked.live_up_to, locked.status = value, up_to, status
        locked.live_computed_at = timezone.now()
        locked.save(update_fields=["live_value", "live_up_to", "status", "live_computed_at"])
        if turned_at_risk and locked.plan.owner.email:
            _tell_owner(locked)
    return status


def _tell_owner(target: Target) -> None:
    plan = target.plan
    url = settings.SITE_URL.rstrip("/") + reverse("commissioning:plans:detail", kwargs={"pk": plan.pk})
    context = {"plan": plan, "target": target, "url": url, "rule": measures.RULE}
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}a target in your transformation plan is at risk",
        body=render_to_string("commissioning/plans/email/target_at_risk.txt", context),
        to=[plan.owner.email],
    )
    log_action(target, "commissioning.target.at_risk_told", data={"plan": plan.pk})


def targets_recompute_all(*, today: datetime.date | None = None) -> int:
    """Every target of every plan still in use (a draft or the published version), recomputed."""
    ids = Target.objects.exclude(plan__state=TransformationPlan.State.SUPERSEDED).order_by("pk")
    count = 0
    for target_id in ids.values_list("pk", flat=True):
        target_recompute(target_id=target_id, today=today)
        count += 1
    return count
