"""Demo and benchmark data: two fictional partnerships, their organisations, a login per role, households.

`manage.py seed_demo` calls `seed_demo()`, and `seed_scale()` for `--scale N`. Both are deterministic (one
seed drives every choice, dates are fixed) and idempotent: rows are found by natural keys (slugs, names,
e-mail addresses) and a second run creates nothing. Nothing here may run in production: the logins share a
published password and a published authenticator secret.

Household plans are pure functions of the seed (`demo_households`, `scale_household`), so tests can compare
them without a database; the `seed_*` functions turn plans into rows.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt, encrypt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from breakthrough.models import Locality, Organisation, Partnership, Role, User
from brokerage.models import CaredForPerson, Carer, CaringRelationship, Consent, NeedsLevel

DEFAULT_SEED = 2026
DEMO_PASSWORD = "breakthrough-demo"
# Every demo member of staff shares this authenticator secret (base32, 20 bytes): add it to any
# authenticator app, or run `manage.py demo_totp <email>`. Published on purpose; never in production.
DEMO_TOTP_SECRET = "BREAKTHROUGHDEMOTOTPSECRET234567"

# Fixed dates, so the same seed gives the same rows whenever it runs.
REFERENCE_DATE = datetime.date(2026, 9, 1)
REFERENCE_TIME = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.UTC)

# Scale carers are keyed by their login, scale-000001@scale.breakthrough.example and so on.
SCALE_DOMAIN = "scale.breakthrough.example"
SCALE_BATCH = 2000
# Every SCALE_SHARED_EVERY-th scale carer joins the household before it and shares its people.
SCALE_SHARED_EVERY = 10


class DemoRefused(ImproperlyConfigured):
    """Demo data (a published password and authenticator secret) must never reach production."""


def refuse_in_production(what: str) -> None:
    if getattr(settings, "DJANGO_ENV", "development") == "production" or getattr(settings, "PRODUCTION", False):
        raise DemoRefused(f"{what} is for demonstration and development only; it refuses to run in production.")


# ---------------------------------------------------------------------------------------------------
# Partnerships, localities and organisations
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalitySpec:
    name: str
    districts: tuple[str, ...]  # postcode districts; carers there get postcodes in them
    weight: int  # how many of the partnership's carers live here, relatively


@dataclass(frozen=True)
class PartnershipSpec:
    slug: str
    name: str
    kind: str
    localities: tuple[LocalitySpec, ...]
    hub: str
    body: str
    names: str  # which name lists its people are drawn from
    weight: int  # share of the scale carers


PARTNERSHIPS = (
    PartnershipSpec(
        slug="glenmorven",
        name="Glenmorven Health and Social Care Partnership",
        kind=Partnership.Kind.HSCP,
        localities=(
            LocalitySpec("Glenmorven North", ("PA34", "PA35"), 4),
            LocalitySpec("Glenmorven South", ("PA31", "PA32"), 4),
            LocalitySpec("Isle of Carra", ("PA78",), 1),
            LocalitySpec("Kilbride", ("PA37", "PA38"), 3),
        ),
        hub="Glenmorven Short Break Hub",
        body="Glenmorven HSCP Commissioning Team",
        names="scottish",
        weight=45,
    ),
    PartnershipSpec(
        slug="eastwick",
        name="Eastwick Council",
        kind=Partnership.Kind.COUNCIL,
        localities=(
            LocalitySpec("Eastwick Central", ("ME14",), 5),
            LocalitySpec("Eastwick Riverside", ("ME15", "ME16"), 4),
            LocalitySpec("Marsh End", ("ME3",), 2),
        ),
        hub="Eastwick Short Break Hub",
        body="Eastwick Council Commissioning",
        names="english",
        weight=55,
    ),
)
PARTNERSHIP_BY_SLUG = {spec.slug: spec for spec in PARTNERSHIPS}

# name -> partnerships served
PROVIDERS = {
    "Sunrise Short Breaks": ("glenmorven", "eastwick"),
    "Carra Respite Care": ("glenmorven",),
    "Heatherbank House": ("glenmorven",),
    "Riverside Sitters": ("eastwick",),
    "Marsh End Adventure Club": ("eastwick",),
    "Open Road Holidays": ("glenmorven", "eastwick"),
}
NATIONAL_BODY = "Breakthrough National"
PLATFORM = "Breakthrough Platform"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    first_name: str
    last_name: str
    organisation: str | None  # None for carers


DEMO_LOGINS = (
    DemoLogin(Role.CARER, "carer@glenmorven.example", "Morag", "MacLeod", None),
    DemoLogin(Role.CARER, "carer2@eastwick.example", "Sarah", "Thompson", None),
    DemoLogin(Role.BROKER, "broker@glenmorven.example", "Iain", "Campbell", "Glenmorven Short Break Hub"),
    DemoLogin(Role.ASSESSOR, "assessor@glenmorven.example", "Fiona", "Mackay", "Glenmorven Short Break Hub"),
    DemoLogin(
        Role.COMMISSIONER, "commissioner@glenmorven.example", "Alasdair", "Grant", "Glenmorven HSCP Commissioning Team"
    ),
    DemoLogin(Role.BROKER, "broker@eastwick.example", "Priya", "Shah", "Eastwick Short Break Hub"),
    DemoLogin(Role.PROVIDER, "provider@sunrise-breaks.example", "Tom", "Baxter", "Sunrise Short Breaks"),
    DemoLogin(Role.VOLUNTEER, "volunteer@glenmorven.example", "Ewan", "Stewart", "Glenmorven Short Break Hub"),
    DemoLogin(Role.NATIONAL, "national@breakthrough-national.example", "Grace", "Adeyemi", NATIONAL_BODY),
    DemoLogin(Role.ADMIN, "admin@breakthrough.example", "Sam", "Okoro", PLATFORM),
)


# ---------------------------------------------------------------------------------------------------
# Names and the words people use
# ---------------------------------------------------------------------------------------------------

NAMES = {
    "scottish": {
        "female": (
            "Morag", "Ailsa", "Catriona", "Eilidh", "Fiona", "Isla", "Kirsty", "Mhairi", "Rhona", "Shona",
            "Iona", "Lorna", "Elspeth", "Agnes", "Jean", "Heather", "Kirsteen", "Seonaid", "Peigi", "Marion",
        ),
        "male": (
            "Alasdair", "Angus", "Calum", "Dougal", "Ewan", "Fraser", "Hamish", "Iain", "Lachlan", "Murdo",
            "Ruaridh", "Struan", "Finlay", "Duncan", "Gregor", "Niall", "Donald", "Euan", "Archie", "Torquil",
        ),
        "last": (
            "MacLeod", "MacDonald", "Campbell", "Mackay", "Mackenzie", "MacLean", "Stewart", "Robertson",
            "Fraser", "Cameron", "Grant", "Munro", "Ross", "MacInnes", "MacNeil", "Morrison", "Paterson",
            "Sinclair", "Gillies", "Buchanan", "Ferguson", "Maclennan", "Beaton", "Kerr", "MacAulay", "Nicolson",
        ),
    },
    "english": {
        "female": (
            "Sarah", "Emma", "Claire", "Rachel", "Joanne", "Helen", "Louise", "Kerry", "Gemma", "Hannah",
            "Amy", "Priya", "Aisha", "Zoe", "Lucy", "Jade", "Samantha", "Margaret", "Patricia", "Chloe",
        ),
        "male": (
            "James", "David", "Mark", "Paul", "Lee", "Craig", "Daniel", "Tom", "Ben", "Jack",
            "Oliver", "Harry", "Ravi", "Kwame", "Darren", "Stephen", "Gary", "Arjun", "Tomasz", "Leon",
        ),
        "last": (
            "Thompson", "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Robinson",
            "Hughes", "Green", "Hall", "Wood", "Clarke", "Patel", "Khan", "Okafor", "Ahmed", "Turner",
            "Hill", "Cooper", "Ward", "Baker", "Harris", "Mensah", "Kowalski",
        ),
    },
}  # fmt: skip

CHILD_CONDITIONS = (
    "Autism",
    "Autism and ADHD",
    "Cerebral palsy",
    "Down's syndrome",
    "Global developmental delay",
    "Epilepsy",
    "Complex health needs; fed by tube",
    "Learning disability",
    "Muscular dystrophy",
)
ADULT_CHILD_CONDITIONS = (
    "Learning disability and epilepsy",
    "Autism and a learning disability",
    "Cerebral palsy",
    "Down's syndrome",
    "Acquired brain injury",
    "Schizophrenia",
)
PARTNER_CONDITIONS = (
    "Dementia",
    "Stroke",
    "Multiple sclerosis",
    "Parkinson's disease",
    "Motor neurone disease",
    "Heart failure",
    "Severe depression",
    "Cancer; receiving chemotherapy",
)
OLDER_PARENT_CONDITIONS = (
    "Alzheimer's disease",
    "Vascular dementia",
    "Frailty and falls",
    "Stroke",
    "Sight loss",
    "COPD",
    "Parkinson's disease",
)
YOUNG_CARER_PARENT_CONDITIONS = (
    "Multiple sclerosis",
    "Bipolar disorder",
    "Chronic pain",
    "Alcohol dependency",
    "ME/chronic fatigue syndrome",
)
COMMUNICATION_NEEDS = (
    "",
    "",
    "Uses Makaton signs",
    "Non-verbal; uses picture cards (PECS)",
    "Hard of hearing: face them and speak clearly",
    "Needs time to answer; short questions help",
    "Uses a communication app on a tablet",
    "BSL user",
    "Easily confused later in the day",
)
WHAT_MATTERS = (
    "Swimming on a Saturday morning",
    "Seeing the grandchildren",
    "Routine, and knowing who is coming",
    "Getting out into the garden",
    "Music, especially live bands",
    "Football with the cousins",
    "The dog, and walks with the dog",
    "Church on a Sunday",
    "Trains and the timetable",
    "Their own room and their own things",
    "Being outdoors, whatever the weather",
)
BREAK_MEANINGS = (
    "A full night's sleep.",
    "Time to see my friends without watching the clock.",
    "Getting back to my walking group.",
    "An afternoon to myself once a week.",
    "A weekend away with my partner.",
    "Time to study for my exams.",
    "Going to my own appointments without arranging cover.",
    "Time with my other children.",
    "Not feeling guilty about being tired.",
    "Being able to say yes to a night out.",
)
PARTNERSHIP_GAELIC = {"glenmorven": "Prefers to speak Gaelic"}


# ---------------------------------------------------------------------------------------------------
# Plans: what a household looks like, decided by a seeded random.Random and nothing else
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarerPlan:
    first_name: str
    last_name: str
    partnership: str
    locality: str
    postcode: str
    carer_type: str
    hours_caring_per_week: int
    preferred_contact: str
    phone: str
    break_meaning: str
    created_at: datetime.datetime
    about_you_completed: bool
    keep_details: bool | None  # None: not asked yet
    contact: bool | None

    @property
    def about_you_completed_at(self) -> datetime.datetime | None:
        return self.created_at + datetime.timedelta(days=2) if self.about_you_completed else None

    @property
    def consent_recorded_at(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(days=1)


@dataclass(frozen=True)
class PersonPlan:
    first_name: str
    last_name: str
    relationships: tuple[str, ...]  # what the person is to each of the household's carers, in order
    date_of_birth: datetime.date
    needs_level: str
    conditions: str
    communication_needs: str
    what_matters: str
    completed: bool


@dataclass(frozen=True)
class HouseholdPlan:
    carers: tuple[CarerPlan, ...]
    people: tuple[PersonPlan, ...]

    @property
    def people_completed(self) -> bool:
        return all(person.completed for person in self.people)

    def people_completed_at(self, carer: CarerPlan) -> datetime.datetime | None:
        if carer.about_you_completed and self.people_completed:
            return carer.created_at + datetime.timedelta(days=3)
        return None


_KINDS = ("parent_child", "parent_adult_child", "partner", "older_parent", "young")
_KIND_WEIGHTS = (35, 10, 25, 20, 10)
# What the main carer is, and how many hours a week they care, in each kind of household.
_KIND_CARER = {
    "parent_child": (Carer.CarerType.PARENT, (35, 100)),
    "parent_adult_child": (Carer.CarerType.PARENT, (35, 100)),
    "partner": (Carer.CarerType.ADULT, (35, 120)),
    "older_parent": (Carer.CarerType.ADULT, (10, 60)),
    "young": (Carer.CarerType.YOUNG, (10, 35)),
}
_NEEDS = (NeedsLevel.LOW, NeedsLevel.MEDIUM, NeedsLevel.HIGH, NeedsLevel.COMPLEX)
_NEEDS_WEIGHTS = (15, 35, 35, 15)
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a UK inward code may use


def _birthday(rng: random.Random, age: int) -> datetime.date:
    year_start = datetime.date(REFERENCE_DATE.year - age - 1, REFERENCE_DATE.month, REFERENCE_DATE.day)
    return year_start + datetime.timedelta(days=rng.randrange(1, 365))


def _postcode(rng: random.Random, locality: LocalitySpec) -> str:
    letters = rng.choice(_POSTCODE_LETTERS) + rng.choice(_POSTCODE_LETTERS)
    return f"{rng.choice(locality.districts)} {rng.randint(1, 9)}{letters}"


def _pick_locality(rng: random.Random, partnership: PartnershipSpec) -> LocalitySpec:
    return rng.choices(partnership.localities, weights=[loc.weight for loc in partnership.localities])[0]


def _first(rng: random.Random, names: dict, sex: str, avoid: Iterable[str] = ()) -> str:
    avoid = set(avoid)
    return rng.choice([name for name in names[sex] if name not in avoid])


def _carer(
    rng: random.Random,
    *,
    partnership: PartnershipSpec,
    locality: LocalitySpec,
    postcode: str,
    first_name: str,
    last_name: str,
    carer_type: str,
    hours: tuple[int, int],
) -> CarerPlan:
    completed = rng.random() < 0.85
    keep = True if completed else rng.choice((True, None))
    return CarerPlan(
        first_name=first_name,
        last_name=last_name,
        partnership=partnership.slug,
        locality=locality.name,
        postcode=postcode,
        carer_type=carer_type,
        hours_caring_per_week=min(168, rng.randint(*hours)),
        preferred_contact=rng.choice(Carer.ContactMethod.values),
        phone=f"07700 900{rng.randrange(1000):03d}",  # Ofcom's range for drama: never a real number
        break_meaning=rng.choice(BREAK_MEANINGS),
        created_at=REFERENCE_TIME - datetime.timedelta(days=rng.randrange(30, 900), minutes=rng.randrange(600)),
        about_you_completed=completed,
        keep_details=keep,
        contact=None if keep is None else rng.random() < 0.6,
    )


def _person(
    rng: random.Random,
    partnership: PartnershipSpec,
    *,
    first_name: str,
    last_name: str,
    relationships: tuple[str, ...],
    age: int,
    conditions: tuple[str, ...],
    completed: bool,
) -> PersonPlan:
    communication = rng.choice(COMMUNICATION_NEEDS)
    if not communication and partnership.slug in PARTNERSHIP_GAELIC and age > 60 and rng.random() < 0.3:
        communication = PARTNERSHIP_GAELIC[partnership.slug]
    return PersonPlan(
        first_name=first_name,
        last_name=last_name,
        relationships=relationships,
        date_of_birth=_birthday(rng, age),
        needs_level=rng.choices(_NEEDS, weights=_NEEDS_WEIGHTS)[0],
        conditions=rng.choice(conditions),
        communication_needs=communication,
        what_matters=rng.choice(WHAT_MATTERS),
        completed=completed and rng.random() < 0.9,
    )


def random_household(rng: random.Random, partnership: PartnershipSpec, *, two_carers: bool = False) -> HouseholdPlan:
    """One household in `partnership`: a main carer, sometimes a second, and the one or two people they care for."""
    names = NAMES[partnership.names]
    kinds, weights = _KINDS, _KIND_WEIGHTS
    if two_carers:  # a young carer's household is planned with one carer
        kinds, weights = _KINDS[:-1], _KIND_WEIGHTS[:-1]
    kind = rng.choices(kinds, weights=weights)[0]
    locality = _pick_locality(rng, partnership)
    postcode = _postcode(rng, locality)
    surname = rng.choice(names["last"])
    sex = rng.choice(("female", "female", "male"))  # most unpaid carers are women
    main_first = _first(rng, names, sex)

    def carer(first_name, last_name, carer_type, hours):
        return _carer(
            rng,
            partnership=partnership,
            locality=locality,
            postcode=postcode,
            first_name=first_name,
            last_name=last_name,
            carer_type=carer_type,
            hours=hours,
        )

    carer_type, hours = _KIND_CARER[kind]
    main = carer(main_first, surname, carer_type, hours)
    carers = [main]
    people: list[PersonPlan] = []
    done = main.about_you_completed

    def person(sex_, relationship, age, conditions, last_name=surname, second_relationship=None):
        rels = (relationship,) if not two_carers else (relationship, second_relationship or relationship)
        avoid = [c.first_name for c in carers] + [p.first_name for p in people]
        return _person(
            rng,
            partnership,
            first_name=_first(rng, names, sex_, avoid),
            last_name=last_name,
            relationships=rels,
            age=age,
            conditions=conditions,
            completed=done,
        )

    if kind in ("parent_child", "parent_adult_child"):
        adult = kind == "parent_adult_child"
        for _ in range(2 if not adult and rng.random() < 0.25 else 1):
            child_sex = rng.choice(("female", "male"))
            age = rng.randint(18, 40) if adult else rng.randint(2, 17)
            conditions = ADULT_CHILD_CONDITIONS if adult else CHILD_CONDITIONS
            people.append(person(child_sex, "Daughter" if child_sex == "female" else "Son", age, conditions))
        if two_carers:  # the other parent
            co_sex = "male" if sex == "female" else "female"
            carers.append(carer(_first(rng, names, co_sex, [main_first]), surname, carer_type, (20, 70)))
    elif kind == "partner":
        partner_sex = "male" if sex == "female" else "female"
        relationship = rng.choice(("Husband" if partner_sex == "male" else "Wife", "Partner"))
        partner_surname = surname if rng.random() < 0.7 else rng.choice(names["last"])
        child_rel = "Father" if partner_sex == "male" else "Mother"
        people.append(
            person(partner_sex, relationship, rng.randint(50, 90), PARTNER_CONDITIONS, partner_surname, child_rel)
        )
        if two_carers:  # a grown-up son or daughter shares the caring
            carers.append(
                carer(
                    _first(rng, names, rng.choice(("female", "male")), [main_first]),
                    surname,
                    Carer.CarerType.ADULT,
                    (5, 40),
                )
            )
    elif kind == "older_parent":
        parents = [("female", "Mother")] if rng.random() < 0.6 else [("male", "Father")]
        if rng.random() < 0.2:
            parents = [("female", "Mother"), ("male", "Father")]
        parent_surname = surname if rng.random() < 0.6 else rng.choice(names["last"])
        for parent_sex, relationship in parents:
            people.append(
                person(parent_sex, relationship, rng.randint(70, 98), OLDER_PARENT_CONDITIONS, parent_surname)
            )
        if two_carers:  # a brother or sister shares the caring
            carers.append(
                carer(
                    _first(rng, names, rng.choice(("female", "male")), [main_first]),
                    rng.choice((surname, rng.choice(names["last"]))),
                    Carer.CarerType.ADULT,
                    (5, 40),
                )
            )
    else:  # a young carer looks after a parent
        parent_sex = rng.choice(("female", "male"))
        people.append(
            person(
                parent_sex,
                "Mother" if parent_sex == "female" else "Father",
                rng.randint(35, 55),
                YOUNG_CARER_PARENT_CONDITIONS,
            )
        )

    return HouseholdPlan(carers=tuple(carers), people=tuple(people))


def _fixed_demo_households() -> list[HouseholdPlan]:
    """The two demo carers' households, written out so the README and a demo can rely on them."""
    glen, east = PARTNERSHIP_BY_SLUG["glenmorven"], PARTNERSHIP_BY_SLUG["eastwick"]
    morag = CarerPlan(
        first_name="Morag",
        last_name="MacLeod",
        partnership=glen.slug,
        locality="Glenmorven North",
        postcode="PA34 4QD",
        carer_type=Carer.CarerType.PARENT,
        hours_caring_per_week=70,
        preferred_contact=Carer.ContactMethod.EMAIL,
        phone="07700 900123",
        break_meaning="A night's sleep, and getting back to the hill-walking club on a Saturday.",
        created_at=datetime.datetime(2025, 3, 10, 10, 30, tzinfo=datetime.UTC),
        about_you_completed=True,
        keep_details=True,
        contact=True,
    )
    donald = CarerPlan(
        **{
            **morag.__dict__,
            "first_name": "Donald",
            "hours_caring_per_week": 30,
            "preferred_contact": Carer.ContactMethod.PHONE,
            "phone": "07700 900124",
            "break_meaning": "Time to take Callum's sister to her football without rushing back.",
            "contact": False,
        }
    )
    sarah = CarerPlan(
        first_name="Sarah",
        last_name="Thompson",
        partnership=east.slug,
        locality="Eastwick Riverside",
        postcode="ME15 6XR",
        carer_type=Carer.CarerType.ADULT,
        hours_caring_per_week=45,
        preferred_contact=Carer.ContactMethod.TEXT,
        phone="07700 900456",
        break_meaning="An afternoon at my sister's without checking my phone every ten minutes.",
        created_at=datetime.datetime(2025, 6, 2, 14, 0, tzinfo=datetime.UTC),
        about_you_completed=True,
        keep_details=True,
        contact=False,
    )
    return [
        HouseholdPlan(
            carers=(morag, donald),
            people=(
                PersonPlan(
                    first_name="Callum",
                    last_name="MacLeod",
                    relationships=("Son", "Son"),
                    date_of_birth=datetime.date(2014, 3, 12),
                    needs_level=NeedsLevel.COMPLEX,
                    conditions="Autism and epilepsy",
                    communication_needs="Non-verbal; uses Makaton and a picture board",
                    what_matters="The trampoline, the ferry to Carra, and the same routine every day",
                    completed=True,
                ),
                PersonPlan(
                    first_name="Catriona",
                    last_name="Beaton",
                    relationships=("Mother", "Mother-in-law"),
                    date_of_birth=datetime.date(1941, 8, 2),
                    needs_level=NeedsLevel.MEDIUM,
                    conditions="Early-stage dementia",
                    communication_needs="Hard of hearing; prefers to speak Gaelic",
                    what_matters="Her garden and the Gaelic choir",
                    completed=True,
                ),
            ),
        ),
        HouseholdPlan(
            carers=(sarah,),
            people=(
                PersonPlan(
                    first_name="David",
                    last_name="Thompson",
                    relationships=("Husband",),
                    date_of_birth=datetime.date(1961, 11, 20),
                    needs_level=NeedsLevel.HIGH,
                    conditions="Multiple sclerosis",
                    communication_needs="",
                    what_matters="Watching the cricket and his allotment",
                    completed=True,
                ),
            ),
        ),
    ]


DEMO_RANDOM_HOUSEHOLDS = 34
DEMO_TWO_CARER_HOUSEHOLDS = 6


def demo_households(seed: int = DEFAULT_SEED) -> list[HouseholdPlan]:
    """The demo's households: the two fixed ones, then 34 more (6 with two carers), half in each partnership."""
    households = _fixed_demo_households()
    two_carer = set(random.Random(f"{seed}:two-carer").sample(range(DEMO_RANDOM_HOUSEHOLDS), DEMO_TWO_CARER_HOUSEHOLDS))
    seen = {(c.partnership, c.first_name, c.last_name, c.postcode) for h in households for c in h.carers}
    for i in range(DEMO_RANDOM_HOUSEHOLDS):
        partnership = PARTNERSHIPS[i % len(PARTNERSHIPS)]
        attempt = 0
        while True:  # carers without a login are found again by name and postcode, so those must be unique
            rng = random.Random(f"{seed}:household:{i}:{attempt}")
            household = random_household(rng, partnership, two_carers=i in two_carer)
            keys = {(c.partnership, c.first_name, c.last_name, c.postcode) for c in household.carers}
            if len(keys) == len(household.carers) and not keys & seen:
                break
            attempt += 1
        seen |= keys
        households.append(household)
    return households


def scale_email(n: int) -> str:
    return f"scale-{n:06d}@{SCALE_DOMAIN}"


def _scale_partnership(rng: random.Random) -> PartnershipSpec:
    return rng.choices(PARTNERSHIPS, weights=[p.weight for p in PARTNERSHIPS])[0]


def scale_household(seed: int, n: int) -> HouseholdPlan:
    """The household that scale carer `n` starts. Carer n+1 is its second carer when n+1 is a multiple of
    SCALE_SHARED_EVERY (and then starts no household of its own: see `scale_joins`)."""
    rng = random.Random(f"{seed}:scale:{n}")
    return random_household(rng, _scale_partnership(rng), two_carers=(n + 1) % SCALE_SHARED_EVERY == 0)


def scale_joins(n: int) -> bool:
    """Does scale carer n join the household of carer n-1 (and care for the same people)?"""
    return n > 1 and n % SCALE_SHARED_EVERY == 0


# ---------------------------------------------------------------------------------------------------
# Writing the demo
# ---------------------------------------------------------------------------------------------------


def _count(counter: Counter, label: str, created: bool) -> None:
    if created:
        counter[label] += 1


def _ensure_organisations(counter: Counter) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    partnerships: dict[str, Partnership] = {}
    for spec in PARTNERSHIPS:
        partnership, created = Partnership.objects.update_or_create(
            slug=spec.slug, defaults={"name": spec.name, "kind": spec.kind}
        )
        _count(counter, "partnerships", created)
        partnerships[spec.slug] = partnership
        for loc in spec.localities:
            _, created = Locality.objects.get_or_create(partnership=partnership, name=loc.name)
            _count(counter, "localities", created)
        for name, kind in ((spec.hub, Organisation.Kind.HUB), (spec.body, Organisation.Kind.PARTNERSHIP_BODY)):
            orgs[name], created = Organisation.objects.update_or_create(
                name=name, defaults={"kind": kind, "partnership": partnership}
            )
            _count(counter, "organisations", created)
    for name, served in PROVIDERS.items():
        orgs[name], created = Organisation.objects.update_or_create(
            name=name, defaults={"kind": Organisation.Kind.PROVIDER, "partnership": None}
        )
        _count(counter, "organisations", created)
        orgs[name].partnerships_served.set([partnerships[slug] for slug in served])
    for name, kind in ((NATIONAL_BODY, Organisation.Kind.NATIONAL_BODY), (PLATFORM, Organisation.Kind.PLATFORM)):
        orgs[name], created = Organisation.objects.update_or_create(
            name=name, defaults={"kind": kind, "partnership": None}
        )
        _count(counter, "organisations", created)
    return orgs


def ensure_demo_authenticator(user: User) -> None:
    """An authenticator app with the demo secret, and recovery codes, stored the way allauth stores them."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        TOTP.activate(user, DEMO_TOTP_SECRET)
    elif decrypt(totp.data.get("secret", "")) != DEMO_TOTP_SECRET:
        totp.data = {**totp.data, "secret": encrypt(DEMO_TOTP_SECRET)}
        totp.save(update_fields=["data"])
    RecoveryCodes.activate(user)  # keeps existing codes


def _ensure_logins(counter: Counter, orgs: dict[str, Organisation], password_hash: str) -> dict[str, User]:
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        is_admin = login.role == Role.ADMIN
        user, created = User.objects.update_or_create(
            email=login.email,
            defaults={
                "role": login.role,
                "organisation": orgs[login.organisation] if login.organisation else None,
                "first_name": login.first_name,
                "last_name": login.last_name,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "date_joined": REFERENCE_TIME - datetime.timedelta(days=400),
            },
        )
        _count(counter, "users", created)
        users[login.email] = user
        EmailAddress.objects.filter(user=user).exclude(email=login.email).update(primary=False)
        _, created = EmailAddress.objects.update_or_create(
            user=user, email=login.email, defaults={"verified": True, "primary": True}
        )
        _count(counter, "email addresses", created)
        if login.role != Role.CARER:
            ensure_demo_authenticator(user)
    # The password is set on every run so it is always known; one hash serves every demo login.
    User.objects.filter(email__in=[login.email for login in DEMO_LOGINS]).update(password=password_hash)
    return users


def _record_consents(carer: Carer, plan: CarerPlan, counter: Counter) -> None:
    current: dict[str, Consent] = {}
    for consent in carer.consents.all():  # newest first
        current.setdefault(consent.kind, consent)
    for kind, given in ((Consent.Kind.KEEP_DETAILS, plan.keep_details), (Consent.Kind.CONTACT, plan.contact)):
        if given is None:
            continue
        previous = current.get(kind)
        if previous is None or previous.given != given:
            # Consents are append-only: a changed answer is a new, newest record.
            at = plan.consent_recorded_at if previous is None else max(timezone.now(), previous.recorded_at)
            Consent.objects.create(carer=carer, kind=kind, given=given, recorded_at=at)
            counter["consents"] += 1


def _carer_fields(plan: CarerPlan, household: HouseholdPlan, localities: dict) -> dict:
    locality = localities[(plan.partnership, plan.locality)]
    return {
        "first_name": plan.first_name,
        "last_name": plan.last_name,
        "phone": plan.phone,
        "preferred_contact": plan.preferred_contact,
        "postcode": plan.postcode,
        "locality": locality,
        "partnership_id": locality.partnership_id,
        "carer_type": plan.carer_type,
        "hours_caring_per_week": plan.hours_caring_per_week,
        "break_meaning": plan.break_meaning,
        "about_you_completed_at": plan.about_you_completed_at,
        "people_completed_at": household.people_completed_at(plan),
        "created_at": plan.created_at,
    }


def _person_fields(plan: PersonPlan, created_at: datetime.datetime) -> dict:
    return {
        "first_name": plan.first_name,
        "last_name": plan.last_name,
        "date_of_birth": plan.date_of_birth,
        "needs_level": plan.needs_level,
        "conditions": plan.conditions,
        "communication_needs": plan.communication_needs,
        "what_matters": plan.what_matters,
        "completed_at": created_at + datetime.timedelta(days=3) if plan.completed else None,
        "created_at": created_at,
    }


def _ensure_household(household: HouseholdPlan, users: list, localities: dict, counter: Counter) -> None:
    carers = []
    for i, plan in enumerate(household.carers):
        user = users[i] if i < len(users) else None
        fields = _carer_fields(plan, household, localities)
        if user is not None:
            carer, created = Carer.objects.update_or_create(user=user, defaults=fields)
        else:  # recorded by the hub, no login: found again by name and postcode
            key = {k: fields.pop(k) for k in ("first_name", "last_name", "postcode", "partnership_id")}
            carer, created = Carer.objects.update_or_create(user=None, **key, defaults=fields)
        _count(counter, "carers", created)
        _record_consents(carer, plan, counter)
        carers.append(carer)
    main_plan = household.carers[0]
    for plan in household.people:
        fields = _person_fields(plan, main_plan.created_at + datetime.timedelta(days=1))
        person = CaredForPerson.objects.filter(
            relationships__carer=carers[0], first_name=plan.first_name, last_name=plan.last_name
        ).first()
        if person is None:
            person = CaredForPerson.objects.create(**fields)
            counter["cared-for people"] += 1
        elif any(getattr(person, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(person, k, v)
            person.save()
        for carer, relationship in zip(carers, plan.relationships, strict=True):
            _, created = CaringRelationship.objects.update_or_create(
                carer=carer,
                cared_for=person,
                defaults={"relationship": relationship},
                create_defaults={"relationship": relationship, "created_at": fields["created_at"]},
            )
            _count(counter, "caring relationships", created)


def _localities() -> dict[tuple[str, str], Locality]:
    return {(loc.partnership.slug, loc.name): loc for loc in Locality.objects.select_related("partnership")}


@transaction.atomic
def seed_demo(*, seed: int = DEFAULT_SEED) -> Counter:
    """Partnerships, organisations, a login per role, and the demo households. Returns what it created."""
    refuse_in_production("seed_demo")
    counter: Counter = Counter()
    orgs = _ensure_organisations(counter)
    users = _ensure_logins(counter, orgs, make_password(DEMO_PASSWORD))
    localities = _localities()
    households = demo_households(seed)
    logins = {  # the demo carers' logins, by household: Morag's household, then Sarah's
        0: [users["carer@glenmorven.example"]],
        1: [users["carer2@eastwick.example"]],
    }
    for i, household in enumerate(households):
        _ensure_household(household, logins.get(i, []), localities, counter)
    return counter


# ---------------------------------------------------------------------------------------------------
# Scale: many carers, fast (bulk inserts, no save(), no signals)
# ---------------------------------------------------------------------------------------------------


def existing_scale_numbers() -> set[int]:
    emails = User.objects.filter(email__endswith=f"@{SCALE_DOMAIN}", email__startswith="scale-").values_list(
        "email", flat=True
    )
    numbers = (email[len("scale-") : email.index("@")] for email in emails)
    return {int(number) for number in numbers if number.isdigit()}


def seed_scale(
    *,
    count: int,
    seed: int = DEFAULT_SEED,
    batch_size: int = SCALE_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> Counter:
    """Scale carers 1..count, each with a login (the demo password) and one or two cared-for people.

    Carer n is the same household whatever runs came before; carers already present are skipped, so running
    again with the same count adds nothing and a bigger count adds the difference. Each batch is one
    transaction, so an interrupted run leaves whole households only.
    """
    refuse_in_production("seed_demo --scale")
    counter: Counter = Counter()
    missing = sorted(set(range(1, count + 1)) - existing_scale_numbers())
    if not missing:
        return counter
    localities = {key: (loc.pk, loc.partnership_id) for key, loc in _localities().items()}
    password_hash = make_password(DEMO_PASSWORD)  # one hash for all: hashing 50,000 times would take hours
    done = 0
    for start in range(0, len(missing), batch_size):
        numbers = missing[start : start + batch_size]
        with transaction.atomic():
            _scale_batch(numbers, seed, localities, password_hash, counter)
        done += len(numbers)
        if progress:
            progress(done, len(missing))
    _analyze()
    return counter


def _scale_batch(numbers: list[int], seed: int, localities: dict, password_hash: str, counter: Counter) -> None:
    now = timezone.now()
    # Which household each carer belongs to, and its place in it (0: started it, 1: joined it).
    households: dict[int, HouseholdPlan] = {}

    def household(m: int) -> HouseholdPlan:
        if m not in households:
            households[m] = scale_household(seed, m)
        return households[m]

    plans = {n: (household(n - 1), 1) if scale_joins(n) else (household(n), 0) for n in numbers}
    carer_plans = {n: house.carers[index] for n, (house, index) in plans.items()}

    user_ids = _FastInsert(User, now).insert(
        {
            "email": scale_email(n),
            "password": password_hash,
            "role": Role.CARER,
            "first_name": plan.first_name,
            "last_name": plan.last_name,
            "date_joined": plan.created_at,
        }
        for n, plan in carer_plans.items()
    )
    user_of = dict(zip(numbers, user_ids, strict=True))
    _FastInsert(EmailAddress, now).insert(
        {"user_id": user_of[n], "email": scale_email(n), "verified": True, "primary": True} for n in numbers
    )
    carer_ids = _FastInsert(Carer, now).insert(
        {
            "user_id": user_of[n],
            "first_name": plan.first_name,
            "last_name": plan.last_name,
            "phone": plan.phone,
            "preferred_contact": plan.preferred_contact,
            "postcode": plan.postcode,
            "locality_id": localities[(plan.partnership, plan.locality)][0],
            "partnership_id": localities[(plan.partnership, plan.locality)][1],
            "carer_type": plan.carer_type,
            "hours_caring_per_week": plan.hours_caring_per_week,
            "break_meaning": plan.break_meaning,
            "about_you_completed_at": plan.about_you_completed_at,
            "people_completed_at": plans[n][0].people_completed_at(plan),
            "created_at": plan.created_at,
        }
        for n, plan in carer_plans.items()
    )
    carer_of = dict(zip(numbers, carer_ids, strict=True))

    # A household's people are created with its first carer; a joining carer shares them, looked up in the
    # database when an earlier batch or run made the first carer.
    joining_later = [n for n in numbers if scale_joins(n) and n - 1 not in carer_of]
    found = _people_of([scale_email(n - 1) for n in joining_later])
    people_of: dict[int, list[int]] = {n: found.get(scale_email(n - 1), []) for n in joining_later}
    owners = [n for n in numbers if plans[n][1] == 0 or (n in people_of and not people_of[n])]
    person_rows = [
        (n, _person_fields(person, carer_plans[n].created_at + datetime.timedelta(days=1)))
        for n in owners
        for person in plans[n][0].people
    ]
    person_ids = _FastInsert(CaredForPerson, now).insert(row for _, row in person_rows)
    for (n, _), person_id in zip(person_rows, person_ids, strict=True):
        people_of.setdefault(n, []).append(person_id)
    for n in numbers:
        if scale_joins(n) and n - 1 in carer_of:
            people_of[n] = people_of[n - 1]

    relationships, consents = [], []
    for n in numbers:
        house, index = plans[n]
        plan = carer_plans[n]
        for person, person_id in zip(house.people, people_of[n], strict=False):
            relationships.append(
                {
                    "carer_id": carer_of[n],
                    "cared_for_id": person_id,
                    "relationship": person.relationships[min(index, len(person.relationships) - 1)],
                    "created_at": plan.created_at + datetime.timedelta(days=1),
                }
            )
        for kind, given in ((Consent.Kind.KEEP_DETAILS, plan.keep_details), (Consent.Kind.CONTACT, plan.contact)):
            if given is not None:
                consents.append(
                    {"carer_id": carer_of[n], "kind": kind, "given": given, "recorded_at": plan.consent_recorded_at}
                )
    _FastInsert(CaringRelationship, now).insert(relationships)
    _FastInsert(Consent, now).insert(consents)
    counter["users"] += len(user_ids)
    counter["email addresses"] += len(user_ids)
    counter["carers"] += len(carer_ids)
    counter["cared-for people"] += len(person_ids)
    counter["caring relationships"] += len(relationships)
    counter["consents"] += len(consents)


class _FastInsert:
    """Rows of one model straight into its table: ids taken up front, then one COPY (PostgreSQL) or one
    executemany (SQLite). No model instances, no save(), no signals: 50,000 households in well under a minute.

    Rows are dicts by attribute name (`user_id`); a missing column gets the field's default, and auto_now
    fields get `now`. Callers must be inside a transaction (SQLite's ids rely on holding its write lock).
    """

    # Values of these types go to the driver as they are; any other field adapts them itself.
    PLAIN = frozenset(
        {
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "BooleanField",
            "CharField",
            "EmailField",
            "ForeignKey",
            "IntegerField",
            "OneToOneField",
            "PositiveBigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SlugField",
            "SmallIntegerField",
            "TextField",
        }
    )

    def __init__(self, model, now: datetime.datetime):
        self.model = model
        self.pk = model._meta.pk
        self.columns = []
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default = now
            else:
                default = field.get_default()
            adapt = None
            if field.get_internal_type() not in self.PLAIN:
                adapt = partial(field.get_db_prep_save, connection=connection)
            self.columns.append((field.attname, field.column, default, adapt))

    def insert(self, rows: Iterable[dict]) -> list[int]:
        values = []
        for row in rows:
            value = []
            for attname, _, default, adapt in self.columns:
                v = row.get(attname, default)
                value.append(v if adapt is None or v is None else adapt(v))
            values.append(value)
        if not values:
            return []
        ids = self._allocate_ids(len(values))
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in [self.pk.column, *(col[1] for col in self.columns)])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for pk, value in zip(ids, values, strict=True):
                        copy.write_row([pk, *value])
            else:
                # Table and column names come from the model, quoted; the values are bound parameters.
                placeholders = ", ".join(["%s"] * (len(self.columns) + 1))
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
                    [[pk, *value] for pk, value in zip(ids, values, strict=True)],
                )
        return ids

    def _allocate_ids(self, count: int) -> list[int]:
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(table), self.pk.column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if connection.vendor != "sqlite":
                raise NotImplementedError(f"seed_demo --scale supports PostgreSQL and SQLite, not {connection.vendor}.")
            quoted, pk = connection.ops.quote_name(table), connection.ops.quote_name(self.pk.column)
            cursor.execute(f"SELECT max({pk}) FROM {quoted}")  # noqa: S608
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(highest, row[0] if row else 0) + 1
            return list(range(start, start + count))


def _people_of(emails: list[str]) -> dict[str, list[int]]:
    people: dict[str, list[int]] = {}
    if not emails:
        return people
    rows = (
        CaringRelationship.objects.filter(carer__user__email__in=emails)
        .order_by("carer_id", "cared_for_id")
        .values_list("carer__user__email", "cared_for_id")
    )
    for email, person_id in rows:
        people.setdefault(email, []).append(person_id)
    return people


def _analyze() -> None:
    """Fresh planner statistics after a big insert, so benchmarks measure plans for the data they have."""
    tables = [
        model._meta.db_table for model in (User, EmailAddress, Carer, CaredForPerson, CaringRelationship, Consent)
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# ---------------------------------------------------------------------------------------------------
# The demo authenticator
# ---------------------------------------------------------------------------------------------------


class NotADemoAuthenticator(Exception):
    pass


def demo_totp_code(email: str, *, at: float) -> str:
    """The 6-digit code a demo login's authenticator app shows at time `at` (a Unix timestamp)."""
    refuse_in_production("demo_totp")
    authenticator = Authenticator.objects.filter(user__email__iexact=email, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        raise NotADemoAuthenticator(f"{email} has no authenticator app set up (is it a demo staff login?).")
    secret = decrypt(authenticator.data["secret"])
    if secret != DEMO_TOTP_SECRET:
        raise NotADemoAuthenticator(f"{email}'s authenticator was not set up by seed_demo; use its own app.")
    return format_hotp_value(hotp_value(secret, int(at) // mfa_settings.TOTP_PERIOD))


def otpauth_uri(account: str = "demo staff") -> str:
    """The demo secret as an authenticator app's link (what a QR code would hold)."""
    issuer = quote(getattr(settings, "MFA_TOTP_ISSUER", "Breakthrough"))
    return f"otpauth://totp/{issuer}:{quote(account)}?secret={DEMO_TOTP_SECRET}&issuer={issuer}&digits=6&period=30"
