"""Builders for the transformation plan tests and the access table: a finished audit to take baselines from, a
carer partner, and plans in each state (through the services, as the pages make them)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from audits.models import AuditFigure, AuditRun
from breakthrough.models import CarerPartner
from commissioning.plans import services
from commissioning.plans.models import TransformationPlan

BASELINE_START, BASELINE_END = datetime.date(2026, 3, 1), datetime.date(2026, 5, 31)
PLAN_START, PLAN_END = datetime.date(2026, 6, 1), datetime.date(2027, 5, 31)


def finished_audit(commissioner, *, start=BASELINE_START, end=BASELINE_END, figures=None) -> AuditRun:
    """A finished audit of the commissioner's partnership holding the given snapshots (code -> (total, rows))."""
    run = AuditRun.objects.create(
        partnership_id=commissioner.partnership_id,
        period_start=start,
        period_end=end,
        state=AuditRun.State.FINISHED,
        started_by=commissioner,
        steps_total=6,
        definitions_version="test",
        finished_at=timezone.now(),
    )
    figures = figures or {
        "access.carers_with_break": (
            2,
            [{"by": {"locality": "X North"}, "value": 1}, {"by": {"locality": "X South"}, "value": 1}],
        ),
        "demand.waiting_days_median": ("30.00", [{"by": {"locality": "X North"}, "value": "30.00"}]),
    }
    units = {"access.carers_with_break": "count", "demand.waiting_days_median": "days", "spend.by_kind": "pence"}
    for position, (code, (total, rows)) in enumerate(figures.items()):
        AuditFigure.objects.create(
            run=run,
            step=code.split(".")[0],
            position=position,
            code=code,
            label=code,
            definition="Counted",
            unit=units.get(code, "count"),
            version=1,
            total=total,
            rows=rows,
            breakdown=["locality"] if code != "spend.by_kind" else ["kind"],
        )
    return run


def partner(partnership, user, *, invited_by, agreed=True, withdrawn=False) -> CarerPartner:
    now = timezone.now()
    return CarerPartner.objects.create(
        partnership=partnership,
        user=user,
        invited_by=invited_by,
        agreement="I agree to be a carer partner" if agreed else "",
        agreed_at=now if agreed else None,
        withdrawn_at=now if withdrawn else None,
    )


def draft(commissioner, *, title="Short breaks 2026 to 2027", partners=(), run=None, target=True) -> TransformationPlan:
    plan = services.plan_create(by=commissioner, title=title, period_start=PLAN_START, period_end=PLAN_END)
    if partners:
        services.plan_name_partners(plan=plan, by=commissioner, partner_ids=[p.pk for p in partners])
    if target:
        services.target_add(
            plan=plan,
            by=commissioner,
            code="access.carers_with_break",
            run=run or finished_audit(commissioner),
            narrowed_to={},
            target_value=Decimal("12"),
            deadline=datetime.date(2027, 3, 31),
        )
    return plan


def published(commissioner, **kwargs) -> TransformationPlan:
    return services.plan_publish(plan=draft(commissioner, **kwargs), by=commissioner)


# --- the access table (tests/test_access.py) ------------------------------------------------------------------


def _world_plan(w, state="published"):
    """A plan of partnership X naming carer A (a current partner) on it."""
    x = w.personas["commissioner_x"]
    named = partner(x.organisation.partnership, w.personas["carer_a"], invited_by=x)
    plan = draft(x, partners=[named])
    services.commitment_add(plan=plan, by=x, what="Sitters", resource="money", amount_pence=500_000, spend_kind="home")
    if state == "published":
        plan = services.plan_publish(plan=plan, by=x)
    return plan


def read_kwargs(w):
    return {"pk": _world_plan(w).pk}


def draft_kwargs(w):
    return {"pk": _world_plan(w, "draft").pk}


def target_set_kwargs(w):
    plan = _world_plan(w, "draft")
    return {"pk": plan.pk, "code": "access.carers_with_break", "run_pk": plan.targets.get().baseline_run_id}


def part_new_kwargs(w):
    return {"pk": _world_plan(w, "draft").pk, "part": "risks"}


def part_remove_kwargs(w):
    plan = _world_plan(w, "draft")
    return {"pk": plan.pk, "part": "commitments", "part_pk": plan.commitments.get().pk}


def partner_list_kwargs(w):
    _world_plan(w)
    return {}
