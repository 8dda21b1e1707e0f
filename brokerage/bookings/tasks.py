"""Background jobs for bookings. Beat runs both every 15 minutes (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task(name="brokerage.bookings.tasks.expire_waiting_list_offers")
def expire_waiting_list_offers() -> int:
    """Expire overdue waiting-list offers, release their held places and offer them to the next. Safe to run twice."""
    from brokerage.bookings.services import waiting_list_expire_overdue

    return waiting_list_expire_overdue()


@shared_task(name="brokerage.bookings.tasks.lapse_unanswered_requests")
def lapse_unanswered_requests() -> int:
    """Decline requests whose break began before the provider answered, and tell the carers. Safe to run twice."""
    from brokerage.bookings.services import booking_lapse_unanswered

    return booking_lapse_unanswered()
