"""The demo's RAS data: a published questionnaire and scale per partnership, assessments whose budgets
recompute exactly, and nothing new on a second run."""

import pytest

from breakthrough.demo import seed_demo
from ras import selectors
from ras.budget import budget_compute
from ras.models import Assessment, PanelDecision, PriceScale, QuestionnaireVersion

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_ras_and_seeds_it_once():
    created = seed_demo()
    assert created["RAS questionnaire versions"] == 2
    assert QuestionnaireVersion.objects.filter(status="published").count() == 2
    assert PriceScale.objects.filter(status="published").values("partnership").distinct().count() == 2
    assert Assessment.objects.filter(status="completed").count() == 2
    assert PanelDecision.objects.count() == 1
    for assessment in Assessment.objects.select_related("scale"):
        again = budget_compute(
            **selectors.assessment_inputs(assessment=assessment), terms=selectors.scale_terms(assessment.scale)
        )
        assert again.lines == assessment.explanation
        assert again.amount_pence == assessment.amount_pence
    assert not any(label.startswith("RAS") for label in seed_demo())
