"""The hub's fund pages: every fund with available, committed and spent; a fund's postings and budget tracking
with a burn-rate forecast; query counts pinned on the list pages; another partnership answers 404."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.funds import wiring
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import FundBalances, fund_tracking
from brokerage.models import ComplianceKind, Fund
from tests.brokerage.funds.factories import budget_line, personal_fund
from tests.brokerage.funds.wiring_helpers import attended, book_from_fund, paid_session
from tests.factories import ComplianceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


def _funds(x, n):
    line = budget_line(x.broker, amount=100_000 * n)
    today = timezone.localdate()
    funds = []
    for _ in range(n):
        fund = personal_fund(x.broker, amount=50_000, line=line)
        Fund.objects.filter(pk=fund.pk).update(starts_on=today - datetime.timedelta(days=30), ends_on=today)
        funds.append(fund)
    return funds


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_fund_list_costs_the_same_queries_at_3_and_30_funds(client_for, x):
    client = client_for(x.broker)
    url = reverse("brokerage:funds:fund_list")
    _funds(x, 3)
    few = _queries(client, url)
    _funds(x, 27)
    assert _queries(client, url) == few


def test_the_invoices_page_costs_the_same_queries_at_3_and_30_invoices(client_for, x, carer_a, provider_user):
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    personal_fund(x.broker, carer=carer_a, amount=1_000_000)
    client = client_for(x.broker)
    url = reverse("brokerage:funds:invoices")

    def invoices(n, start):
        for i in range(n):
            booking = book_from_fund(carer_a, paid_session(price=1_000, provider=provider_user.organisation))
            attended(booking, provider_user)
            wiring.invoice_submit(booking=booking, by=provider_user, reference=f"Q-{start + i}")

    invoices(3, 0)
    few = _queries(client, url)
    invoices(27, 3)
    assert _queries(client, url) == few


def test_the_provider_invoice_list_costs_the_same_queries_at_3_and_30(client_for, x, carer_a, provider_user):
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    personal_fund(x.broker, carer=carer_a, amount=1_000_000)
    client = client_for(provider_user)
    url = reverse("brokerage:funds:provider_invoices")

    def bookings(n):
        for _ in range(n):
            attended(
                book_from_fund(carer_a, paid_session(price=1_000, provider=provider_user.organisation)), provider_user
            )

    bookings(3)
    few = _queries(client, url)
    bookings(27)
    assert _queries(client, url) == few


def test_the_fund_page_shows_balances_postings_and_the_forecast(client_for, x, carer_a):
    fund = personal_fund(x.broker, carer=carer_a, amount=10_000)
    book_from_fund(carer_a, paid_session(price=2_500))
    page = client_for(x.broker).get(reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk})).content.decode()
    assert "£75" in page
    assert "£25" in page
    assert "Commit" in page
    assert "Allocate" in page
    listing = client_for(x.broker).get(reverse("brokerage:funds:fund_list")).content.decode()
    assert reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk}) in listing


def test_another_partnership_and_carers_get_404(client_for, x, y, carer_a):
    fund = personal_fund(x.broker, carer=carer_a, amount=10_000)
    url = reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk})
    assert client_for(y.broker).get(url).status_code == 404
    assert client_for(carer_a.user).get(url).status_code == 404
    assert url not in client_for(y.broker).get(reverse("brokerage:funds:fund_list")).content.decode()


def test_not_a_number_is_404_not_500(client_for, x):
    assert client_for(x.broker).get("/hub/funds/999999/").status_code == 404


# ----------------------------------------------------------------------------------------------
# Budget tracking: planned vs committed vs spent, burn rate to the period end
# ----------------------------------------------------------------------------------------------


def _fund(days_gone, length):
    today = datetime.date(2026, 6, 30)
    return Fund(
        starts_on=today - datetime.timedelta(days=days_gone - 1),
        ends_on=today + datetime.timedelta(days=length - days_gone),
    ), today


def test_a_fund_spending_fast_is_flagged_at_risk_of_running_out():
    fund, today = _fund(10, 100)  # 10 days gone, 90 left
    # planned £1,000: spent £200 in 10 days (£20 a day) -> £200 + £1,800 forecast: runs out
    tracking = fund_tracking(
        fund, FundBalances(available=80_000, committed=0, invoiced=0, paid=20_000, overdraft_limit=0), today=today
    )
    assert (tracking.days_gone, tracking.days_left, tracking.burn_per_day) == (10, 90, 2_000)
    assert tracking.forecast_spent == 200_000
    assert tracking.flag == "overspend"


def test_one_break_on_the_first_day_of_a_year_is_not_a_fund_running_out():
    fund, today = _fund(1, 366)
    balances = FundBalances(available=42_500, committed=0, invoiced=0, paid=2_500, overdraft_limit=0)
    assert fund_tracking(fund, balances, today=today).flag == ""
    fund, today = _fund(14, 366)  # two weeks at that rate would be
    assert fund_tracking(fund, balances, today=today).flag == "overspend"


def test_a_fund_hardly_used_half_way_is_flagged_at_risk_of_going_unspent():
    fund, today = _fund(50, 100)
    tracking = fund_tracking(
        fund, FundBalances(available=95_000, committed=0, invoiced=0, paid=5_000, overdraft_limit=0), today=today
    )
    assert tracking.forecast_spent == 10_000
    assert tracking.flag == "underspend"


def test_a_fund_on_track_is_not_flagged_and_one_not_started_has_no_forecast():
    fund, today = _fund(50, 100)
    balances = FundBalances(available=55_000, committed=5_000, invoiced=0, paid=40_000, overdraft_limit=0)
    tracking = fund_tracking(fund, balances, today=today)
    assert tracking.forecast_spent == 85_000
    assert tracking.flag == ""
    early = Fund(starts_on=today + datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=9))
    assert fund_tracking(early, FundBalances(1, 0, 0, 0, 0), today=today).forecast_spent is None


def test_payment_terms_page_sets_upfront(client_for, x, provider_user):
    client = client_for(x.broker)
    url = reverse("brokerage:funds:payment_terms_edit", kwargs={"provider_pk": provider_user.organisation_id})
    bad = client.post(url, {})
    assert "Choose when the provider is paid" in bad.content.decode()
    assert client.post(url, {"payment_terms": "upfront"}).status_code == 302
    assert (
        wiring.payment_terms_for(partnership_id=x.partnership.pk, provider_id=provider_user.organisation_id)
        == "upfront"
    )
