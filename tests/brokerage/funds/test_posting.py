"""How one posting is written: `services._post`.

On PostgreSQL it is one statement, the function brokerage_ledger_post (migration 0013), which locks the accounts,
checks the balances and writes the posting, its audit event and its legs; on SQLite the same steps run in
Python. Both refuse in the same words, and write nothing when they refuse.

The race test runs on PostgreSQL: eight workers take £1 each from a fund that has £5, at once. The function's
row lock makes them queue, so five are paid and three are refused with the plain message. The negative control
installs the same function without the lock: the workers all pass the balance check, and the balance
CheckConstraint has to stop the overdraft with an IntegrityError, which a user would see as a 500.
"""

import importlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from breakthrough.models import AuditEvent
from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.models import FundAccount, Leg, Posting
from tests.brokerage.funds.factories import budget_line, personal_fund

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the posting function is PostgreSQL's")
WORKERS = 8

posting_function = importlib.import_module("brokerage.migrations.0013_ledger_post_function").FORWARD


@pytest.fixture
def isf(x, carer_a):
    return personal_fund(x.broker, carer=carer_a, amount=10_000)


def _counts():
    return (
        Posting.objects.count(),
        Leg.objects.count(),
        AuditEvent.objects.filter(action__startswith="brokerage.posting").count(),
    )


def test_a_posting_is_one_statement_on_postgresql_and_four_on_sqlite(x, isf):
    with CaptureQueriesContext(connection) as queries:
        services.ledger_commit(fund=isf, amount=100, by=x.broker)
    statements = [q["sql"] for q in queries]
    # The service's transaction (a savepoint here, inside the test's) and, on PostgreSQL, its lock limit
    # (breakthrough/locking.py) come around the posting; the posting itself is the statements left.
    limit = [i for i, sql in enumerate(statements) if "set_config('lock_timeout'" in sql]
    posting = [
        sql for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) and "set_config" not in sql
    ]
    expected = 1 if connection.vendor == "postgresql" else 4  # lock the accounts; posting; audit event; legs
    assert len(posting) == expected, [sql[:80] for sql in statements]
    if connection.vendor == "postgresql":
        assert limit  # the lock wait is limited, before the posting locks the accounts
        assert limit[0] < statements.index(posting[0])


def test_the_posting_returned_is_saved_with_its_legs_and_audit_event(x, isf):
    posting = services.ledger_commit(fund=isf, amount=250, by=x.broker, memo="Swim", reference="r:1")
    assert not posting._state.adding
    stored = Posting.objects.get(pk=posting.pk)
    assert (stored.kind, stored.memo, stored.reference, stored.created_by) == ("commit", "Swim", "r:1", x.broker)
    assert stored.created_at == posting.created_at
    assert sorted(stored.legs.values_list("account__kind", "amount")) == [("available", -250), ("committed", 250)]
    event = AuditEvent.objects.get(action="brokerage.posting.commit", object_id=str(posting.pk))
    assert (event.actor, event.partnership_id, event.data) == (
        x.broker,
        isf.partnership_id,
        {"pence": 250, "funds": [isf.pk]},
    )
    assert {a.kind: a.balance for a in FundAccount.objects.filter(fund=isf)}["committed"] == 250


def test_a_posting_the_fund_cannot_afford_is_refused_in_words_and_writes_nothing(x, isf):
    before = _counts()
    with pytest.raises(ValidationError, match=r"has £100 available, not the £100.01 this needs"):
        services.ledger_commit(fund=isf, amount=10_001, by=x.broker)
    assert _counts() == before
    assert FundAccount.objects.get(fund=isf, kind="available").balance == 10_000


def test_the_first_short_account_is_named_when_a_pooled_posting_is_short_twice(x, carer_a, carer_b_in_x):
    line = budget_line(x.broker)
    first = personal_fund(x.broker, carer=carer_a, amount=500, line=line)
    second = personal_fund(x.broker, carer=carer_b_in_x, amount=300, line=line)
    with pytest.raises(ValidationError) as refused:
        services.ledger_commit(shares={second: 400, first: 600}, by=x.broker)
    assert refused.value.messages == [f"{first.name} has £5 available, not the £6 this needs."]


def test_an_account_the_fund_does_not_have_is_named(x):
    line = budget_line(x.broker)
    before = _counts()
    with pytest.raises(ValidationError, match="Short breaks budget has no committed account"):
        services._post(kind="commit", legs=[(line, "available", -1), (line, "committed", 1)], by=x.broker)
    assert _counts() == before


def test_an_approved_overdraft_lets_the_posting_through(x, isf):
    overdraft = services.overdraft_request(
        fund=isf, limit=5_000, reason="Respite bed booked early", requested_by=x.broker
    )
    services.overdraft_approve(overdraft=overdraft, by=x.assessor)
    services.ledger_commit(fund=isf, amount=15_000, by=x.broker)
    assert FundAccount.objects.get(fund=isf, kind="available").balance == -5_000
    with pytest.raises(ValidationError, match="has £0 available, not the £0.01 this needs"):
        services.ledger_commit(fund=isf, amount=1, by=x.broker)


# ----------------------------------------------------------------------------------------------
# The race, on PostgreSQL
# ----------------------------------------------------------------------------------------------


def _install(*, lock: bool) -> None:
    """The posting function with a 0.2 s pause between its balance check and its writes (so that the workers
    overlap), with or without its row lock."""
    source = posting_function.replace(
        "    INSERT INTO brokerage_posting\n", "    PERFORM pg_sleep(0.2);\n    INSERT INTO brokerage_posting\n"
    )
    if not lock:
        source = source.replace("      ORDER BY a.id\n        FOR NO KEY UPDATE;", "      ORDER BY a.id;")
    assert source.count("pg_sleep") == 1
    assert ("FOR NO KEY UPDATE" in source) == lock
    with connection.cursor() as cursor:
        cursor.execute(source)


@pytest.fixture
def race_function():
    yield _install
    with connection.cursor() as cursor:
        cursor.execute(posting_function)


def _race(fund, by) -> list[str]:
    barrier = threading.Barrier(WORKERS, timeout=30)
    outcomes, guard = [], threading.Lock()

    def attempt():
        try:
            barrier.wait()
            services.ledger_commit(fund=fund, amount=100, by=by)
            outcome = "paid"
        except ValidationError:
            outcome = "refused"
        except IntegrityError:
            outcome = "constraint"
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_workers_taking_more_than_a_fund_has_at_once_queue_and_the_rest_are_refused(x, carer_a, race_function):
    fund = personal_fund(x.broker, carer=carer_a, amount=500)
    race_function(lock=True)
    outcomes = _race(fund, x.broker)
    assert sorted(outcomes) == ["paid"] * 5 + ["refused"] * 3
    assert FundAccount.objects.get(fund=fund, kind="available").balance == 0
    assert FundAccount.objects.get(fund=fund, kind="committed").balance == 500
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_row_lock_only_the_check_constraint_stops_the_overdraft(x, carer_a, race_function):
    fund = personal_fund(x.broker, carer=carer_a, amount=500)
    race_function(lock=False)
    outcomes = _race(fund, x.broker)
    assert "constraint" in outcomes  # passed the balance check on a stale balance: the race the lock prevents
    assert FundAccount.objects.get(fund=fund, kind="available").balance >= 0
    assert ledger_check().ok
