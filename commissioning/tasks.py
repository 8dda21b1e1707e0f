"""Background jobs for commissioning (CELERY_BEAT_SCHEDULE). Thin: ids in, one service call each; safe to run twice."""

from celery import shared_task


@shared_task(name="commissioning.tasks.refresh_dashboard_summaries")
def refresh_dashboard_summaries() -> int:
    """Every 30 minutes: queue a recount of each partnership's dashboard summary, one task each, so that each stays
    well inside the task time limit however many partnerships there are (one took 21 s on the scale data)."""
    from breakthrough.models import Partnership

    ids = list(Partnership.objects.order_by("pk").values_list("pk", flat=True))
    for partnership_id in ids:
        refresh_partnership_dashboard.delay(partnership_id)
    return len(ids)


@shared_task(name="commissioning.tasks.refresh_partnership_dashboard", acks_late=True)
def refresh_partnership_dashboard(partnership_id: int) -> int:
    """Recount one partnership's summary (this month, recent months, the filter's periods). Delivered twice, it stores
    the same rows once: each is an upsert on its partnership, month, span and figure."""
    from commissioning.services import dashboard_refresh

    return dashboard_refresh(partnership_id=partnership_id)
