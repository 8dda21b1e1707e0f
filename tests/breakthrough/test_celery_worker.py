"""Tasks round-trip through a real Celery worker and Redis (the worker is started here, for real)."""

import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from django.conf import settings

from breakthrough.celery import app
from breakthrough.tasks import heartbeat, send_email


@pytest.fixture(scope="module")
def worker_queue():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis: export REDIS_URL (CI does)")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_ENV": "test"}
    log = tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log")  # noqa: SIM115
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "breakthrough", "worker", "--pool=solo", "-Q", queue]
        + ["-n", f"{queue}@%h", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Publish only once the worker is consuming: Redis drops a message sent to a queue nobody has bound yet.
    deadline = time.monotonic() + 60
    while "ready." not in pathlib.Path(log.name).read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the Celery worker did not start:\n{pathlib.Path(log.name).read_text()}")
        time.sleep(0.2)
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = previous
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.seek(0)
        print(log.read())  # shown by pytest when a test failed
        log.close()


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
