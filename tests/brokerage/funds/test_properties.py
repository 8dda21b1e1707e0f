"""Property-based: any sequence of allocate, commit, release, invoice, pay, refund and adjust, across pooled funds,
leaves every posting summing to zero and every stored balance equal to the sum of its legs.

Each example runs in a transaction that is rolled back, so examples never see each other's money. Refused steps
(not enough money, nothing to pay) are part of the game: a refusal must leave the ledger as it was. On PostgreSQL
the deferred zero-sum trigger is also made to check after every step (SET CONSTRAINTS ALL IMMEDIATE).
"""

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.models import Fund, FundAccount, Invoice
from tests.brokerage.funds.factories import budget_line, personal_fund, provider
from tests.factories import CarerFactory, UserFactory

FUNDS = 3
pence = st.integers(min_value=1, max_value=8_000)
percent = st.integers(min_value=1, max_value=110)  # of what the fund has committed: now and then too much
some_funds = st.dictionaries(st.integers(0, FUNDS - 1), pence, min_size=1, max_size=FUNDS)  # 2+ funds: pooled
some_percents = st.dictionaries(st.integers(0, FUNDS - 1), percent, min_size=1, max_size=FUNDS)
steps = st.one_of(
    st.tuples(st.just("allocate"), st.integers(0, FUNDS - 1), pence),
    st.tuples(st.just("commit"), some_funds),
    st.tuples(st.just("commit"), some_funds),
    st.tuples(st.just("release"), some_percents),
    st.tuples(st.just("invoice"), some_percents),
    st.tuples(st.just("invoice"), some_percents),
    st.tuples(st.just("pay"), st.integers(0, 20)),
    st.tuples(st.just("pay"), st.integers(0, 20)),
    st.tuples(st.just("refund"), st.integers(0, 20), percent),
    st.tuples(st.just("refund"), st.integers(0, 20), percent),
    st.tuples(st.just("adjust"), st.integers(0, FUNDS - 1), st.integers(-3_000, 3_000).filter(bool)),
)


def _check_now():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fire the deferred zero-sum trigger for this step, then defer again
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    report = ledger_check()
    assert report.ok, report
    for account in FundAccount.objects.exclude(kind="funding"):
        assert account.balance >= -account.overdraft_limit


def _of_committed(funds, percents) -> dict:
    """Shares as percentages of what each fund has committed, over the funds that have something committed
    (if none has, a penny from the first: refused)."""
    committed = dict(FundAccount.objects.filter(kind="committed").values_list("fund_id", "balance"))
    shares = {funds[i]: committed[funds[i].pk] * pct // 100 for i, pct in percents.items()}
    return {fund: share for fund, share in shares.items() if share > 0} or {funds[min(percents)]: 1}


def _step(step, *, funds, line, invoices, sender, x, n):
    kind = step[0]
    if kind == "allocate":
        services.ledger_allocate(fund=funds[step[1]], amount=step[2], source=line, by=x.broker)
    elif kind == "commit":
        services.ledger_commit(shares={funds[i]: amount for i, amount in step[1].items()}, by=x.broker)
    elif kind == "release":
        services.ledger_release(shares=_of_committed(funds, step[1]), by=x.broker)
    elif kind == "invoice":
        shares = _of_committed(funds, step[1])
        invoices.append(services.ledger_invoice(provider=sender, reference=f"P-{n}", shares=shares, by=x.broker))
    elif kind == "pay" and invoices:
        services.invoice_pay(invoice=invoices[step[1] % len(invoices)], by=x.broker)
    elif kind == "refund" and invoices:
        invoice = invoices[step[1] % len(invoices)]
        invoice.refresh_from_db()
        amount = max(1, (invoice.amount_pence - invoice.refunded_pence) * step[2] // 100)
        services.ledger_refund(invoice=invoice, amount=amount, by=x.broker, reason="Returned")
    elif kind == "adjust":
        adjustment = services.ledger_adjust(fund=funds[step[1]], amount=step[2], reason="Fix", requested_by=x.broker)
        services.adjustment_approve(adjustment=adjustment, by=x.assessor)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(steps, min_size=5, max_size=30))
def test_any_sequence_of_movements_keeps_the_ledger_balanced(x, sequence):
    with transaction.atomic():
        line = budget_line(x.broker, amount=400_000)
        funds = [
            personal_fund(
                x.broker, carer=CarerFactory(user=UserFactory(), locality=x.locality), amount=30_000, line=line
            )
            for _ in range(FUNDS - 1)
        ]
        funds.append(
            personal_fund(
                x.broker,
                carer=CarerFactory(user=UserFactory(), locality=x.locality),
                kind=Fund.Kind.DIRECT_PAYMENT,
                amount=30_000,
                line=line,
            )
        )
        sender = provider()
        invoices: list[Invoice] = []
        _check_now()
        for n, step in enumerate(sequence):
            with contextlib.suppress(ValidationError):
                _step(step, funds=funds, line=line, invoices=invoices, sender=sender, x=x, n=n)
            _check_now()
        # Money is neither made nor lost: everything the partnership put in is somewhere in its funds.
        total = sum(FundAccount.objects.filter(fund__partnership=x.partnership).values_list("balance", flat=True))
        assert total == 0
        for invoice in invoices:
            invoice.refresh_from_db()
            pays = invoice.postings.filter(kind="pay").count()
            assert pays == (1 if invoice.state == Invoice.State.PAID else 0)
        transaction.set_rollback(True)
