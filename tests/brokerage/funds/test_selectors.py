"""Who sees which fund, and reading balances: one query, whatever the number of postings."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from brokerage.funds import services
from brokerage.funds.selectors import fund_balances, fund_get, fund_list
from brokerage.models import FundAccount
from tests.brokerage.funds.factories import budget_line, personal_fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def funds(x, y, carer_a, carer_b_in_x, carer_b):
    line = budget_line(x.broker, amount=100_000)
    return {
        "a": personal_fund(x.broker, carer=carer_a, amount=10_000, line=line),
        "b_in_x": personal_fund(x.broker, carer=carer_b_in_x, amount=5_000, line=line),
        "line": line,
        "b": personal_fund(y.broker, carer=carer_b, amount=1_000),
    }


def test_staff_see_their_partnerships_funds_only(x, funds):
    assert set(fund_list(fetched_by=x.broker)) == {funds["a"], funds["b_in_x"], funds["line"]}


def test_a_carer_sees_only_their_own_fund(carer_a, funds):
    assert list(fund_list(fetched_by=carer_a.user)) == [funds["a"]]
    assert fund_balances(fund=funds["a"], fetched_by=carer_a.user).available == 10_000


def test_a_carer_cannot_read_another_households_fund(carer_a, funds):
    with pytest.raises(Http404):
        fund_balances(fund=funds["b_in_x"], fetched_by=carer_a.user)
    with pytest.raises(Http404):
        fund_get(fetched_by=carer_a.user, pk=funds["b_in_x"].pk)


@pytest.mark.parametrize("who", ["outsider", "provider_user", "national_user"])
def test_outsiders_providers_and_national_staff_see_no_funds(request, funds, who):
    user = request.getfixturevalue(who)
    assert not fund_list(fetched_by=user).exists()
    with pytest.raises(Http404):
        fund_balances(fund=funds["a"], fetched_by=user)


def test_staff_of_another_partnership_get_404(y, funds):
    with pytest.raises(Http404):
        fund_get(fetched_by=y.broker, pk=funds["a"].pk)


def test_the_partnerships_funding_account_is_not_listed(x, admin_user, funds):
    assert all(fund.kind != "external" for fund in fund_list(fetched_by=admin_user))


def test_a_balance_read_is_one_query_however_many_postings(x, funds):
    fund = funds["a"]
    for _ in range(30):
        services.ledger_commit(fund=fund, amount=10, by=x.broker)
        services.ledger_release(fund=fund, amount=5, by=x.broker)
    with CaptureQueriesContext(connection) as queries:
        balances = fund_balances(fund=fund, fetched_by=x.broker)
    assert len(queries) == 1
    assert (balances.available, balances.committed, balances.spent, balances.total) == (9_850, 150, 0, 10_000)


def test_fund_list_is_one_query(x, funds):
    with CaptureQueriesContext(connection) as queries:
        names = [
            (fund.name, fund.partnership.name, fund.carer and fund.carer.first_name)
            for fund in fund_list(fetched_by=x.broker)
        ]
    assert len(names) == 3
    assert len(queries) == 1


def test_check_ledger_passes_on_a_balanced_ledger(funds, capsys):
    call_command("check_ledger")
    assert "The ledger balances" in capsys.readouterr().out


def test_check_ledger_reports_a_stored_balance_that_differs_from_its_legs(funds, capsys):
    account = FundAccount.objects.get(fund=funds["a"], kind="committed")
    FundAccount.objects.filter(pk=account.pk).update(balance=7)  # tampered with outside the services
    with pytest.raises(CommandError, match="1 problem"):
        call_command("check_ledger")
    assert f"Account {account.pk}: stored balance £0.07, its legs sum to £0" in capsys.readouterr().err


def test_check_ledger_reports_a_posting_whose_legs_do_not_sum_to_zero(x, funds, capsys):
    """Written with raw SQL (on PostgreSQL the deferred trigger would refuse it at commit; it is never committed)."""
    from tests.brokerage.funds.test_database import _raw_posting

    available = FundAccount.objects.get(fund=funds["a"], kind="available")
    with transaction.atomic():  # rolled back before the test ends, when Django checks deferred constraints
        posting_id = _raw_posting(x.partnership.pk, x.broker.pk, [(available.pk, -100)])
        with pytest.raises(CommandError, match="1 problem"):
            call_command("check_ledger")
        transaction.set_rollback(True)
    assert f"Posting {posting_id}: 1 legs summing to -£1, not to zero" in capsys.readouterr().err
