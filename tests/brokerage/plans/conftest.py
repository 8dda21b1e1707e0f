"""Fixtures for support plans: carer A's plan in partnership X, its approved budget, and a second assessor."""

import pytest

from breakthrough.models import Role
from tests.brokerage.plans.factories import approve_budget, complete_plan
from tests.factories import staff


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Rendered PDFs go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def budget(x, carer_a):
    """£1,000 approved by the panel for carer A."""
    return approve_budget(carer_a, 100000, by=x.assessor)


@pytest.fixture
def plan(carer_a, x):
    """Carer A's complete draft, written by the carer and their broker: 10 x £45 = £450."""
    plan = complete_plan(carer_a)
    plan.contributors.create(user=x.broker)
    return plan


@pytest.fixture
def other_assessor(x):
    return staff(Role.ASSESSOR, x.hub, email="assessor2@x.example")
