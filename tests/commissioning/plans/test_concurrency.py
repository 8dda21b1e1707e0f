"""Twice is once for plans, proven on PostgreSQL: several sends of the same form at the same moment make one
plan, one publication, one new version, one comment; several recomputes at once tell the owner once.

The negative control: the same race without a submission key makes a plan per send, so the test can fail."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection

from breakthrough.models import AuditEvent
from commissioning.plans import services
from commissioning.plans.models import PlanComment, Status, Target, TransformationPlan
from tests.commissioning.plans import helpers
from tests.commissioning.plans.test_targets import _target, breaks  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
THREADS = 6


def _race(call, n=THREADS):
    barrier = threading.Barrier(n, timeout=30)
    outcomes, guard = [], threading.Lock()

    def attempt():
        try:
            barrier.wait()
            result = call()
            outcome = ("ok", getattr(result, "pk", result))
        except Exception as error:  # noqa: BLE001 - what each send met is the result
            outcome = ("error", type(error).__name__)
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _create(x, key):
    return lambda: services.plan_create(
        by=x.commissioner,
        title="Race",
        period_start=helpers.PLAN_START,
        period_end=helpers.PLAN_END,
        submission_key=key,
    )


def test_the_same_plan_sent_at_once_makes_one(x):
    outcomes = _race(_create(x, "same-key"))
    assert TransformationPlan.objects.count() == 1
    assert set(outcomes) == {("ok", TransformationPlan.objects.get().pk)}
    assert AuditEvent.objects.filter(action="commissioning.plan.created").count() == 1


def test_without_a_key_the_same_race_makes_a_plan_per_send(x):
    _race(_create(x, None))
    assert TransformationPlan.objects.count() == THREADS


def test_publishing_at_once_publishes_once_and_a_new_version_is_made_once(x):
    plan = helpers.draft(x.commissioner)
    _race(lambda: services.plan_publish(plan=plan, by=x.commissioner))
    assert AuditEvent.objects.filter(action="commissioning.plan.published").count() == 1
    outcomes = _race(lambda: services.plan_new_version(plan=plan, by=x.commissioner))
    drafts = TransformationPlan.objects.filter(lineage=plan.lineage, state="draft")
    assert drafts.count() == 1
    assert set(outcomes) == {("ok", drafts.get().pk)}
    assert Target.objects.filter(plan=drafts.get()).count() == 1


def test_the_same_comment_sent_at_once_is_one(x, carer_a):
    named = helpers.partner(x.partnership, carer_a.user, invited_by=x.commissioner)
    plan = helpers.published(x.commissioner, partners=[named])
    _race(lambda: services.comment_add(plan=plan, by=carer_a.user, text="Evenings", submission_key="c-1"))
    assert PlanComment.objects.count() == 1


def test_recomputes_at_once_tell_the_owner_once(x, breaks):  # noqa: F811
    target = _target(x)
    assert target.status == Status.OFF_TRACK
    mail.outbox.clear()
    _race(lambda: services.target_recompute(target_id=target.pk, today=datetime.date(2026, 6, 15)))
    target.refresh_from_db()
    assert target.status == Status.AT_RISK
    assert len(mail.outbox) == 1
