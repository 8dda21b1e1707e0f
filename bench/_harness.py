"""Shared pieces of the benchmarks: a database per data size, the scale data, and timing.

Benchmarks run on demand, never in the test suite. Each prints its figures as ratios so that they
mean the same on a fast or slow machine. Each data size gets a database of its own, never the demo one:
PostgreSQL when BENCH_DATABASE_URL is set (its name gets a suffix per size), else SQLite files in /tmp.
A script measures one size in a child process (`--size N`, printing JSON) so that sizes never mix.
"""

import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# whitenoise warns that staticfiles/ is missing: it exists only after collectstatic, and no page here needs it.
warnings.filterwarnings("ignore", message="No directory at")


def setup_django(size: int, dataset: str = "") -> str:
    """Point Django at the benchmark database for `size`, migrate it, and return a description of it.

    `dataset` names what the benchmark puts in it, so that benchmarks with different data never share one."""
    url = os.environ.get("BENCH_DATABASE_URL")
    os.environ.pop("DATABASE_URL", None)
    suffix = f"{size}_{dataset}" if dataset else f"{size}"
    if url:
        url = f"{url.rstrip('/')}_{suffix}"
        os.environ["DATABASE_URL"] = url
        _create_postgres_database(url)
        where = url
    else:
        where = os.environ["SQLITE_PATH"] = f"/tmp/breakthrough-bench-{suffix}.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breakthrough.settings")
    os.environ["DJANGO_ENV"] = "development"
    os.environ["DJANGO_DEBUG"] = "false"  # debug keeps every query in memory
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection

    # Keep one connection for the whole run, as a web worker with persistent connections does
    # (and so the query log survives between requests for counting).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    return f"{connection.vendor} {where}"


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
        # As production runs it (docker-compose.yml): planner costs for SSD storage.
        conn.execute(sql.SQL("ALTER DATABASE {} SET random_page_cost = 1.1").format(sql.Identifier(db["NAME"])))


def ensure_scale(carers: int) -> None:
    """The demo data plus scale carers 1..carers (adds only what is missing)."""
    from breakthrough import demo

    demo.seed_demo()
    started = time.perf_counter()
    created = demo.seed_scale(count=carers)
    if created:
        print(f"  seeded {carers:,} scale carers in {time.perf_counter() - started:.1f}s", file=sys.stderr)


def median_seconds(action, *, repeat: int = 15, warmup: int = 3) -> float:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure_sizes(script: str, sizes: list[int], rounds: int | None = None) -> dict[int, dict]:
    """Run `script --size N` for each size in a child process; each prints a JSON object.

    The sizes take turns for BENCH_ROUNDS rounds (default 3), and each timing kept is the fastest of its
    rounds: other work on a shared machine only ever slows a run down, so the minimum is the truest figure,
    and taking turns spreads any slow spell over both sizes. A timing is a [seconds, queries] pair.
    """
    rounds = rounds or int(os.environ.get("BENCH_ROUNDS", "3"))
    results: dict[int, dict] = {}
    for _ in range(rounds):
        for size in sizes:
            output = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, script, "--size", str(size)], capture_output=True, text=True
            )
            sys.stderr.write(output.stderr)
            output.check_returncode()
            fresh = json.loads(output.stdout.strip().splitlines()[-1])
            kept = results.setdefault(size, fresh)
            for key, value in fresh.items():
                if _is_timing(value) and _is_timing(kept[key]) and value[0] < kept[key][0]:
                    kept[key] = value
    return results


def _is_timing(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value)
