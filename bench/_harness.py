"""Shared pieces of the benchmarks: a database of their own, the scale data, and timing.

Benchmarks run on demand, never in the test suite. Each prints its figures as ratios so that they
mean the same on a fast or slow machine. They use their own database, never the demo one:
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench   (PostgreSQL)
or, when that is unset, a SQLite file in /tmp.
"""

import os
import statistics
import sys
import time
import warnings
from pathlib import Path

# whitenoise warns that staticfiles/ is missing: it exists only after collectstatic, and no page here needs it.
warnings.filterwarnings("ignore", message="No directory at")

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> str:
    """Point Django at the benchmark database, migrate it, and return a description of it."""
    url = os.environ.get("BENCH_DATABASE_URL")
    os.environ.pop("DATABASE_URL", None)
    if url:
        os.environ["DATABASE_URL"] = url
        _create_postgres_database(url)
    else:
        os.environ["SQLITE_PATH"] = os.environ.get("BENCH_SQLITE_PATH", "/tmp/breakthrough-bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breakthrough.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ["DJANGO_DEBUG"] = "false"  # debug keeps every query in memory
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return f"{connection.vendor} ({url or os.environ['SQLITE_PATH']})"


def _create_postgres_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    params = {k: v for k, v in {"host": db["HOST"], "port": db["PORT"], "user": db["USER"]}.items() if v}
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db["NAME"],)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))


def ensure_scale(carers: int) -> None:
    """The demo data plus scale carers 1..carers (adds only what is missing)."""
    from breakthrough import demo

    demo.seed_demo()
    started = time.perf_counter()
    created = demo.seed_scale(count=carers)
    if created:
        print(f"  seeded up to {carers:,} scale carers in {time.perf_counter() - started:.1f}s")


def median_seconds(action, *, repeat: int = 15, warmup: int = 3) -> float:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)
