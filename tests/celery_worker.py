"""A real Celery worker for the task tests: started as its own process, consuming a queue of its own."""

import contextlib
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


@contextlib.contextmanager
def celery_worker(**environ):
    """Start a worker (solo pool) with the test settings plus `environ`, wait until it consumes, and yield its
    queue's name; tasks sent from here are not run eagerly meanwhile. The worker's log is printed at the end
    (pytest shows it when a test failed)."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_ENV": "test", **environ}
    env.setdefault("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # the test's own folder (tests/conftest.py)
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
        print(log.read())
        log.close()
