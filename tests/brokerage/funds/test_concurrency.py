"""An invoice is paid once, proven on PostgreSQL: N workers paying the same invoice at once make one payment.

Two negative controls show the test can fail. With the row lock on the invoice removed, several workers pass
the "not yet paid" check (the race) and only the database's unique idempotency key stops the second payment.
With the lock AND the key removed, the invoice is paid more than once: the money is doubled.
"""

import contextlib
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.models import FundAccount, Invoice, Posting
from tests.brokerage.funds.factories import personal_fund, provider

THREADS = 8

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@contextlib.contextmanager
def race_window(monkeypatch, *, lock: bool, key: bool):
    """Count the workers that pass the state check and hold each there briefly so that they overlap."""
    passed = []
    guard = threading.Lock()

    def after_check():
        with guard:
            passed.append(threading.get_ident())
        time.sleep(0.2)

    monkeypatch.setattr(services, "_after_state_check", after_check)
    if not lock:
        monkeypatch.setattr(services, "_lock_invoice", lambda invoice: Invoice.objects.get(pk=invoice.pk))
    if not key:
        monkeypatch.setattr(services, "_pay_idempotency_key", lambda invoice: None)
    yield passed


def _race(invoice, payers):
    barrier = threading.Barrier(len(payers), timeout=30)
    outcomes = []
    guard = threading.Lock()

    def attempt(payer):
        try:
            barrier.wait()
            services.invoice_pay(invoice=invoice, by=payer)
            outcome = "returned"
        except ValidationError:
            outcome = "refused"
        except IntegrityError:
            outcome = "constraint"
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(payer,)) for payer in payers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def invoiced(x, carer_a):
    """An ISF with two invoices waiting: the one the workers pay, and another, so that paying the first twice
    would not drive the invoiced balance below zero (the double payment would go unnoticed by the balance)."""
    fund = personal_fund(x.broker, carer=carer_a, amount=50_000)
    services.ledger_commit(fund=fund, amount=20_000, by=x.broker)
    sender = provider()
    target = services.ledger_invoice(provider=sender, reference="RACE-1", fund=fund, amount=8_000, by=x.broker)
    services.ledger_invoice(provider=sender, reference="RACE-2", fund=fund, amount=12_000, by=x.broker)
    return fund, target


def _paid(fund):
    return FundAccount.objects.get(fund=fund, kind="paid").balance


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_of_one_invoice_pay_it_once(monkeypatch, x, invoiced):
    fund, invoice = invoiced
    with race_window(monkeypatch, lock=True, key=True) as passed:
        outcomes = _race(invoice, [x.broker, x.assessor] * (THREADS // 2))
    assert outcomes == ["returned"] * THREADS  # every click answers calmly
    assert len(passed) == 1  # the others waited for the lock, then saw it paid
    assert Posting.objects.filter(invoice=invoice, kind="pay").count() == 1
    assert _paid(fund) == 8_000
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_lock_the_idempotency_key_is_what_stops_a_second_payment(monkeypatch, x, invoiced):
    fund, invoice = invoiced
    with race_window(monkeypatch, lock=False, key=True) as passed:
        outcomes = _race(invoice, [x.broker] * THREADS)
    assert len(passed) > 1, "without the lock more than one worker should pass the 'not yet paid' check"
    assert outcomes.count("constraint") == 0  # the key's violation is caught and answered as 'already paid'
    assert Posting.objects.filter(invoice=invoice, kind="pay").count() == 1
    assert _paid(fund) == 8_000
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_lock_and_the_key_the_invoice_is_paid_twice(monkeypatch, x, invoiced):
    fund, invoice = invoiced
    with race_window(monkeypatch, lock=False, key=False) as passed:
        _race(invoice, [x.broker] * THREADS)
    payments = Posting.objects.filter(invoice=invoice, kind="pay").count()
    assert len(passed) > 1
    assert payments > 1, "without the lock and the key the same invoice should be paid more than once"
    assert _paid(fund) == 8_000 * payments  # money doubled: exactly what the lock and the key prevent
