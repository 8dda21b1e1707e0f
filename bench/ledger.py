"""Ledger speed: postings per second through the service layer, against a raw-SQL insert of the same legs, and
the time to read a fund's balance at 100 postings against 100,000.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench .venv/bin/python bench/ledger.py
    BENCH_WORKERS=2 BENCH_KIND=processes BENCH_SECONDS=5 BENCH_RUNS=3 BENCH_BIG=100000 ...   # the defaults

PostgreSQL only: row locks and the ledger's triggers are what is measured. Its data lives in a database of its
own, `<BENCH_DATABASE_URL>_1_ledger`.

1. Service layer: N worker processes (or threads), each with its own connection, call ledger_commit
   (1p from available to committed) for T seconds, (a) spread over many funds and (b) every posting on one fund
   (its two account rows contend). Each call validates the legs in Python, then runs one statement, the
   posting function of migration 0013 (lock the accounts, check the balances, write the posting, its audit
   event and its two legs, whose insert moves the balances by trigger), and at commit the deferred zero-sum
   triggers.
2. Raw SQL, one committed transaction per posting: the real limit. The same N processes, each with a plain psycopg
   connection, write the same rows for each posting (the posting, its audit event, its two legs, whose insert
   moves the balances by the same trigger) in plain SQL and commit, for T seconds, in the same two shapes. The
   aim: the service layer at least half as fast as this.
3. Raw SQL, bulk: the same number of postings written by one connection in one transaction (INSERT ... SELECT
   generate_series for the postings, COPY for the legs, no audit events): what the database's own work
   (indexes, triggers) costs with no commit per posting. No user's request writes money this way; it is
   printed for scale only.
4. Balance read: fund_balances (the one indexed read of the fund's account rows, through the access check) for
   a fund with 100 postings and for one with BENCH_BIG postings (written with COPY). Target: ratio <= 1.5.
"""

import logging
import multiprocessing
import os
import statistics
import sys
import threading
import time

from _harness import median_seconds, setup_django

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
KIND = os.environ.get("BENCH_KIND", "processes")  # or threads
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BIG = int(os.environ.get("BENCH_BIG", "100000"))
SPREAD = 64
PREFIX = "Ledger bench"


def refuse_unless_postgres() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "bench/ledger.py measures PostgreSQL row locks and triggers, so it runs on PostgreSQL only. Set\n"
            "BENCH_DATABASE_URL, e.g. BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakthrough_bench",
            file=sys.stderr,
        )
        sys.exit(2)


def seed():
    """A partnership with a broker, a large budget line, and SPREAD + 2 ISFs with money (made once)."""
    from breakthrough.models import Locality, Organisation, Partnership, Role, User
    from brokerage.funds import services
    from brokerage.models import Carer, Fund

    partnership, _ = Partnership.objects.get_or_create(slug="ledger-bench", defaults={"name": f"{PREFIX} HSCP"})
    locality, _ = Locality.objects.get_or_create(partnership=partnership, name=f"{PREFIX} locality")
    hub, _ = Organisation.objects.get_or_create(
        name=f"{PREFIX} hub", defaults={"kind": Organisation.Kind.HUB, "partnership": partnership}
    )
    broker, _ = User.objects.get_or_create(
        email="broker@ledger-bench.example", defaults={"role": Role.BROKER, "organisation": hub}
    )
    line = Fund.objects.filter(partnership=partnership, kind=Fund.Kind.BUDGET_LINE).first()
    if line is None:
        line = services.fund_open(
            partnership=partnership, kind=Fund.Kind.BUDGET_LINE, name=f"{PREFIX} line", by=broker, amount=10**12
        )
    funds = list(Fund.objects.filter(partnership=partnership, kind=Fund.Kind.ISF).order_by("pk"))
    for n in range(len(funds), SPREAD + 2):
        carer = Carer.objects.create(
            first_name="Bench",
            last_name=f"Carer {n}",
            postcode="EH1 1YZ",
            locality=locality,
            partnership=partnership,
            carer_type=Carer.CarerType.PARENT,
            hours_caring_per_week=40,
            preferred_contact=Carer.ContactMethod.EMAIL,
        )
        fund = services.fund_open(
            partnership=partnership, kind=Fund.Kind.ISF, name=f"{PREFIX} ISF {n}", carer=carer, held_by=hub, by=broker
        )
        services.ledger_allocate(fund=fund, amount=10**10, source=line, by=broker)
        funds.append(fund)
    return broker, funds


def _worker(index, broker, funds, start, stop, counts) -> None:
    """One worker: its own database connection, committing 1p round-robin over `funds` until told to stop."""
    from django.db import connections

    from brokerage.funds.services import ledger_commit

    connections["default"].close()  # never share the parent's connection
    done = 0
    try:
        start.wait()
        while not stop.is_set():
            ledger_commit(fund=funds[(index + done * WORKERS) % len(funds)], amount=1, by=broker)
            done += 1
    finally:
        counts[index] = done
        connections["default"].close()


def _raw_worker(index, broker, funds, start, stop, counts) -> None:
    """One worker of the per-commit raw baseline: its own plain psycopg connection writing, for each posting, the
    rows the service writes (posting, audit event, two legs) in one transaction, committed, until told to stop."""
    import psycopg
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections
    from django.utils import timezone

    from brokerage.models import FundAccount, Posting

    connections["default"].close()
    content_type = ContentType.objects.get_for_model(Posting).pk
    accounts = {
        (fund_id, kind): pk
        for pk, fund_id, kind in FundAccount.objects.filter(fund__in=funds).values_list("pk", "fund_id", "kind")
    }
    settings = connections["default"].get_connection_params()
    connections["default"].close()
    partnership_id = funds[0].partnership_id
    done = 0
    try:
        with psycopg.connect(**settings) as connection:
            start.wait()
            while not stop.is_set():
                fund = funds[(index + done * WORKERS) % len(funds)]
                now = timezone.now()
                with connection.transaction():
                    posting_id = connection.execute(
                        "INSERT INTO brokerage_posting (partnership_id, kind, memo, created_by_id, created_at,"
                        " reference) VALUES (%s, 'commit', '', %s, %s, '') RETURNING id",
                        [partnership_id, broker.pk, now],
                    ).fetchone()[0]
                    connection.execute(
                        "INSERT INTO breakthrough_auditevent (at, actor_id, action, content_type_id, object_id,"
                        " partnership_id, data) VALUES (%s, %s, 'brokerage.ledger.commit', %s, %s, %s, '{}')",
                        [now, broker.pk, content_type, str(posting_id), partnership_id],
                    )
                    connection.execute(
                        "INSERT INTO brokerage_leg (posting_id, account_id, amount) VALUES (%s, %s, -1), (%s, %s, 1)",
                        [
                            posting_id,
                            accounts[(fund.pk, "available")],
                            posting_id,
                            accounts[(fund.pk, "committed")],
                        ],
                    )
                done += 1
    finally:
        counts[index] = done


def service_rate(broker, funds, worker=_worker) -> tuple[float, int]:
    """Postings per second of WORKERS workers (processes, or threads) committing 1p for SECONDS over `funds`."""
    from django.db import connections

    connections.close_all()
    if KIND == "threads":
        counts, start, stop = [0] * WORKERS, threading.Barrier(WORKERS + 1), threading.Event()
        workers = [
            threading.Thread(target=worker, args=(i, broker, funds, start, stop, counts)) for i in range(WORKERS)
        ]
    else:
        context = multiprocessing.get_context("fork")
        counts, start, stop = context.Array("q", WORKERS), context.Barrier(WORKERS + 1), context.Event()
        workers = [context.Process(target=worker, args=(i, broker, funds, start, stop, counts)) for i in range(WORKERS)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - began), sum(counts)


def raw_insert(broker, funds, postings: int, *, commit_release: bool = False) -> float:
    """Write `postings` postings of two legs (available -1, committed +1) round-robin over `funds` in one
    transaction with plain SQL; returns the seconds it took. With commit_release, alternate the direction so
    that the balances stay where they were."""
    from django.db import connection, transaction
    from django.utils import timezone

    from brokerage.models import FundAccount

    accounts = {
        (fund_id, kind): pk
        for pk, fund_id, kind in FundAccount.objects.filter(fund__in=funds).values_list("pk", "fund_id", "kind")
    }
    partnership_id = funds[0].partnership_id
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO brokerage_posting (partnership_id, kind, memo, created_by_id, created_at, reference)"
            " SELECT %s, 'commit', '', %s, %s, '' FROM generate_series(1, %s) RETURNING id",
            [partnership_id, broker.pk, timezone.now(), postings],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor  # the psycopg cursor, for COPY
        with raw.copy("COPY brokerage_leg (posting_id, account_id, amount) FROM STDIN") as copy:
            for n, posting_id in enumerate(ids):
                fund = funds[n % len(funds)]
                sign = -1 if commit_release and n % 2 else 1
                copy.write_row((posting_id, accounts[(fund.pk, "available")], -sign))
                copy.write_row((posting_id, accounts[(fund.pk, "committed")], sign))
    return time.perf_counter() - started


def balance_read_seconds(broker, fund) -> float:
    from brokerage.funds.selectors import fund_balances

    return median_seconds(lambda: fund_balances(fund=fund, fetched_by=broker), repeat=200, warmup=20)


def main():
    refuse_unless_postgres()
    database = setup_django(1, "ledger")
    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from brokerage.models import Leg

    broker, funds = seed()
    spread, one, small, big = funds[:SPREAD], funds[:1], funds[SPREAD], funds[SPREAD + 1]

    # Balance read: top up the small fund to 100 postings and the big one to BIG (commit and release of 1p).
    for fund, target in ((small, 100), (big, BIG)):
        have = Leg.objects.filter(account__fund=fund, posting__kind="commit").values("posting").distinct().count()
        if have < target:
            raw_insert(broker, [fund], target - have, commit_release=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    service_rate(broker, spread)  # warm-up
    rates = {"spread": [], "one fund": []}
    per_commit = {"spread": [], "one fund": []}
    raw_rates = []
    for _ in range(RUNS):
        for shape, targets in (("spread", spread), ("one fund", one)):
            rate, count = service_rate(broker, targets)
            rates[shape].append(rate)
            per_commit[shape].append(service_rate(broker, targets, worker=_raw_worker)[0])
        raw_rates.append(count / raw_insert(broker, spread, count))
    median = {shape: statistics.median(values) for shape, values in rates.items()}
    floor = {shape: statistics.median(values) for shape, values in per_commit.items()}
    raw = statistics.median(raw_rates)

    read_small = balance_read_seconds(broker, small)
    read_big = balance_read_seconds(broker, big)

    print(f"Ledger: {database}")
    print(f"{WORKERS} service {KIND}, {SECONDS:g}s a run, median of {RUNS} runs; {SPREAD} funds when spread\n")
    print(f"{'postings':34} {'per second':>10} {'runs':>26}")
    for shape in rates:
        runs = " ".join(f"{r:8.0f}" for r in rates[shape])
        print(f"{'service layer, ' + shape:34} {median[shape]:10.0f} {runs:>26}")
    for shape in per_commit:
        runs = " ".join(f"{r:8.0f}" for r in per_commit[shape])
        print(f"{'raw SQL per commit, ' + shape:34} {floor[shape]:10.0f} {runs:>26}")
    print(f"{'raw SQL bulk (one txn, COPY legs)':34} {raw:10.0f} {' '.join(f'{r:8.0f}' for r in raw_rates):>26}")
    print(f"\nservice / raw per commit, spread:  {median['spread'] / floor['spread']:.3f}  (aim >= 0.5)")
    print(f"service / raw per commit, one fund: {median['one fund'] / floor['one fund']:.3f}  (aim >= 0.5)")
    print(f"service (spread) / raw bulk:       {median['spread'] / raw:.3f}  (for scale only)")
    print(f"one fund / spread:                 {median['one fund'] / median['spread']:.2f}")
    print(f"service (spread) / 10,000 per s:   {median['spread'] / 10_000:.3f}  (the issue's 'within 10x' is >= 0.1)")
    print(f"\nbalance read, 100 postings:        {read_small * 1e3:.3f} ms")
    print(f"balance read, {BIG:,} postings:   {read_big * 1e3:.3f} ms")
    print(f"ratio:                             {read_big / read_small:.2f}  (target <= 1.5)")
    call_command("check_ledger", verbosity=0)
    print("\ncheck_ledger: the ledger balances after the run.")


if __name__ == "__main__":
    main()
