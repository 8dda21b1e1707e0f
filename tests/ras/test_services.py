"""Assessments, versions and the panel through the services: the rules that must hold whoever calls them."""

import pytest
from django.core.exceptions import ValidationError

from breakthrough.models import AuditEvent
from ras import selectors, services
from ras.budget import budget_compute
from ras.models import Assessment, PanelDecision, PriceScale, QuestionnaireVersion
from tests.ras.factories import choose, completed_assessment, price_scale, questionnaire_version

pytestmark = pytest.mark.django_db

# wash: All (8), eat: Some (2), calming: Daily (5), second carer: Yes, sibling: Yes (3) -> 18 points
PICKS = [2, 1, 1, 1, 1]


def test_completing_stores_the_budget_its_explanation_and_the_versions_used(x, carer_a, version_x, scale_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    # 18 x £38 = £684; -£50 + £75 = £709; floor £100 not needed; 5% of £709 = £35.45 -> £673.55
    assert assessment.status == Assessment.Status.COMPLETED
    assert (assessment.points_total, assessment.contingency_pence, assessment.amount_pence) == (18, 3_545, 67_355)
    assert assessment.scale == scale_x
    assert assessment.questionnaire_version == version_x
    assert assessment.explanation == [
        "Personal care: 10 points",
        "Behaviour: 5 points",
        "The carer's own circumstances: 3 points",
        "18 points in all",
        "18 x £38 = £684",
        "A second carer at home: −£50",
        "A sibling with needs: +£75",
        "After adjustments: £709",
        "More than the least anyone is given, £100 (the floor)",
        "Less than the most anyone is given, £2,000 (the ceiling)",
        "5% of £709 kept back for costs nobody expected, which the panel can add (contingency): £35.45",
        "Your budget to plan with (indicative budget): £673.55",
    ]
    assert AuditEvent.objects.filter(action="ras.assessment.completed", object_id=str(assessment.pk)).exists()


@pytest.mark.parametrize("picks", [[0, 0, 0, 0, 0], [2, 2, 2, 0, 1], [1, 0, 2, 1, 0], [2, 2, 2, 1, 1]])
def test_a_stored_budget_recomputes_exactly_from_its_answers_and_versions(x, carer_a, version_x, scale_x, picks):
    assessment = completed_assessment(carer_a, version_x, x.assessor, picks)
    # A newer scale later published changes nothing about this assessment: it keeps the one it used.
    price_scale(x.partnership, price=9_999)
    stored = Assessment.objects.get(pk=assessment.pk)
    again = budget_compute(**selectors.assessment_inputs(assessment=stored), terms=selectors.scale_terms(stored.scale))
    assert (again.amount_pence, again.contingency_pence, again.points) == (
        stored.amount_pence,
        stored.contingency_pence,
        stored.points_total,
    )
    assert again.lines == stored.explanation


def test_an_assessment_can_be_saved_part_way_and_not_completed_until_every_question_is_answered(
    x, carer_a, version_x, scale_x
):
    assessment = services.assessment_start(carer=carer_a, questionnaire_version=version_x, by=x.assessor)
    first_two = dict(list(choose(version_x, PICKS).items())[:2])
    services.assessment_answer(assessment=assessment, answers=first_two, by=x.assessor)
    assert len(selectors.assessment_answers(assessment=assessment)) == 2
    with pytest.raises(ValidationError, match="3 still to answer"):
        services.assessment_complete(assessment=assessment, by=x.assessor)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_a_completed_assessment_no_longer_changes(x, carer_a, version_x, scale_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    with pytest.raises(ValidationError, match="completed"):
        services.assessment_answer(assessment=assessment, answers=choose(version_x, [0] * 5), by=x.assessor)


def test_completing_needs_a_published_scale_for_the_year(x, carer_a, version_x):
    price_scale(x.partnership, published=False)
    assessment = services.assessment_start(carer=carer_a, questionnaire_version=version_x, by=x.assessor)
    services.assessment_answer(assessment=assessment, answers=choose(version_x, PICKS), by=x.assessor)
    with pytest.raises(ValidationError, match="No price scale is published"):
        services.assessment_complete(assessment=assessment, by=x.assessor)


def test_only_one_assessment_in_progress_per_carer(x, carer_a, version_x):
    services.assessment_start(carer=carer_a, questionnaire_version=version_x, by=x.assessor)
    with pytest.raises(ValidationError, match="already in progress"):
        services.assessment_start(carer=carer_a, questionnaire_version=version_x, by=x.assessor)


def test_brokers_and_other_partnerships_cannot_assess(x, y, carer_a, version_x):
    with pytest.raises(ValidationError, match="Only an assessor"):
        services.assessment_start(carer=carer_a, questionnaire_version=version_x, by=x.broker)
    with pytest.raises(ValidationError, match="another partnership"):
        services.assessment_start(carer=carer_a, questionnaire_version=version_x, by=y.assessor)


def test_a_draft_questionnaire_cannot_be_used(x, carer_a):
    draft = questionnaire_version(x.partnership, published=False)
    with pytest.raises(ValidationError):
        services.assessment_start(carer=carer_a, questionnaire_version=draft, by=x.assessor)


# ---------------------------------------------------------------------------------------------
# Published versions never change
# ---------------------------------------------------------------------------------------------


def test_a_published_questionnaire_is_copied_into_a_new_draft_version_not_changed(x, version_x):
    draft = services.questionnaire_new_version(questionnaire=version_x.questionnaire, by=x.assessor)
    assert (draft.number, draft.status) == (2, "draft")
    assert [d.name for d in draft.domains.order_by("position")] == [
        d.name for d in version_x.domains.order_by("position")
    ]
    with pytest.raises(ValidationError, match="still a draft"):
        services.questionnaire_new_version(questionnaire=version_x.questionnaire, by=x.assessor)
    with pytest.raises(ValidationError, match="never changes"):
        services.questionnaire_version_publish(version=version_x, by=x.assessor)
    services.questionnaire_version_publish(version=draft, by=x.assessor)
    assert QuestionnaireVersion.objects.get(pk=draft.pk).is_published
    assert list(selectors.published_versions(fetched_by=x.assessor, partnership_id=x.partnership.pk)) == [draft]


def test_an_empty_questionnaire_cannot_be_published(x):
    version = services.questionnaire_create(partnership=x.partnership, name="Young carers RAS", by=x.assessor)
    with pytest.raises(ValidationError, match="at least one domain"):
        services.questionnaire_version_publish(version=version, by=x.assessor)


def test_a_published_scale_is_refused_changes_and_a_new_draft_copies_it(x, scale_x):
    with pytest.raises(ValidationError, match="never changes"):
        services.price_scale_update(
            scale=scale_x,
            data={"method": "per_point", "price_per_point_pence": 1},
            bands=[],
            adjustments=[],
            by=x.assessor,
        )
    scale_x.refresh_from_db()
    assert scale_x.price_per_point_pence == 3800
    draft = services.price_scale_create(partnership=x.partnership, financial_year=scale_x.financial_year, by=x.assessor)
    assert (draft.number, draft.status, draft.price_per_point_pence) == (2, "draft", 3800)
    assert sorted(draft.adjustments.values_list("circumstance", flat=True)) == ["second-carer", "sibling-needs"]
    with pytest.raises(ValidationError):
        services.price_scale_create(partnership=x.partnership, financial_year=scale_x.financial_year, by=x.assessor)


def test_band_scales_must_cover_every_score_before_publishing(x):
    draft = price_scale(x.partnership, published=False, method="bands", price=None)
    data = {"method": "bands", "floor_pence": 0}
    with pytest.raises(ValidationError, match="start at 0"):
        services.price_scale_update(
            scale=draft,
            data=data,
            bands=[{"points_from": 5, "points_to": None, "amount_pence": 1}],
            adjustments=[],
            by=x.assessor,
        )
    with pytest.raises(ValidationError, match="start at 21"):
        services.price_scale_update(
            scale=draft,
            data=data,
            bands=[
                {"points_from": 0, "points_to": 20, "amount_pence": 1},
                {"points_from": 25, "points_to": None, "amount_pence": 2},
            ],
            adjustments=[],
            by=x.assessor,
        )
    services.price_scale_update(
        scale=draft,
        data=data,
        bands=[{"points_from": 0, "points_to": 20, "amount_pence": 1}],
        adjustments=[],
        by=x.assessor,
    )
    with pytest.raises(ValidationError, match="must be open"):
        services.price_scale_publish(scale=draft, by=x.assessor)
    services.price_scale_update(
        scale=draft,
        data=data,
        bands=[
            {"points_from": 0, "points_to": 20, "amount_pence": 1},
            {"points_from": 21, "points_to": None, "amount_pence": 2},
        ],
        adjustments=[],
        by=x.assessor,
    )
    services.price_scale_publish(scale=draft, by=x.assessor)
    assert PriceScale.objects.get(pk=draft.pk).is_published


# ---------------------------------------------------------------------------------------------
# The resource panel
# ---------------------------------------------------------------------------------------------


def test_the_panel_approves_and_changes_keeping_every_decision(x, carer_a, version_x, scale_x, panel_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    assert selectors.approved_budget(carer=carer_a) is None
    approved = services.panel_decide(assessment=assessment, outcome="approved", by=panel_x)
    assert approved.amount_pence == 67_355
    changed = services.panel_decide(
        assessment=assessment,
        outcome="changed",
        amount_pence=80_000,
        reason="Overnight care costs more here.",
        by=panel_x,
    )
    assert list(PanelDecision.objects.filter(assessment=assessment).order_by("pk")) == [approved, changed]
    assert selectors.approved_budget(carer=carer_a) == changed
    assert AuditEvent.objects.filter(action="ras.paneldecision.changed", actor=panel_x).exists()


def test_a_change_needs_a_reason_and_a_different_amount(x, carer_a, version_x, scale_x, panel_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    with pytest.raises(ValidationError) as error:
        services.panel_decide(assessment=assessment, outcome="changed", amount_pence=80_000, reason="  ", by=panel_x)
    assert error.value.message_dict == {"reason": ["Write down why the panel changed the budget"]}
    with pytest.raises(ValidationError) as error:
        services.panel_decide(assessment=assessment, outcome="changed", amount_pence=67_355, reason="Why", by=panel_x)
    assert "amount_pence" in error.value.message_dict
    assert not PanelDecision.objects.exists()


def test_nobody_decides_on_an_assessment_they_carried_out(x, carer_a, version_x, scale_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    with pytest.raises(ValidationError, match="another assessor"):
        services.panel_decide(assessment=assessment, outcome="approved", by=x.assessor)
    with pytest.raises(ValidationError, match="Only an assessor"):
        services.panel_decide(assessment=assessment, outcome="approved", by=x.broker)
    assert not PanelDecision.objects.exists()


def test_the_panel_decides_only_on_completed_assessments(x, carer_a, version_x, panel_x):
    assessment = services.assessment_start(carer=carer_a, questionnaire_version=version_x, by=x.assessor)
    with pytest.raises(ValidationError, match="must be completed"):
        services.panel_decide(assessment=assessment, outcome="approved", by=panel_x)
