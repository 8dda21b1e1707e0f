"""The commissioner's dashboard on the scale dataset: the page's time over the time of the raw SQL that computes
its figures, in the same run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench .venv/bin/python bench/dashboard.py
    BENCH_OFFERS=5000 BENCH_CARERS=50000 .venv/bin/python bench/dashboard.py    # the defaults (as bench/directory.py)

The scale dataset is bench/directory.py's (the same database when the same BENCH_DATABASE_URL is given): the demo
data, BENCH_CARERS scale carers (bench/_harness.py) and BENCH_OFFERS generated offers with their sessions and
100 bookings each (500,000 at 5,000 offers), spread over the demo partnerships.

The page reads the summary the beat task keeps (commissioning/services.py); the raw SQL is every query the
audit's figure definitions send to compute what the page shows (the last 12 months, each month and the period),
captured once and then sent straight to the database cursor, results fetched. Prints both times, their ratio
(aim at most 1.5), the page's query count, and what the beat task's refresh of the partnership costs.
"""

import argparse
import json
import os
import time

from _harness import measure_sizes, median_seconds, setup_django
from directory import BASE, DATASET, seed

MONTHS = 12


def measure(size: int) -> dict:
    database = setup_django(size, DATASET)
    seeding = seed(size)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from audits.figures import FIGURES
    from breakthrough.models import User
    from brokerage.models import Booking, Carer
    from commissioning import services
    from commissioning.models import FigureSummary

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    commissioner = User.objects.get(email="commissioner@glenmorven.example")
    partnership_id = commissioner.partnership_id
    FigureSummary.objects.filter(partnership_id=partnership_id).delete()  # as on a fresh install
    started = time.perf_counter()
    services.dashboard_refresh(partnership_id=partnership_id)
    refresh_first = time.perf_counter() - started  # the months not yet counted too (once)
    started = time.perf_counter()
    services.dashboard_refresh(partnership_id=partnership_id)
    refresh = time.perf_counter() - started  # what every run of the beat task costs this partnership

    client = Client()
    client.force_login(commissioner)
    url = reverse("commissioning:home") + f"?period={MONTHS}"

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    with CaptureQueriesContext(connection) as queries:
        page()
    page_queries = len(queries)

    current = services.month_start(services.today())
    keys = [(services.month_start(current, back=i), 1) for i in range(MONTHS)] + [(current, MONTHS)]
    with CaptureQueriesContext(connection) as captured:
        for month, months in keys:
            period = services.months_period(partnership_id, month, months)
            for code in services.DASHBOARD_FIGURES:
                FIGURES[code].compute(period)
    statements = [q["sql"] for q in captured.captured_queries]

    def raw_sql():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return {
        "database": database,
        "rows": {
            "carers": Carer.objects.count(),
            "carers (this partnership)": Carer.objects.filter(partnership_id=partnership_id).count(),
            "bookings": Booking.objects.count(),
        },
        "seeding": seeding,
        "page": [median_seconds(page, repeat=15, warmup=3), page_queries],
        "raw SQL of its figures": [median_seconds(raw_sql, repeat=5, warmup=1), len(statements)],
        "refresh, first": [refresh_first, 0],
        "refresh (each beat)": [refresh, 0],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    size = parser.parse_args().size
    if size:
        print(json.dumps(measure(size)))
        return
    (result,) = measure_sizes(__file__, [BASE], rounds=int(os.environ.get("BENCH_ROUNDS", "2"))).values()
    print(f"Dashboard benchmark: {result.pop('database')}")
    print("  " + ", ".join(f"{n:,} {what}" for what, n in result.pop("rows").items()))
    seeding = ", ".join(f"{what} {s}s" for what, s in result.pop("seeding").items()) or "already there"
    print(f"  seeding: {seeding}\n")
    for name, (seconds, queries) in result.items():
        print(f"{name:28} {seconds * 1000:10.1f} ms" + (f"  {queries} queries" if queries else ""))
    page, raw = result["page"][0], result["raw SQL of its figures"][0]
    print(f"\nThe page over the raw SQL of its figures (the last {MONTHS} months): {page / raw:.3f} (aim at most 1.5)")


if __name__ == "__main__":
    main()
