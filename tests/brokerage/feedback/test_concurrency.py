"""Twice is once, proven on PostgreSQL: two sends of the feedback form at the same moment record one response.

Both sends are held after every check in Python (`_after_checks`), so each has seen no earlier response; the
database's unique constraints (one key per booking, one response per booking per person) decide which one
writes. The same key: the second finds the first's response and returns it. Another key (a second tab): the
second is told the break is already answered. Either way one response and one set of answers."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from brokerage.feedback import services
from brokerage.models import FeedbackAnswer, FeedbackResponse
from tests.brokerage.feedback.helpers import attended_booking, publish_questions

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")
SCORES = {"time_for_myself": 4, "less_isolated": 4, "knew_safe": 5, "use_again": 5}


def _race(monkeypatch, booking, user, keys):
    held = threading.Barrier(len(keys), timeout=30)
    passed = []
    monkeypatch.setattr(services, "_after_checks", lambda: (passed.append(1), held.wait()))
    outcomes, guard = [], threading.Lock()

    def send(key):
        try:
            _, created = services.feedback_submit(booking=booking, by=user, scores=SCORES, submission_key=key)
            outcome = "recorded" if created else "found the first"
        except ValidationError as error:
            outcome = error.messages[0]
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, passed


@pytest.fixture
def booking(x, carer_a, provider_user):
    publish_questions(x.partnership, x.broker)
    return attended_booking(carer_a, provider_user)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_the_same_moment_records_once(monkeypatch, booking, carer_a):
    outcomes, passed = _race(monkeypatch, booking, carer_a.user, ["one-key", "one-key"])
    assert len(passed) == 2  # both got past every check in Python
    assert sorted(outcomes) == ["found the first", "recorded"]
    assert FeedbackResponse.objects.count() == 1
    assert FeedbackAnswer.objects.count() == len(SCORES)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_tabs_at_the_same_moment_record_once(monkeypatch, booking, carer_a):
    outcomes, passed = _race(monkeypatch, booking, carer_a.user, ["tab-1", "tab-2"])
    assert len(passed) == 2
    assert sorted(outcomes) == sorted(["recorded", services.ALREADY_ANSWERED])
    assert FeedbackResponse.objects.count() == 1
    assert FeedbackAnswer.objects.count() == len(SCORES)
