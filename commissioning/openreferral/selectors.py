"""Reads for the feed: published offers only, and nothing about anyone (no carer, no booking, only counts of
places). A page costs the same few queries however many offers there are: the count and the page's ids (one
query within a proximity), the page's offers with their provider and area joined in, and the page's live
capacity (brokerage.availability).

The filters are the directory's own where it has them (words, and distance from a postcode:
brokerage.directory.selectors.offer_search), so the feed and the directory always find the same breaks.
"""

import datetime
import math
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from brokerage.availability import coming_places
from brokerage.directory import geo
from brokerage.directory.selectors import offer_search
from brokerage.models import Night, Offer, OfferKind, Schedule, Session
from commissioning.openreferral import ids, taxonomies
from commissioning.openreferral.params import BadParameter, Paging, Problem, ServiceFilters

NEXT_SESSIONS = 20  # the dated sessions a service's schedules list, soonest first


@dataclass
class Page:
    total_items: int
    page_number: int
    per_page: int
    contents: list

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total_items / self.per_page))

    def envelope(self, contents: list) -> dict:
        return {
            "total_items": self.total_items,
            "total_pages": self.total_pages,
            "page_number": self.page_number,
            "size": len(contents),
            "first_page": self.page_number == 1,
            "last_page": self.page_number == self.total_pages,
            "empty": not contents,
            "contents": contents,
        }


def page_bounds(total: int, paging: Paging) -> tuple[int, int]:
    """The slice of `total` items that page `paging.page` holds; a page past the last is a bad parameter."""
    last = max(1, math.ceil(total / paging.per_page))
    if paging.page > last:
        raise BadParameter([Problem("page", f"page {paging.page} is past the last page, {last}")])
    start = (paging.page - 1) * paging.per_page
    return start, start + paging.per_page


def _slots(filters: ServiceFilters, now: datetime.datetime) -> QuerySet | None:
    """The offers with a coming session (or, for `day` alone, a night) on the day and within the times asked."""
    if filters.day is None and filters.start_time is None and filters.end_time is None:
        return None
    sessions = Session.objects.filter(is_cancelled=False, starts_at__gt=now)
    if filters.day is not None:
        sessions = sessions.filter(starts_at__iso_week_day=filters.day)
    if filters.start_time is not None:
        sessions = sessions.filter(starts_at__time__gte=filters.start_time)
    if filters.end_time is not None:
        sessions = sessions.filter(ends_at__time__lte=filters.end_time)
    found = sessions.order_by().values("offer_id")
    if filters.day is not None and filters.start_time is None and filters.end_time is None:
        nights = Night.objects.filter(date__gt=timezone.localdate(now), date__iso_week_day=filters.day)
        found = found.union(nights.order_by().values("offer_id"))
    return found


def offer_matches(filters: ServiceFilters, now: datetime.datetime | None = None) -> QuerySet[Offer]:
    """Published offers matching every filter given: nearest first from a postcode, otherwise by title."""
    now = now or timezone.now()
    within = filters.proximity / geo.METRES_PER_MILE if filters.proximity else None
    offers = offer_search(q=filters.search, position=filters.position, within=within)
    if filters.taxonomy_term_id:
        term = taxonomies.TERM_BY_ID.get(filters.taxonomy_term_id)
        offers = offers.filter(term.offers()) if term else offers.none()
    if filters.taxonomy_id:
        taxonomy = taxonomies.TAXONOMY_BY_ID.get(filters.taxonomy_id)
        offers = offers.filter(taxonomy.offers()) if taxonomy else offers.none()
    if filters.minimum_age is not None:
        at_least = Q(min_age__gte=filters.minimum_age)
        offers = offers.filter(at_least | Q(min_age__isnull=True) if filters.minimum_age <= 0 else at_least)
    if filters.maximum_age is not None:
        offers = offers.filter(max_age__lte=filters.maximum_age)
    slots = _slots(filters, now)
    if slots is not None:
        offers = offers.filter(pk__in=slots)
    return offers


def _with_relations(pks: list[int]) -> list[Offer]:
    found = Offer.objects.select_related("provider__provider_profile", "locality__partnership").in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


def offer_page(filters: ServiceFilters, paging: Paging) -> Page:
    """One page of matching offers, each with `capacity` (places left, places, occasions) read live.

    Within a proximity the matches lie in a circle: one query (a window count) both counts and pages them, so
    they are read once. Otherwise the count reads an index alone and the page stops after its rows, which costs
    less than a window over every offer. A page with no rows on it counts again, to say how many there are."""
    now = timezone.now()
    matches = offer_matches(filters, now)
    start = (paging.page - 1) * paging.per_page
    if filters.proximity:
        counted = matches.annotate(total=Window(Count("pk"))).values_list("pk", "total")
        rows = list(counted[start : start + paging.per_page])
        total = rows[0][1] if rows else matches.order_by().count()
    else:
        total = matches.order_by().count()
        rows = [(pk, total) for pk in matches.values_list("pk", flat=True)[start : start + paging.per_page]]
    page_bounds(total, paging)
    pks = [pk for pk, _ in rows]
    offers = _with_relations(pks)
    places = coming_places(offer_ids=pks, now=now)
    for offer in offers:
        offer.capacity = places.get(offer.pk, (0, 0, 0))
        offer.capacity_read_at = now
    return Page(total, paging.page, paging.per_page, offers)


@dataclass
class ServiceDetail:
    offer: Offer
    schedules: list[Schedule]
    sessions: list[Session]


def offer_detail(identifier: str, kind: str = "service") -> ServiceDetail | None:
    """A published offer named by its service (or service_at_location) id, with its schedules and next sessions;
    None if there is no such published offer."""
    pk = ids.pk_of(kind, identifier)
    if pk is None:
        return None
    now = timezone.now()
    offer = (
        Offer.objects.filter(is_published=True, pk=pk)
        .select_related("provider__provider_profile", "locality__partnership")
        .prefetch_related("features")
        .first()
    )
    if offer is None:
        return None
    schedules = (
        []
        if offer.kind == OfferKind.PROPERTY
        else list(
            Schedule.objects.filter(offer=offer, last_date__gte=timezone.localdate(now)).order_by(
                "weekday", "starts_at"
            )
        )
    )
    sessions = (
        []
        if offer.kind == OfferKind.PROPERTY
        else list(
            Session.objects.filter(offer=offer, is_cancelled=False, starts_at__gt=now).order_by("starts_at", "pk")[
                :NEXT_SESSIONS
            ]
        )
    )
    offer.capacity = coming_places(offer_ids=[offer.pk], now=now).get(offer.pk, (0, 0, 0))
    offer.capacity_read_at = now
    return ServiceDetail(offer, schedules, sessions)
