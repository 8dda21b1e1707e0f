"""Scale bookings: many bookings on existing sessions by the scale carers, fast (bulk inserts, no services).

`seed_scale_bookings(offers=..., count=N)` spreads N bookings over the sessions of `offers`, made by the
scale carers (`seed_scale` first). Deterministic: one seeded random.Random drives every choice, given the
same sessions and carers. Bookings on past sessions are mostly attended, on future ones mostly confirmed,
with some cancelled, declined, requested and no-shows; 1-2 places each (the carer, their cared-for people
or both, as the offer's `break_for` says). A booking that would take a session past its places is written
as cancelled instead, so `places_taken` (set from the bookings that take places) never passes `places`.

It writes straight into the tables (COPY on PostgreSQL, executemany on SQLite) in one transaction: all of
the bookings, or none. It does not check the booking rules (ages, needs, compliance): it is data for
benchmarks, not bookings a carer made.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from brokerage.models import Booking, Carer, CaringRelationship, Offer, Session

from .bulk_insert import _FastInsert
from .guard import refuse_in_production
from .reference import DEFAULT_SEED
from .scale import SCALE_DOMAIN

BOOKING_BATCH = 50_000
# States whose places stay taken (as brokerage.models.Booking.TAKING).
TAKING = frozenset({"requested", "confirmed", "attended", "no_show"})
PAST_STATES = (["attended", "cancelled", "no_show", "declined"], [75, 15, 6, 4])
FUTURE_STATES = (["confirmed", "cancelled", "requested", "declined"], [78, 12, 7, 3])


def seed_scale_bookings(
    *,
    offers,
    count: int,
    seed: int = DEFAULT_SEED,
    batch_size: int = BOOKING_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """`count` bookings over the sessions of `offers` (a queryset); returns how many it wrote.

    Writes nothing when those offers already have bookings (run it on fresh offers). Needs scale carers.
    """
    refuse_in_production("seed_scale_bookings")
    if Booking.objects.filter(offer__in=offers).exists():
        return 0
    sessions = list(
        Session.objects.filter(offer__in=offers, is_cancelled=False)
        .order_by("pk")
        .values_list("pk", "offer_id", "starts_at", "ends_at", "places")
    )
    if not sessions or not count:
        return 0
    offer_rules = {
        pk: (break_for, unit, price)
        for pk, break_for, unit, price in Offer.objects.filter(pk__in={s[1] for s in sessions}).values_list(
            "pk", "break_for", "price_unit", "price_pence"
        )
    }
    scale = Carer.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}")
    carers = list(scale.order_by("pk").values_list("pk", "user_id"))
    if not carers:
        raise ValueError("seed_scale_bookings needs the scale carers: run seed_scale first.")
    people: dict[int, list[int]] = defaultdict(list)
    for carer_id, person_id in (
        CaringRelationship.objects.filter(carer__in=scale).order_by("pk").values_list("carer_id", "cared_for_id")
    ):
        people[carer_id].append(person_id)

    rng = random.Random(f"{seed}:bookings:{count}:{len(sessions)}")
    now = timezone.now()
    taken: dict[int, int] = defaultdict(int)
    written = 0
    with transaction.atomic():
        bookings, through = _FastInsert(Booking, now), _FastInsert(Booking.cared_for.through, now)
        first_id = None
        for start in range(0, count, batch_size):
            rows, who = [], []
            for _ in range(min(batch_size, count - start)):
                row, persons = _booking(rng, sessions[rng.randrange(len(sessions))], carers, people, offer_rules, now)
                if row["state"] in TAKING:
                    session_id, places = row["session_id"], row["places"]
                    if taken[session_id] + places > _capacity(row):
                        _cancel(row)
                    else:
                        taken[session_id] += places
                rows.append(row)
                who.append(persons)
            ids = bookings.insert(rows)
            first_id = first_id or ids[0]
            through.insert(
                {"booking_id": pk, "caredforperson_id": person}
                for pk, persons in zip(ids, who, strict=True)
                for person in persons
            )
            written += len(ids)
            if progress:
                progress(written, count)
        _set_places_taken(first_id)
    _analyze()
    return written


def _booking(rng: random.Random, session, carers, people, offer_rules, now) -> tuple[dict, list[int]]:
    session_id, offer_id, starts_at, ends_at, capacity = session
    break_for, unit, price = offer_rules[offer_id]
    carer_id, user_id = carers[rng.randrange(len(carers))]
    theirs = people.get(carer_id, [])
    if break_for == "carer" or not theirs:
        includes_carer, persons = True, []
    elif break_for == "both":
        includes_carer, persons = True, theirs[:1]
    else:
        includes_carer, persons = False, theirs[: rng.choice((1, 2))]
    places = includes_carer + len(persons)
    states, weights = PAST_STATES if starts_at < now else FUTURE_STATES
    state = rng.choices(states, weights)[0]
    requested_at = starts_at - datetime.timedelta(days=rng.randint(2, 60), minutes=rng.randint(0, 1439))
    requested_at = min(requested_at, now)
    if unit == "free":
        cost, source = 0, "free"
    else:
        hours = (ends_at - starts_at).total_seconds() / 3600
        cost = round(price * hours) if unit == "hour" else price * places
        source = "fund" if rng.random() < 0.7 else "self"
    row = {
        "carer_id": carer_id,
        "offer_id": offer_id,
        "session_id": session_id,
        "includes_carer": includes_carer,
        "places": places,
        "cost_pence": cost,
        "payment_source": source,
        "state": state,
        "requested_by_id": user_id,
        "requested_at": requested_at,
        "_capacity": capacity,
    }
    decided = requested_at + datetime.timedelta(hours=rng.randint(1, 48))
    if state in ("confirmed", "attended", "no_show"):
        row["decided_at"] = min(decided, now)
    if state == "declined":
        row["decided_at"] = min(decided, now)
        row["decline_reason"] = "No places for that need on this date."
    if state in ("attended", "no_show"):
        row["attendance_recorded_at"] = ends_at
    if state == "cancelled":
        _cancel(row, by=user_id, at=min(decided, now))
    return row, persons


def _capacity(row: dict) -> int:
    return row["_capacity"]


def _cancel(row: dict, *, by: int | None = None, at: datetime.datetime | None = None) -> None:
    row["state"] = "cancelled"
    row["cancelled_by_id"] = by or row["requested_by_id"]
    row["cancelled_at"] = at or row["requested_at"]
    row["cancel_reason"] = "Plans changed."
    row.pop("decided_at", None)
    row.pop("attendance_recorded_at", None)


def _set_places_taken(first_id: int) -> None:
    """Add to each session the places its new bookings (ids from first_id on) take."""
    quote = connection.ops.quote_name
    session, booking = quote(Session._meta.db_table), quote(Booking._meta.db_table)
    states = ", ".join(f"'{state}'" for state in sorted(TAKING))
    with connection.cursor() as cursor:
        # Table names come from the models, the states from the constant above; the id is a parameter.
        cursor.execute(
            f"UPDATE {session} SET places_taken = {session}.places_taken + t.taken "  # noqa: S608
            f"FROM (SELECT session_id, SUM(places) AS taken FROM {booking} "
            f"WHERE id >= %s AND state IN ({states}) GROUP BY session_id) t "
            f"WHERE {session}.id = t.session_id",
            [first_id],
        )


def _analyze() -> None:
    tables = [Booking._meta.db_table, Booking.cared_for.through._meta.db_table, Session._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
