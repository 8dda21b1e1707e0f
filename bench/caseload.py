"""The hub's caseload at 1x and 10x data: time and query count of the pages a broker opens all day.

    .venv/bin/python bench/caseload.py                      # SQLite files in /tmp
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench .venv/bin/python bench/caseload.py
    BENCH_BASE=5000 .venv/bin/python bench/caseload.py      # the 1x size (10x is ten times it)

Prints, for each page, the median time at 1x and at 10x, their ratio and the queries per page.
"""

import argparse
import json
import os

from _harness import ensure_scale, measure_sizes, median_seconds, setup_django

BASE = int(os.environ.get("BENCH_BASE", "5000"))


def measure(size: int) -> dict:
    database = setup_django(size)
    ensure_scale(size)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from breakthrough.models import User
    from brokerage.selectors import carer_list

    broker = User.objects.get(email="broker@glenmorven.example")
    client = Client()
    client.force_login(broker)
    some_carer_pk = carer_list(fetched_by=broker).values_list("pk", flat=True)[size // 4]
    pages = {
        "caseload, first page": reverse("brokerage:caseload"),
        "caseload, a late page": reverse("brokerage:caseload") + "?page=40",
        "caseload, search by name": reverse("brokerage:caseload") + "?q=mac",
        "caseload, search by postcode": reverse("brokerage:caseload") + "?q=PA34",
        "a carer's record": reverse("brokerage:carer_detail", kwargs={"pk": some_carer_pk}),
    }
    results = {"database": database}
    for name, url in pages.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        with CaptureQueriesContext(connection) as queries:
            get()
        count = len(queries)  # now: every request start clears the connection's query log
        results[name] = [median_seconds(get), count]
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    size = parser.parse_args().size
    if size:
        print(json.dumps(measure(size)))
        return
    small, large = measure_sizes(__file__, [BASE, BASE * 10]).values()
    print(f"Caseload benchmark: {small.pop('database')} vs {large.pop('database')}")
    print(f"\n{'page':32} {'1x (ms)':>9} {'10x (ms)':>9} {'ratio':>6} {'queries 1x/10x':>15}")
    for name, (t1, q1) in small.items():
        t10, q10 = large[name]
        print(f"{name:32} {t1 * 1000:9.1f} {t10 * 1000:9.1f} {t10 / t1:6.2f} {q1:>7}/{q10:<7}")
    print(f"\n1x = {BASE:,} scale carers plus the demo data; 10x = {BASE * 10:,}.")


if __name__ == "__main__":
    main()
