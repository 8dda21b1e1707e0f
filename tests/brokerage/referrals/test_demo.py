"""The demo's referrals: criteria with history, a Glenmorven queue with every state, and nothing twice."""

import pytest

from breakthrough.demo import seed_demo
from breakthrough.models import User
from brokerage.models import CaseNote, EligibilityCriteria, Referral
from brokerage.referrals import selectors

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_queue_in_every_state_and_a_second_run_adds_nothing():
    created = seed_demo()
    assert created["referrals"] == 7
    assert created["eligibility criteria"] == 3
    states = set(Referral.objects.values_list("state", flat=True))
    assert states == set(Referral.State.values)
    broker = User.objects.get(email="broker@glenmorven.example")
    queue = list(selectors.referral_queue(fetched_by=broker))
    assert queue[0].crisis
    morag = Referral.objects.get(carer__user__email="carer@glenmorven.example")
    assert (morag.state, morag.worker.email) == (Referral.State.ASSIGNED, "assessor@glenmorven.example")
    assert not Referral.objects.filter(carer__user__email="carer2@eastwick.example").exists()
    before = (Referral.objects.count(), CaseNote.objects.count(), EligibilityCriteria.objects.count())

    again = seed_demo()

    assert "referrals" not in again
    assert "case notes" not in again
    assert "eligibility criteria" not in again
    assert (Referral.objects.count(), CaseNote.objects.count(), EligibilityCriteria.objects.count()) == before
