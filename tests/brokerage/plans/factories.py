"""Factories for support plan tests, and the approved budget a plan is checked against."""

import datetime

import factory
from django.utils import timezone

from brokerage.models import Plan, PlanContributor, PlanOutcome, PlanRisk, PlanSupport, SdsOption, SupportKind


class PlanFactory(factory.django.DjangoModelFactory):
    """A draft with nothing in it yet, started by the carer."""

    class Meta:
        model = Plan

    carer = None  # required
    partnership = factory.LazyAttribute(lambda o: o.carer.partnership)
    created_by = factory.LazyAttribute(lambda o: o.carer.user)


def add_outcome(plan, text="I have one evening a week that is mine", **kwargs) -> PlanOutcome:
    position = plan.outcomes.count() + 1
    return PlanOutcome.objects.create(plan=plan, position=position, text=text, **kwargs)


def add_support(plan, *, times=10, unit=4500, kind=SupportKind.CREATIVE, description="Driving lessons", offer=None,
                sds=SdsOption.DIRECT_PAYMENT) -> PlanSupport:  # fmt: skip
    position = plan.supports.count() + 1
    if offer is not None:
        kind, description = SupportKind.OFFER, ""
    return PlanSupport.objects.create(
        plan=plan,
        position=position,
        kind=kind,
        offer=offer,
        description=description,
        times=times,
        how_often="Once a month",
        unit_cost_pence=unit,
        total_pence=times * unit,
        sds_option=sds,
    )


def add_risk(plan, risk="Jamie is unsettled by someone new", handling="The sitter visits twice first") -> PlanRisk:
    return PlanRisk.objects.create(plan=plan, position=plan.risks.count() + 1, risk=risk, handling=handling)


def complete_plan(carer, *, by=None, cost=(10, 4500)) -> Plan:
    """A draft with everything needed to send it for approval (an outcome, a support, a risk, dates, a contact)."""
    today = timezone.localdate()
    plan = PlanFactory(
        carer=carer,
        created_by=by or carer.user,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=365),
        review_on=today + datetime.timedelta(days=180),
        emergency_name="Fiona Brown",
        emergency_relationship="Sister",
        emergency_phone="07700 900123",
    )
    PlanContributor.objects.create(plan=plan, user=plan.created_by)
    add_outcome(plan)
    add_support(plan, times=cost[0], unit=cost[1])
    add_risk(plan)
    return plan


def approve_budget(carer, amount_pence: int, *, by):
    """The resource panel's approved budget for `carer` (a completed assessment and a panel decision)."""
    from ras.models import Assessment, PanelDecision, PriceScale, Questionnaire, QuestionnaireVersion, VersionStatus

    now = timezone.now()
    questionnaire, _ = Questionnaire.objects.get_or_create(partnership=carer.partnership, name="Plan tests RAS")
    version, _ = QuestionnaireVersion.objects.get_or_create(
        questionnaire=questionnaire, number=1, defaults={"status": VersionStatus.PUBLISHED, "published_at": now}
    )
    scale, _ = PriceScale.objects.get_or_create(
        partnership=carer.partnership,
        financial_year=2026,
        number=1,
        defaults={"status": VersionStatus.PUBLISHED, "published_at": now, "price_per_point_pence": 3800},
    )
    assessment = Assessment.objects.create(
        carer=carer,
        partnership=carer.partnership,
        questionnaire_version=version,
        assessor=by,
        status=Assessment.Status.COMPLETED,
        completed_at=now,
        scale=scale,
        points_total=10,
        contingency_pence=0,
        amount_pence=amount_pence,
    )
    return PanelDecision.objects.create(
        assessment=assessment, outcome=PanelDecision.Outcome.APPROVED, amount_pence=amount_pence, decided_by=by
    )
