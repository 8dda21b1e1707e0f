"""The public directory at 1x and 10x data: time and query count of search, the calendar and an offer's page.

    .venv/bin/python bench/directory.py                      # SQLite files in /tmp
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench_dir .venv/bin/python bench/directory.py
    BENCH_OFFERS=5000 BENCH_MULTIPLE=10 .venv/bin/python bench/directory.py   # the defaults

1x is the issue's scale dataset: BENCH_OFFERS generated offers (8-12 sessions each over the past and coming
three months, a few nights for properties), BENCH_CARERS scale carers (the same at every size) and
BENCH_BOOKINGS_PER_OFFER bookings per offer (500,000 at 5,000 offers), spread over made-up outward codes across
Scotland and inserted in bulk. The larger size multiplies offers, sessions and bookings by BENCH_MULTIPLE.
Prints, for each page, the median time at 1x and at the larger size, their ratio and the queries per page
(which must not grow with the data).

Generating bookings is the slow part: on PostgreSQL here (2 cores, shared) 1,000,000 took 204 s, so 10x
(5,000,000) takes 15-25 minutes; SQLite took 342 s for the 1x 500,000. BENCH_MULTIPLE=2 is the practical
setting for a quick run; each size's database is kept, so only the first run of a size pays for it.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time

from _harness import ensure_scale, measure_sizes, median_seconds, setup_django

BASE = int(os.environ.get("BENCH_OFFERS", "5000"))
MULTIPLE = int(os.environ.get("BENCH_MULTIPLE", "10"))
CARERS = int(os.environ.get("BENCH_CARERS", "50000"))
BOOKINGS_PER_OFFER = int(os.environ.get("BENCH_BOOKINGS_PER_OFFER", "100"))
DATASET = "scale"  # its own databases: older runs of this benchmark had 3 sessions an offer and no bookings
TITLE_PREFIX = "Bench offer"
WORDS = ["swimming", "art", "music", "gym", "walking", "cooking", "drama", "gardening", "football", "yoga"]


def seed(offers: int) -> dict:
    """The demo data, scale carers, `offers` generated offers with sessions, and their bookings.

    Adds what is missing; returns the seconds each step took (nothing for a step that had nothing to do)."""
    timings = _seed_offers(offers)
    started = time.perf_counter()
    ensure_scale(CARERS)
    timings["carers"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    from breakthrough.demo.scale_bookings import seed_scale_bookings
    from brokerage.models import Offer

    written = seed_scale_bookings(
        offers=Offer.objects.filter(title__startswith=TITLE_PREFIX), count=offers * BOOKINGS_PER_OFFER
    )
    if written:
        timings["bookings"] = round(time.perf_counter() - started, 1)
        print(f"  seeded {written:,} bookings in {timings['bookings']:.1f}s", file=sys.stderr)
    if written or timings.get("offers"):
        from brokerage.availability import offers_refresh_places_until

        started = time.perf_counter()
        offers_refresh_places_until()  # the bulk inserts above bypass the services that keep it
        timings["places_until"] = round(time.perf_counter() - started, 1)
    return timings


def _seed_offers(offers: int) -> dict:
    """The demo data, outward codes on a grid, and `offers` generated offers with sessions (adds what is missing)."""
    from django.db import transaction
    from django.utils import timezone

    from breakthrough import demo
    from breakthrough.models import Locality, Organisation
    from brokerage.models import ComplianceDocument, ComplianceKind, Night, Offer, OfferKind, OutwardCode, Session

    demo.seed_demo()
    have = Offer.objects.filter(title__startswith=TITLE_PREFIX).count()
    if have >= offers:
        return {}
    started = time.perf_counter()
    rng = random.Random(offers)
    codes = [(f"BX{n}", 250000 + (n % 10) * 15000, 650000 + (n // 10) * 15000) for n in range(100)]
    OutwardCode.objects.bulk_create(
        [OutwardCode(code=c, easting=e, northing=n, postcodes=1) for c, e, n in codes], ignore_conflicts=True
    )
    localities = list(Locality.objects.all())
    providers = list(Organisation.objects.filter(kind=Organisation.Kind.PROVIDER))
    today = timezone.localdate()
    for provider in providers:
        for kind in ComplianceKind.values:
            ComplianceDocument.objects.get_or_create(
                organisation=provider,
                kind=kind,
                reference=f"BENCH-{kind}",
                defaults={
                    "issued_on": today - datetime.timedelta(days=30),
                    "expires_on": today.replace(year=today.year + 2),
                },
            )
    kinds = OfferKind.values
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    batch = 2000
    with transaction.atomic():
        for start in range(have, offers, batch):
            rows = []
            for n in range(start, min(start + batch, offers)):
                code, east, north = rng.choice(codes)
                paid = rng.random() < 0.6
                low = rng.choice([None, 0, 5, 12, 18])
                rows.append(
                    Offer(
                        provider=rng.choice(providers),
                        title=f"{TITLE_PREFIX} {n:06d} {rng.choice(WORDS)}",
                        summary=f"A {rng.choice(WORDS)} break near {code}.",
                        kind=rng.choice(kinds),
                        break_for=rng.choice(["carer", "cared_for", "both"]),
                        setting=rng.choice(["community", "residential", "own_home"]),
                        min_age=low,
                        max_age=None if low is None else low + rng.choice([10, 40, 80]),
                        supports_high=rng.random() < 0.5,
                        supports_complex=rng.random() < 0.2,
                        locality=rng.choice(localities),
                        postcode=f"{code} 1AA",
                        easting=east + rng.randint(-500, 500),
                        northing=north + rng.randint(-500, 500),
                        price_unit="session" if paid else "free",
                        price_pence=rng.randint(200, 6000) if paid else 0,
                    )
                )
            created = Offer.objects.bulk_create(rows)
            sessions, nights = [], []
            for offer in created:
                if offer.kind == OfferKind.PROPERTY:
                    for d in range(0, 28, 3):
                        nights.append(Night(offer=offer, date=today + datetime.timedelta(days=d), places=2))
                    continue
                for _ in range(rng.randint(8, 12)):  # over the past and the coming three months
                    starts = now + datetime.timedelta(days=rng.randint(-90, 90), hours=rng.randint(0, 10))
                    sessions.append(
                        Session(
                            offer=offer,
                            starts_at=starts,
                            ends_at=starts + datetime.timedelta(hours=3),
                            places=rng.randint(8, 30),
                            places_taken=0,  # the bookings take them (seed_scale_bookings)
                        )
                    )
            Session.objects.bulk_create(sessions, batch_size=5000)
            Night.objects.bulk_create(nights, batch_size=5000)
    took = round(time.perf_counter() - started, 1)
    print(f"  seeded {offers - have:,} offers in {took:.1f}s", file=sys.stderr)
    return {"offers": took}


def measure(size: int) -> dict:
    database = setup_django(size, DATASET)
    seeding = seed(size)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from breakthrough.models import User
    from brokerage.models import Booking, Carer, Offer, Session

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    anonymous = Client()
    carer = Client()
    carer.force_login(User.objects.get(email="carer@glenmorven.example"))
    offer = Offer.objects.filter(title__startswith=TITLE_PREFIX, kind="activity").order_by("pk")[size // 30]
    search = reverse("brokerage:directory:search")
    soon = timezone.localdate() + datetime.timedelta(days=7)
    pages = {
        "search, no filters": (anonymous, search),
        "search, a late page": (anonymous, search + "?page=100"),
        "search, words": (anonymous, search + "?q=swimming"),
        "search, a rare word": (anonymous, search + f"?q={offer.title.split()[2]}"),  # one offer's number
        "search, kind+age+places": (anonymous, search + "?kind=activity&kind=day&age=12&has_places=on"),
        "search, 10 miles of a postcode": (anonymous, search + "?postcode=BX44+1AA&within=10"),
        "search, postcode+date+cost": (
            anonymous,
            search + f"?postcode=BX44+1AA&date_0={soon.day}&date_1={soon.month}&date_2={soon.year}&max_cost=20",
        ),
        "calendar, this month": (anonymous, reverse("brokerage:directory:calendar") + "?kind=activity&age=12"),
        "offer page": (anonymous, reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})),
        "offer page, signed-in carer": (carer, reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})),
    }
    results = {
        "database": database,
        "rows": {
            "offers": Offer.objects.count(),
            "sessions": Session.objects.count(),
            "carers": Carer.objects.count(),
            "bookings": Booking.objects.count(),
        },
        "seeding": seeding,
    }
    for name, (client, url) in pages.items():

        def get(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        with CaptureQueriesContext(connection) as queries:
            get()
        count = len(queries)  # now: every request start clears the connection's query log
        results[name] = [median_seconds(get, repeat=9, warmup=2), count]
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    size = parser.parse_args().size
    if size:
        print(json.dumps(measure(size)))
        return
    small, large = measure_sizes(__file__, [BASE, BASE * MULTIPLE]).values()
    print(f"Directory benchmark: {small.pop('database')} vs {large.pop('database')}")
    for label, result in (("1x", small), (f"{MULTIPLE}x", large)):
        rows = ", ".join(f"{n:,} {what}" for what, n in result.pop("rows").items())
        seeding = ", ".join(f"{what} {s}s" for what, s in result.pop("seeding").items()) or "already there"
        print(f"  {label}: {rows} (in the database, demo data included); seeding: {seeding}")
    big = f"{MULTIPLE}x"
    print(f"\n{'page':32} {'1x (ms)':>9} {big + ' (ms)':>9} {'ratio':>6} {'queries 1x/' + big:>15}")
    for name, (t1, q1) in small.items():
        tn, qn = large[name]
        print(f"{name:32} {t1 * 1000:9.1f} {tn * 1000:9.1f} {tn / t1:6.2f} {q1:>7}/{qn:<7}")
    print(
        f"\n1x = {BASE:,} generated offers, {BASE * BOOKINGS_PER_OFFER:,} bookings, {CARERS:,} scale carers, plus the"
        f" demo data; {big} = {MULTIPLE} times the offers, sessions and bookings (the same carers)."
    )


if __name__ == "__main__":
    main()
