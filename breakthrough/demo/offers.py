"""The demo's directory: provider profiles, their compliance documents, offers of breaks and their availability.

Sessions and nights are laid out over the eight weeks from the Monday of the week the seed runs, so a
demo always has breaks to book; a second run the same week creates nothing new.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from breakthrough.models import Locality, Organisation
from brokerage.availability import offers_refresh_places_until
from brokerage.models import (
    AccessibilityFeature,
    BookingMode,
    BreakFor,
    ComplianceDocument,
    ComplianceKind,
    Night,
    Offer,
    OfferKind,
    PriceUnit,
    ProviderProfile,
    Regulator,
    Session,
    Setting,
)

LONDON = ZoneInfo("Europe/London")
WEEKS = 8

FEATURES = {
    "step-free": "Step-free access",
    "accessible-toilet": "Accessible toilet",
    "changing-places": "Changing Places toilet",
    "hearing-loop": "Hearing loop",
    "quiet-space": "Quiet space",
    "hoist": "Ceiling hoist",
}

# provider -> (regulator, registration number, e-mail, phone, summary)
PROFILES = {
    "Sunrise Short Breaks": (
        Regulator.CARE_INSPECTORATE,
        "CS2009123456",
        "bookings@sunrise-breaks.example",
        "01632 960 101",
        "Day and evening breaks for children and adults with additional support needs, run from community halls.",
    ),
    "Carra Respite Care": (
        Regulator.CARE_INSPECTORATE,
        "CS2012654321",
        "hello@carra-respite.example",
        "01632 960 202",
        "Replacement care at home and overnight sitting across Glenmorven and the Isle of Carra.",
    ),
    "Heatherbank House": (
        Regulator.CARE_INSPECTORATE,
        "CS2004111222",
        "stays@heatherbank.example",
        "01632 960 303",
        "A six-bedroom residential respite house with nursing care, and a fully accessible holiday cottage.",
    ),
    "Riverside Sitters": (
        Regulator.CQC,
        "1-10293847",
        "sitters@riverside.example",
        "01632 960 404",
        "Trained, PVG-checked sitters who come to your home so you can go out.",
    ),
    "Marsh End Adventure Club": (
        Regulator.NOT_REGULATED,
        "",
        "club@marshend.example",
        "01632 960 505",
        "Outdoor activity days and clubs for young people and young carers.",
    ),
    "Open Road Holidays": (
        Regulator.NOT_REGULATED,
        "",
        "trips@openroad.example",
        "01632 960 606",
        "Supported short holidays and creative breaks for carers, on their own or with the person they care for.",
    ),
}


@dataclass(frozen=True)
class OfferPlan:
    provider: str
    title: str
    summary: str
    kind: str
    break_for: str
    setting: str
    partnership: str
    locality: str
    postcode: str
    price_pence: int
    price_unit: str
    booking_mode: str
    needs: tuple[str, ...]
    features: tuple[str, ...]
    min_age: int | None = None
    max_age: int | None = None
    # Weekly sessions: (weekday, start "HH:MM", end "HH:MM", places); properties get nights instead.
    weekly: tuple[tuple[int, str, str, int], ...] = ()
    # How many days after it starts a session ends (an overnight: 1; a Friday-to-Sunday weekend: 2).
    ends_days_later: int = 0
    # A bookable property: the most guests it sleeps (it is let to one household at a time).
    sleeps: int | None = None


OFFERS = (
    OfferPlan(
        "Sunrise Short Breaks",
        "Saturday club",
        "A day of games, art and lunch with friends, while you get a Saturday to yourself.",
        OfferKind.DAY,
        BreakFor.CARED_FOR,
        Setting.COMMUNITY,
        "glenmorven",
        "Glenmorven North",
        "PA34 4AA",
        0,
        PriceUnit.FREE,
        BookingMode.INSTANT,
        ("low", "medium", "high"),
        ("step-free", "accessible-toilet", "quiet-space"),
        8,
        18,
        ((5, "10:00", "15:00", 10),),
    ),
    OfferPlan(
        "Sunrise Short Breaks",
        "Tuesday evening youth club",
        "Two hours of music, games and pizza for young people.",
        OfferKind.EVENING,
        BreakFor.CARED_FOR,
        Setting.COMMUNITY,
        "eastwick",
        "Eastwick Central",
        "ME14 1AB",
        450,
        PriceUnit.SESSION,
        BookingMode.INSTANT,
        ("low", "medium"),
        ("step-free",),
        11,
        19,
        ((1, "18:00", "20:00", 12),),
    ),
    OfferPlan(
        "Sunrise Short Breaks",
        "Swim and gym for carers",
        "An hour in the pool or the gym, on us.",
        OfferKind.ACTIVITY,
        BreakFor.CARER,
        Setting.COMMUNITY,
        "glenmorven",
        "Glenmorven South",
        "PA31 8AB",
        0,
        PriceUnit.FREE,
        BookingMode.INSTANT,
        ("low", "medium", "high", "complex"),
        ("step-free", "hearing-loop"),
        16,
        None,
        ((2, "10:00", "11:00", 6), (4, "18:30", "19:30", 6)),
    ),
    OfferPlan(
        "Sunrise Short Breaks",
        "First aid for carers",
        "A friendly morning course: what to do in an emergency at home.",
        OfferKind.ACTIVITY,
        BreakFor.CARER,
        Setting.COMMUNITY,
        "eastwick",
        "Eastwick Riverside",
        "ME15 6AA",
        0,
        PriceUnit.FREE,
        BookingMode.REQUEST,
        ("low", "medium", "high", "complex"),
        ("step-free", "hearing-loop"),
        16,
        None,
        ((3, "09:30", "12:30", 12),),
    ),
    OfferPlan(
        "Carra Respite Care",
        "Replacement care at home",
        "A trained care worker looks after the person you care for at home while you go out.",
        OfferKind.REPLACEMENT_CARE,
        BreakFor.CARED_FOR,
        Setting.OWN_HOME,
        "glenmorven",
        "Isle of Carra",
        "PA78 6TA",
        2400,
        PriceUnit.HOUR,
        BookingMode.REQUEST,
        ("medium", "high", "complex"),
        (),
        None,
        None,
        ((0, "13:00", "17:00", 2), (3, "13:00", "17:00", 2)),
    ),
    OfferPlan(
        "Carra Respite Care",
        "Overnight sitting at home",
        "A waking night sitter so you can sleep.",
        OfferKind.OVERNIGHT,
        BreakFor.CARED_FOR,
        Setting.OWN_HOME,
        "glenmorven",
        "Glenmorven North",
        "PA35 1AA",
        16000,
        PriceUnit.SESSION,
        BookingMode.REQUEST,
        ("high", "complex"),
        (),
        None,
        None,
        ((4, "22:00", "07:00", 1),),
        ends_days_later=1,
    ),
    OfferPlan(
        "Heatherbank House",
        "Residential respite weekend",
        "Friday to Sunday with nursing care in a homely house by the loch.",
        OfferKind.RESIDENTIAL,
        BreakFor.CARED_FOR,
        Setting.RESIDENTIAL,
        "glenmorven",
        "Kilbride",
        "PA37 1PX",
        21000,
        PriceUnit.NIGHT,
        BookingMode.REQUEST,
        ("high", "complex"),
        ("step-free", "changing-places", "hoist"),
        18,
        None,
        ((4, "17:00", "16:00", 3),),
        ends_days_later=2,
    ),
    OfferPlan(
        "Heatherbank House",
        "Loch-side accessible cottage",
        "A two-bedroom cottage with a hoist and wet room, for a break together.",
        OfferKind.PROPERTY,
        BreakFor.BOTH,
        Setting.COMMUNITY,
        "glenmorven",
        "Kilbride",
        "PA38 4BA",
        9500,
        PriceUnit.NIGHT,
        BookingMode.INSTANT,
        ("low", "medium", "high", "complex"),
        ("step-free", "accessible-toilet", "hoist"),
        None,
        None,
        (),
        sleeps=4,
    ),
    OfferPlan(
        "Riverside Sitters",
        "Sitting service",
        "A familiar sitter comes to your home for up to four hours.",
        OfferKind.SITTER,
        BreakFor.CARED_FOR,
        Setting.OWN_HOME,
        "eastwick",
        "Eastwick Riverside",
        "ME16 8AA",
        1800,
        PriceUnit.HOUR,
        BookingMode.REQUEST,
        ("low", "medium", "high"),
        (),
        None,
        None,
        ((1, "10:00", "14:00", 3), (5, "10:00", "14:00", 3)),
    ),
    OfferPlan(
        "Marsh End Adventure Club",
        "Young carers' adventure day",
        "Kayaking, climbing and a barbecue with other young carers.",
        OfferKind.ACTIVITY,
        BreakFor.CARER,
        Setting.COMMUNITY,
        "eastwick",
        "Marsh End",
        "ME3 9AA",
        0,
        PriceUnit.FREE,
        BookingMode.INSTANT,
        ("low", "medium", "high", "complex"),
        ("quiet-space",),
        10,
        17,
        ((5, "09:30", "16:30", 16),),
    ),
    OfferPlan(
        "Marsh End Adventure Club",
        "Family fun day",
        "A day out for the whole family, with support staff on hand.",
        OfferKind.ACTIVITY,
        BreakFor.BOTH,
        Setting.COMMUNITY,
        "eastwick",
        "Marsh End",
        "ME3 9AB",
        500,
        PriceUnit.PLACE,
        BookingMode.INSTANT,
        ("low", "medium", "high"),
        ("step-free", "accessible-toilet"),
        None,
        None,
        ((6, "11:00", "16:00", 20),),
    ),
    OfferPlan(
        "Open Road Holidays",
        "Supported coast break",
        "Four days by the sea with support staff, for the person you care for.",
        OfferKind.HOLIDAY,
        BreakFor.CARED_FOR,
        Setting.COMMUNITY,
        "glenmorven",
        "Glenmorven South",
        "PA32 8XA",
        32000,
        PriceUnit.PLACE,
        BookingMode.REQUEST,
        ("low", "medium", "high"),
        ("step-free", "accessible-toilet"),
        18,
        None,
        ((0, "10:00", "16:00", 6),),
    ),
    OfferPlan(
        "Open Road Holidays",
        "Creative break: pottery weekend",
        "Learn to throw a pot, with time to yourself in between.",
        OfferKind.CREATIVE,
        BreakFor.CARER,
        Setting.COMMUNITY,
        "eastwick",
        "Eastwick Central",
        "ME14 2BB",
        6000,
        PriceUnit.PLACE,
        BookingMode.REQUEST,
        ("low", "medium", "high", "complex"),
        ("step-free",),
        18,
        None,
        ((5, "10:00", "16:00", 8),),
    ),
)


def _documents(organisation: Organisation, offers: list[Offer], today: datetime.date, counter: Counter) -> None:
    """Current documents for every check the provider's offers need (insurance at the least)."""
    kinds = {ComplianceKind.INSURANCE} | {check for offer in offers for check in offer.required_checks}
    for kind in sorted(kinds):
        _, created = ComplianceDocument.objects.get_or_create(
            organisation=organisation,
            kind=kind,
            reference=f"{organisation.name[:3].upper()}-{kind[:3].upper()}-2026",
            defaults={
                "holder": "All staff and volunteers" if kind == ComplianceKind.DISCLOSURE else "",
                "issued_on": today.replace(day=1) - datetime.timedelta(days=200),
                # One document runs out within the 30-day warning window, so the portal shows the warning.
                "expires_on": today + datetime.timedelta(days=20 if kind == ComplianceKind.DISCLOSURE else 300),
            },
        )
        counter["compliance documents"] += created


def _at(day: datetime.date, clock: str) -> datetime.datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def _sessions(offer: Offer, plan: OfferPlan, monday: datetime.date, counter: Counter) -> None:
    for week in range(WEEKS):
        for weekday, start, end, places in plan.weekly:
            day = monday + datetime.timedelta(days=7 * week + weekday)
            starts_at = _at(day, start)
            ends_at = _at(day + datetime.timedelta(days=plan.ends_days_later), end)
            _, created = Session.objects.get_or_create(
                offer=offer, starts_at=starts_at, defaults={"ends_at": ends_at, "places": places}
            )
            counter["sessions"] += created


def _nights(offer: Offer, monday: datetime.date, counter: Counter) -> None:
    existing = set(Night.objects.filter(offer=offer).values_list("date", flat=True))
    new = [
        Night(offer=offer, date=monday + datetime.timedelta(days=n))
        for n in range(7 * WEEKS)
        if monday + datetime.timedelta(days=n) not in existing
    ]
    Night.objects.bulk_create(new)
    counter["nights"] += len(new)


def ensure_offers(orgs: dict[str, Organisation], localities: dict[tuple[str, str], Locality], counter: Counter) -> None:
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    features = {}
    for slug, name in FEATURES.items():
        features[slug], created = AccessibilityFeature.objects.get_or_create(slug=slug, defaults={"name": name})
        counter["accessibility features"] += created
    by_provider: dict[str, list[Offer]] = {}
    for plan in OFFERS:
        offer, created = Offer.objects.update_or_create(
            provider=orgs[plan.provider],
            title=plan.title,
            defaults={
                "summary": plan.summary,
                "kind": plan.kind,
                "break_for": plan.break_for,
                "setting": plan.setting,
                "locality": localities[(plan.partnership, plan.locality)],
                "postcode": plan.postcode,
                "price_pence": plan.price_pence,
                "price_unit": plan.price_unit,
                "booking_mode": plan.booking_mode,
                "min_age": plan.min_age,
                "max_age": plan.max_age,
                "sleeps": plan.sleeps,
                **{f"supports_{level}": level in plan.needs for level in ("low", "medium", "high", "complex")},
            },
        )
        counter["offers"] += created
        offer.features.set([features[slug] for slug in plan.features])
        if offer.uses_nights:
            _nights(offer, monday, counter)
        else:
            _sessions(offer, plan, monday, counter)
        by_provider.setdefault(plan.provider, []).append(offer)
    offers_refresh_places_until(offers=Offer.objects.filter(title__in=[plan.title for plan in OFFERS]))
    for name, (regulator, number, email, phone, summary) in PROFILES.items():
        organisation = orgs[name]
        _, created = ProviderProfile.objects.update_or_create(
            organisation=organisation,
            defaults={
                "regulator": regulator,
                "registration_number": number,
                "email": email,
                "phone": phone,
                "summary": summary,
            },
        )
        counter["provider profiles"] += created
        organisation.provider_profile.localities.set(
            [
                loc
                for (slug, _), loc in localities.items()
                if organisation.partnerships_served.filter(slug=slug).exists()
            ]
        )
        _documents(organisation, by_provider.get(name, []), today, counter)
