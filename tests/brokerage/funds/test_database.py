"""The database itself refuses a broken ledger, even when Python is bypassed with raw SQL.

On PostgreSQL: a posting whose legs do not sum to zero is refused at commit (deferred constraint trigger);
postings and legs can be neither updated nor deleted. On every database: a leg moves its account's balance
(trigger), and a balance below minus the approved overdraft is refused (CheckConstraint), so a leg that
would overdraw an account is refused too, however it was written.
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.models import FundAccount, Leg, Posting
from tests.brokerage.funds.factories import personal_fund

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="constraint triggers need PostgreSQL")


def _account(fund, kind):
    return FundAccount.objects.get(fund=fund, kind=kind)


def _raw_posting(partnership_id, user_id, legs):
    """Insert a posting and its legs with plain SQL, as a careless script or a bug would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO brokerage_posting (partnership_id, kind, memo, created_by_id, created_at, reference)"
            " VALUES (%s, 'adjust', 'raw', %s, %s, '') RETURNING id",
            [partnership_id, user_id, timezone.now()],
        )
        posting_id = cursor.fetchone()[0]
        for account_id, amount in legs:
            cursor.execute(
                "INSERT INTO brokerage_leg (posting_id, account_id, amount) VALUES (%s, %s, %s)",
                [posting_id, account_id, amount],
            )
    return posting_id


@pytest.fixture
def isf(x, carer_a):
    return personal_fund(x.broker, carer=carer_a, amount=10_000)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_posting_written_with_raw_sql_is_refused_at_commit(x, isf):
    available, committed = _account(isf, "available"), _account(isf, "committed")
    before = Posting.objects.count()
    seen_inside = []

    def unbalanced():
        with transaction.atomic():
            _raw_posting(x.partnership.pk, x.broker.pk, [(available.pk, -100), (committed.pk, 101)])
            seen_inside.append(Posting.objects.count())  # still there: the check waits for the commit

    with pytest.raises(IntegrityError, match="sum to 1 pence, not zero"):
        unbalanced()
    assert seen_inside == [before + 1]
    assert Posting.objects.count() == before
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_posting_with_one_leg_or_none_is_refused_at_commit(x, isf):
    with pytest.raises(IntegrityError, match="two legs|leg"), transaction.atomic():
        _raw_posting(x.partnership.pk, x.broker.pk, [])


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_balanced_raw_posting_is_accepted_and_moves_the_balances(x, isf):
    available, committed = _account(isf, "available"), _account(isf, "committed")
    with transaction.atomic():
        _raw_posting(x.partnership.pk, x.broker.pk, [(available.pk, -100), (committed.pk, 100)])
    assert _account(isf, "available").balance == 9_900
    assert _account(isf, "committed").balance == 100
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_leg_cannot_be_updated_or_deleted(x, isf):
    leg = Leg.objects.filter(account__fund=isf).first()
    with pytest.raises(IntegrityError, match="never changed or deleted"), transaction.atomic():
        Leg.objects.filter(pk=leg.pk).update(amount=leg.amount + 1)
    with pytest.raises(IntegrityError, match="never changed or deleted"), transaction.atomic():
        Leg.objects.filter(pk=leg.pk).delete()
    with (
        pytest.raises(IntegrityError, match="never changed or deleted"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("DELETE FROM brokerage_leg")
    assert Leg.objects.filter(pk=leg.pk, amount=leg.amount).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_posting_cannot_be_updated_or_deleted(x, isf):
    posting = Posting.objects.filter(legs__account__fund=isf).first()
    with pytest.raises(IntegrityError, match="never changed or deleted"), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(memo="rewritten history")
    with (
        pytest.raises(IntegrityError, match="never changed or deleted"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("DELETE FROM brokerage_posting WHERE id = %s", [posting.pk])


@pytest.mark.django_db(transaction=True)
def test_a_raw_leg_that_would_overdraw_an_available_account_is_refused_by_the_database(x, isf):
    """No overdraft approved: the available balance may not go below zero, whoever writes the legs."""
    available, committed = _account(isf, "available"), _account(isf, "committed")
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_posting(x.partnership.pk, x.broker.pk, [(available.pk, -10_001), (committed.pk, 10_001)])
    assert _account(isf, "available").balance == 10_000
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE brokerage_fundaccount SET balance = -1 WHERE id = %s", [available.pk])
    assert ledger_check().ok


@pytest.mark.django_db(transaction=True)
def test_the_same_raw_leg_is_accepted_within_an_approved_overdraft(x, isf):
    overdraft = services.overdraft_request(fund=isf, limit=5_000, reason="Crisis", requested_by=x.broker)
    services.overdraft_approve(overdraft=overdraft, by=x.assessor)
    available, committed = _account(isf, "available"), _account(isf, "committed")
    with transaction.atomic():
        _raw_posting(x.partnership.pk, x.broker.pk, [(available.pk, -10_001), (committed.pk, 10_001)])
    assert _account(isf, "available").balance == -1
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_posting(x.partnership.pk, x.broker.pk, [(available.pk, -5_000), (committed.pk, 5_000)])


@pytest.mark.django_db(transaction=True)
def test_only_an_available_account_can_carry_an_overdraft_limit(x, isf):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.filter(fund=isf, kind="committed").update(overdraft_limit=100)


@pytest.mark.django_db(transaction=True)
def test_two_postings_with_the_same_idempotency_key_cannot_both_be_written(x, isf):
    legs = [(isf, "available", -1), (isf, "committed", 1)]
    with transaction.atomic():
        services._post(kind="commit", legs=legs, by=x.broker, idempotency_key="invoice-pay:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        services._post(kind="commit", legs=legs, by=x.broker, idempotency_key="invoice-pay:1")
    assert Posting.objects.filter(idempotency_key="invoice-pay:1").count() == 1
    assert _account(isf, "available").balance == 9_999
