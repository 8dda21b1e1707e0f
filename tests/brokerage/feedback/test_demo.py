"""The demo's feedback: a question set per partnership, answers the provider can see, a task on Morag's home."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from breakthrough.models import Partnership, User
from brokerage.feedback import selectors
from brokerage.models import FeedbackAnswer, FeedbackResponse, FeedbackVersion

pytestmark = pytest.mark.django_db


def test_the_demo_has_questions_for_each_partnership_and_answers_the_provider_sees(client_for):
    call_command("seed_demo", stdout=None)
    for partnership in Partnership.objects.all():
        version = FeedbackVersion.objects.get(question_set__partnership=partnership)
        assert version.is_published
        assert version.questions.count() == 6
    provider = User.objects.get(email="provider@sunrise-breaks.example")
    enough = {row["title"]: row["enough"] for row in selectors.provider_feedback_counts(fetched_by=provider)}
    assert sorted(enough.values()) == [False, True]  # Glenmorven's break shown (6 answered), Eastwick's fewer than 5
    morag = User.objects.get(email="carer@glenmorven.example")
    home = client_for(morag).get(reverse("brokerage:carer_home")).content.decode()
    assert "Tell us how your break went" in home
    before = (FeedbackVersion.objects.count(), FeedbackResponse.objects.count(), FeedbackAnswer.objects.count())
    call_command("seed_demo", stdout=None)
    assert (FeedbackVersion.objects.count(), FeedbackResponse.objects.count(), FeedbackAnswer.objects.count()) == before
