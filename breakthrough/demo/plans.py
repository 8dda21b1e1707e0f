"""The demo's support plan: Morag's, written with her broker and approved by the assessor, using a break from the
directory, a creative break and, when a provider with a demo login has a break in the partnership, that break with a
one-to-one worker (which the provider invoices against the plan: demo/funds.py). Found again by its carer and
version number, so a second run creates nothing; every date is fixed from REFERENCE_TIME. Its PDF is asked for
after commit (made inline without a broker)."""

from __future__ import annotations

import datetime
from collections import Counter

from breakthrough.models import User
from brokerage.models import (
    Carer,
    Offer,
    Plan,
    PlanContributor,
    PlanOutcome,
    PlanRisk,
    PlanSupport,
    SdsOption,
    SupportKind,
    Whose,
)

from .reference import REFERENCE_TIME

# What the demo plan budgets for each visit of the break whose provider has a demo login (a one-to-one worker).
PLAN_SUPPORT_UNIT_PENCE = 3_000


def _offer_of_a_provider_with_a_login(partnership_id: int, *, exclude) -> Offer | None:
    """The first published break (by title) in the partnership whose provider's staff have a demo login."""
    offers = Offer.objects.filter(
        is_published=True,
        locality__partnership_id=partnership_id,
        provider__members__role="provider",
    )
    if exclude is not None:
        offers = offers.exclude(pk=exclude.pk)
    return offers.order_by("title", "pk").first()


def ensure_plans(users: dict[str, User], counter: Counter) -> None:
    carer = Carer.objects.filter(user=users.get("carer@glenmorven.example")).first()
    if carer is None or carer.partnership_id is None or Plan.objects.filter(carer=carer, number=1).exists():
        return
    from brokerage.plans.services import approved_budget_pence, document_request

    broker, assessor = users["broker@glenmorven.example"], users["assessor@glenmorven.example"]
    written, approved = REFERENCE_TIME - datetime.timedelta(days=20), REFERENCE_TIME - datetime.timedelta(days=14)
    starts = approved.date() + datetime.timedelta(days=1)
    plan = Plan.objects.create(
        carer=carer,
        partnership_id=carer.partnership_id,
        number=1,
        state=Plan.State.APPROVED,
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=364),
        review_on=starts + datetime.timedelta(days=182),
        emergency_name="Catriona MacLeod",
        emergency_relationship="Sister",
        emergency_phone="07700 900461",
        emergency_notes="Has a key. Knows Jamie's evening routine and where the medicines are kept.",
        created_by=carer.user,
        created_at=written,
        updated_at=written,
        submitted_at=written + datetime.timedelta(days=3),
        submitted_by=broker,
        approved_at=approved,
        approved_by=assessor,
    )
    PlanContributor.objects.bulk_create(
        [
            PlanContributor(plan=plan, user=carer.user, first_at=written, last_at=written),
            PlanContributor(plan=plan, user=broker, first_at=written, last_at=written),
        ]
    )
    person = carer.cared_for.order_by("first_name", "pk").first()
    outcomes = [(Whose.CARER, None, "I have one evening a week that is mine, to see friends or just sleep")]
    outcomes.append((Whose.CARER, None, "I can drive, so we are not stuck at home when the bus does not come"))
    if person is not None:
        outcomes.append((Whose.CARED_FOR, person, f"{person.first_name} does something fun with people their age"))
    PlanOutcome.objects.bulk_create(
        PlanOutcome(plan=plan, position=i, whose=whose, cared_for=who, text=text)
        for i, (whose, who, text) in enumerate(outcomes, start=1)
    )
    offer = (
        Offer.objects.filter(is_published=True, locality__partnership_id=carer.partnership_id)
        .order_by("title", "pk")
        .first()
    )
    supports = [
        (SupportKind.CREATIVE, None, "Driving lessons", 10, 3_500, "Weekly for ten weeks", SdsOption.DIRECT_PAYMENT)
    ]
    if offer is not None:
        price = offer.price_pence or 2_500
        supports.insert(0, (SupportKind.OFFER, offer, "", 12, price, "One Saturday a month", SdsOption.ISF))
    with_login = _offer_of_a_provider_with_a_login(carer.partnership_id, exclude=offer)
    if with_login is not None:
        how_often = "Every other week, with a one-to-one worker for Jamie"
        supports.append((SupportKind.OFFER, with_login, "", 6, PLAN_SUPPORT_UNIT_PENCE, how_often, SdsOption.ISF))
    PlanSupport.objects.bulk_create(
        PlanSupport(
            plan=plan,
            position=i,
            kind=kind,
            offer=offer,
            description=description,
            times=times,
            how_often=how_often,
            unit_cost_pence=unit,
            total_pence=times * unit,
            sds_option=sds,
        )
        for i, (kind, offer, description, times, unit, how_often, sds) in enumerate(supports, start=1)
    )
    PlanRisk.objects.create(
        plan=plan,
        position=1,
        risk="Jamie becomes unsettled with someone new",
        handling="The club's worker visits at home twice before the first Saturday",
    )
    budget = approved_budget_pence(carer)
    total = sum(times * unit for _, _, _, times, unit, _, _ in supports)
    plan.budget_pence = budget
    if budget is not None and total > budget:
        plan.over_budget_reason = "Driving lessons cost more on the island; agreed with the panel."
    plan.save(update_fields=["budget_pence", "over_budget_reason"])
    counter["support plans"] += 1
    document_request(plan=plan)
