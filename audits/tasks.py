"""Background jobs for local audits. Thin: an id in, re-fetched, one service call; safe to deliver twice."""

from celery import shared_task


@shared_task(name="audits.tasks.compute_audit", acks_late=True)
def compute_audit(run_id: int) -> str:
    """Compute a queued audit run. A duplicate delivery finds the run already taken and does nothing."""
    from audits.services import audit_compute

    return audit_compute(run_id=run_id)
