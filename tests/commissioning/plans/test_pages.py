"""Transformation plan pages: writing a plan, its parts, publishing (frozen), new versions and their history,
carer partners reading and commenting; bad input by the field; twice is once."""

import datetime
import re

import pytest
from django.urls import reverse

from commissioning.plans import services
from commissioning.plans.models import PlanComment, Risk, Target, TransformationPlan
from tests.commissioning.plans import helpers

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"commissioning:plans:{name}", kwargs=kwargs)


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _plan_post(key="k1", **extra):
    return {
        "submission_key": key,
        "plan_title": "Short breaks 2026 to 2027",
        **_date("period_start", helpers.PLAN_START),
        **_date("period_end", helpers.PLAN_END),
        **extra,
    }


@pytest.fixture
def commissioner(x, client_for):
    return client_for(x.commissioner)


def test_a_commissioner_writes_a_plan_and_a_resend_makes_one(x, commissioner):
    page = commissioner.get(url("new"))
    assert page.status_code == 200
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', page.content.decode()).group(1)
    first = commissioner.post(url("new"), _plan_post(key))
    again = commissioner.post(url("new"), _plan_post(key))
    plan = TransformationPlan.objects.get()
    assert first.url == again.url == url("detail", pk=plan.pk)
    assert (plan.title, plan.owner, plan.state, plan.version) == (
        "Short breaks 2026 to 2027",
        x.commissioner,
        "draft",
        1,
    )


def test_bad_input_is_told_by_the_field_and_kept(commissioner):
    response = commissioner.post(
        url("new"), _plan_post(plan_title="", **_date("period_end", datetime.date(2026, 1, 1)))
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Enter the plan&#x27;s title" in html or "Enter the plan's title" in html
    assert "The last day must be the same as or after the first day" in html
    assert 'value="2026"' in html  # what was typed stays
    assert not TransformationPlan.objects.exists()


def test_a_target_is_added_in_two_steps_with_its_baseline_from_the_audit(x, commissioner):
    plan = helpers.draft(x.commissioner, target=False)
    run = helpers.finished_audit(x.commissioner)
    step = commissioner.post(url("target_new", pk=plan.pk), {"figure": "access.carers_with_break", "run": run.pk})
    assert step.url == url("target_set", pk=plan.pk, code="access.carers_with_break", run_pk=run.pk)
    page = commissioner.get(step.url).content.decode()
    assert "The whole partnership: 2" in page
    assert "Locality X North: 1" in page
    assert "Higher is better for this figure" in page
    deadline = _date("deadline", datetime.date(2027, 3, 31))
    same = commissioner.post(step.url, {"narrowed_to": "row-0", "target_value": "1", **deadline})
    assert "The target must be different from the baseline" in same.content.decode()
    lower = commissioner.post(step.url, {"narrowed_to": "row-0", "target_value": "0.5", **deadline})
    assert "The target must be higher than the baseline (1): higher is better for this figure" in lower.content.decode()
    early = commissioner.post(
        step.url, {"narrowed_to": "row-0", "target_value": "3", **_date("deadline", datetime.date(2026, 5, 1))}
    )
    assert "The deadline must be after the baseline&#x27;s date, 31 May 2026" in early.content.decode()
    words = commissioner.post(step.url, {"narrowed_to": "row-0", "target_value": "lots", **deadline})
    assert "Enter the target value as a number, like 40 or 12.5" in words.content.decode()
    assert not Target.objects.exists()
    done = commissioner.post(step.url, {"narrowed_to": "row-0", "target_value": "3", **deadline})
    assert done.status_code == 302
    target = Target.objects.get()
    assert (target.by, target.baseline_value, target.baseline_on, target.direction) == (
        {"locality": "X North"},
        1,
        datetime.date(2026, 5, 31),
        "higher",
    )


def test_a_lower_is_better_target_must_go_down(x, commissioner):
    plan = helpers.draft(x.commissioner, target=False)
    run = helpers.finished_audit(x.commissioner)
    step = url("target_set", pk=plan.pk, code="demand.waiting_days_median", run_pk=run.pk)
    deadline = _date("deadline", datetime.date(2027, 3, 31))
    response = commissioner.post(step, {"narrowed_to": "total", "target_value": "40", **deadline})
    assert (
        "The target must be lower than the baseline (30): lower is better for this figure" in response.content.decode()
    )
    commissioner.post(step, {"narrowed_to": "total", "target_value": "14", **deadline})
    assert Target.objects.get().direction == "lower"


def test_a_figure_not_in_that_audit_is_404(x, commissioner):
    plan = helpers.draft(x.commissioner, target=False)
    run = helpers.finished_audit(x.commissioner)
    assert commissioner.get(url("target_set", pk=plan.pk, code="supply.offers", run_pk=run.pk)).status_code == 404


def test_a_baseline_from_another_partnerships_audit_is_404(x, y, commissioner):
    plan = helpers.draft(x.commissioner, target=False)
    theirs = helpers.finished_audit(y.commissioner)
    step = url("target_set", pk=plan.pk, code="access.carers_with_break", run_pk=theirs.pk)
    assert commissioner.get(step).status_code == 404
    chosen = commissioner.post(url("target_new", pk=plan.pk), {"figure": "access.carers_with_break", "run": theirs.pk})
    assert "Choose a finished audit from the list" in chosen.content.decode()


def test_the_parts_of_a_plan(x, commissioner):
    plan = helpers.draft(x.commissioner)
    money = commissioner.post(
        url("part_new", pk=plan.pk, part="commitments"), {"what": "Sitters", "resource": "money", "amount": ""}
    )
    assert "Enter the money committed, more than £0" in money.content.decode()
    commissioner.post(
        url("part_new", pk=plan.pk, part="commitments"),
        {"what": "Sitters", "resource": "money", "amount": "£12,500.50", "spend_kind": "home"},
    )
    commissioner.post(
        url("part_new", pk=plan.pk, part="commitments"), {"what": "Planning", "resource": "hours", "hours": "37.5"}
    )
    commissioner.post(
        url("part_new", pk=plan.pk, part="milestones"),
        {
            "milestone": "Sitter service starts",
            "owner": "Hub lead",
            **_date("due_on", datetime.date(2026, 9, 1)),
            "state": "in_progress",
        },
    )
    commissioner.post(
        url("part_new", pk=plan.pk, part="initiatives"),
        {"initiative": "Timebank", "description": "Parent carers sit for each other", "stage": "ideas"},
    )
    risk = {
        "risk": "Sitters must be PVG checked",
        "evidence": "Protection of Vulnerable Groups (Scotland) Act 2007",
        "likelihood": "high",
        "impact": "medium",
        "mitigation": "Fund the checks",
        "owner": "Volunteer coordinator",
        **_date("review_on", datetime.date(2026, 12, 1)),
    }
    missing = commissioner.post(url("part_new", pk=plan.pk, part="risks"), risk)
    assert "Select whether it is a rule, and which kind" in missing.content.decode()
    commissioner.post(url("part_new", pk=plan.pk, part="risks"), {**risk, "rule": "law"})
    commissioner.post(
        url("part_new", pk=plan.pk, part="risks"),
        {**risk, "risk": "Breaks only bought from framework providers", "rule": "custom"},
    )
    commissioner.post(url("part_new", pk=plan.pk, part="risks"), {**risk, "risk": "Too few sitters", "rule": "none"})
    assert list(Risk.objects.order_by("position").values_list("rule", flat=True)) == ["law", "custom", ""]
    page = commissioner.get(url("detail", pk=plan.pk)).content.decode()
    for text in (
        "£12,500.50",
        "37.5 hours",
        "The ledger records money only",
        "Sitter service starts",
        "In progress",
        "Timebank",
        "Ideas",
        "A rule required by law",
        "A rule of custom and practice, which can be changed",
    ):
        assert text in page
    assert commissioner.get(url("part_new", pk=plan.pk, part="nonsense")).status_code == 404


def test_a_published_plan_is_frozen(x, commissioner):
    plan = helpers.draft(x.commissioner, target=False)
    refused = commissioner.post(url("publish", pk=plan.pk))
    assert "Add at least one target before publishing the plan" in refused.content.decode()
    plan = helpers.draft(x.commissioner, title="Second")
    commissioner.post(url("publish", pk=plan.pk))
    commissioner.post(url("publish", pk=plan.pk))  # the confirmation sent twice
    plan.refresh_from_db()
    assert plan.state == "published"
    assert plan.published_by == x.commissioner
    for name, kwargs in (("edit", {}), ("partners", {}), ("target_new", {}), ("part_new", {"part": "risks"})):
        assert commissioner.get(url(name, pk=plan.pk, **kwargs)).status_code == 404
    target = plan.targets.get()
    assert commissioner.post(url("part_remove", pk=plan.pk, part="targets", part_pk=target.pk)).status_code == 404
    with pytest.raises(Exception, match="cannot be changed"):
        services.milestone_add(
            plan=plan, by=x.commissioner, title="Late", owner="Me", due_on=datetime.date(2026, 9, 1), state="done"
        )
    assert plan.targets.count() == 1


def test_a_change_makes_a_new_version_and_the_history_stays_readable(x, commissioner):
    first = helpers.published(x.commissioner)
    made = commissioner.post(url("new_version", pk=first.pk))
    again = commissioner.post(url("new_version", pk=first.pk))  # a double click: the same draft
    second = TransformationPlan.objects.get(version=2)
    assert made.url == again.url == url("detail", pk=second.pk)
    assert second.targets.get().key == first.targets.get().key  # copied, keeping its key
    commissioner.post(
        url("part_new", pk=second.pk, part="milestones"),
        {
            "milestone": "Review with carers",
            "owner": "Commissioner",
            **_date("due_on", datetime.date(2026, 10, 1)),
            "state": "not_started",
        },
    )
    services.part_remove(plan=second, by=x.commissioner, part="targets", part_id=second.targets.get().pk)
    services.target_add(
        plan=second,
        by=x.commissioner,
        code="access.carers_with_break",
        run=first.targets.get().baseline_run,
        narrowed_to={},
        target_value=15,
        deadline=datetime.date(2027, 3, 31),
    )
    no_words = commissioner.post(url("publish", pk=second.pk), {"what_changed": ""})
    assert "Say what changed in this version" in no_words.content.decode()
    commissioner.post(url("publish", pk=second.pk), {"what_changed": "A milestone to review with carers"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("superseded", "published")
    history = commissioner.get(url("history", pk=first.pk)).content.decode()
    assert "Version 2: Published" in history
    assert "Version 1: Replaced by a later version" in history
    assert "Added the milestone “Review with carers”." in history
    assert "Removed the target “Carers who had a break”." in history
    assert "Added the target “Carers who had a break”." in history
    assert "A milestone to review with carers" in history
    old = commissioner.get(url("detail", pk=first.pk)).content.decode()
    assert "A later version of this plan has replaced this one" in old
    assert "12" in old


def test_a_carer_partner_named_on_the_plan_reads_and_comments(x, y, carer_a, carer_b_in_x, client_for, commissioner):
    named = helpers.partner(x.partnership, carer_a.user, invited_by=x.commissioner)
    not_named = helpers.partner(x.partnership, carer_b_in_x.user, invited_by=x.commissioner)
    plan = helpers.published(x.commissioner, partners=[named])
    partner = client_for(carer_a.user)
    assert partner.get(url("partner_list")).status_code == 200
    page = partner.get(url("detail", pk=plan.pk)).content.decode()
    assert "Short breaks 2026 to 2027" in page
    assert "Comment on the plan" in page
    assert "Publish the plan" not in page
    assert partner.post(url("comment", pk=plan.pk), {"submission_key": "c1", "text": ""}).status_code == 200
    partner.post(url("comment", pk=plan.pk), {"submission_key": "c1", "text": "Evenings matter most to us"})
    partner.post(url("comment", pk=plan.pk), {"submission_key": "c1", "text": "Evenings matter most to us"})
    comment = PlanComment.objects.get()
    assert (comment.author, comment.plan) == (carer_a.user, plan)
    shown = commissioner.get(url("detail", pk=plan.pk)).content.decode()
    assert "Evenings matter most to us" in shown
    assert f"{carer_a.user.get_display_name()} (carer partner), {comment.created_at:%-d %B %Y}" in shown
    # A partner not named on it, one who withdrew, and the other partnership's commissioner: 404.
    assert client_for(carer_b_in_x.user).get(url("detail", pk=plan.pk)).status_code == 404
    assert client_for(y.commissioner).get(url("detail", pk=plan.pk)).status_code == 404
    assert partner.post(url("new_version", pk=plan.pk)).status_code == 404
    named.withdrawn_at = named.agreed_at
    named.save()
    assert partner.get(url("detail", pk=plan.pk)).status_code == 404
    assert partner.post(url("comment", pk=plan.pk), {"text": "Still here?"}).status_code == 404
    assert not_named.is_current


def test_a_named_partners_home_page_links_to_the_plan_and_no_one_elses_does(x, carer_a, carer_b_in_x, client_for):
    named = helpers.partner(x.partnership, carer_a.user, invited_by=x.commissioner)
    helpers.partner(x.partnership, carer_b_in_x.user, invited_by=x.commissioner)
    plan = helpers.published(x.commissioner, partners=[named])
    home = client_for(carer_a.user).get(reverse("brokerage:carer_home")).content.decode()
    assert "Transformation plan: Short breaks 2026 to 2027" in home
    assert f'href="{url("detail", pk=plan.pk)}"' in home
    other = client_for(carer_b_in_x.user).get(reverse("brokerage:carer_home")).content.decode()
    assert "Transformation plan:" not in other


def test_only_current_partners_can_be_named(x, carer_a, carer_b_in_x, commissioner):
    current = helpers.partner(x.partnership, carer_a.user, invited_by=x.commissioner)
    invited = helpers.partner(x.partnership, carer_b_in_x.user, invited_by=x.commissioner, agreed=False)
    plan = helpers.draft(x.commissioner)
    page = commissioner.get(url("partners", pk=plan.pk)).content.decode()
    assert carer_a.user.get_display_name() in page
    assert carer_b_in_x.user.get_display_name() not in page
    refused = commissioner.post(url("partners", pk=plan.pk), {"partners": [current.pk, invited.pk]})
    assert "Choose only carers from the list" in refused.content.decode()
    commissioner.post(url("partners", pk=plan.pk), {"partners": [current.pk]})
    assert list(plan.named_partners.values_list("partner", flat=True)) == [current.pk]


def test_the_plan_page_reads_the_same_number_of_queries_at_one_part_and_at_many(
    x, commissioner, django_assert_num_queries
):
    plan = helpers.draft(x.commissioner)
    services.commitment_add(
        plan=plan, by=x.commissioner, what="Sitters", resource="money", amount_pence=100, spend_kind="home"
    )
    for n in range(1):
        services.milestone_add(
            plan=plan, by=x.commissioner, title=f"M{n}", owner="Me", due_on=datetime.date(2026, 9, 1), state="done"
        )
    commissioner.get(url("detail", pk=plan.pk))
    with django_assert_num_queries(QUERIES):
        commissioner.get(url("detail", pk=plan.pk))
    run = plan.targets.get().baseline_run
    for n in range(8):
        services.milestone_add(
            plan=plan, by=x.commissioner, title=f"More {n}", owner="Me", due_on=datetime.date(2026, 9, 1), state="done"
        )
        services.initiative_add(plan=plan, by=x.commissioner, title=f"I{n}", description="D", stage="ideas")
        services.commitment_add(plan=plan, by=x.commissioner, what=f"C{n}", resource="hours", hours=10)
        services.target_add(
            plan=plan,
            by=x.commissioner,
            code="access.carers_with_break",
            run=run,
            narrowed_to={"locality": "X North"},
            target_value=5 + n,
            deadline=datetime.date(2027, 1, 1),
        )
    with django_assert_num_queries(QUERIES):
        commissioner.get(url("detail", pk=plan.pk))


QUERIES = 17  # of which 4 are the ledger's spend (this period and the year before, total and by kind)


def _versions(x, n):
    plan = helpers.published(x.commissioner)
    for _ in range(n - 1):
        plan = services.plan_new_version(plan=plan, by=x.commissioner)
        services.initiative_add(plan=plan, by=x.commissioner, title="More", description="D", stage="ideas")
        plan = services.plan_publish(plan=plan, by=x.commissioner, what_changed="An initiative")
    return plan


@pytest.mark.parametrize("versions", [2, 6])
def test_the_history_and_the_list_read_the_same_number_of_queries_at_two_versions_and_at_six(
    x, commissioner, django_assert_num_queries, versions
):
    plan = _versions(x, versions)
    with django_assert_num_queries(HISTORY_QUERIES):
        history = commissioner.get(url("history", pk=plan.pk)).content.decode()
    assert history.count("Added the initiative “More”.") == versions - 1
    with django_assert_num_queries(LIST_QUERIES):
        commissioner.get(url("list"))


HISTORY_QUERIES = 13
LIST_QUERIES = 5
