"""Background jobs for support plans. Thin: ids in, re-fetched, one service call; safe to run twice."""

from celery import shared_task


@shared_task(
    bind=True,
    name="brokerage.plans.tasks.render_plan_document",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=3,
)
def render_plan_document(self, document_id: int) -> str:
    """Make the PDF of an approved version. Retried with backoff; after the last try the document shows as failed
    to staff, who can ask again."""
    from brokerage.plans.services import document_render

    # Run inline with errors propagating (no broker: the embedded default, and tests), Celery cannot retry, so
    # there the first failure is the last and staff see it at once.
    cannot_retry = self.request.is_eager and self.app.conf.task_eager_propagates
    final = cannot_retry or self.request.retries >= self.max_retries
    return document_render(document_id=document_id, final=final)


@shared_task(name="brokerage.plans.tasks.plans_daily")
def plans_daily() -> dict:
    """Once a day (CELERY_BEAT_SCHEDULE): approved plans whose period has begun become active, and plans whose
    review date has come become review due, with an e-mail to the hub and the carer (once per plan)."""
    from brokerage.plans.services import plans_activate_started, plans_mark_review_due

    return {"activated": plans_activate_started(), "review_due": plans_mark_review_due()}
