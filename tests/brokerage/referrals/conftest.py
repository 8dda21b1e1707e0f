"""Fixtures for the referral tests: carer A's referral, partnership X's criteria, and households to refer."""

import pytest

from tests.brokerage.referrals.factories import EligibilityCriteriaFactory, ReferralFactory
from tests.factories import CaredForPersonFactory, CarerFactory, UserFactory, cares_for


@pytest.fixture
def referral(carer_a):
    """Carer A's own referral to partnership X's hub: new, high need, routine, not a crisis."""
    return ReferralFactory(carer=carer_a)


@pytest.fixture
def criteria_x(x):
    return EligibilityCriteriaFactory(partnership=x.partnership, text="Carers in X caring 20 hours a week or more.")


@pytest.fixture
def make_carer(x):
    """A new household in partnership X, caring for one person."""

    def make(**carer):
        made = CarerFactory(user=UserFactory(), locality=x.locality, **carer)
        made.person = cares_for(made, CaredForPersonFactory())
        return made

    return make
