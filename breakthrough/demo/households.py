"""Plans: what a household looks like, decided by a seeded random.Random and nothing else.

`random_household` plans one household; `demo_households` gives the demo's: the two demo carers' fixed
households, then generated ones. Pure functions of the seed, so tests can compare them without a database.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass

from brokerage.models import Carer, NeedsLevel

from .names import (
    ADULT_CHILD_CONDITIONS,
    BREAK_MEANINGS,
    CHILD_CONDITIONS,
    COMMUNICATION_NEEDS,
    NAMES,
    OLDER_PARENT_CONDITIONS,
    PARTNER_CONDITIONS,
    PARTNERSHIP_GAELIC,
    WHAT_MATTERS,
    YOUNG_CARER_PARENT_CONDITIONS,
)
from .reference import (
    DEFAULT_SEED,
    PARTNERSHIP_BY_SLUG,
    PARTNERSHIPS,
    REFERENCE_DATE,
    REFERENCE_TIME,
    LocalitySpec,
    PartnershipSpec,
)


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
