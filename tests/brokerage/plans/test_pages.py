"""Support plan pages: carer and hub write a plan together, an assessor decides, bad input is kept and explained,
other households and partnerships get 404, and the list and plan pages have a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.models import Plan, PlanSupport, Referral
from brokerage.plans import services
from tests.brokerage.bookings.conftest import book
from tests.brokerage.plans.factories import (
    PlanFactory,
    add_outcome,
    add_risk,
    add_support,
    approve_budget,
    complete_plan,
)
from tests.brokerage.referrals.factories import CaseNoteFactory, ReferralFactory
from tests.factories import OfferFactory, SessionFactory, cares_for

pytestmark = pytest.mark.django_db


def carer_url(name, plan=None, **kwargs):
    if plan is not None:
        kwargs["pk"] = plan.pk
    return reverse(f"brokerage:plans:carer_{name}", kwargs=kwargs)


def staff_url(name, plan, **kwargs):
    return reverse(f"brokerage:plans:staff_{name}", kwargs={"carer_pk": plan.carer_id, "pk": plan.pk, **kwargs})


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _assert_error_page(response, *messages):
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "govuk-error-summary" in html
    for message in messages:
        assert message in html, message


# ---------------------------------------------------------------------------------------------
# Writing a plan together
# ---------------------------------------------------------------------------------------------


def test_carer_and_broker_write_a_plan_together_and_an_assessor_approves_it(
    carer_a, x, other_assessor, budget, client_for, django_capture_on_commit_callbacks
):
    carer = client_for(carer_a.user)
    response = carer.post(carer_url("versions"))
    plan = Plan.objects.get(carer=carer_a)
    assert response.url == carer_url("plan", plan)
    assert "Write the plan" in carer.get(response.url).content.decode()

    response = carer.post(
        carer_url("item_add", plan, section="outcomes"),
        {"whose": "cared_for", "cared_for": carer_a.person.pk, "text": "Jamie makes friends of their own"},
    )
    assert response.status_code == 302
    offer = OfferFactory(locality=x.locality, title="Saturday club", price_pence=2500, price_unit="session")
    broker = client_for(x.broker)
    add = staff_url("item_add", plan, section="supports")
    assert "Saturday club" in broker.get(add + "?q=saturday").content.decode()
    response = broker.post(add, {"kind": "offer", "offer": offer.pk, "times": "12", "unit_cost": "", "sds_option": "2"})
    assert response.status_code == 302
    response = broker.post(
        add,
        {"kind": "creative", "description": "Driving lessons", "times": "10", "unit_cost": "£35.50", "sds_option": "1"},
    )
    assert response.status_code == 302
    supports = list(plan.supports.order_by("position").values_list("unit_cost_pence", "total_pence"))
    assert supports == [(2500, 30000), (3550, 35500)]
    carer.post(carer_url("item_add", plan, section="risks"), {"risk": "Jamie is anxious", "handling": "Visit first"})
    today = timezone.localdate()
    response = carer.post(
        carer_url("details", plan),
        {
            **_date("starts_on", today),
            **_date("ends_on", today + datetime.timedelta(days=364)),
            **_date("review_on", today + datetime.timedelta(days=180)),
            "emergency_name": "Fiona Brown",
            "emergency_phone": "07700 900123",
        },
    )
    assert response.status_code == 302
    assert carer.post(carer_url("submit", plan)).status_code == 302
    plan.refresh_from_db()
    assert plan.state == Plan.State.SUBMITTED

    decision = staff_url("decide", plan)
    assessor = client_for(other_assessor)
    assert "£655" in assessor.get(decision).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = assessor.post(decision, {"decision": "approve"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == Plan.State.APPROVED
    assert plan.document.state == "rendered"
    page = carer.get(carer_url("plan", plan)).content.decode()
    assert "Download the plan" in page


def test_the_assessor_who_wrote_it_is_told_to_ask_another(plan, x, budget, client_for):
    services.item_save(plan=plan, section="risks", data={"risk": "r", "handling": "h"}, by=x.assessor)
    services.plan_submit(plan=plan, by=x.broker)
    response = client_for(x.assessor).post(staff_url("decide", plan), {"decision": "approve"})
    _assert_error_page(response, "You helped write this plan, so another assessor must approve it.")
    plan.refresh_from_db()
    assert plan.state == Plan.State.SUBMITTED


def test_the_approver_sees_why_the_plan_is_over_budget(plan, x, other_assessor, client_for):
    from tests.brokerage.plans.factories import approve_budget

    approve_budget(plan.carer, 40000, by=x.assessor)
    services.plan_set_over_budget_reason(plan=plan, by=x.broker, reason="Lessons on the island cost more")
    services.plan_submit(plan=plan, by=x.broker)
    html = client_for(other_assessor).get(staff_url("decide", plan)).content.decode()
    assert "Lessons on the island cost more" in html
    assert "£50 over the budget" in html


def test_a_returned_plan_shows_why_and_can_be_changed(plan, x, other_assessor, budget, client_for):
    services.plan_submit(plan=plan, by=x.broker)
    client = client_for(other_assessor)
    _assert_error_page(client.post(staff_url("decide", plan), {"decision": "return"}), "Say what needs to change")
    assert (
        client.post(staff_url("decide", plan), {"decision": "return", "reason": "Add a second contact"}).status_code
        == 302
    )
    html = client_for(plan.carer.user).get(carer_url("plan", plan)).content.decode()
    assert "Add a second contact" in html
    assert "Write the plan" in html


def test_an_approved_version_is_changed_through_a_new_version_and_old_versions_stay_readable(
    plan, x, other_assessor, budget, client_for
):
    services.plan_submit(plan=plan, by=x.broker)
    services.plan_approve(plan=plan, by=other_assessor)
    carer = client_for(plan.carer.user)
    response = carer.get(carer_url("details", plan))
    assert response.status_code == 302  # an approved version is not changed in place
    response = carer.post(carer_url("new_version", plan))
    v2 = Plan.objects.get(carer=plan.carer, number=2)
    assert response.url == carer_url("plan", v2)
    html = carer.get(carer_url("versions")).content.decode()
    assert "Version 1" in html
    assert "Version 2" in html
    assert carer.get(carer_url("plan", plan)).status_code == 200


def test_a_failed_plan_start_is_explained(plan, client_for):
    response = client_for(plan.carer.user).post(carer_url("versions"))
    _assert_error_page(response, "There is already a plan being written")


# ---------------------------------------------------------------------------------------------
# Bad input on every form: explained, and nothing lost
# ---------------------------------------------------------------------------------------------


def test_bad_details_are_explained_and_kept(plan, client_for):
    response = client_for(plan.carer.user).post(
        carer_url("details", plan),
        {
            "starts_on_0": "31",
            "starts_on_1": "2",
            "starts_on_2": "2027",
            "emergency_name": "Fiona",
            "emergency_phone": "",
        },
    )
    _assert_error_page(
        response,
        "The date the plan starts must be a real date",
        "Enter the date the plan ends",
        "Enter their phone number",
    )
    assert 'value="Fiona"' in response.content.decode()


def test_dates_out_of_order_are_explained(plan, client_for):
    today = timezone.localdate()
    response = client_for(plan.carer.user).post(
        carer_url("details", plan),
        {
            **_date("starts_on", today),
            **_date("ends_on", today - datetime.timedelta(days=1)),
            **_date("review_on", today),
            "emergency_name": "Fiona",
            "emergency_phone": "0123",
        },
    )
    _assert_error_page(response, "The plan must end after it starts")


def test_bad_outcomes_are_explained(plan, carer_b, client_for):
    client = client_for(plan.carer.user)
    url = carer_url("item_add", plan, section="outcomes")
    _assert_error_page(client.post(url, {}), "Select whose outcome this is", "Enter the outcome")
    response = client.post(url, {"whose": "cared_for", "cared_for": carer_b.person.pk, "text": "Kept words"})
    _assert_error_page(response, "Select someone the carer cares for")
    assert "Kept words" in response.content.decode()
    _assert_error_page(client.post(url, {"whose": "carer", "text": "x" * 1001}), "1000 characters or fewer")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select the kind of support"),
        ({"kind": "offer", "times": "2", "sds_option": "1"}, "Select the break from the directory"),
        ({"kind": "creative", "times": "2", "unit_cost": "10", "sds_option": "1"}, "Describe the support"),
        ({"kind": "pa", "description": "PA", "times": "two", "unit_cost": "10", "sds_option": "1"}, "whole number"),
        ({"kind": "pa", "description": "PA", "times": "0", "unit_cost": "10", "sds_option": "1"}, "Enter at least 1"),
        ({"kind": "pa", "description": "PA", "times": "2", "unit_cost": "ten", "sds_option": "1"}, "in pounds, like"),
        (
            {"kind": "pa", "description": "PA", "times": "2", "unit_cost": "1.005", "sds_option": "1"},
            "pounds and pence",
        ),
        ({"kind": "pa", "description": "PA", "times": "2", "unit_cost": "-4", "sds_option": "1"}, "£0 or more"),
        ({"kind": "pa", "description": "PA", "times": "2", "unit_cost": "NaN", "sds_option": "1"}, "£0 or more"),
        (
            {"kind": "pa", "description": "PA", "times": "2", "unit_cost": "", "sds_option": "1"},
            "Enter the cost each time",
        ),
        ({"kind": "pa", "description": "PA", "times": "2", "unit_cost": "10", "sds_option": "7"}, "how the money"),
        ({"kind": "offer", "offer": "999999", "times": "2", "sds_option": "1"}, "Select a break from the directory"),
    ],
)
def test_bad_supports_are_explained_and_kept(plan, x, client_for, data, message):
    response = client_for(x.broker).post(staff_url("item_add", plan, section="supports"), data)
    _assert_error_page(response, message)
    if data.get("description"):
        assert data["description"] in response.content.decode()
    assert plan.supports.count() == 1


def test_bad_risks_are_explained(plan, client_for):
    response = client_for(plan.carer.user).post(carer_url("item_add", plan, section="risks"), {"risk": "Kept"})
    _assert_error_page(response, "Enter how the risk is handled")
    assert "Kept" in response.content.decode()


def test_changing_and_removing_an_item(plan, client_for):
    client = client_for(plan.carer.user)
    risk = plan.risks.get()
    url = carer_url("item_edit", plan, section="risks", item=risk.pk)
    assert "Jamie is unsettled" in client.get(url).content.decode()
    assert client.post(url, {"risk": "Changed", "handling": "Also changed"}).status_code == 302
    risk.refresh_from_db()
    assert risk.risk == "Changed"
    remove = carer_url("item_remove", plan, section="risks", item=risk.pk)
    assert client.get(remove).status_code == 200
    assert client.post(remove).status_code == 302
    assert not plan.risks.exists()


def test_a_support_edit_shows_pounds(plan, x, client_for):
    support = plan.supports.get()
    html = client_for(x.broker).get(staff_url("item_edit", plan, section="supports", item=support.pk)).content.decode()
    assert 'value="45.00"' in html


def test_an_empty_over_budget_reason_is_explained(plan, x, client_for):
    from tests.brokerage.plans.factories import approve_budget

    approve_budget(plan.carer, 100, by=x.assessor)
    response = client_for(plan.carer.user).post(carer_url("budget", plan), {"reason": "  "})
    _assert_error_page(response, "Enter why the plan needs more than the budget")


def test_sending_an_incomplete_plan_lists_what_is_missing(carer_a, client_for):
    plan = PlanFactory(carer=carer_a)
    client = client_for(carer_a.user)
    html = client.get(carer_url("submit", plan)).content.decode()
    assert "Add at least one outcome" in html
    response = client.post(carer_url("submit", plan))
    _assert_error_page(response, "Add at least one support")


def test_a_bad_decision_and_a_bad_review_are_explained(plan, x, other_assessor, budget, client_for):
    services.plan_submit(plan=plan, by=x.broker)
    _assert_error_page(client_for(other_assessor).post(staff_url("decide", plan), {}), "Select approve or return")
    services.plan_approve(plan=plan, by=other_assessor)
    response = client_for(x.broker).post(staff_url("review", plan), {"what_changed": "Kept text"})
    _assert_error_page(response, "Select whether outcome 1 was met")
    assert "Kept text" in response.content.decode()
    outcome = plan.outcomes.get()
    response = client_for(x.broker).post(
        staff_url("review", plan), {"what_changed": "A new school", f"outcome_{outcome.pk}": "partly"}
    )
    assert response.status_code == 302
    html = client_for(plan.carer.user).get(carer_url("plan", plan)).content.decode()
    assert "At the review: partly met" in html


def test_an_unknown_section_is_404(plan, client_for):
    assert client_for(plan.carer.user).get(carer_url("section", plan, section="secrets")).status_code == 404


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def test_carer_cannot_see_another_households_plan(plan, carer_b, client_for):
    client = client_for(carer_b.user)
    for name, extra in (("plan", {}), ("details", {}), ("section", {"section": "outcomes"}), ("submit", {})):
        assert client.get(carer_url(name, plan, **extra)).status_code == 404
    assert client.post(carer_url("item_add", plan, section="risks"), {"risk": "x", "handling": "y"}).status_code == 404
    assert plan.risks.count() == 1


def test_staff_of_another_partnership_get_404(plan, y, client_for):
    client = client_for(y.broker)
    assert client.get(staff_url("plan", plan)).status_code == 404
    assert client.post(staff_url("details", plan), {}).status_code == 404


def test_a_plan_under_the_wrong_carer_is_404(plan, x, carer_b_in_x, client_for):
    url = reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": carer_b_in_x.pk, "pk": plan.pk})
    assert client_for(x.broker).get(url).status_code == 404


def test_a_broker_cannot_reach_the_decision(plan, x, budget, client_for):
    services.plan_submit(plan=plan, by=x.broker)
    assert client_for(x.broker).post(staff_url("decide", plan), {"decision": "approve"}).status_code == 404
    plan.refresh_from_db()
    assert plan.state == Plan.State.SUBMITTED


def test_an_item_of_another_plan_is_404(plan, carer_a, carer_b, client_for):
    other = complete_plan(carer_b)
    url = carer_url("item_edit", plan, section="risks", item=other.risks.get().pk)
    assert client_for(carer_a.user).get(url).status_code == 404


# ---------------------------------------------------------------------------------------------
# Query counts: the same at 3 rows as at 30
# ---------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_plan_page_has_a_fixed_number_of_queries(plan, x, budget, client_for):
    client = client_for(x.broker)
    url = staff_url("plan", plan)
    client.get(url)
    small = _queries(client, url)
    offer = OfferFactory(locality=x.locality)
    for _ in range(10):
        add_outcome(plan)
        add_support(plan, offer=offer)
        add_support(plan)
        add_risk(plan)
    assert _queries(client, url) == small
    assert small <= 20


def test_the_hub_list_has_a_fixed_number_of_queries(x, budget, client_for):
    from tests.factories import CarerFactory

    def make(n):
        for _ in range(n):
            plan = complete_plan(CarerFactory(locality=x.locality))
            Plan.objects.filter(pk=plan.pk).update(state=Plan.State.SUBMITTED)

    client = client_for(x.assessor)
    url = reverse("brokerage:plans:hub_list")
    make(3)
    client.get(url)
    small = _queries(client, url)
    make(30)
    assert _queries(client, url) == small
    html = client.get(url).content.decode()
    assert "Waiting for approval (33)" in html


def test_the_versions_page_has_a_fixed_number_of_queries(plan, x, other_assessor, budget, client_for):
    client = client_for(plan.carer.user)
    url = carer_url("versions")
    small = _queries(client, url)
    current = plan
    for _ in range(4):
        services.plan_submit(plan=current, by=x.broker)
        services.plan_approve(plan=current, by=other_assessor)
        current = services.plan_new_version(plan=current, by=x.broker)
    assert _queries(client, url) == small
    assert PlanSupport.objects.filter(plan__carer=plan.carer).count() == 5


def test_the_carers_record_shows_the_plan_and_links_to_every_version(plan, x, carer_a, client_for):
    url = reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})
    versions = reverse("brokerage:plans:staff_versions", kwargs={"carer_pk": carer_a.pk})
    page = client_for(x.broker).get(url).content.decode()
    assert f"Version {plan.number}: draft" in page
    assert versions in page
    assert client_for(x.broker).get(versions).status_code == 200


def _more_of_everything(carer, x, n):
    """`n` more of each part of a carer's record: people, ended referrals with a case note, assessments with the
    panel's decision, replaced plan versions and booked breaks."""
    for _ in range(n):
        cares_for(carer, relationship="Son")
        referral = ReferralFactory(
            carer=carer,
            state=Referral.State.CLOSED,
            worker=x.broker,
            ended_at=timezone.now(),
            ended_by=x.broker,
            end_reason="Settled",
        )
        CaseNoteFactory(referral=referral, recorded_by=x.broker)
        approve_budget(carer, 100_000, by=x.assessor)
        Plan.objects.create(
            carer=carer,
            partnership=carer.partnership,
            number=carer.plans.count() + 100,
            state=Plan.State.SUPERSEDED,
            created_by=x.broker,
            approved_at=timezone.now(),
            approved_by=x.assessor,
        )
        title = f"Club {carer.bookings.count() + 1}"
        book(carer, SessionFactory(offer=OfferFactory(locality=x.locality, title=title)), people=[carer.person])


def test_the_carers_record_holds_household_referrals_notes_assessments_plans_and_breaks_on_one_page(
    plan, x, carer_a, client_for
):
    """Issue 4: "A carer's record for staff: household, referrals, assessments, plans, bookings, case notes on one
    page", in the same number of queries however long the record."""
    url = reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})
    client = client_for(x.broker)
    _more_of_everything(carer_a, x, 1)
    client.get(url)
    counts, pages = [], []
    for more in (0, 3):
        _more_of_everything(carer_a, x, more)
        with CaptureQueriesContext(connection) as queries:
            pages.append(client.get(url).content.decode())
        counts.append(len(queries))
    html = pages[0]
    headings = ("People they care for", "Referrals", "Case notes", "Assessments", "Personal Support Plan", "Breaks")
    for heading in headings:
        assert f'<h2 class="govuk-heading-m">{heading}</h2>' in html, heading
    assert carer_a.person.full_name in html
    assert "Spoke to the carer about a sitter" in html
    assert "indicative budget £1,000, decided by the panel" in html
    assert f"Version {plan.number}: draft, £450" in html
    assert "Club 4" in pages[1]
    assert counts[0] == counts[1], counts
