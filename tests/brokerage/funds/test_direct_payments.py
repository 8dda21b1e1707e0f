"""Direct payments: spending with receipts (validation, private download), shown against the plan, and the
period end (recover or carry over by the partnership's rule, once)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.funds import direct_payments as dp
from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import DirectPaymentSpend, Fund, Plan, Posting
from tests.brokerage.funds import factories
from tests.brokerage.plans.factories import complete_plan
from tests.factories import CarerFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a receipt\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def receipt(name="receipt.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def assert_ledger_ok():
    report = ledger_check()
    assert report.ok, (report.balance_differences, report.unbalanced_postings)


def direct_payment(staff, carer, *, amount=100_000, starts_on=None, ends_on=None, line=None) -> Fund:
    today = timezone.localdate()
    starts_on = starts_on or today - datetime.timedelta(days=100)
    ends_on = ends_on or today + datetime.timedelta(days=265)
    fund = services.fund_open(
        partnership=carer.partnership,
        kind=Fund.Kind.DIRECT_PAYMENT,
        name=f"{carer.first_name}'s direct payment",
        carer=carer,
        starts_on=starts_on,
        ends_on=ends_on,
        by=staff,
    )
    if amount:
        services.ledger_allocate(fund=fund, amount=amount, source=line or factories.budget_line(staff), by=staff)
    return fund


def spend(fund, by, *, amount=2_500, on=None, upload=None, key=None, **kwargs):
    return dp.dp_spend_record(
        fund=fund,
        spent_on=on or timezone.localdate(),
        amount=amount,
        what_for=kwargs.get("what_for", "Swimming pass"),
        supplier=kwargs.get("supplier", "Leisure centre"),
        receipt=upload or receipt(),
        by=by,
        submission_key=key,
    )


@pytest.fixture
def line(x):
    return factories.budget_line(x.broker, amount=10_000_000)


@pytest.fixture
def fund(x, carer_a, line):
    return direct_payment(x.broker, carer_a, line=line)


# ----------------------------------------------------------------------------------------------
# Spending
# ----------------------------------------------------------------------------------------------


def test_spending_moves_money_from_available_to_spent(x, carer_a, fund):
    recorded = spend(fund, carer_a.user, amount=2_550)
    money = fund_balances(fund=fund, fetched_by=x.broker)
    assert (money.available, money.spent, money.paid) == (97_450, 2_550, 2_550)
    assert recorded.posting.kind == Posting.Kind.PAY
    assert recorded.receipt_content_type == "application/pdf"
    assert recorded.receipt.name.startswith("receipts/")
    assert "receipt.pdf" not in recorded.receipt.name
    assert AuditEvent.objects.filter(action="brokerage.direct_payment_spend.recorded").count() == 1
    assert_ledger_ok()


def test_spending_more_than_is_left_is_refused_and_records_nothing(x, carer_a, fund):
    with pytest.raises(ValidationError, match="not the £1,500"):
        spend(fund, carer_a.user, amount=150_000)
    assert not DirectPaymentSpend.objects.exists()
    assert fund_balances(fund=fund, fetched_by=x.broker).available == 100_000
    assert_ledger_ok()


def test_the_same_form_sent_twice_records_once(x, carer_a, fund):
    first = spend(fund, carer_a.user, key="k1")
    assert spend(fund, carer_a.user, key="k1") == first
    assert DirectPaymentSpend.objects.count() == 1
    assert fund_balances(fund=fund, fetched_by=x.broker).spent == 2_500
    assert_ledger_ok()


def test_who_and_when_spending_may_be_recorded(x, y, carer_a, carer_b_in_x, fund, line):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="cannot record"):
        spend(fund, carer_b_in_x.user)
    with pytest.raises(ValidationError, match="cannot record"):
        spend(fund, y.broker)
    with pytest.raises(ValidationError, match="today or in the past"):
        spend(fund, carer_a.user, on=today + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="when it started"):
        spend(fund, carer_a.user, on=fund.starts_on - datetime.timedelta(days=1))
    isf = factories.personal_fund(x.broker, carer=carer_a, amount=10_000, line=line)
    with pytest.raises(ValidationError, match="only on a direct payment"):
        spend(isf, x.broker)
    assert spend(fund, x.broker).recorded_by == x.broker  # hub staff may record it for the carer


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (receipt("receipt.exe", PDF, "application/pdf"), "PDF, JPG or PNG"),
        (receipt("receipt.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "this one is not"),
        (receipt("receipt.png", PDF, "image/png"), "this one is not"),  # a PDF named .png
        (receipt("receipt.pdf", PDF, "text/html"), "this one is not"),  # declared as something else
        (receipt("receipt.pdf", b"", "application/pdf"), "empty"),
        (receipt("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf"), "smaller than 5 MB"),
    ],
)
def test_a_receipt_must_really_be_a_small_pdf_jpeg_or_png(carer_a, fund, upload, message):
    with pytest.raises(ValidationError) as error:
        spend(fund, carer_a.user, upload=upload)
    assert message in str(error.value)
    assert not DirectPaymentSpend.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("r.png", PNG, "image/png"), ("r.JPG", JPEG, "image/jpeg"), ("r.jpeg", JPEG, "image/jpeg")],
)
def test_images_are_accepted(carer_a, fund, name, content, kind):
    assert spend(fund, carer_a.user, upload=receipt(name, content, kind)).receipt_content_type == kind


def test_a_receipt_is_downloaded_only_by_the_carer_and_their_hub(
    client_for, x, y, carer_a, carer_b, fund, admin_user, provider_user
):
    recorded = spend(fund, carer_a.user)
    url = reverse("brokerage:grants:dp_receipt", kwargs={"pk": recorded.pk})
    for user in (carer_a.user, x.broker, x.assessor, admin_user):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert "attachment" in response["Content-Disposition"]
    for user in (carer_b.user, y.broker, x.commissioner, provider_user):
        assert client_for(user).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="brokerage.direct_payment_spend.receipt_downloaded").count() == 4


# ----------------------------------------------------------------------------------------------
# Against the plan
# ----------------------------------------------------------------------------------------------


def test_the_hub_sees_spending_against_the_plan(client_for, x, carer_a, fund):
    plan = complete_plan(carer_a, cost=(10, 4_500))  # £450 as a direct payment
    Plan.objects.filter(pk=plan.pk).update(
        state=Plan.State.APPROVED, approved_by=x.assessor, approved_at=timezone.now()
    )
    spend(fund, carer_a.user, amount=12_000)
    [row] = dp.dp_list(fetched_by=x.broker)
    assert (row.planned, row.spent, row.left_of_plan, row.available) == (45_000, 12_000, 33_000, 88_000)
    page = client_for(x.broker).get(reverse("brokerage:grants:dp_hub_fund", kwargs={"pk": fund.pk})).content.decode()
    assert "£450" in page
    assert "£120" in page
    assert "£330 of the plan not yet spent" in page
    assert "Swimming pass" in page
    listing = client_for(x.broker).get(reverse("brokerage:grants:dp_hub_list")).content.decode()
    assert "£450" in listing
    assert "£880" in listing


# ----------------------------------------------------------------------------------------------
# Period end
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def ended(x, carer_a, line):
    """A direct payment whose period ended yesterday with £400 of £1,000 unspent."""
    today = timezone.localdate()
    fund = direct_payment(
        x.broker,
        carer_a,
        starts_on=today - datetime.timedelta(days=365),
        ends_on=today - datetime.timedelta(days=1),
        line=line,
    )
    spend(fund, carer_a.user, amount=60_000, on=today - datetime.timedelta(days=10))
    return fund


def test_unspent_money_is_recovered_to_the_budget_line_once(x, ended, line):
    before = fund_balances(fund=line, fetched_by=x.broker).available
    settlement = dp.period_end_settle(fund=ended, reason="Year end", by=x.assessor)
    assert (settlement.unspent_pence, settlement.recovered_pence, settlement.carried_pence) == (40_000, 40_000, 0)
    assert settlement.budget_line == line  # where the money came from
    assert fund_balances(fund=ended, fetched_by=x.broker).available == 0
    assert fund_balances(fund=line, fetched_by=x.broker).available == before + 40_000
    # Again (double submit, retry): the same settlement, nothing posted.
    postings = Posting.objects.count()
    assert dp.period_end_settle(fund=ended, reason="Again", by=x.broker) == settlement
    assert Posting.objects.count() == postings
    assert AuditEvent.objects.filter(action="brokerage.direct_payment.period_end_settled").count() == 1
    assert_ledger_ok()


def test_carry_over_up_to_the_cap_goes_to_the_next_period_and_the_rest_is_recovered(x, carer_a, ended, line):
    dp.period_end_rule_update(partnership=x.partnership, action="carry_over", cap=25_000, by=x.broker)
    before = fund_balances(fund=line, fetched_by=x.broker).available
    settlement = dp.period_end_settle(fund=ended, reason="Carry over as agreed", by=x.broker)
    assert (settlement.recovered_pence, settlement.carried_pence) == (15_000, 25_000)
    following = settlement.carried_to
    assert (following.kind, following.carer, following.starts_on) == (
        Fund.Kind.DIRECT_PAYMENT,
        carer_a,
        ended.ends_on + datetime.timedelta(days=1),
    )
    assert fund_balances(fund=following, fetched_by=x.broker).available == 25_000
    assert fund_balances(fund=line, fetched_by=x.broker).available == before + 15_000
    assert dp.period_end_settle(fund=ended, reason="Again", by=x.broker) == settlement
    assert fund_balances(fund=following, fetched_by=x.broker).available == 25_000
    assert_ledger_ok()
    with pytest.raises(ValidationError, match="closed"):
        spend(ended, carer_a.user, on=ended.ends_on)


def test_carry_over_goes_into_an_existing_next_period_fund(x, carer_a, ended, line):
    dp.period_end_rule_update(partnership=x.partnership, action="carry_over", cap=100_000, by=x.broker)
    following = direct_payment(
        x.broker, carer_a, amount=5_000, starts_on=ended.ends_on + datetime.timedelta(days=1),
        ends_on=ended.ends_on + datetime.timedelta(days=366), line=line,
    )  # fmt: skip
    settlement = dp.period_end_settle(fund=ended, reason="Carry over", by=x.broker)
    assert settlement.carried_to == following
    assert settlement.carried_pence == 40_000
    assert fund_balances(fund=following, fetched_by=x.broker).available == 45_000
    assert_ledger_ok()


def test_a_period_end_needs_an_ended_period_a_reason_and_hub_staff(x, y, carer_a, fund, ended):
    with pytest.raises(ValidationError, match="not ended"):
        dp.period_end_settle(fund=fund, reason="Early", by=x.broker)
    with pytest.raises(ValidationError, match="reason"):
        dp.period_end_settle(fund=ended, reason=" ", by=x.broker)
    with pytest.raises(ValidationError, match="hub staff"):
        dp.period_end_settle(fund=ended, reason="Mine", by=carer_a.user)
    with pytest.raises(ValidationError, match="hub staff"):
        dp.period_end_settle(fund=ended, reason="Theirs", by=y.broker)
    with pytest.raises(ValidationError, match="carried over"):
        dp.period_end_rule_update(partnership=x.partnership, action="carry_over", cap=0, by=x.broker)
    assert fund_balances(fund=ended, fetched_by=x.broker).available == 40_000


def test_the_period_end_page_lists_what_is_due_with_the_rule(client_for, x, y, carer_a, carer_b_in_x, ended, line):
    today = timezone.localdate()
    soon = direct_payment(x.broker, carer_b_in_x, ends_on=today + datetime.timedelta(days=20), line=line)
    direct_payment(x.broker, carer_b_in_x, ends_on=today + datetime.timedelta(days=90), line=line)  # not yet due
    dp.period_end_rule_update(partnership=x.partnership, action="carry_over", cap=10_000, by=x.broker)
    due = dp.period_end_due(fetched_by=x.broker)
    assert [(row.row.fund, row.ended, row.recover, row.carry) for row in due] == [
        (ended, True, 30_000, 10_000),
        (soon, False, 90_000, 10_000),
    ]
    assert dp.period_end_due(fetched_by=y.broker) == []
    page = client_for(x.broker).get(reverse("brokerage:grants:dp_period_end")).content.decode()
    assert "Ends soon" in page
    assert "up to £100" in page
    client = client_for(x.broker)
    url = reverse("brokerage:grants:dp_period_end_settle", kwargs={"pk": ended.pk})
    bad = client.post(url, {"budget_line": line.pk, "reason": ""})
    assert bad.status_code == 200
    assert "reason" in bad.context["form"].errors
    assert client.post(url, {"budget_line": line.pk, "reason": "Year end"}).status_code == 302
    assert client.post(url, {"budget_line": line.pk, "reason": "Year end"}).status_code == 302  # double submit
    assert [row.row.fund for row in dp.period_end_due(fetched_by=x.broker)] == [soon]
    assert "closed on" in client.get(url).content.decode()
    assert_ledger_ok()


def test_closing_a_period_early_on_the_page_is_an_error_not_a_500(client_for, x, fund, line):
    response = client_for(x.broker).post(
        reverse("brokerage:grants:dp_period_end_settle", kwargs={"pk": fund.pk}),
        {"budget_line": line.pk, "reason": "Early"},
    )
    assert response.status_code == 200
    assert "has not ended yet" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "action"),
        ({"action": "burn"}, "action"),
        ({"action": "carry_over"}, "cap"),
        ({"action": "carry_over", "cap": "x"}, "cap"),
    ],
)
def test_bad_input_on_the_rule_form(client_for, x, data, field):
    response = client_for(x.broker).post(reverse("brokerage:grants:dp_period_end_rule"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors


# ----------------------------------------------------------------------------------------------
# The spending page
# ----------------------------------------------------------------------------------------------


def _spend_data(**overrides):
    today = timezone.localdate()
    data = {
        "spent_on_0": str(today.day),
        "spent_on_1": str(today.month),
        "spent_on_2": str(today.year),
        "amount": "25.50",
        "what_for": "Art class",
        "supplier": "Town arts centre",
        "receipt": receipt(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_carer_records_spending_on_the_page(client_for, x, carer_a, fund):
    client = client_for(carer_a.user)
    url = reverse("brokerage:grants:dp_spend_add", kwargs={"pk": fund.pk})
    key = client.get(url).context["form"].initial["submission_key"]
    response = client.post(url, _spend_data(submission_key=key), follow=True)
    assert "Your spending is recorded" in response.content.decode()
    client.post(url, _spend_data(submission_key=key))  # sent twice
    assert DirectPaymentSpend.objects.count() == 1
    assert fund_balances(fund=fund, fetched_by=x.broker).spent == 2_550
    page = client.get(reverse("brokerage:grants:dp_carer")).content.decode()
    assert "Art class" in page
    assert "£974.50" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": "2000"}, "__all__"),  # more than is left: the service says so
        ({"spent_on_1": "13"}, "spent_on"),
        ({"spent_on_2": str(timezone.localdate().year + 1)}, "spent_on"),
        ({"what_for": ""}, "what_for"),
        ({"supplier": ""}, "supplier"),
        ({"receipt": None}, "receipt"),
        ({"receipt": receipt("r.gif", b"GIF89a", "image/gif")}, "receipt"),
        ({"receipt": receipt("r.pdf", b"<html>", "application/pdf")}, "receipt"),
    ],
)
def test_bad_input_on_the_spending_form_keeps_what_was_typed(client_for, carer_a, fund, overrides, field):
    response = client_for(carer_a.user).post(
        reverse("brokerage:grants:dp_spend_add", kwargs={"pk": fund.pk}), _spend_data(**overrides)
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "<title>Error: " in text
    assert field in response.context["form"].errors
    if overrides.get("what_for") is None:
        assert "Art class" in text
    assert not DirectPaymentSpend.objects.exists()


def test_other_households_and_partnerships_get_404(client_for, x, y, carer_a, carer_b, fund, provider_user):
    spend_url = reverse("brokerage:grants:dp_spend_add", kwargs={"pk": fund.pk})
    assert client_for(carer_b.user).get(spend_url).status_code == 404
    assert client_for(carer_b.user).post(spend_url, _spend_data()).status_code == 404
    assert client_for(y.broker).get(reverse("brokerage:grants:dp_hub_fund", kwargs={"pk": fund.pk})).status_code == 404
    settle = reverse("brokerage:grants:dp_period_end_settle", kwargs={"pk": fund.pk})
    assert client_for(y.broker).post(settle, {"reason": "x"}).status_code == 404
    assert client_for(carer_a.user).get(reverse("brokerage:grants:dp_hub_list")).status_code == 404
    assert client_for(provider_user).get(reverse("brokerage:grants:dp_carer")).status_code == 404
    assert not DirectPaymentSpend.objects.exists()


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_make_the_same_number_of_queries_at_any_size(client_for, x, carer_a, fund, line):
    today = timezone.localdate()
    spend(fund, carer_a.user)
    first = direct_payment(
        x.broker,
        CarerFactory(user=UserFactory(), locality=x.locality),
        ends_on=today - datetime.timedelta(days=2),
        line=line,
    )
    spend(first, first.carer.user, on=today - datetime.timedelta(days=3))
    pages = [
        (client_for(x.broker), reverse("brokerage:grants:dp_hub_list")),
        (client_for(x.broker), reverse("brokerage:grants:dp_period_end")),
        (client_for(x.broker), reverse("brokerage:grants:dp_hub_fund", kwargs={"pk": fund.pk})),
        (client_for(carer_a.user), reverse("brokerage:grants:dp_carer")),
    ]
    small = [_queries(client, url) for client, url in pages]
    for _ in range(8):
        carer = CarerFactory(user=UserFactory(), locality=x.locality)
        other = direct_payment(x.broker, carer, ends_on=today - datetime.timedelta(days=2), line=line)
        spend(other, carer.user, on=today - datetime.timedelta(days=3))
        spend(fund, carer_a.user, amount=100)
    direct_payment(x.broker, carer_a, ends_on=today + datetime.timedelta(days=10), line=line)
    assert [_queries(client, url) for client, url in pages] == small
