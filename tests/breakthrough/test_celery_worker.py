"""Tasks round-trip through a real Celery worker and Redis (the worker is started here, for real)."""

import os

import pytest
from django.conf import settings

from breakthrough.celery import app
from breakthrough.tasks import heartbeat, send_email
from tests.celery_worker import celery_worker


@pytest.fixture(scope="module")
def worker_queue():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis: export REDIS_URL (CI does)")
    with celery_worker() as queue:
        yield queue


@pytest.mark.services
def test_a_task_round_trips_through_a_worker_and_redis(worker_queue):
    result = heartbeat.apply_async(queue=worker_queue)
    answer = result.get(timeout=30, disable_sync_subtasks=False)
    assert result.successful()
    assert answer["worker"]
    assert result.backend.__class__.__name__ == "RedisBackend"


@pytest.mark.services
def test_the_worker_sends_email(worker_queue):
    result = send_email.apply_async(
        kwargs={"subject": "Hello", "body": "From the worker", "to": ["someone@example.org"]}, queue=worker_queue
    )
    assert result.get(timeout=30, disable_sync_subtasks=False) == 1


def test_every_scheduled_task_is_registered_with_the_worker():
    """A beat entry whose task the worker never imports would fail at 7am, not in CI."""
    app.loader.import_default_modules()
    app.autodiscover_tasks(force=True)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
