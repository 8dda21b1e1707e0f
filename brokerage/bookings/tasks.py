"""Background jobs for bookings (CELERY_BEAT_SCHEDULE): the first two every 15 minutes, the no-show job daily."""

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


@shared_task(name="brokerage.bookings.tasks.release_uninvoiced_no_shows")
def release_uninvoiced_no_shows() -> int:
    """Give back to the carers' funds the money of breaks not attended that the provider (who charges for them)
    did not invoice within 28 days. Safe to run twice: the second run finds nothing still committed."""
    from brokerage.funds.wiring import no_show_release_overdue

    return no_show_release_overdue()
