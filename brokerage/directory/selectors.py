"""Reads for the public directory. Nothing here is personal, except `session_bookability` and `stay_bookability`,
which take the user or the carer being booked for, and `booking_for`, which reads that carer through the access
choke point.

Every filter runs in the database, and a page of results costs the same few queries however many offers
there are: one to count, one for the page (with provider and area joined in).
"""

import datetime
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, CharField, F, FloatField, Func, Lookup, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import IContains
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from breakthrough.access import get_visible_or_404
from breakthrough.models import Organisation, Role
from brokerage.availability import open_nights, open_sessions
from brokerage.bookings import rules
from brokerage.directory import geo
from brokerage.models import (
    BreakFor,
    CaredForPerson,
    Carer,
    ComplianceDocument,
    Night,
    Offer,
    OfferKind,
    ProviderProfile,
    Session,
)
from brokerage.models.offers import NEEDS_FIELDS
from brokerage.selectors import carer_of_user

CALENDAR_KINDS = [OfferKind.ACTIVITY, OfferKind.CREATIVE, OfferKind.DAY]
NIGHTS_AHEAD = 28
NEXT_SESSIONS = 10
CALENDAR_LIMIT = 500


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of `day` and of the next day, in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def offer_search(
    *,
    q: str = "",
    kind: list[str] | None = None,
    break_for: list[str] | None = None,
    locality: int | None = None,
    position: tuple[int, int] | None = None,
    within: int | None = None,
    date: datetime.date | None = None,
    age: int | None = None,
    needs: str = "",
    max_cost=None,
    free: bool = False,
    has_places: bool = False,
) -> QuerySet[Offer]:
    """Published offers matching every filter given. With `position`, each has `distance_sq` (metres squared)
    and the nearest come first; otherwise they come by title."""
    offers = Offer.objects.filter(is_published=True)
    for word in q.split()[:5]:
        offers = offers.filter(_matches(word))
    if kind:
        offers = offers.filter(kind__in=kind)
    if break_for:
        offers = offers.filter(break_for__in=break_for)
    if locality:
        offers = offers.filter(locality_id=locality)
    if age is not None:
        offers = offers.filter(Q(min_age__isnull=True) | Q(min_age__lte=age))
        offers = offers.filter(Q(max_age__isnull=True) | Q(max_age__gte=age))
    if needs:
        offers = offers.filter(**{NEEDS_FIELDS[needs]: True})
    if free:
        offers = offers.filter(price_pence=0)
    elif max_cost is not None:
        offers = offers.filter(price_pence__lte=int(max_cost * 100))
    if date is not None:
        start, end = _day_bounds(date)
        # IN (subquery), not EXISTS: PostgreSQL's estimate for "EXISTS ... OR EXISTS ..." is so high that it
        # JIT-compiles the query, which costs far more than running it.
        that_day = open_sessions().filter(starts_at__gte=start, starts_at__lt=end).order_by().values("offer_id")
        that_night = open_nights().filter(date=date).order_by().values("offer_id")
        # One IN over the union (not two ORed): the offers are then looked up by key, not all scanned.
        offers = offers.filter(pk__in=that_day.union(that_night))
    if has_places:
        # A column on the offer (brokerage.availability keeps it), not a look through every coming session.
        offers = offers.filter(places_until__gte=timezone.now())
    if position is not None:
        east, north = position
        offers = offers.filter(easting__isnull=False, northing__isnull=False)
        if within:
            metres = within * geo.METRES_PER_MILE
            # A box first (an index can use it), then the circle.
            box = (max(0, math.floor(east - metres)), max(0, math.floor(north - metres)))
            box += (math.ceil(east + metres), math.ceil(north + metres))
            if uses_point_index():
                offers = offers.filter(InBox(*box))  # the GiST index: box and nearest first in one scan
            else:
                offers = offers.filter(
                    easting__gte=box[0], northing__gte=box[1], easting__lte=box[2], northing__lte=box[3]
                )
        dx = Cast("easting", FloatField()) - float(east)
        dy = Cast("northing", FloatField()) - float(north)
        offers = offers.annotate(distance_sq=dx * dx + dy * dy)
        if within:
            offers = offers.filter(distance_sq__lte=(within * geo.METRES_PER_MILE) ** 2)
        if uses_point_index():
            # Nearest first by the GiST index (migration 0009): a page reads 20 offers, not every match.
            return offers.order_by(PointDistance(east, north), "title", "pk")
        return offers.order_by("distance_sq", "title", "pk")
    return offers.order_by("title", "pk")


def uses_point_index() -> bool:
    """PostgreSQL answers the box and nearest-first from its GiST index of points; elsewhere (SQLite) the same
    order comes from distance_sq. Both give the same order (tests/brokerage/directory/test_search.py runs both)."""
    return connection.vendor == "postgresql"


class PointDistance(Func):
    """PostgreSQL's `point(easting, northing) <-> point(e, n)`: the same order as distance_sq, from the index."""

    template = "point(%(expressions)s) <-> point(%%s, %%s)"
    output_field = FloatField()

    def __init__(self, east: int, north: int):
        super().__init__(F("easting"), F("northing"))
        self.position = (float(east), float(north))

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql, (*params, *self.position)


class InBox(Func):
    """PostgreSQL's `point(easting, northing) <@ box(...)`, which the GiST index of migration 0009 answers."""

    template = "point(%(expressions)s) <@ box(point(%%s, %%s), point(%%s, %%s))"
    output_field = BooleanField()

    def __init__(self, *corners: int):
        super().__init__(F("easting"), F("northing"))
        self.corners = tuple(float(c) for c in corners)

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql, (*params, *self.corners)


class ILike(Lookup):
    """`field__ilike="word"`: contains, ignoring case, as ILIKE on PostgreSQL so the trigram indexes serve it
    (Django's icontains writes UPPER(...) LIKE, which they cannot). Elsewhere it is icontains."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} ILIKE %s", [*lhs_params, f"%{connection.ops.prep_for_like_query(self.rhs)}%"]

    def as_sqlite(self, compiler, connection):
        return compiler.compile(IContains(self.lhs, self.rhs))


CharField.register_lookup(ILike)
TextField.register_lookup(ILike)


def _matches(word: str) -> Q:
    """Offers with `word` in their title, summary or description, or by a provider with it in their name.

    The providers are looked up first (a small table) so that every part of the condition can use an index."""
    providers = list(
        Organisation.objects.filter(kind=Organisation.Kind.PROVIDER, name__icontains=word).values_list("pk", flat=True)
    )
    found = Q(title__ilike=word) | Q(summary__ilike=word) | Q(description__ilike=word)
    return found | Q(provider_id__in=providers) if providers else found


def offers_by_pk(*, pks: list[int]) -> list[Offer]:
    """The offers of one page of results, in the order given, with their provider and area.

    The search pages through ids only (a narrow scan, no joins), then this fetches the 20 rows shown.
    """
    found = Offer.objects.select_related("provider", "locality").in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


def miles(offer: Offer, position: tuple[int, int] | None) -> float | None:
    if position is None or offer.easting is None or offer.northing is None:
        return None
    return geo.miles_between((offer.easting, offer.northing), position)


def offer_get(*, pk) -> Offer:
    """One published offer with everything its page shows about it and its provider."""
    source = (
        Offer.objects.filter(is_published=True)
        .select_related("provider", "locality", "locality__partnership")
        .prefetch_related(
            "features",
            Prefetch(
                "provider__provider_profile",
                queryset=ProviderProfile.objects.prefetch_related("localities"),
            ),
        )
    )
    return get_object_or_404(source, pk=pk)


def missing_checks(*, offer: Offer, on: datetime.date | None = None) -> list[str]:
    """The labels of the offer's required compliance checks that the provider does not hold current on `on`."""
    on = on or timezone.localdate()
    held = set(
        ComplianceDocument.objects.filter(
            organisation_id=offer.provider_id, issued_on__lte=on, expires_on__gte=on
        ).values_list("kind", flat=True)
    )
    labels = dict(ComplianceDocument._meta.get_field("kind").choices)
    return [labels[kind] for kind in offer.required_checks if kind not in held]


def next_sessions(*, offer: Offer, limit: int = NEXT_SESSIONS) -> list[Session]:
    """The next sessions that are not cancelled, full ones too (shown as "Full")."""
    return list(Session.objects.filter(offer=offer, is_cancelled=False, starts_at__gte=timezone.now())[:limit])


def nights_ahead(*, offer: Offer, days: int = NIGHTS_AHEAD) -> list[Night]:
    today = timezone.localdate()
    return list(Night.objects.filter(offer=offer, date__gte=today, date__lt=today + datetime.timedelta(days=days)))


BOOKS_FOR_OTHERS = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)


def booking_for(*, user, value: str | None) -> Carer | None:
    """The carer named by ?for= when hub staff browse on their behalf: only through the access choke point
    (a carer outside the user's partnership is a 404), and ignored for anyone who does not book for others."""
    if not value or not user.is_authenticated or user.role not in BOOKS_FOR_OTHERS:
        return None
    if not value.isdigit() or len(value) > 9:
        raise Http404("No such carer.")
    return get_visible_or_404(user, Carer.objects.all(), pk=int(value))


@dataclass
class Bookability:
    bookable: bool
    reason: str = ""


def _household_people(user, carer: Carer | None) -> tuple[Carer | None, list | None]:
    """The carer whose household a page works out bookability for (the signed-in carer, or `carer`), and their
    people; (None, None) for anyone else."""
    if carer is None and user is not None and user.is_authenticated and user.role == Role.CARER:
        carer = carer_of_user(user=user)
    if carer is None:
        return None, None
    # The carer's record came through the access choke point; their people are then read by that
    # carer's relationships (an indexed lookup), which is the same set the choke point allows.
    return carer, list(CaredForPerson.objects.filter(relationships__carer=carer).order_by("pk"))


def _household_verdict(offer: Offer, people: list | None, day: datetime.date) -> Bookability:
    """Can the household (its carer and `people`) make a party the booking rules accept on `day`? If not, why."""
    if people is None or offer.break_for == BreakFor.CARER:
        return Bookability(True)
    if not people:
        return Bookability(False, "Add the person you care for to your household first")
    reasons = [rules.person_problem(offer, person, day) for person in people]
    if all(reasons):
        return Bookability(False, "; ".join(reasons))
    return Bookability(True)


def session_bookability(
    *, offer: Offer, sessions: list[Session], missing: list[str], user=None, carer: Carer | None = None
) -> dict[int, Bookability]:
    """For each session: can it be booked (by this signed-in carer, or for `carer`, if given), and if not, why.
    The reasons are the booking rules' own (bookings.rules), so a "Book" link leads to a booking they accept.

    The carer's household is read once per page. `carer` must have come through the access choke point
    (`booking_for`).
    """
    _, people = _household_people(user, carer)
    smallest = rules.smallest_party(offer)
    result = {}
    for session in sessions:
        if missing:
            reason = f"Not bookable: the provider's {missing[0][0].lower() + missing[0][1:]} is not current"
            result[session.pk] = Bookability(False, reason)
        elif session.places_left <= 0:
            result[session.pk] = Bookability(False, "Full")
        elif session.places_left < smallest:
            result[session.pk] = Bookability(
                False, "Only 1 place left: this break is for the carer and the person cared for together, which takes 2"
            )
        else:
            result[session.pk] = _household_verdict(offer, people, timezone.localtime(session.starts_at).date())
    return result


def stay_bookability(
    *, offer: Offer, nights: list[Night], missing: list[str], user=None, carer: Carer | None = None
) -> Bookability:
    """Can a stay at this property be booked (by this signed-in carer, or for `carer`), and if not, why: the same
    rules as the booking (the property is let as a whole, to a party of at most the guests it sleeps)."""
    if missing:
        return Bookability(False, "")  # the page's warning says which check is not current
    free = [night for night in nights if night.places_left > 0]
    if not free:
        return Bookability(False, "Every night shown is taken")
    if offer.sleeps is not None and offer.sleeps < rules.smallest_party(offer):
        return Bookability(False, "It sleeps 1; this break is for the carer and the person cared for together")
    _, people = _household_people(user, carer)
    return _household_verdict(offer, people, free[0].date)


def calendar_sessions(
    *, offers: QuerySet[Offer], first: datetime.date, last: datetime.date, limit: int = CALENDAR_LIMIT
) -> list[Session]:
    """Sessions with places left of activity, creative and day offers among `offers`, from `first` to `last`."""
    start, _ = _day_bounds(first)
    _, end = _day_bounds(last)
    chosen = offers.filter(kind__in=CALENDAR_KINDS).order_by().values("pk")
    return list(
        open_sessions()
        .filter(offer__in=chosen, starts_at__gte=start, starts_at__lt=end)
        .select_related("offer")
        .order_by("starts_at", "pk")[:limit]
    )
