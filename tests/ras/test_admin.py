"""The admin edits draft questionnaire versions only: a published version is read-only there too."""

import pytest
from django.urls import reverse

from ras.models import Domain, Question
from tests.ras.factories import questionnaire_version

pytestmark = pytest.mark.django_db


def test_a_published_version_cannot_be_changed_in_the_admin(client_for, x, admin_user, version_x):
    client = client_for(admin_user)
    domain = Domain.objects.filter(version=version_x).first()
    url = reverse("admin:ras_domain_change", args=[domain.pk])
    assert client.get(url).status_code == 200  # still readable
    response = client.post(url, {"version": version_x.pk, "position": 1, "name": "Renamed"})
    assert response.status_code == 403
    domain.refresh_from_db()
    assert domain.name == "Personal care"
    question = Question.objects.filter(domain=domain).first()
    assert client.post(reverse("admin:ras_question_delete", args=[question.pk]), {"post": "yes"}).status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def test_a_draft_version_can_be_changed_in_the_admin(client_for, x, admin_user):
    draft = questionnaire_version(x.partnership, published=False)
    domain = Domain.objects.filter(version=draft).first()
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:ras_domain_change", args=[domain.pk]),
        {
            "version": draft.pk,
            "position": 1,
            "name": "Renamed",
            "description": "",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    domain.refresh_from_db()
    assert domain.name == "Renamed"
