"""Reads of transformation plans, through the access choke point: a plan outside what the user may see answers
404. A plan's page is built from the version's own rows; the spend against its commitments is read from the
ledger by the audit's one definition of spend (spend.by_kind)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from audits import figures as definitions
from audits.models import AuditRun
from audits.selectors import shown
from breakthrough.access import get_visible_or_404, visible
from breakthrough.models import CarerPartner, Role
from breakthrough.money import format_pence
from breakthrough.partners import Reading
from breakthrough.reporting import reporting_reads
from commissioning.plans import measures
from commissioning.plans.models import Commitment, PlanComment, PlanPartner, Target, TransformationPlan
from commissioning.plans.services import NOT_COMPARED, PARTS, may_comment

SPEND_FIGURE = "spend.by_kind"


def plans(*, fetched_by):
    """The latest version of each plan the user may see."""
    rows = visible(fetched_by, TransformationPlan).select_related("owner")
    latest = {}
    for plan in rows.order_by("lineage", "-version"):
        latest.setdefault(plan.lineage, plan)
    return sorted(latest.values(), key=lambda p: (-p.created_at.timestamp(), -p.pk))


def partner_readings(*, fetched_by) -> list[Reading]:
    """For the carer's home page (breakthrough.partners): the transformation plans that name them."""
    return [
        Reading(
            title=f"Transformation plan: {plan.title}",
            url=reverse("commissioning:plans:detail", kwargs={"pk": plan.pk}),
            hint="its targets and how they are going, with room for your comments",
        )
        for plan in plans(fetched_by=fetched_by)
    ]


def plan_get(*, fetched_by, pk: int) -> TransformationPlan:
    source = TransformationPlan.objects.select_related("partnership", "owner", "published_by", "previous")
    return get_visible_or_404(fetched_by, source, pk=pk)


def draft_get(*, fetched_by, pk: int) -> TransformationPlan:
    """A plan the user may change: a commissioner's draft (a partner, or a published version: 404)."""
    plan = plan_get(fetched_by=fetched_by, pk=pk)
    if fetched_by.role != Role.COMMISSIONER or not plan.is_draft:
        from django.http import Http404

        raise Http404("Not a draft you can change.")
    return plan


def current_partners(*, fetched_by):
    if fetched_by.role != Role.COMMISSIONER:
        return CarerPartner.objects.none()
    return (
        CarerPartner.objects.current()
        .filter(partnership_id=fetched_by.partnership_id)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def finished_audits(*, fetched_by):
    if fetched_by.role != Role.COMMISSIONER:
        return AuditRun.objects.none()
    return AuditRun.objects.filter(partnership_id=fetched_by.partnership_id, state=AuditRun.State.FINISHED)


def _num(value: Decimal | None, unit: str) -> str:
    return shown(None if value is None else value.normalize(), unit)


@dataclass
class TargetView:
    target: Target
    expected: Decimal
    change: Decimal | None
    change_words: str

    @property
    def narrowed(self) -> str:
        return ", ".join(str(v) for v in self.target.by.values()) or "The whole partnership"

    def __getattr__(self, name):
        return getattr(self.target, name)

    @property
    def baseline_shown(self):
        return _num(self.target.baseline_value, self.target.unit)

    @property
    def target_shown(self):
        return _num(self.target.target_value, self.target.unit)

    @property
    def live_shown(self):
        return _num(self.target.live_value, self.target.unit)

    @property
    def expected_shown(self):
        return _num(self.expected, self.target.unit)

    @property
    def change_shown(self) -> str:
        if self.change is None:
            return "–"
        sign = "+" if self.change > 0 else "-" if self.change < 0 else ""
        return sign + _num(abs(self.change), self.target.unit)


@dataclass
class CommitmentView:
    commitment: Commitment
    spent: int | None
    spent_words: str

    def __getattr__(self, name):
        return getattr(self.commitment, name)

    @property
    def committed_shown(self) -> str:
        c = self.commitment
        return (
            format_pence(c.amount_pence)
            if c.resource == Commitment.Resource.MONEY
            else f"{c.hours.normalize():f} hours"
        )


@dataclass
class PlanPage:
    plan: TransformationPlan
    targets: list[TargetView]
    commitments: list[CommitmentView]
    milestones: list
    initiatives: list
    risks: list
    partners: list
    comments: list
    may_comment: bool
    may_change: bool
    rule: str = measures.RULE
    versions: list = field(default_factory=list)


def _spend_rows(plan: TransformationPlan, today):
    period = measures.live_period(
        partnership_id=plan.partnership_id, start=plan.period_start, end=plan.period_end, today=today
    )
    if period is None:
        return None
    with reporting_reads():
        result = definitions.FIGURES[SPEND_FIGURE].compute(period)
    return {row["by"]["kind"]: row["value"] for row in result.rows}


def _commitments(plan, commitments, today) -> list[CommitmentView]:
    views = []
    rows = _spend_rows(plan, today) if any(c.spend_kind for c in commitments) else None
    for c in commitments:
        if c.resource == Commitment.Resource.STAFF_TIME:
            views.append(CommitmentView(c, None, "The ledger records money only: staff time spent is not recorded"))
        elif not c.spend_kind:
            views.append(CommitmentView(c, None, "Not linked to a kind of spend the ledger records"))
        elif rows is None:
            views.append(CommitmentView(c, None, "The plan's period has not begun"))
        else:
            label = definitions.SPEND_KINDS[c.spend_kind]
            spent = int(rows.get(label) or 0)
            views.append(
                CommitmentView(c, spent, f"{format_pence(spent)} spent on {label.lower()} in the plan's period so far")
            )
    return views


def plan_page(*, plan: TransformationPlan, viewer) -> PlanPage:
    today = timezone.localdate()
    targets = []
    for t in plan.targets.select_related("baseline_run"):
        expected = measures.expected_on(
            baseline=t.baseline_value, target=t.target_value, baseline_on=t.baseline_on, deadline=t.deadline, day=today
        )
        change, words = measures.trend(live=t.live_value, baseline=t.baseline_value, direction=t.direction)
        targets.append(TargetView(t, expected, change, words))
    partners = PlanPartner.objects.filter(plan=plan).select_related("partner__user")
    return PlanPage(
        plan=plan,
        targets=targets,
        commitments=_commitments(plan, list(plan.commitments.all()), today),
        milestones=list(plan.milestones.all()),
        initiatives=list(plan.initiatives.all()),
        risks=list(plan.risks.all()),
        partners=[p.partner for p in partners],
        comments=list(PlanComment.objects.filter(plan=plan).select_related("author")),
        may_comment=may_comment(plan, viewer),
        may_change=viewer.role == Role.COMMISSIONER and plan.is_draft,
    )


# --- history -------------------------------------------------------------------------------------------------


def _describe(part) -> str:
    for name in ("figure_label", "what", "title", "risk"):
        if hasattr(part, name):
            return str(getattr(part, name))[:120]
    return str(part.pk)


def _fields(part) -> dict:
    return {f.name: getattr(part, f.attname) for f in part._meta.concrete_fields if f.name not in NOT_COMPARED}


def changes_between(earlier: TransformationPlan | None, later: TransformationPlan) -> list[str]:
    """What changed from one version to the next, part by part, in words."""
    if earlier is None:
        return ["The first version."]
    lines = []
    for name in ("title", "period_start", "period_end"):
        if getattr(earlier, name) != getattr(later, name):
            label = TransformationPlan._meta.get_field(name).verbose_name
            lines.append(f"Changed the {label}.")
    for model in PARTS.values():
        singular = model._meta.verbose_name
        before = {p.key: p for p in getattr(earlier, f"{model.__name__.lower()}s").all()}
        after = {p.key: p for p in getattr(later, f"{model.__name__.lower()}s").all()}
        for key, p in after.items():
            if key not in before:
                lines.append(f"Added the {singular} “{_describe(p)}”.")
            elif _fields(before[key]) != _fields(p):
                changed = [k for k, v in _fields(p).items() if _fields(before[key])[k] != v]
                words = ", ".join(model._meta.get_field(k).verbose_name for k in changed)
                lines.append(f"Changed the {singular} “{_describe(p)}”: {words}.")
        for key, p in before.items():
            if key not in after:
                lines.append(f"Removed the {singular} “{_describe(p)}”.")
    earlier_partners = {named.partner_id for named in earlier.named_partners.all()}
    later_partners = {named.partner_id for named in later.named_partners.all()}
    if earlier_partners != later_partners:
        lines.append("Changed the carer partners named on the plan.")
    return lines or ["Nothing in the plan changed."]


def plan_history(*, fetched_by, plan: TransformationPlan) -> list[tuple[TransformationPlan, list[str]]]:
    """Every version the user may see of this plan, newest first, each with what changed from the one before."""
    prefetch = [f"{model.__name__.lower()}s" for model in PARTS.values()] + ["named_partners"]
    versions = list(
        visible(fetched_by, TransformationPlan)
        .filter(lineage=plan.lineage)
        .select_related("published_by")
        .prefetch_related(*prefetch)
        .order_by("version")
    )
    by_pk = {v.pk: v for v in versions}
    history = []
    for v in reversed(versions):
        if v.previous_id and v.previous_id not in by_pk:
            history.append((v, ["Made from an earlier version that did not name you, so it is not shown here."]))
        else:
            history.append((v, changes_between(by_pk.get(v.previous_id), v)))
    return history
