"""The audit run: queued by a commissioner, computed step by step by a Celery task, frozen once finished."""

import datetime
import os
from dataclasses import replace
from urllib.parse import urlparse

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from audits import figures
from audits.models import AuditFigure, AuditRun
from audits.services import audit_compute, audit_retry, audit_start
from audits.tasks import compute_audit
from breakthrough.models import AuditEvent
from tests.audits import dataset
from tests.celery_worker import celery_worker
from tests.factories import CarerFactory, ReferralFactory, UserFactory

pytestmark = pytest.mark.django_db


def start(x, django_capture_on_commit_callbacks, execute=True) -> AuditRun:
    with django_capture_on_commit_callbacks(execute=execute):
        run = audit_start(
            partnership_id=x.partnership.pk, period_start=dataset.START, period_end=dataset.END, by=x.commissioner
        )
    run.refresh_from_db()
    return run


def test_starting_an_audit_computes_every_step_once_committed(x, y, django_capture_on_commit_callbacks):
    dataset.build(x, y)
    run = start(x, django_capture_on_commit_callbacks)
    assert run.state == AuditRun.State.FINISHED
    assert (run.steps_done, run.steps_total, run.percent_done) == (6, 6, 100)
    assert run.definitions_version == figures.definitions_version()
    assert run.started_at <= run.finished_at
    assert AuditFigure.objects.filter(run=run).count() == len(figures.FIGURES)
    referrals = run.figures.get(code="demand.referrals")
    assert (referrals.total, referrals.step, referrals.version) == (5, "demand", 1)
    assert referrals.definition == figures.FIGURES["demand.referrals"].definition
    assert set(
        AuditEvent.objects.filter(object_id=str(run.pk), action__startswith="audits.").values_list("action", flat=True)
    ) == {
        "audits.run.started",
        "audits.run.finished",
    }


def test_the_task_is_queued_only_when_the_transaction_commits(x, django_capture_on_commit_callbacks):
    run = start(x, django_capture_on_commit_callbacks, execute=False)
    assert run.state == AuditRun.State.QUEUED
    assert not run.figures.exists()


def test_running_twice_never_doubles_anything(x, y, django_capture_on_commit_callbacks):
    dataset.build(x, y)
    run = start(x, django_capture_on_commit_callbacks)
    finished_at = run.finished_at
    assert compute_audit.delay(run.pk).get() == "nothing to do"  # a duplicate delivery
    run.refresh_from_db()
    assert run.finished_at == finished_at
    assert AuditFigure.objects.filter(run=run).count() == len(figures.FIGURES)


def test_the_database_keeps_one_result_per_figure_per_run(x, django_capture_on_commit_callbacks):
    run = start(x, django_capture_on_commit_callbacks)
    stored = run.figures.get(code="supply.offers")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditFigure.objects.create(
            run=run, step="supply", position=0, code="supply.offers", label="x", definition="x", unit="count", version=1
        )
    assert run.figures.filter(code=stored.code).count() == 1


def _broken(code):
    def query(period):
        raise ZeroDivisionError("the test broke this figure")

    return replace(figures.FIGURES[code], query=query)


def test_a_failed_run_says_what_failed_and_can_be_run_again(x, y, monkeypatch, django_capture_on_commit_callbacks):
    dataset.build(x, y)
    monkeypatch.setitem(figures.FIGURES, "access.carers_known", _broken("access.carers_known"))
    run = start(x, django_capture_on_commit_callbacks)
    assert run.state == AuditRun.State.FAILED
    assert run.failed_step == "access"
    assert run.error == "ZeroDivisionError: the test broke this figure"
    assert run.steps_done == 2  # supply and demand were stored
    assert set(run.figures.values_list("step", flat=True)) == {"supply", "demand"}

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        audit_retry(run=run, by=x.commissioner)
    run.refresh_from_db()
    assert run.state == AuditRun.State.FINISHED
    assert (run.failed_step, run.error, run.steps_done, run.attempts) == ("", "", 6, 2)
    assert AuditFigure.objects.filter(run=run).count() == len(figures.FIGURES)


def test_only_a_failed_run_can_be_run_again(x, django_capture_on_commit_callbacks):
    run = start(x, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="Only a failed audit"):
        audit_retry(run=run, by=x.commissioner)


def test_progress_is_saved_after_each_step(x, monkeypatch, django_capture_on_commit_callbacks):
    seen = []
    code = "demand.referrals"
    original = figures.FIGURES[code]

    def watching(period):
        seen.append(AuditRun.objects.values_list("current_step", "steps_done").get())
        return original.query(period)

    monkeypatch.setitem(figures.FIGURES, code, replace(original, query=watching))
    start(x, django_capture_on_commit_callbacks)
    assert seen == [("demand", 1)]


def test_a_finished_audit_is_a_frozen_snapshot(x, y, monkeypatch, django_capture_on_commit_callbacks):
    dataset.build(x, y)
    run = start(x, django_capture_on_commit_callbacks)
    version = run.definitions_version
    # Later data, and a later definition of the same figure.
    carer = CarerFactory(user=UserFactory(), locality=x.locality, created_at=dataset.at(1, 1))
    ReferralFactory(carer=carer, submitted_at=dataset.at(4, 4))
    code = "demand.referrals"
    monkeypatch.setitem(
        figures.FIGURES,
        code,
        replace(figures.FIGURES[code], label="Referrals (new)", definition="New words", version=2),
    )
    assert figures.FIGURES[code].compute(figures.Period(x.partnership.pk, dataset.START, dataset.END)).total == 6
    assert compute_audit.delay(run.pk).get() == "nothing to do"
    stored = AuditRun.objects.get(pk=run.pk).figures.get(code=code)
    assert (stored.total, stored.label, stored.version) == (5, "Referrals", 1)
    assert stored.definition.startswith("Referrals to the partnership's Short Break Hub")
    assert AuditRun.objects.get(pk=run.pk).definitions_version == version != figures.definitions_version()


def test_only_a_commissioner_of_the_partnership_starts_its_audit(x, y):
    for who in (y.commissioner, x.broker):
        with pytest.raises(ValidationError, match="Only a commissioner of this partnership"):
            audit_start(partnership_id=x.partnership.pk, period_start=dataset.START, period_end=dataset.END, by=who)
    assert not AuditRun.objects.exists()


def test_the_period_must_be_in_order_and_begun(x):
    with pytest.raises(ValidationError) as error:
        audit_start(
            partnership_id=x.partnership.pk, period_start=dataset.END, period_end=dataset.START, by=x.commissioner
        )
    assert "period_end" in error.value.message_dict
    soon = datetime.date.today() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as error:
        audit_start(partnership_id=x.partnership.pk, period_start=soon, period_end=soon, by=x.commissioner)
    assert "period_start" in error.value.message_dict


def test_compute_of_an_unknown_run_does_nothing():
    assert audit_compute(run_id=987654) == "nothing to do"


@pytest.fixture
def worker_on_test_database():
    """A real worker whose database is this test's."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and Redis: export DATABASE_URL and REDIS_URL (CI does)")
    url = urlparse(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()
    with celery_worker(DATABASE_URL=url) as queue:
        yield queue


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_computes_an_audit_once(worker_on_test_database, x, y):
    dataset.build(x, y)
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START,
        period_end=dataset.END,
        started_by=x.commissioner,
        steps_total=len(figures.STEPS),
    )
    first = compute_audit.apply_async(args=[run.pk], queue=worker_on_test_database)
    assert first.get(timeout=60, disable_sync_subtasks=False) == "finished"
    second = compute_audit.apply_async(args=[run.pk], queue=worker_on_test_database)
    assert second.get(timeout=60, disable_sync_subtasks=False) == "nothing to do"
    run.refresh_from_db()
    assert run.state == AuditRun.State.FINISHED
    assert run.figures.count() == len(figures.FIGURES)
    assert run.figures.get(code="demand.unmet_pence").total == 63_500


def test_the_audit_asks_the_same_number_of_queries_whatever_the_data(x, y):
    """Set-based: no query per row. An empty partnership and the hand-built one cost the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_a_run():
        run = AuditRun.objects.create(
            partnership=x.partnership,
            period_start=dataset.START,
            period_end=dataset.END,
            started_by=x.commissioner,
            steps_total=len(figures.STEPS),
        )
        with CaptureQueriesContext(connection) as captured:
            assert audit_compute(run_id=run.pk) == "finished"
        return len(captured)

    from audits.models import AuditSettings

    settings = AuditSettings.objects.create(partnership=x.partnership, minimum_nights=4)
    queries_for_a_run()  # warms the content-type cache the audit trail uses
    empty = queries_for_a_run()
    settings.delete()  # the dataset sets its own
    dataset.build(x, y)
    assert queries_for_a_run() == empty
    # Pinned: the figures' queries (the feedback's six outcome figures among them: 15 reads) and one stored row
    # each; a figure added or a query more per figure changes it.
    assert empty == 340


def test_another_apps_figure_joins_the_audit(x, monkeypatch, django_capture_on_commit_callbacks):
    """The hook the feedback after a break uses: a `figures` module of its own calls register()."""
    extra = figures.Figure(
        "outcomes.test_feedback",
        "outcomes",
        "Feedback (test)",
        "A figure another app registers, counted with the rest of its step and stored with the run.",
        "count",
        lambda period: figures.Result(7),
    )
    monkeypatch.setitem(figures.FIGURES, extra.code, extra)
    run = start(x, django_capture_on_commit_callbacks)
    assert run.figures.get(code="outcomes.test_feedback").total == 7
    assert run.definitions_version == figures.definitions_version()
