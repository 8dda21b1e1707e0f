"""The Open Referral feed at 1x and 10x offers: time and query count of /services and of
/service_at_locations near a postcode.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench_or .venv/bin/python bench/openreferral.py
    .venv/bin/python bench/openreferral.py                        # SQLite files in /tmp
    BENCH_OFFERS=5000 BENCH_MULTIPLE=10 .venv/bin/python bench/openreferral.py   # the defaults

1x is BENCH_OFFERS generated offers as the directory benchmark makes them (bench/directory.py: 8-12 sessions each
over the past and coming three months, nights for properties, on made-up outward codes across Scotland), plus the
demo data; 10x has BENCH_MULTIPLE times the offers and sessions. Capacity reads only the sessions' and nights'
`places_taken` (which bookings keep), so instead of millions of bookings each session gets a fixed share of its
places taken. Prints each request's median time at both sizes, their ratio (the aim: at most 1.5) and its
queries (which must not grow with the data).
"""

import argparse
import json
import os

from _harness import measure_sizes, median_seconds, setup_django

BASE = int(os.environ.get("BENCH_OFFERS", "5000"))
MULTIPLE = int(os.environ.get("BENCH_MULTIPLE", "10"))
DATASET = "openreferral"
AIM = 1.5
AIMED = ("/services", "/service_at_locations near")  # the requests the aim is for; the others are shown too


def seed(size: int) -> dict:
    import directory
    from django.db.models import F
    from django.db.models.functions import Mod

    from brokerage.models import Night, Session

    timings = directory._seed_offers(size)
    if timings:
        # Some places taken on every session and night (as bookings would have taken them), deterministically.
        Session.objects.update(places_taken=Mod(F("pk"), F("places") + 1))
        Night.objects.update(places_taken=Mod(F("pk"), F("places") + 1))
        # places_until (the directory's "has places" column) is left as it is: the feed does not read it.
    return timings


def measure(size: int) -> dict:
    database = setup_django(size, DATASET)
    seeding = seed(size)
    from django.db import connection
    from django.test import Client

    from brokerage.models import Night, Offer, Session

    if connection.vendor == "postgresql":
        # As autovacuum leaves a table some time after a bulk load: its visibility map set (so counts read the
        # index alone) and its statistics fresh.
        with connection.cursor() as cursor:
            for model in (Offer, Session, Night):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    client = Client()
    # The aim (ratio at most 1.5) is for the first and the fourth; the others show how the rest behaves.
    requests = {
        "/services": "/openreferral/services",
        "/services, page 50": "/openreferral/services?page=50",
        "/services, search": "/openreferral/services?search=swimming",
        "/service_at_locations near": "/openreferral/service_at_locations?postcode=BX44+1AA&proximity=16093",
        "/service_at_locations near, p5": "/openreferral/service_at_locations?postcode=BX44+1AA&proximity=16093&page=5",
    }
    results = {
        "database": database,
        "rows": {"offers": Offer.objects.count(), "sessions": Session.objects.count()},
        "seeding": seeding,
    }
    for name, url in requests.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])

        queries = []

        def count(execute, sql, *args, seen=queries):
            seen.append(sql)
            return execute(sql, *args)

        # Counted by a wrapper: Django's query log is emptied when each request starts.
        with connection.execute_wrapper(count):
            get()
        results[name] = [median_seconds(get, repeat=15, warmup=3), len(queries)]
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    size = parser.parse_args().size
    if size:
        print(json.dumps(measure(size)))
        return
    small, large = measure_sizes(__file__, [BASE, BASE * MULTIPLE]).values()
    print(f"Open Referral feed benchmark: {small.pop('database')} vs {large.pop('database')}")
    for label, result in (("1x", small), (f"{MULTIPLE}x", large)):
        rows = ", ".join(f"{n:,} {what}" for what, n in result.pop("rows").items())
        seeding = ", ".join(f"{what} {s}s" for what, s in result.pop("seeding").items()) or "already there"
        print(f"  {label}: {rows} (demo data included); seeding: {seeding}")
    big = f"{MULTIPLE}x"
    print(f"\n{'request':34} {'1x (ms)':>9} {big + ' (ms)':>9} {'ratio':>6} {'queries 1x/' + big:>15}")
    worst = 0.0
    for name, (t1, q1) in small.items():
        tn, qn = large[name]
        if name in AIMED:
            worst = max(worst, tn / t1)
        print(f"{name:34} {t1 * 1000:9.1f} {tn * 1000:9.1f} {tn / t1:6.2f} {q1:>7}/{qn:<7}")
    print(f"\nWorst ratio of {', '.join(AIMED)}: {worst:.2f} (aim: at most {AIM}).")


if __name__ == "__main__":
    main()
