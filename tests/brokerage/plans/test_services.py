"""Support plan services: totals, the budget check, states, who may approve, and versions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.models import OutcomeResult, Plan, PlanSupport, SdsOption, SupportKind, Whose
from brokerage.plans import services
from tests.brokerage.plans.factories import PlanFactory, add_outcome, approve_budget, complete_plan
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def _support_data(**overrides):
    data = {
        "kind": SupportKind.CREATIVE,
        "offer": None,
        "description": "Driving lessons",
        "times": 12,
        "how_often": "Weekly for three months",
        "unit_cost_pence": 3550,
        "sds_option": SdsOption.DIRECT_PAYMENT,
    }
    return {**data, **overrides}


# ---------------------------------------------------------------------------------------------
# Totals
# ---------------------------------------------------------------------------------------------


def test_a_supports_total_is_times_the_unit_cost_and_the_plan_total_sums_them(carer_a, x):
    plan = PlanFactory(carer=carer_a)
    support = services.item_save(plan=plan, section="supports", data=_support_data(), by=x.broker)
    assert support.total_pence == 12 * 3550
    services.item_save(plan=plan, section="supports", data=_support_data(times=3, unit_cost_pence=999), by=x.broker)
    assert services.plan_total(plan) == 12 * 3550 + 3 * 999


def test_the_database_refuses_a_total_that_is_not_times_the_unit_cost(carer_a):
    plan = PlanFactory(carer=carer_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanSupport.objects.create(
            plan=plan, position=1, kind="pa", description="PA", times=2, unit_cost_pence=100, total_pence=201,
            sds_option=1,
        )  # fmt: skip


def test_a_directory_support_needs_a_published_offer(carer_a, x):
    plan = PlanFactory(carer=carer_a)
    hidden = OfferFactory(locality=x.locality, is_published=False)
    with pytest.raises(ValidationError) as error:
        services.item_save(
            plan=plan, section="supports", data=_support_data(kind=SupportKind.OFFER, offer=hidden), by=x.broker
        )
    assert "offer" in error.value.message_dict
    offer = OfferFactory(locality=x.locality)
    support = services.item_save(
        plan=plan, section="supports", data=_support_data(kind=SupportKind.OFFER, offer=offer), by=x.broker
    )
    assert (support.offer, support.name) == (offer, offer.title)


def test_a_creative_break_must_be_described(carer_a, x):
    plan = PlanFactory(carer=carer_a)
    with pytest.raises(ValidationError) as error:
        services.item_save(plan=plan, section="supports", data=_support_data(description=" "), by=x.broker)
    assert "description" in error.value.message_dict


def test_an_outcome_for_a_cared_for_person_names_someone_in_the_household(carer_a, carer_b, x):
    plan = PlanFactory(carer=carer_a)
    data = {"whose": Whose.CARED_FOR, "cared_for": carer_b.person, "text": "Jamie goes swimming"}
    with pytest.raises(ValidationError):
        services.item_save(plan=plan, section="outcomes", data=data, by=x.broker)
    outcome = services.item_save(
        plan=plan, section="outcomes", data={**data, "cared_for": carer_a.person}, by=carer_a.user
    )
    assert outcome.cared_for == carer_a.person
    # The refused change left nothing behind: only the carer wrote this plan.
    assert list(plan.contributors.values_list("user", flat=True)) == [carer_a.user.pk]


# ---------------------------------------------------------------------------------------------
# The budget check
# ---------------------------------------------------------------------------------------------


def test_a_plan_over_budget_is_refused_without_a_justification(plan, x):
    approve_budget(plan.carer, 40000, by=x.assessor)  # £400; the plan costs £450
    with pytest.raises(ValidationError, match="£50 more than the approved budget of £400"):
        services.plan_submit(plan=plan, by=x.broker)
    services.plan_set_over_budget_reason(plan=plan, by=x.broker, reason="Lessons cost more in the islands")
    submitted = services.plan_submit(plan=plan, by=x.broker)
    assert submitted.state == Plan.State.SUBMITTED
    assert submitted.budget_pence == 40000
    assert submitted.over_budget_reason == "Lessons cost more in the islands"


def test_the_latest_panel_decision_is_the_budget(plan, x):
    approve_budget(plan.carer, 40000, by=x.assessor)
    approve_budget(plan.carer, 50000, by=x.assessor)
    assert services.budget_check(plan) == {
        "total": 45000, "budget": 50000, "over": False, "over_by": 0, "problem": ""
    }  # fmt: skip


def test_a_plan_that_costs_money_waits_for_the_panel(plan, x):
    with pytest.raises(ValidationError, match="has not approved a budget"):
        services.plan_submit(plan=plan, by=x.broker)


def test_a_justification_is_dropped_when_the_plan_is_within_budget(plan, x, budget):
    services.plan_set_over_budget_reason(plan=plan, by=x.broker, reason="Not needed")
    assert services.plan_submit(plan=plan, by=x.broker).over_budget_reason == ""


# ---------------------------------------------------------------------------------------------
# States
# ---------------------------------------------------------------------------------------------


def test_an_incomplete_plan_cannot_be_sent(carer_a, x, budget):
    plan = PlanFactory(carer=carer_a)
    with pytest.raises(ValidationError) as error:
        services.plan_submit(plan=plan, by=carer_a.user)
    assert "Add at least one outcome" in error.value.messages
    assert "Say who to call in an emergency, and their phone number" in error.value.messages


def test_draft_submitted_returned_submitted_approved(plan, x, other_assessor, budget):
    services.plan_submit(plan=plan, by=plan.carer.user)
    with pytest.raises(ValidationError, match="waiting for approval"):
        services.item_save(plan=plan, section="risks", data={"risk": "r", "handling": "h"}, by=x.broker)
    with pytest.raises(ValidationError, match="what needs to change"):
        services.plan_return(plan=plan, by=other_assessor, reason="  ")
    returned = services.plan_return(plan=plan, by=other_assessor, reason="Add how the PA is found")
    assert (returned.state, returned.return_reason) == (Plan.State.RETURNED, "Add how the PA is found")
    services.item_save(plan=plan, section="risks", data={"risk": "No PA found", "handling": "Agency"}, by=x.broker)
    services.plan_submit(plan=plan, by=x.broker)
    approved = services.plan_approve(plan=plan, by=other_assessor)
    assert approved.state == Plan.State.APPROVED
    assert approved.approved_by == other_assessor
    actions = list(AuditEvent.objects.filter(object_id=str(plan.pk)).order_by("pk").values_list("action", flat=True))
    for action in ("brokerage.plan.submitted", "brokerage.plan.returned", "brokerage.plan.approved"):
        assert action in actions


@pytest.mark.parametrize("state", ["draft", "returned", "approved", "active", "review_due", "reviewed", "superseded"])
def test_only_a_submitted_plan_can_be_approved(plan, other_assessor, state):
    Plan.objects.filter(pk=plan.pk).update(
        state=state, return_reason="r", approved_at=timezone.now(), approved_by=other_assessor
    )
    with pytest.raises(ValidationError, match="Only a plan waiting for approval"):
        services.plan_approve(plan=plan, by=other_assessor)


def test_a_sent_plan_cannot_be_sent_again(plan, x, budget):
    services.plan_submit(plan=plan, by=x.broker)
    with pytest.raises(ValidationError, match="Only a draft or returned plan"):
        services.plan_submit(plan=plan, by=x.broker)


def test_an_approved_plan_cannot_be_changed(plan, x, other_assessor, budget):
    services.plan_submit(plan=plan, by=x.broker)
    services.plan_approve(plan=plan, by=other_assessor)
    with pytest.raises(ValidationError, match="Start a new version"):
        services.plan_update_details(plan=plan, by=x.broker, data={"emergency_name": "Someone else"})
    with pytest.raises(ValidationError, match="Start a new version"):
        services.item_remove(plan=plan, section="outcomes", item=plan.outcomes.get(), by=x.broker)


def test_details_refuse_dates_out_of_order(plan, x):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.plan_update_details(
            plan=plan,
            by=x.broker,
            data={"starts_on": today, "ends_on": today, "review_on": today + datetime.timedelta(days=1)},
        )
    assert set(error.value.message_dict) == {"ends_on", "review_on"}


# ---------------------------------------------------------------------------------------------
# Who approves
# ---------------------------------------------------------------------------------------------


def test_nobody_approves_a_plan_they_edited(plan, x, budget):
    services.item_save(plan=plan, section="risks", data={"risk": "r", "handling": "h"}, by=x.assessor)
    services.plan_submit(plan=plan, by=x.broker)
    with pytest.raises(ValidationError, match="You helped write this plan"):
        services.plan_approve(plan=plan, by=x.assessor)
    plan.refresh_from_db()
    assert plan.state == Plan.State.SUBMITTED


def test_an_assessor_cannot_approve_a_plan_they_started(carer_a, x, budget):
    plan = complete_plan(carer_a, by=x.assessor)
    services.plan_submit(plan=plan, by=carer_a.user)
    with pytest.raises(ValidationError, match="You helped write this plan"):
        services.plan_approve(plan=plan, by=x.assessor)


@pytest.mark.parametrize("who", ["broker", "carer", "admin", "assessor_y"])
def test_only_an_assessor_of_the_partnership_approves(plan, x, y, budget, admin_user, who):
    services.plan_submit(plan=plan, by=x.broker)
    by = {"broker": x.broker, "carer": plan.carer.user, "admin": admin_user, "assessor_y": y.assessor}[who]
    with pytest.raises(ValidationError, match="Only an assessor"):
        services.plan_approve(plan=plan, by=by)
    with pytest.raises(ValidationError, match="Only an assessor"):
        services.plan_return(plan=plan, by=by, reason="No")


def test_a_carer_cannot_write_another_households_plan(plan, carer_b):
    with pytest.raises(ValidationError, match="cannot change this plan"):
        services.item_save(plan=plan, section="risks", data={"risk": "r", "handling": "h"}, by=carer_b.user)


def test_the_database_refuses_an_author_approving(plan, x):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(
            state="approved", approved_at=timezone.now(), approved_by=plan.created_by
        )


# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------


def _approved(plan, x, assessor):
    services.plan_submit(plan=plan, by=x.broker)
    return services.plan_approve(plan=plan, by=assessor)


def test_changing_an_approved_plan_makes_a_new_version_and_the_old_stays_until_it_is_approved(
    plan, x, other_assessor, budget
):
    v1 = _approved(plan, x, other_assessor)
    v2 = services.plan_new_version(plan=v1, by=x.broker)
    assert (v2.number, v2.state, v2.previous) == (2, Plan.State.DRAFT, v1)
    assert [o.text for o in v2.outcomes.all()] == [o.text for o in v1.outcomes.all()]
    assert v2.supports.get().total_pence == v1.supports.get().total_pence
    assert v2.emergency_phone == v1.emergency_phone
    services.item_save(plan=v2, section="supports", data=_support_data(), by=x.broker)
    v1.refresh_from_db()
    assert (v1.state, v1.supports.count()) == (Plan.State.APPROVED, 1)
    with pytest.raises(ValidationError, match="already being written"):
        services.plan_new_version(plan=v1, by=x.broker)
    approve_budget(plan.carer, 200000, by=x.assessor)
    services.plan_submit(plan=v2, by=x.broker)
    services.plan_approve(plan=v2, by=other_assessor)
    v1.refresh_from_db()
    assert v1.state == Plan.State.SUPERSEDED
    assert v1.supports.count() == 1  # the old version is kept as it was


def test_whoever_wrote_the_old_version_still_cannot_approve_the_new_one(plan, x, other_assessor, budget):
    services.item_save(plan=plan, section="risks", data={"risk": "r", "handling": "h"}, by=x.assessor)
    v1 = _approved(plan, x, other_assessor)
    v2 = services.plan_new_version(plan=v1, by=x.broker)
    assert x.assessor.pk in set(v2.contributors.values_list("user", flat=True))
    services.plan_submit(plan=v2, by=x.broker)
    with pytest.raises(ValidationError, match="You helped write this plan"):
        services.plan_approve(plan=v2, by=x.assessor)
    assert services.plan_approve(plan=v2, by=other_assessor).state == Plan.State.APPROVED


def test_starting_a_plan_when_one_is_approved_starts_a_new_version(plan, x, other_assessor, budget):
    _approved(plan, x, other_assessor)
    new = services.plan_start(carer=plan.carer, by=plan.carer.user)
    assert (new.number, new.previous_id) == (2, plan.pk)
    with pytest.raises(ValidationError, match="already a plan being written"):
        services.plan_start(carer=plan.carer, by=plan.carer.user)


def test_a_plan_cannot_be_started_for_another_household(carer_a, carer_b):
    with pytest.raises(ValidationError):
        services.plan_start(carer=carer_a, by=carer_b.user)
    assert services.plan_start(carer=carer_a, by=carer_a.user).number == 1


# ---------------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------------


def test_a_review_records_what_changed_and_each_outcome_then_the_plan_is_reviewed(plan, x, other_assessor, budget):
    second = add_outcome(plan, text="Jamie sees friends", whose=Whose.CARED_FOR, cared_for=plan.carer.person)
    _approved(plan, x, other_assessor)
    first = plan.outcomes.order_by("position").first()
    with pytest.raises(ValidationError) as error:
        services.plan_review_record(plan=plan, by=x.broker, what_changed="", results={first.pk: OutcomeResult.MET})
    assert set(error.value.message_dict) == {"what_changed", f"outcome_{second.pk}"}
    review = services.plan_review_record(
        plan=plan,
        by=x.broker,
        what_changed="Jamie started a new school",
        results={first.pk: OutcomeResult.MET, second.pk: OutcomeResult.PARTLY},
    )
    plan.refresh_from_db()
    assert plan.state == Plan.State.REVIEWED
    assert dict(review.results.values_list("outcome", "result")) == {first.pk: "met", second.pk: "partly"}
    assert services.plan_new_version(plan=plan, by=x.broker).number == 2


def test_a_draft_cannot_be_reviewed(plan, x):
    with pytest.raises(ValidationError, match="Only an approved plan"):
        services.plan_review_record(plan=plan, by=x.broker, what_changed="x", results={})


def test_a_carer_cannot_record_a_review(plan, x, other_assessor, budget):
    _approved(plan, x, other_assessor)
    with pytest.raises(ValidationError, match="Only the hub"):
        services.plan_review_record(plan=plan, by=plan.carer.user, what_changed="x", results={})
