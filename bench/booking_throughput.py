"""Booking throughput when every request hits one offer, against requests spread over many offers.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/breakthrough_bench .venv/bin/python bench/booking_throughput.py
    BENCH_THREADS=8 BENCH_SECONDS=8 BENCH_RUNS=3 ...                           # the defaults

PostgreSQL only: row locks are what is measured, and SQLite locks the whole database for every write.
N worker threads, each with its own database connection, book for T seconds through
brokerage.bookings.services.booking_create (the carer and one cared-for person as one joint booking, so
validation, the row lock, the capacity check, the F() update, the booking, its cared-for row, the audit
event and the e-mail all run). Three shapes of traffic, each on fresh sessions with room for every booking:

- one session: every request locks the same session row (the narrowest a lock can be and still contend);
- one offer, many sessions: every request is for one offer, spread over its sessions (one row lock each);
- spread: requests spread over many offers, one session each.

Prints bookings/second (the median of the runs) for each, and each contended figure over the spread one
(the issue's target: at least 0.5). Its data (a provider with current checks, offers for carer and cared-for
person together, scale carers) lives in a database of its own, `<BENCH_DATABASE_URL>_<carers>_throughput`.
"""

import datetime
import logging
import os
import statistics
import sys
import threading
import time

from _harness import ensure_scale, setup_django

THREADS = int(os.environ.get("BENCH_THREADS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CARERS = 400
SPREAD = 64  # offers (and sessions) in the spread traffic, and sessions of the one offer
TITLE_PREFIX = "Throughput offer"
PLACES = 32000  # a session's places: a PositiveSmallIntegerField, so at most 32,767


def refuse_unless_postgres() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "booking_throughput measures PostgreSQL row locks, so it runs on PostgreSQL only (SQLite locks the whole\n"
            "database for each write, so the figures would say nothing about the app). Set BENCH_DATABASE_URL, e.g.\n"
            "  BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench "
            ".venv/bin/python bench/booking_throughput.py",
            file=sys.stderr,
        )
        sys.exit(2)


def seed():
    """A provider with every check current, SPREAD free offers for carer and cared-for person together, and
    (carer, cared-for person) pairs of scale carers. Returns the offers and the pairs."""
    from django.utils import timezone

    from breakthrough.models import Locality, Organisation
    from brokerage.models import CaringRelationship, ComplianceDocument, ComplianceKind, Offer

    ensure_scale(CARERS)
    provider = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).order_by("pk").first()
    today = timezone.localdate()
    for kind in ComplianceKind.values:
        ComplianceDocument.objects.get_or_create(
            organisation=provider,
            kind=kind,
            reference=f"THROUGHPUT-{kind}",
            defaults={
                "issued_on": today - datetime.timedelta(days=30),
                "expires_on": today + datetime.timedelta(days=700),
            },
        )
    locality = Locality.objects.order_by("pk").first()
    for n in range(SPREAD):
        Offer.objects.get_or_create(
            title=f"{TITLE_PREFIX} {n:03d}",
            defaults={
                "provider": provider,
                "summary": "A swim for carer and cared-for person together.",
                "kind": "activity",
                "break_for": "both",
                "setting": "community",
                "supports_high": True,
                "supports_complex": True,
                "locality": locality,
                "postcode": "PA34 4AA",
                "booking_mode": "instant",
            },
        )
    offers = list(Offer.objects.filter(title__startswith=TITLE_PREFIX).order_by("title"))
    pairs = []
    seen = set()
    relationships = (
        CaringRelationship.objects.filter(carer__user__email__endswith="@scale.breakthrough.example")
        .select_related("carer__user", "cared_for")
        .order_by("carer_id", "cared_for_id")
    )
    for rel in relationships:
        if rel.carer_id not in seen:
            seen.add(rel.carer_id)
            pairs.append((rel.carer, rel.cared_for))
    return offers, pairs


def fresh_sessions(offers, shape: str):
    """New sessions for one run: 1 on the first offer, SPREAD on the first offer, or 1 on each of SPREAD offers."""
    from django.utils import timezone

    from brokerage.models import Session

    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=30)
    if shape == "one session":
        targets = [(offers[0], 0)]
    elif shape == "one offer, many sessions":
        targets = [(offers[0], n) for n in range(SPREAD)]
    else:
        targets = [(offer, 0) for offer in offers[:SPREAD]]
    return [
        Session.objects.create(
            offer=offer,
            starts_at=starts + datetime.timedelta(hours=n),
            ends_at=starts + datetime.timedelta(hours=n + 2),
            places=PLACES,
        )
        for offer, n in targets
    ]


def run(shape: str, offers, pairs) -> float:
    """Bookings per second of THREADS workers booking for SECONDS on fresh sessions of `shape`."""
    from django.core.exceptions import ValidationError
    from django.db import connections

    from brokerage.bookings.services import booking_create
    from brokerage.models import Session

    sessions = fresh_sessions(offers, shape)
    offer_of = {offer.pk: offer for offer in offers}
    counts = [0] * THREADS
    errors: list[str] = []
    start = threading.Barrier(THREADS + 1)
    stop = threading.Event()

    def worker(index: int) -> None:
        mine = pairs[index::THREADS]
        done = 0
        try:
            start.wait()
            while not stop.is_set():
                carer, person = mine[done % len(mine)]
                session = sessions[(index + done * THREADS) % len(sessions)]
                try:
                    booking_create(
                        carer=carer,
                        offer=offer_of[session.offer_id],
                        session=session,
                        includes_carer=True,
                        cared_for=[person],
                        payment_source="free",
                        by=carer.user,
                    )
                except ValidationError as error:
                    errors.append(str(error))
                    return
                done += 1
        finally:
            counts[index] = done
            connections["default"].close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{shape}: a booking failed: {errors[0]}")
    taken = sum(Session.objects.filter(pk__in=[s.pk for s in sessions]).values_list("places_taken", flat=True))
    assert taken == 2 * sum(counts), (shape, taken, sum(counts))  # every booking took its 2 places, no more
    return sum(counts) / elapsed


def main():
    refuse_unless_postgres()
    database = setup_django(CARERS, "throughput")
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # not the console: e-mails are built, kept
    logging.disable(logging.WARNING)  # Celery runs the e-mail tasks inline and logs each one
    offers, pairs = seed()
    shapes = ["one session", "one offer, many sessions", "spread over many offers"]
    run(shapes[-1], offers, pairs)  # warm-up: connections, caches, templates
    rates: dict[str, list[float]] = {shape: [] for shape in shapes}
    for _ in range(RUNS):
        for shape in shapes:  # interleaved, so that a noisy neighbour hits every shape alike
            rates[shape].append(run(shape, offers, pairs))
    median = {shape: statistics.median(values) for shape, values in rates.items()}
    spread = median[shapes[-1]]
    print(f"Booking throughput: {database}")
    print(f"{THREADS} threads, {SECONDS:g}s a run, median of {RUNS} runs; {SPREAD} sessions when spread\n")
    print(f"{'traffic':28} {'bookings/s':>10} {'runs':>24} {'/ spread':>9}")
    for shape in shapes:
        runs = " ".join(f"{r:7.1f}" for r in rates[shape])
        print(f"{shape:28} {median[shape]:10.1f} {runs:>24} {median[shape] / spread:9.2f}")
    print("\nTarget: every request on one offer runs at least half as fast as spread traffic (ratio >= 0.5).")


if __name__ == "__main__":
    main()
