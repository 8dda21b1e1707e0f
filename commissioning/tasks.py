"""Background jobs for commissioning (CELERY_BEAT_SCHEDULE). Thin: one service call; safe to run twice."""

from celery import shared_task


@shared_task(name="commissioning.tasks.refresh_dashboard_summaries")
def refresh_dashboard_summaries() -> int:
    """Recount the dashboard's summary of every partnership (this month, recent months, the filter's periods).
    Running it twice stores the same rows once: each is an upsert on its partnership, month, span and figure."""
    from commissioning.services import dashboards_refresh

    return dashboards_refresh()
