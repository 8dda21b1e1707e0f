"""Whether an offer has places to book: kept on the offer as `places_until` so the directory reads one column.

`places_until` is when the offer's last bookable place starts: the start of its latest session that is not
cancelled and has a place left, or the end of its latest night with a place left. An offer has places to
book while that moment is still to come, so the value stays right as time passes; it only changes when a
session or night opens, changes, fills, frees a place or is cancelled, and each of those calls a refresh here.
"""

import datetime

from django.db.models import Count, F, Max, OuterRef, Subquery, Sum
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


def coming_places(*, offer_ids, now: datetime.datetime | None = None) -> dict[int, tuple[int, int, int]]:
    """Per offer: (places left, places, occasions) over what can still be booked, as the booking rules say
    (bookings.rules.check_when): sessions not cancelled that are still to start, and nights from tomorrow on.

    Places left are as the booking services keep them: places less `places_taken`, which holds every requested
    or confirmed booking's places and those offered from a waiting list. Two queries, however many offers.
    """
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    found = {}
    for rows in (
        Session.objects.filter(offer_id__in=offer_ids, is_cancelled=False, starts_at__gt=now),
        Night.objects.filter(offer_id__in=offer_ids, date__gte=tomorrow),
    ):
        totals = (
            rows.order_by()
            .values("offer_id")
            .annotate(left=Sum(F("places") - F("places_taken")), places=Sum("places"), occasions=Count("pk"))
            .values_list("offer_id", "left", "places", "occasions")
        )
        found.update({offer_id: (left, places, occasions) for offer_id, left, places, occasions in totals})
    return found
