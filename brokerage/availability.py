"""Whether an offer has places to book: kept on the offer as `places_until` so the directory reads one column.

`places_until` is when the offer's last bookable place starts: the start of its latest session that is not
cancelled and has a place left, or the end of its latest night with a place left. An offer has places to
book while that moment is still to come, so the value stays right as time passes; it only changes when a
session or night opens, changes, fills, frees a place or is cancelled, and each of those calls a refresh here.
"""

import datetime

from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone

from brokerage.models import Night, Offer, OfferKind, Session


def open_sessions():
    """Sessions a place can still be taken on (the directory's "has places" and "free on a date" too)."""
    return Session.objects.filter(is_cancelled=False, places_taken__lt=F("places"))


def open_nights():
    """Nights with a place left."""
    return Night.objects.filter(places_taken__lt=F("places"))


def _end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_current_timezone())


def offers_refresh_places_until(*, offers=None) -> None:
    """Recompute `places_until` for `offers` (a queryset; every offer if None), set-based.

    Callers inside a booking lock the offer row first (`offer_refresh_places_until`), so two bookings that
    fill an offer's last two sessions at once cannot each write a value computed before the other's commit.
    """
    offers = Offer.objects.all() if offers is None else offers
    last_session = (
        open_sessions().filter(offer=OuterRef("pk")).order_by().values("offer").annotate(last=Max("starts_at"))
    )
    offers.exclude(kind=OfferKind.PROPERTY).update(places_until=Subquery(last_session.values("last")))
    properties = offers.filter(kind=OfferKind.PROPERTY)
    last_nights = dict(
        open_nights()
        .filter(offer__in=properties.values("pk"))
        .order_by()
        .values("offer")
        .annotate(last=Max("date"))
        .values_list("offer", "last")
    )
    changed = []
    for offer in properties.only("pk", "places_until"):
        value = _end_of(last_nights[offer.pk]) if offer.pk in last_nights else None
        if offer.places_until != value:
            offer.places_until = value
            changed.append(offer)
    Offer.objects.bulk_update(changed, ["places_until"], batch_size=1000)


def offer_refresh_places_until(*, offer_id: int) -> None:
    """Lock one offer's row and recompute its `places_until` (call inside the transaction that changed places)."""
    locked = Offer.objects.select_for_update(no_key=True).filter(pk=offer_id)
    list(locked.values_list("pk", flat=True))  # take the lock, then read the committed availability
    offers_refresh_places_until(offers=Offer.objects.filter(pk=offer_id))
