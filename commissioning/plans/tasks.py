"""The weekly recompute of every target's live value. Thin: the service does the work, each target under its own
row lock, so a duplicate delivery recomputes again but tells an owner about a target turning at risk once."""

from celery import shared_task


@shared_task(name="commissioning.plans.tasks.recompute_targets", acks_late=True)
def recompute_targets() -> int:
    from commissioning.plans.services import targets_recompute_all

    return targets_recompute_all()
