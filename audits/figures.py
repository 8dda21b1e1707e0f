"""One definition per figure: what commissioners see, counted one way, read alike by audits, dashboards and targets.

Each `Figure` has a code ("demand.referrals"), a label, the plain-English definition its page shows ("how we count
this"), a version (bumped whenever the way it counts changes), its step of the audit, its unit, and ONE query: a
function of a `Period` (a partnership and the first and last days) that asks the database for the total and the
groups in aggregate (never a loop over rows) and returns a `Result`.

Figures over other records join the registry from modules of the audit app that call `register` when
AuditsConfig.ready imports them: the feedback after a break adds its outcome figures that way
(audits/feedback_figures.py, step="outcomes"), and every audit computed after it carries them.

The figures' values are plain JSON: whole numbers as ints, everything else (medians, shares) as Decimal strings
to two places, so a snapshot reads back exactly what was computed.
"""

import datetime
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least, Round
from django.utils import timezone

from audits.sql import DatesSpanned, DaysBetween, percentile
from breakthrough.models import Locality
from brokerage.bookings.services import UNANSWERED_REASON
from brokerage.models import (
    Booking,
    Carer,
    CaringRelationship,
    FundAccount,
    Leg,
    NeedsLevel,
    Night,
    Offer,
    OfferKind,
    OutcomeResult,
    PlanReviewOutcome,
    PriceUnit,
    Referral,
    Session,
    SupportKind,
    WaitingListEntry,
)
from brokerage.models.funds import Fund

# The order the audit computes (and the page shows) its steps in.
STEPS = {
    "supply": "Supply",
    "demand": "Demand",
    "access": "Access",
    "spend": "Spend",
    "variety": "Variety and gaps",
    "outcomes": "Outcomes",
}

NO_LOCALITY = "No locality recorded"
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Period:
    """A partnership and a period from `start` to `end`, both days included, in the service's time zone."""

    partnership_id: int
    start: datetime.date
    end: datetime.date

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_at(self) -> datetime.datetime:
        """The first moment after the period (exclusive)."""
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def year_before(self) -> "Period":
        return Period(self.partnership_id, _year_before(self.start), _year_before(self.end))


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Result:
    """A figure's total (None when it cannot be one number, e.g. a median across different units), and its rows:
    {"by": {"locality": "North", "kind": "Day break"}, "value": 3} (and "year_before" where the figure compares)."""

    total: object
    rows: list[dict] = field(default_factory=list)
    total_year_before: object = None
    note: str = ""


@dataclass(frozen=True)
class Figure:
    code: str
    step: str
    label: str
    definition: str
    unit: str  # "count", "pence", "days", "percent", "nights", "places"
    query: Callable[[Period], Result]
    version: int = 1
    breakdown: tuple[str, ...] = ()

    def compute(self, period: Period) -> Result:
        return self.query(period)


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    if figure.step not in STEPS:
        raise ValueError(f"{figure.code}: unknown step {figure.step!r}")
    if figure.code in FIGURES and FIGURES[figure.code] != figure:
        raise ValueError(f"{figure.code} is defined twice: one definition per figure")
    FIGURES[figure.code] = figure
    return figure


def figures_for(step: str) -> list[Figure]:
    return [figure for figure in FIGURES.values() if figure.step == step]


def definitions_version() -> str:
    """The version of the whole set: changes whenever a figure is added, removed or its version bumped."""
    text = ";".join(f"{code}:{FIGURES[code].version}" for code in sorted(FIGURES))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# --- plain values and labels --------------------------------------------------------------------------------

LABELS = {
    "kind": dict(OfferKind.choices),
    "needs": {**dict(NeedsLevel.choices), "": NOT_RECORDED},
    "unit": dict(PriceUnit.choices),
    "result": dict(OutcomeResult.choices),
}


def plain(value):
    """A value as the snapshot keeps it: ints as ints, Decimals as strings to two places, None as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def share(part: int, whole: int):
    """`part` as a percentage of `whole`, to one place (None when there is no whole to share)."""
    if not whole:
        return None
    return plain((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _label(name: str, value) -> str:
    if name == "locality":
        return value if value else NO_LOCALITY
    if name in LABELS:
        return LABELS[name].get(value, value if value else NOT_RECORDED)
    return value


def grouped(queryset, groups: dict[str, str], value) -> list[dict]:
    """One GROUP BY: `groups` maps a row's name for the group ("kind") to the field it is counted by."""
    fields = list(groups.values())
    result = queryset.order_by().values(*fields).annotate(value=value).order_by(*fields)
    return [
        {"by": {name: _label(name, row[f]) for name, f in groups.items()}, "value": plain(row["value"])}
        for row in result
    ]


def merged(*row_lists: list[dict]) -> list[dict]:
    """Add up the values of rows of the same group that came from different sources (e.g. requests and
    waiting-list entries), in the order of the groups' labels."""
    totals: dict[tuple, dict] = {}
    for rows in row_lists:
        for row in rows:
            key = tuple(sorted(row["by"].items()))
            if key in totals:
                totals[key]["value"] += row["value"] or 0
            else:
                totals[key] = {"by": dict(row["by"]), "value": row["value"] or 0}
    return [totals[key] for key in sorted(totals)]


def compared(current: list[dict], before: list[dict]) -> list[dict]:
    """Rows with the same group's value a year before beside each (0 where there was none)."""
    earlier = {tuple(sorted(row["by"].items())): row["value"] for row in before}
    keys = {tuple(sorted(row["by"].items())) for row in current} | set(earlier)
    now = {tuple(sorted(row["by"].items())): row["value"] for row in current}
    return [{"by": dict(key), "value": now.get(key, 0), "year_before": earlier.get(key, 0)} for key in sorted(keys)]


# --- the populations the figures count -------------------------------------------------------------------


def _in_period(p: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": p.start_at, f"{field_name}__lt": p.end_at})


def sessions_in(p: Period):
    """Sessions of published offers in the partnership's localities, not cancelled, starting in the period."""
    return Session.objects.filter(
        _in_period(p, "starts_at"),
        offer__locality__partnership_id=p.partnership_id,
        offer__is_published=True,
        is_cancelled=False,
    )


def nights_in(p: Period):
    """Nights of published properties in the partnership's localities, in the period."""
    return Night.objects.filter(
        offer__locality__partnership_id=p.partnership_id, offer__is_published=True, date__gte=p.start, date__lte=p.end
    )


def offers_in(p: Period):
    """Published offers in the partnership's localities with at least one session or night in the period."""
    return Offer.objects.filter(locality__partnership_id=p.partnership_id, is_published=True).filter(
        Exists(sessions_in(p).filter(offer=OuterRef("pk"))) | Exists(nights_in(p).filter(offer=OuterRef("pk")))
    )


def break_in_period(p: Period, prefix: str = "") -> Q:
    """A booking whose break begins in the period: its session starts in it, or its first night is in it."""
    return Q(**{f"{prefix}session__starts_at__gte": p.start_at, f"{prefix}session__starts_at__lt": p.end_at}) | Q(
        **{f"{prefix}first_night__gte": p.start, f"{prefix}first_night__lte": p.end}
    )


def requests_in(p: Period):
    """Booking requests made in the period by carers of the partnership (whatever became of them)."""
    return Booking.objects.filter(_in_period(p, "requested_at"), carer__partnership_id=p.partnership_id)


def waiting_in(p: Period):
    """Waiting-list entries joined in the period by carers of the partnership."""
    return WaitingListEntry.objects.filter(_in_period(p, "joined_at"), carer__partnership_id=p.partnership_id)


# Asked for and not given: a request the provider declined or never answered; a waiting-list entry that never
# became a place (still waiting, its offer lapsed, or it left the list). A place offered and turned down by the
# carer was given, so it is not unmet.
UNMET_WAITING = (WaitingListEntry.State.WAITING, WaitingListEntry.State.EXPIRED, WaitingListEntry.State.WITHDRAWN)


def unmet_requests(p: Period):
    return requests_in(p).filter(state=Booking.State.DECLINED)


def unmet_waiting(p: Period):
    return waiting_in(p).filter(state__in=UNMET_WAITING)


def priced_at_unit_cost():
    """What a request or waiting-list entry would have cost at the offer's unit price, in whole pence: per night
    times nights, per hour times places times the session's hours, per session or per place times places."""
    price = F("offer__price_pence")
    hours = DaysBetween(F("session__ends_at"), F("session__starts_at")) * 24
    return Case(
        When(offer__price_unit=PriceUnit.FREE, then=Value(0)),
        When(offer__price_unit=PriceUnit.NIGHT, nights__isnull=False, then=price * F("nights")),
        When(
            offer__price_unit=PriceUnit.HOUR,
            session__isnull=False,
            then=Cast(Round(price * F("places") * hours), BigIntegerField()),
        ),
        default=price * F("places"),
        output_field=BigIntegerField(),
    )


def break_start():
    """When a booking's break begins: its session's start, or midnight of its first night."""
    return Coalesce(F("session__starts_at"), Cast(F("first_night"), DateTimeField()))


def nights_of_break():
    """The nights a booking gives: a stay's nights, or the midnights its session spans (0 for a day session)."""
    return Coalesce(F("nights"), DatesSpanned(F("session__ends_at"), F("session__starts_at")))


def carers_known(p: Period):
    """Carers the partnership's hub knew by the end of the period."""
    return Carer.objects.filter(partnership_id=p.partnership_id, created_at__lt=p.end_at)


def attended_breaks(p: Period):
    return Booking.objects.filter(break_in_period(p), state=Booking.State.ATTENDED)


# --- supply ------------------------------------------------------------------------------------------------

BY_LOCALITY = {"locality": "locality__name"}
BY_LOCALITY_KIND = {"locality": "locality__name", "kind": "kind"}
BY_OFFER_LOCALITY_KIND = {"locality": "offer__locality__name", "kind": "offer__kind"}
BY_CARER_LOCALITY_KIND = {"locality": "carer__locality__name", "kind": "offer__kind"}
BY_KIND_UNIT = {"kind": "kind", "unit": "price_unit"}


def _providers(p):
    offers = offers_in(p)
    total = offers.aggregate(n=Count("provider", distinct=True))["n"]
    return Result(total, grouped(offers, BY_LOCALITY, Count("provider", distinct=True)))


def _offers(p):
    offers = offers_in(p)
    return Result(offers.count(), grouped(offers, BY_LOCALITY_KIND, Count("pk")))


def _sessions(p):
    sessions = sessions_in(p)
    return Result(sessions.count(), grouped(sessions, BY_OFFER_LOCALITY_KIND, Count("pk")))


def _places(p):
    sessions = sessions_in(p)
    total = sessions.aggregate(n=Coalesce(Sum("places"), 0))["n"]
    return Result(total, grouped(sessions, BY_OFFER_LOCALITY_KIND, Sum("places")))


def _nights(p):
    nights = nights_in(p)
    total = nights.aggregate(n=Coalesce(Sum("places"), 0))["n"]
    return Result(total, grouped(nights, {"locality": "offer__locality__name"}, Sum("places")))


def _priced_offers(p):
    return offers_in(p).exclude(price_unit=PriceUnit.FREE)


def _unit_cost(aggregate):
    def query(p):
        return Result(None, grouped(_priced_offers(p), BY_KIND_UNIT, aggregate))

    return query


for _figure in (
    Figure(
        "supply.providers",
        "supply",
        "Providers",
        "Providers with at least one published offer in the partnership's localities that had a session or a "
        "night available in the period. A provider working in two localities counts once in the total and once in "
        "each locality.",
        "count",
        _providers,
        breakdown=("locality",),
    ),
    Figure(
        "supply.offers",
        "supply",
        "Offers of breaks",
        "Published offers in the partnership's localities with at least one session or night in the period.",
        "count",
        _offers,
        breakdown=("locality", "kind"),
    ),
    Figure(
        "supply.sessions",
        "supply",
        "Sessions",
        "Sessions of published offers in the partnership's localities starting in the period, not counting "
        "cancelled ones.",
        "count",
        _sessions,
        breakdown=("locality", "kind"),
    ),
    Figure(
        "supply.places",
        "supply",
        "Places on sessions",
        "The places on those sessions, added up, whether or not they were booked.",
        "places",
        _places,
        breakdown=("locality", "kind"),
    ),
    Figure(
        "supply.nights",
        "supply",
        "Nights of bookable properties",
        "Nights in the period on which a bookable property in the partnership's localities could be let, times the "
        "lets each night has (1 for a single property).",
        "nights",
        _nights,
        breakdown=("locality",),
    ),
    Figure(
        "supply.unit_cost_median",
        "supply",
        "Unit cost: median",
        "The middle price of the offers counted in supply that charge, by kind of break and unit (per hour, "
        "session, night or place); with an even number, halfway between the middle two. Free offers are left out.",
        "pence",
        _unit_cost(percentile("price_pence", 0.5)),
        breakdown=("kind", "unit"),
    ),
    Figure(
        "supply.unit_cost_lowest",
        "supply",
        "Unit cost: lowest",
        "The lowest price among the same offers, by kind of break and unit.",
        "pence",
        _unit_cost(Min("price_pence")),
        breakdown=("kind", "unit"),
    ),
    Figure(
        "supply.unit_cost_highest",
        "supply",
        "Unit cost: highest",
        "The highest price among the same offers, by kind of break and unit.",
        "pence",
        _unit_cost(Max("price_pence")),
        breakdown=("kind", "unit"),
    ),
):
    register(_figure)


# --- demand ------------------------------------------------------------------------------------------------

BY_REFERRAL = {"locality": "carer__locality__name", "needs": "needs_level"}


def _referrals(p, **only):
    referrals = Referral.objects.filter(_in_period(p, "submitted_at"), partnership_id=p.partnership_id, **only)
    return Result(referrals.count(), grouped(referrals, BY_REFERRAL, Count("pk")))


def _counted(population):
    def query(p):
        rows = population(p)
        return Result(rows.count(), grouped(rows, BY_CARER_LOCALITY_KIND, Count("pk")))

    return query


def _declined(p):
    return requests_in(p).filter(state=Booking.State.DECLINED).exclude(decline_reason=UNANSWERED_REASON)


def _lapsed(p):
    return requests_in(p).filter(state=Booking.State.DECLINED, decline_reason=UNANSWERED_REASON)


def _waited_days():
    """Days from joining the list to being offered a place, or to the end of the period if not offered by then."""
    return lambda p: DaysBetween(Least(Coalesce(F("offered_at"), Value(p.end_at)), Value(p.end_at)), F("joined_at"))


def _waited(fraction):
    def query(p):
        waited = waiting_in(p).annotate(waited=_waited_days()(p))
        total = waited.aggregate(v=percentile("waited", fraction))["v"]
        return Result(
            plain(total), grouped(waited, {"locality": "carer__locality__name"}, percentile("waited", fraction))
        )

    return query


def _unmet(value, *, sessions: bool | None):
    """Add up `value` over unmet requests and unmet waiting-list entries (for sessions, for nights, or both)."""

    def query(p):
        requests, waiting = unmet_requests(p), unmet_waiting(p)
        if sessions is not None:
            requests = requests.filter(session__isnull=not sessions)
            waiting = waiting.filter(session__isnull=not sessions)
        totals = [q.aggregate(v=Coalesce(Sum(value()), 0))["v"] for q in (requests, waiting)]
        rows = merged(
            grouped(requests, BY_CARER_LOCALITY_KIND, Sum(value())),
            grouped(waiting, BY_CARER_LOCALITY_KIND, Sum(value())),
        )
        return Result(sum(totals), rows)

    return query


for _figure in (
    Figure(
        "demand.referrals",
        "demand",
        "Referrals",
        "Referrals to the partnership's Short Break Hub made in the period, by the carer's locality and the need "
        "level recorded on the referral.",
        "count",
        lambda p: _referrals(p),
        breakdown=("locality", "needs"),
    ),
    Figure(
        "demand.crisis_referrals",
        "demand",
        "Referrals in crisis",
        "Of those referrals, the ones marked as a crisis.",
        "count",
        lambda p: _referrals(p, crisis=True),
        breakdown=("locality", "needs"),
    ),
    Figure(
        "demand.booking_requests",
        "demand",
        "Booking requests",
        "Requests for a break made in the period by carers of the partnership, whatever became of them, by the "
        "carer's locality and the kind of break.",
        "count",
        _counted(requests_in),
        breakdown=("locality", "kind"),
    ),
    Figure(
        "demand.declined",
        "demand",
        "Requests declined by the provider",
        "Of those requests, the ones the provider declined (with their reason). Requests that lapsed unanswered "
        "are counted separately. A request for a full session cannot be made, so lack of places shows as "
        "waiting-list entries instead.",
        "count",
        _counted(_declined),
        breakdown=("locality", "kind"),
    ),
    Figure(
        "demand.lapsed",
        "demand",
        "Requests that lapsed unanswered",
        "Of those requests, the ones the provider had not answered when the break began, which the platform then "
        "declined.",
        "count",
        _counted(_lapsed),
        breakdown=("locality", "kind"),
    ),
    Figure(
        "demand.waiting_list_entries",
        "demand",
        "Waiting-list entries",
        "Times in the period that a carer of the partnership joined the waiting list for a full session or for "
        "nights of a property.",
        "count",
        _counted(waiting_in),
        breakdown=("locality", "kind"),
    ),
    Figure(
        "demand.waiting_days_median",
        "demand",
        "Time waited on the waiting list: median",
        "For those entries, the days from joining the list to being offered a place, or to the end of the period "
        "for those not offered one by then; the middle value.",
        "days",
        _waited(0.5),
        breakdown=("locality",),
    ),
    Figure(
        "demand.unmet_places",
        "demand",
        "Unmet demand: places",
        "Places on sessions asked for in the period and not given: requests the provider declined or never "
        "answered, and waiting-list entries that never became a place (still waiting, the offer lapsed, or they "
        "left the list). A place offered and turned down by the carer was given.",
        "places",
        _unmet(lambda: F("places"), sessions=True),
        breakdown=("locality", "kind"),
    ),
    Figure(
        "demand.unmet_nights",
        "demand",
        "Unmet demand: nights",
        "Nights of bookable properties asked for in the period and not given, counted the same way.",
        "nights",
        _unmet(lambda: F("nights"), sessions=False),
        breakdown=("locality", "kind"),
    ),
    Figure(
        "demand.unmet_pence",
        "demand",
        "Unmet demand: cost",
        "What the unmet places and nights would have cost at the offer's unit price today: per night times the "
        "nights, per hour times the places times the session's hours, per session or per place times the places. "
        "Free breaks add nothing.",
        "pence",
        _unmet(priced_at_unit_cost, sessions=None),
        breakdown=("locality", "kind"),
    ),
):
    register(_figure)


# --- access ------------------------------------------------------------------------------------------------


def _with_break(p):
    return Exists(attended_breaks(p).filter(carer=OuterRef("pk")))


def _carers_with_break(p):
    carers = Carer.objects.filter(partnership_id=p.partnership_id).filter(_with_break(p))
    return Result(carers.count(), grouped(carers, BY_LOCALITY, Count("pk")))


def _carers_known(p):
    carers = carers_known(p)
    return Result(carers.count(), grouped(carers, BY_LOCALITY, Count("pk")))


def _share_with_break(p):
    carers = carers_known(p)
    counts = {"known": Count("pk"), "had": Count("pk", filter=Q(_with_break(p)))}
    total = carers.aggregate(**counts)
    rows = carers.order_by().values("locality__name").annotate(**counts).order_by("locality__name")
    return Result(
        share(total["had"], total["known"]),
        [
            {"by": {"locality": _label("locality", r["locality__name"])}, "value": share(r["had"], r["known"])}
            for r in rows
        ],
    )


def _first_break_days(p):
    """Carers whose first break ever began in the period, with the days since their first referral."""
    first_break = (
        Booking.objects.filter(carer=OuterRef("pk"), state=Booking.State.ATTENDED)
        .annotate(begins=break_start())
        .order_by("begins")
        .values("begins")[:1]
    )
    first_referral = Referral.objects.filter(carer=OuterRef("pk")).order_by("submitted_at").values("submitted_at")[:1]
    return (
        Carer.objects.filter(partnership_id=p.partnership_id)
        .annotate(first_break=Subquery(first_break), first_referral=Subquery(first_referral))
        .filter(first_break__gte=p.start_at, first_break__lt=p.end_at, first_referral__lte=F("first_break"))
        .annotate(days=DaysBetween(F("first_break"), F("first_referral")))
    )


def _referral_to_break(fraction):
    def query(p):
        carers = _first_break_days(p)
        total = carers.aggregate(v=percentile("days", fraction))["v"]
        return Result(plain(total), grouped(carers, BY_LOCALITY, percentile("days", fraction)))

    return query


HIGHEST_NEED = NeedsLevel.COMPLEX


MINIMUM_NOT_SET = (
    "Not counted: the partnership had not set its minimum entitlement (nights of break a year) when this audit ran. "
    "A commissioner sets it under Local audits, Minimum entitlement; audits started after that count it."
)


def minimum_nights(p: Period) -> int | None:
    """The partnership's minimum entitlement (nights a year) pro rata to the period, rounded up; None if unset."""
    from audits.models import AuditSettings

    nights = AuditSettings.objects.filter(partnership_id=p.partnership_id).values_list("minimum_nights", flat=True)
    nights = next(iter(nights), None)
    if nights is None:
        return None
    return math.ceil(Decimal(nights) * p.days / 365)


def _highest_need_carers(p):
    """Carers known by the end of the period who care for someone assessed as having complex needs, each with
    the nights of break they had in the period."""
    highest = CaringRelationship.objects.filter(carer=OuterRef("pk"), cared_for__needs_level=HIGHEST_NEED)
    nights = (
        attended_breaks(p)
        .filter(carer=OuterRef("pk"))
        .order_by()
        .values("carer")
        .annotate(n=Sum(nights_of_break()))
        .values("n")
    )
    return (
        carers_known(p)
        .filter(Exists(highest))
        .annotate(nights_had=Coalesce(Subquery(nights, output_field=IntegerField()), 0))
    )


def _highest_need(p):
    carers = _highest_need_carers(p)
    return Result(carers.count(), grouped(carers, BY_LOCALITY, Count("pk")))


def _entitlement(as_share: bool):
    def query(p):
        required = minimum_nights(p)
        if required is None:
            return Result(None, [], note=MINIMUM_NOT_SET)
        counts = {"all": Count("pk"), "met": Count("pk", filter=Q(nights_had__gte=required))}
        carers = _highest_need_carers(p)
        total = carers.aggregate(**counts)
        rows = carers.order_by().values("locality__name").annotate(**counts).order_by("locality__name")
        pick = (lambda c: share(c["met"], c["all"])) if as_share else (lambda c: c["met"])
        note = f"The minimum for this period: {required} nights."
        return Result(
            pick(total),
            [{"by": {"locality": _label("locality", r["locality__name"])}, "value": pick(r)} for r in rows],
            note=note,
        )

    return query


for _figure in (
    Figure(
        "access.carers_with_break",
        "access",
        "Carers who had a break",
        "Carers of the partnership with at least one break that began in the period and that the provider "
        "recorded as attended.",
        "count",
        _carers_with_break,
        breakdown=("locality",),
    ),
    Figure(
        "access.carers_known",
        "access",
        "Carers known to the hub",
        "Carers recorded by the partnership's hub by the end of the period.",
        "count",
        _carers_known,
        breakdown=("locality",),
    ),
    Figure(
        "access.share_with_break",
        "access",
        "Share of known carers who had a break",
        "Carers who had a break, as a percentage of the carers known to the hub, to one decimal place.",
        "percent",
        _share_with_break,
        breakdown=("locality",),
    ),
    Figure(
        "access.referral_to_first_break_median",
        "access",
        "Time from referral to first break: median",
        "For carers whose first attended break ever began in the period, the days from their first referral to "
        "the start of that break (a stay of nights starts at midnight of its first night); the middle value.",
        "days",
        _referral_to_break(0.5),
        breakdown=("locality",),
    ),
    Figure(
        "access.referral_to_first_break_p90",
        "access",
        "Time from referral to first break: 90th percentile",
        "The same days: nine in ten of those carers waited this long or less.",
        "days",
        _referral_to_break(0.9),
        breakdown=("locality",),
    ),
    Figure(
        "access.highest_need_carers",
        "access",
        "Carers with the highest assessed need",
        "Carers known by the end of the period who care for someone whose needs are recorded as complex.",
        "count",
        _highest_need,
        breakdown=("locality",),
    ),
    Figure(
        "access.minimum_entitlement_met",
        "access",
        "Highest-need carers who got the minimum entitlement",
        "Of those carers, the ones whose attended breaks in the period gave at least the partnership's minimum "
        "entitlement, a number of nights a year, pro rata to the period and rounded up. A stay counts its nights, "
        "a session the midnights it spans.",
        "count",
        _entitlement(as_share=False),
        breakdown=("locality",),
    ),
    Figure(
        "access.minimum_entitlement_share",
        "access",
        "Share of highest-need carers who got the minimum entitlement",
        "Those carers as a percentage of the carers with the highest assessed need, to one decimal place.",
        "percent",
        _entitlement(as_share=True),
        breakdown=("locality",),
    ),
):
    register(_figure)


# --- spend -------------------------------------------------------------------------------------------------

SDS_OPTION = {
    Fund.Kind.DIRECT_PAYMENT: "Option 1: direct payment",
    Fund.Kind.ISF: "Option 2: Individual Service Fund",
    Fund.Kind.MICRO_GRANT: "Micro-grant",
}
SPEND_KINDS = {
    "pa": "Personal assistants",
    "residential": "Residential and overnight breaks",
    "community": "Community and universal breaks",
    "home": "Care at home and sitters",
    "creative": "Creative breaks",
    "dp_other": "Other direct payment purchases",
    "other": "Not linked to a break",
}
RESIDENTIAL_KINDS = (
    OfferKind.RESIDENTIAL,
    OfferKind.LINK_CARE,
    OfferKind.OVERNIGHT,
    OfferKind.WEEKEND,
    OfferKind.PROPERTY,
    OfferKind.HOLIDAY,
)
HOME_KINDS = (OfferKind.REPLACEMENT_CARE, OfferKind.SITTER)


def spend_legs(p: Period):
    """Legs that moved money into or out of the spent accounts (invoiced and paid) of the partnership's funds in
    the period: an invoice adds, a payment moves it within spent (nothing net), a refund takes it back out."""
    return Leg.objects.filter(
        _in_period(p, "posting__created_at"),
        posting__partnership_id=p.partnership_id,
        account__kind__in=[FundAccount.Kind.INVOICED, FundAccount.Kind.PAID],
    )


def _spend_kind():
    offer_kind = Coalesce(
        F("posting__invoice__booking__offer__kind"),
        F("posting__invoice__plan_support__offer__kind"),
        F("posting__booking__offer__kind"),
    )
    support = F("posting__invoice__plan_support__kind")
    return (
        Case(
            When(Q(posting__invoice__plan_support__kind=SupportKind.PA), then=Value("pa")),
            When(Q(posting__invoice__plan_support__kind=SupportKind.CREATIVE), then=Value("creative")),
            When(Q(offer_kind=OfferKind.CREATIVE), then=Value("creative")),
            When(Q(offer_kind__in=RESIDENTIAL_KINDS), then=Value("residential")),
            When(Q(offer_kind__in=HOME_KINDS), then=Value("home")),
            When(Q(offer_kind__isnull=False), then=Value("community")),
            When(Q(account__fund__kind=Fund.Kind.DIRECT_PAYMENT), then=Value("dp_other")),
            default=Value("other"),
            output_field=CharField(),
        ),
        offer_kind,
        support,
    )


def _spend_rows(p: Period, by: str) -> tuple[int, list[dict]]:
    legs = spend_legs(p)
    total = legs.aggregate(v=Coalesce(Sum("amount"), 0))["v"]
    if by == "option":
        rows = legs.order_by().values("account__fund__kind").annotate(v=Sum("amount")).order_by("account__fund__kind")
        return total, [
            {"by": {"option": SDS_OPTION.get(r["account__fund__kind"], r["account__fund__kind"])}, "value": r["v"]}
            for r in rows
        ]
    kind, offer_kind, _support = _spend_kind()
    rows = legs.alias(offer_kind=offer_kind).annotate(spend_kind=kind).order_by().values("spend_kind")
    rows = rows.annotate(v=Sum("amount")).order_by("spend_kind")
    return total, [{"by": {"kind": SPEND_KINDS[r["spend_kind"]]}, "value": r["v"]} for r in rows]


def _spend(by: str):
    def query(p):
        total, rows = _spend_rows(p, by)
        before_total, before = _spend_rows(p.year_before(), by)
        return Result(total, compared(rows, before), total_year_before=before_total)

    return query


SPEND_WORDS = (
    "Money spent from the partnership's funds in the period, from the ledger: what providers and suppliers "
    "invoiced (and direct payment purchases) less refunds, whether paid yet or not; beside it, the same days a "
    "year before. "
)

for _figure in (
    Figure(
        "spend.by_sds_option",
        "spend",
        "Spend by Self-Directed Support option",
        SPEND_WORDS + "By the fund it came from: direct payments are option 1, Individual Service Funds option 2; "
        "micro-grants are shown on their own. Breaks the council arranges itself (option 3) are not paid through "
        "the platform's ledger.",
        "pence",
        _spend("option"),
        breakdown=("option",),
    ),
    Figure(
        "spend.by_kind",
        "spend",
        "Spend by kind of break",
        SPEND_WORDS + "By what was invoiced: a personal assistant or a creative break in a support plan, or the "
        "kind of the break booked (residential and overnight; care at home and sitters; community and universal "
        "for day, evening and activity breaks).",
        "pence",
        _spend("kind"),
        breakdown=("kind",),
    ),
):
    register(_figure)


# --- variety and gaps --------------------------------------------------------------------------------------


def _variety(p):
    per_locality = dict(
        offers_in(p)
        .order_by()
        .values_list("locality__name")
        .annotate(n=Count("kind", distinct=True))
        .values_list("locality__name", "n")
    )
    localities = (
        Locality.objects.filter(partnership_id=p.partnership_id).order_by("name").values_list("name", flat=True)
    )
    total = offers_in(p).aggregate(n=Count("kind", distinct=True))["n"]
    return Result(total, [{"by": {"locality": name}, "value": per_locality.get(name, 0)} for name in localities])


def _gaps(p):
    """(carer's locality, kind) pairs with demand in the period and no offer of that kind available there."""
    no_supply = ~Exists(offers_in(p).filter(locality=OuterRef("carer__locality"), kind=OuterRef("offer__kind")))
    requests = requests_in(p).filter(no_supply, carer__locality__isnull=False)
    waiting = waiting_in(p).filter(no_supply, carer__locality__isnull=False)
    rows = merged(
        grouped(requests, BY_CARER_LOCALITY_KIND, Count("pk")),
        grouped(waiting, BY_CARER_LOCALITY_KIND, Count("pk")),
    )
    return Result(len(rows), rows)


for _figure in (
    Figure(
        "variety.kinds_per_locality",
        "variety",
        "Kinds of break available",
        "How many different kinds of break had at least one offer counted in supply in each locality (the total "
        "is across the whole partnership).",
        "count",
        _variety,
        breakdown=("locality",),
    ),
    Figure(
        "gaps.demand_without_supply",
        "variety",
        "Gaps: demand with no supply",
        "Each locality and kind of break where carers living there asked for that kind in the period (booking "
        "requests and waiting-list entries, wherever the break was) and no offer of that kind was available in the "
        "locality. The value of each row is how many times it was asked for; the total is the number of gaps.",
        "count",
        _gaps,
        breakdown=("locality", "kind"),
    ),
):
    register(_figure)


# --- outcomes ----------------------------------------------------------------------------------------------


def review_outcomes_in(partnership_id: int | None, start_at: datetime.datetime, end_at: datetime.datetime):
    """Personal outcomes of support plans reviewed in [start_at, end_at), of the partnership's plans (every
    partnership's when `partnership_id` is None: the programme's outcomes, commissioning/selectors.py)."""
    results = PlanReviewOutcome.objects.filter(review__reviewed_at__gte=start_at, review__reviewed_at__lt=end_at)
    if partnership_id is not None:
        results = results.filter(review__plan__partnership_id=partnership_id)
    return results


def _review_outcomes(p):
    results = review_outcomes_in(p.partnership_id, p.start_at, p.end_at)
    return Result(results.count(), grouped(results, {"result": "result"}, Count("pk")))


register(
    Figure(
        "outcomes.plan_reviews",
        "outcomes",
        "Outcomes at plan reviews",
        "Personal outcomes in support plans reviewed in the period, by how far the review found each met (met, "
        "partly met, not met).",
        "count",
        _review_outcomes,
        breakdown=("result",),
    )
)
