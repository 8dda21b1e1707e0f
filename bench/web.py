"""Pages as a user meets them: over HTTP, through gunicorn and the whole middleware stack, against /healthz.

    .venv/bin/python bench/web.py                      # SQLite files in /tmp
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench_dir .venv/bin/python bench/web.py
    BENCH_MULTIPLE=10 .venv/bin/python bench/web.py    # 1x and 10x (default: 1x only; seeding 10x is slow)

Uses the directory benchmark's databases (bench/directory.py: BENCH_OFFERS generated offers with their sessions
and bookings, 50,000 scale carers, the demo data), so a size seeded by either is reused by both. For each size
it starts gunicorn (BENCH_WORKERS workers x BENCH_THREADS threads, default 2 x 4, as docker-compose.yml runs it)
on a free loopback port, then drives each page with BENCH_CLIENTS concurrent keep-alive clients (default 8) for
BENCH_SECONDS seconds (default 8), the pages taking turns for BENCH_ROUNDS rounds (default 3), and keeps each
page's best rate. /healthz (one SELECT 1 through the same stack) is measured in the same rounds, and every
page's rate is printed over it. Every answer must be a 200: anything else stops the run. Load goes to
127.0.0.1 only, bounded in time.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from _harness import ROOT, setup_django

BASE = int(os.environ.get("BENCH_OFFERS", "5000"))
MULTIPLE = int(os.environ.get("BENCH_MULTIPLE", "1"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
THREADS = os.environ.get("BENCH_THREADS", "4")
AIM = 0.2  # every page at least a fifth of /healthz's rate


def prepare(size: int) -> dict:
    """Seed the size's database (in this process) and return the pages to drive, with signed-in cookies."""
    from directory import DATASET, TITLE_PREFIX, seed

    database = setup_django(size, DATASET)
    seed(size)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.urls import reverse

    from breakthrough.models import User
    from brokerage.models import Carer, Fund, Offer

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def cookie(email: str) -> str:
        user = User.objects.get(email=email)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    carer, broker = cookie("carer@glenmorven.example"), cookie("broker@glenmorven.example")
    offer = Offer.objects.filter(title__startswith=TITLE_PREFIX, kind="activity").order_by("pk")[size // 30]
    glenmorven = Carer.objects.get(user__email="carer@glenmorven.example").partnership_id
    fund = Fund.objects.filter(carer__partnership_id=glenmorven).order_by("pk").first()
    search = reverse("brokerage:directory:search")
    pages = {
        "/healthz (the floor)": ("", reverse("healthz")),
        "home page": ("", reverse("home")),
        "accessibility page": ("", reverse("accessibility")),
        "directory, no filters": ("", search),
        "directory, words": ("", search + "?q=swimming"),
        "directory, near a postcode": ("", search + "?postcode=BX44+1AA&within=10"),
        "an offer page": ("", reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})),
        "the calendar": ("", reverse("brokerage:directory:calendar")),
        "a carer's home (signed in)": (carer, reverse("brokerage:carer_home")),
        "the hub's caseload": (broker, reverse("brokerage:caseload")),
        "a fund page": (broker, reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk})),
    }
    return {"database": database, "env": _database_env(), "pages": pages}


def _database_env() -> dict:
    keep = ("DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "DJANGO_DEBUG")
    return {key: os.environ[key] for key in keep if key in os.environ}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    environment = {**os.environ, **env, "LOG_LEVEL": "WARNING"}
    environment.pop("REDIS_URL", None)  # the cache in process, as bin/run has it; nothing here needs Celery
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [str(gunicorn), "breakthrough.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", WORKERS]
        + ["--threads", THREADS, "--worker-class", "gthread", "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT,
        env=environment,
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def drive(port: int, path: str, cookie: str, seconds: float) -> float:
    """Requests a second answered 200 by CLIENTS keep-alive clients asking for path for `seconds`."""
    counts = [0] * CLIENTS
    failures: list[str] = []
    deadline = time.perf_counter() + seconds
    headers = {"Host": "localhost", "Cookie": cookie} if cookie else {"Host": "localhost"}

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline and not failures:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
                return
            counts[index] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"a page did not answer 200: {failures[0]}")
    return sum(counts) / (time.perf_counter() - started)


def measure(size: int) -> dict:
    """One size in a child process (so that sizes never share Django's settings): best rate per page."""
    prepared = prepare(size)
    server, port = start_gunicorn(prepared["env"])
    try:
        for _label, (cookie, path) in prepared["pages"].items():
            drive(port, path, cookie, 1.0)  # warm every worker's caches and connections
        best: dict[str, float] = {}
        for _ in range(ROUNDS):
            for label, (cookie, path) in prepared["pages"].items():
                best[label] = max(best.get(label, 0.0), drive(port, path, cookie, SECONDS))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"database": prepared["database"], "rates": best}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--size":
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    sizes = [BASE] if MULTIPLE == 1 else [BASE, BASE * MULTIPLE]
    print(f"Web benchmark: gunicorn {WORKERS} workers x {THREADS} threads, {CLIENTS} clients, {SECONDS:g}s a page,")
    print(f"{ROUNDS} rounds taking turns, best rate kept; aim: every page at least {AIM:.0%} of /healthz's rate.\n")
    for size in sizes:
        output = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, __file__, "--size", str(size)], capture_output=True, text=True
        )
        sys.stderr.write(output.stderr)
        output.check_returncode()
        result = json.loads(output.stdout.strip().splitlines()[-1])
        rates = result["rates"]
        floor = rates["/healthz (the floor)"]
        label = f"{size // BASE}x ({size:,} offers)"
        print(f"{label}: {result['database']}")
        print(f"{'page':32} {'requests/s':>11} {'over /healthz':>14}")
        for page, rate in rates.items():
            verdict = "" if rate >= AIM * floor else "  below the aim"
            print(f"{page:32} {rate:11.0f} {rate / floor:14.3f}{verdict}")
        print()


if __name__ == "__main__":
    main()
