"""The services behind the refund and two-person pages enforce the rules themselves, whatever calls them: nobody
decides their own request (in Python and in the database), amounts are whole pence within bounds, a refund never
exceeds what was paid less what was refunded, and a double click (the same submission key, at the same moment on
PostgreSQL) refunds, asks or decides once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import FundAdjustment, Invoice, Overdraft, Posting
from tests.brokerage.funds.factories import personal_fund, provider

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
THREADS = 6


@pytest.fixture
def isf(x, carer_a):
    return personal_fund(x.broker, carer=carer_a, amount=100_000)


def _paid_invoice(x, fund, amount=4_000, reference="TP-1") -> Invoice:
    services.ledger_commit(fund=fund, amount=amount, by=x.broker)
    invoice = services.ledger_invoice(provider=provider(), reference=reference, fund=fund, amount=amount, by=x.broker)
    return services.invoice_pay(invoice=invoice, by=x.broker)


def test_the_one_who_asked_can_neither_approve_nor_refuse_it(x, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=500, reason="Top-up", requested_by=x.broker)
    overdraft = services.overdraft_request(fund=isf, limit=500, reason="Crisis", requested_by=x.broker)
    for call in (
        lambda: services.adjustment_refuse(adjustment=adjustment, by=x.broker, reason="Mine"),
        lambda: services.overdraft_refuse(overdraft=overdraft, by=x.broker, reason="Mine"),
        lambda: services.request_decide(request=adjustment, by=x.broker, approve=True),
        lambda: services.request_decide(request=overdraft, by=x.broker, approve=False, reason="Mine"),
    ):
        with pytest.raises(ValidationError, match="second person"):
            call()
    assert not services.may_decide(x.broker, adjustment)
    assert services.may_decide(x.assessor, adjustment)
    assert FundAdjustment.objects.get().state == Overdraft.objects.get().state == "pending"


def test_the_database_refuses_a_refusal_by_the_one_who_asked_or_without_a_reason(x, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=500, reason="Top-up", requested_by=x.broker)
    now = timezone.now()
    for fields in (
        {"refused_by": x.broker, "refusal_reason": "Mine"},
        {"refused_by": x.assessor, "refusal_reason": ""},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            FundAdjustment.objects.filter(pk=adjustment.pk).update(state="refused", refused_at=now, **fields)
    overdraft = services.overdraft_request(fund=isf, limit=500, reason="Crisis", requested_by=x.broker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Overdraft.objects.filter(pk=overdraft.pk).update(
            state="refused", refused_by=x.broker, refused_at=now, refusal_reason="Mine"
        )


def test_a_decided_request_is_not_decided_again(x, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=500, reason="Top-up", requested_by=x.broker)
    services.adjustment_refuse(adjustment=adjustment, by=x.assessor, reason="Not needed")
    with pytest.raises(ValidationError, match="already been refused"):
        services.adjustment_approve(adjustment=adjustment, by=x.assessor)
    made, now = services.request_decide(request=adjustment, by=x.assessor, approve=True)
    assert (made.state, now) == ("refused", False)
    assert not Posting.objects.filter(kind="adjust").exists()


@pytest.mark.parametrize("amount", [25.5, "2550", 0, True, services.MOST_PENCE + 1, -services.MOST_PENCE - 1])
def test_an_adjustment_is_a_whole_non_zero_number_of_pence_within_bounds(x, isf, amount):
    with pytest.raises(ValidationError) as error:
        services.ledger_adjust(fund=isf, amount=amount, reason="R", requested_by=x.broker)
    assert "amount" in error.value.error_dict
    assert not FundAdjustment.objects.exists()


@pytest.mark.parametrize("limit", [100.0, "100", -1, services.MOST_PENCE + 1])
def test_an_overdraft_limit_is_whole_pence_within_bounds(x, isf, limit):
    with pytest.raises(ValidationError) as error:
        services.overdraft_request(fund=isf, limit=limit, reason="R", requested_by=x.broker)
    assert "limit" in error.value.error_dict


@pytest.mark.parametrize("amount", [10.0, "1000", 0, -100])
def test_a_refund_is_whole_pence_more_than_nothing(x, isf, amount):
    invoice = _paid_invoice(x, isf)
    with pytest.raises(ValidationError, match="The refund must be"):
        services.ledger_refund(invoice=invoice, amount=amount, by=x.broker, reason="R")


def test_refunds_add_up_to_at_most_what_was_paid(x, isf):
    invoice = _paid_invoice(x, isf, amount=4_000)
    services.ledger_refund(invoice=invoice, amount=2_999, by=x.broker, reason="Most")
    with pytest.raises(ValidationError) as error:
        services.ledger_refund(invoice=invoice, amount=1_002, by=x.broker, reason="Too much")
    assert error.value.error_dict["amount"][0].messages == ["At most £10.01 of this invoice can be refunded."]
    services.ledger_refund(invoice=invoice, amount=1_001, by=x.broker, reason="The rest")
    with pytest.raises(ValidationError, match="refunded in full"):
        services.ledger_refund(invoice=invoice, amount=1, by=x.broker, reason="More")
    assert fund_balances(fund=isf, fetched_by=x.broker).available == 100_000
    assert ledger_check().ok


def test_a_submission_key_made_for_one_invoice_or_person_is_not_reused_for_another(x, isf):
    first = _paid_invoice(x, isf, reference="TP-A")
    second = _paid_invoice(x, isf, reference="TP-B")
    services.ledger_refund(invoice=first, amount=100, by=x.broker, reason="R", submission_key="k1")
    with pytest.raises(ValidationError, match="already used"):
        services.ledger_refund(invoice=second, amount=100, by=x.broker, reason="R", submission_key="k1")
    services.ledger_adjust(fund=isf, amount=100, reason="R", requested_by=x.broker, submission_key="k2")
    with pytest.raises(ValidationError, match="already used"):
        services.ledger_adjust(fund=isf, amount=100, reason="R", requested_by=x.assessor, submission_key="k2")
    assert FundAdjustment.objects.count() == 1


def _at_once(calls):
    barrier = threading.Barrier(len(calls), timeout=30)
    outcomes = []
    guard = threading.Lock()

    def attempt(call):
        try:
            barrier.wait()
            result = call()
        except ValidationError as error:
            result = ("refused", error.messages)
        finally:
            connection.close()
        with guard:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_refund_sent_at_once_refunds_once(x, isf):
    invoice = _paid_invoice(x, isf, amount=4_000)
    outcomes = _at_once(
        [
            lambda: services.ledger_refund(invoice=invoice, amount=4_000, by=x.broker, reason="R", submission_key="dc")
            for _ in range(THREADS)
        ]
    )
    assert len({posting.pk for posting in outcomes}) == 1  # every click found the one refund
    invoice.refresh_from_db()
    assert invoice.refunded_pence == 4_000
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_adjustment_asked_at_once_is_asked_once(x, isf):
    outcomes = _at_once(
        [
            lambda: services.ledger_adjust(fund=isf, amount=100, reason="R", requested_by=x.broker, submission_key="a")
            for _ in range(THREADS)
        ]
    )
    assert len({made.pk for made in outcomes}) == 1
    assert FundAdjustment.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_approving_at_once_posts_once(x, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=700, reason="R", requested_by=x.broker)
    outcomes = _at_once(
        [lambda: services.request_decide(request=adjustment, by=x.assessor, approve=True) for _ in range(THREADS)]
    )
    assert sorted(now for _, now in outcomes) == [False] * (THREADS - 1) + [True]
    assert Posting.objects.filter(kind="adjust").count() == 1
    assert fund_balances(fund=isf, fetched_by=x.broker).available == 100_700
    assert ledger_check().ok
