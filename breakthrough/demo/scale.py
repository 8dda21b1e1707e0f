"""Scale: many carers, fast (bulk inserts, no save(), no signals).

Scale carer n starts the household `scale_household(seed, n)`, or joins the one before it (`scale_joins`);
`seed_scale` writes carers 1..count a batch at a time, skipping those already there.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from breakthrough.models import Role, User
from brokerage.models import CaredForPerson, Carer, CaringRelationship, Consent

from .bulk_insert import _FastInsert
from .guard import refuse_in_production
from .households import HouseholdPlan, random_household
from .reference import DEFAULT_SEED, DEMO_PASSWORD, PARTNERSHIPS, PartnershipSpec
from .seed import _localities, _person_fields

# Scale carers are keyed by their login, scale-000001@scale.breakthrough.example and so on.
SCALE_DOMAIN = "scale.breakthrough.example"
SCALE_BATCH = 2000
# Every SCALE_SHARED_EVERY-th scale carer joins the household before it and shares its people.
SCALE_SHARED_EVERY = 10


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
