"""The admin sets a partnership's questions: a new draft starts from the newest version, is edited while a draft,
and is published; a published version cannot be changed."""

import pytest
from django.urls import reverse

from brokerage.feedback.services import current_version, feedback_draft_publish
from brokerage.models import FeedbackQuestionSet, FeedbackVersion
from tests.brokerage.feedback.helpers import publish_questions

pytestmark = pytest.mark.django_db


def test_a_new_draft_copies_the_newest_version_and_publishing_it_makes_it_current(client_for, admin_user, x):
    first = publish_questions(x.partnership, x.broker)
    client = client_for(admin_user)
    question_set = FeedbackQuestionSet.objects.get(partnership=x.partnership)
    client.post(
        reverse("admin:brokerage_feedbackquestionset_changelist"),
        {"action": "new_draft", "_selected_action": [question_set.pk]},
    )
    draft = FeedbackVersion.objects.get(question_set=question_set, number=2)
    assert not draft.is_published
    assert sorted(draft.questions.values_list("code", "text")) == sorted(first.questions.values_list("code", "text"))
    assert current_version(x.partnership.pk) == first  # a draft is never asked

    change = lambda version: reverse("admin:brokerage_feedbackversion_change", args=[version.pk])  # noqa: E731
    assert 'name="_save"' in client.get(change(draft)).content.decode()
    assert 'name="_save"' not in client.get(change(first)).content.decode()  # published: read-only

    client.post(
        reverse("admin:brokerage_feedbackversion_changelist"), {"action": "publish", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.is_published
    assert draft.published_by == admin_user
    assert current_version(x.partnership.pk) == draft


def test_a_draft_without_a_question_for_the_carer_is_not_published(x, admin_user):
    from django.core.exceptions import ValidationError

    from brokerage.feedback.services import feedback_draft_new

    draft = feedback_draft_new(partnership=x.partnership, by=admin_user)
    with pytest.raises(ValidationError, match="at least one question"):
        feedback_draft_publish(version=draft, by=admin_user)
    published = publish_questions(x.partnership, admin_user)
    with pytest.raises(ValidationError, match="already published"):
        feedback_draft_publish(version=published, by=admin_user)
