"""The hub's refund page and the two-person pages: refunding a paid invoice (full or part, never more than was paid
less what was already refunded), asking for an adjustment or an overdraft, the list of requests waiting for a second
person, and the decision page, where the one who asked is not offered the decision and the service refuses it.

Figures are checked against values worked by hand; bad input gets a message by the field and keeps what was typed;
the same form sent twice refunds or asks once."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from breakthrough.models import AuditEvent, Role
from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import FundAdjustment, Invoice, Overdraft, Posting
from tests.brokerage.funds.factories import budget_line, personal_fund, provider
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


@pytest.fixture
def line(x):
    return budget_line(x.broker, amount=500_000)


@pytest.fixture
def isf(x, carer_a, line):
    return personal_fund(x.broker, carer=carer_a, amount=100_000, line=line)  # £1,000


@pytest.fixture
def second_broker(x):
    return staff(Role.BROKER, x.hub, email="broker2@x.example", first_name="Rona", last_name="Bell")


def _paid_invoice(x, shares: dict, reference="INV-R1") -> Invoice:
    services.ledger_commit(shares=shares, by=x.broker)
    invoice = services.ledger_invoice(provider=provider(), reference=reference, shares=shares, by=x.broker)
    return services.invoice_pay(invoice=invoice, by=x.broker)


def available(fund, x) -> int:
    return fund_balances(fund=fund, fetched_by=x.broker).available


def _key(response) -> str:
    return re.search(r'name="submission_key" value="([0-9a-f]+)"', response.content.decode()).group(1)


def _field_error(response, field: str) -> str:
    """The text of the GOV.UK error message beside a field (crispy-forms-gds: id_<field>_<n>_error)."""
    text = response.content.decode()
    found = re.search(
        rf'id="id_{field}(?:_\d+)?_error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>(.*?)</span>',
        text,
        re.S,
    )
    assert found, f"no error message by {field}"
    return "Error: " + " ".join(found.group(1).split())


# ----------------------------------------------------------------------------------------------
# Refunds
# ----------------------------------------------------------------------------------------------


def test_a_part_refund_of_a_pooled_invoice_goes_back_in_the_shares_paid_and_the_pages_show_it(
    client_for, x, line, carer_a, carer_b_in_x
):
    first = personal_fund(x.broker, carer=carer_a, amount=10_000, line=line)  # £100
    second = personal_fund(x.broker, carer=carer_b_in_x, amount=10_000, line=line)  # £100
    invoice = _paid_invoice(x, {first: 3_000, second: 4_500})  # £75: £30 and £45; available £70 and £55
    client = client_for(x.broker)
    url = reverse("brokerage:funds:invoice_refund", kwargs={"pk": invoice.pk})
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="refundable">£75<' in text
    assert 'value="75.00"' in text  # the amount starts at everything that can be refunded

    response = client.post(url, {"amount": "25", "reason": "Trip cut short", "submission_key": _key(page)})
    assert response.status_code == 302
    # By hand: £25 of £75 is a third; a third of £30 is £10 and of £45 is £15.
    assert (available(first, x), available(second, x)) == (8_000, 7_000)
    invoice.refresh_from_db()
    assert invoice.refunded_pence == 2_500
    detail = client.get(reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk})).content.decode()
    assert 'data-testid="refunded">£25 of £75<' in detail
    assert "£25, by" in detail
    assert "Trip cut short" in detail
    fund_page = client.get(reverse("brokerage:funds:fund_detail", kwargs={"pk": first.pk})).content.decode()
    assert 'data-testid="available">£80<' in fund_page
    assert 'data-testid="spent">£20 (£20 paid, £0 waiting to be paid)<' in fund_page
    again = client.get(url).content.decode()
    assert 'data-testid="refunded">£25<' in again
    assert 'data-testid="refundable">£50<' in again
    event = AuditEvent.objects.get(action="brokerage.invoice.refunded")
    assert (event.actor, event.data["pence"]) == (x.broker, 2_500)


def test_the_same_refund_form_sent_twice_refunds_once(client_for, x, isf):
    invoice = _paid_invoice(x, {isf: 4_000})
    client = client_for(x.broker)
    url = reverse("brokerage:funds:invoice_refund", kwargs={"pk": invoice.pk})
    key = _key(client.get(url))
    form = {"amount": "40", "reason": "Paid in error", "submission_key": key}  # the whole invoice
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # a double click: finds the first refund
    assert Posting.objects.filter(invoice=invoice, kind="refund").count() == 1
    assert available(isf, x) == 100_000
    invoice.refresh_from_db()
    assert invoice.refunded_pence == 4_000
    assert "refunded in full" in client.get(url).content.decode()


def test_a_refund_of_more_than_was_paid_less_refunded_gets_a_message_by_the_amount(client_for, x, isf):
    invoice = _paid_invoice(x, {isf: 4_000})
    services.ledger_refund(invoice=invoice, amount=1_500, by=x.assessor, reason="Part of it")
    client = client_for(x.broker)
    url = reverse("brokerage:funds:invoice_refund", kwargs={"pk": invoice.pk})
    response = client.post(url, {"amount": "25.01", "reason": "The rest", "submission_key": _key(client.get(url))})
    assert response.status_code == 200
    assert _field_error(response, "amount") == "Error: At most £25 of this invoice can be refunded."
    assert "The rest" in response.content.decode()  # nothing typed is lost
    assert Posting.objects.filter(invoice=invoice, kind="refund").count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("99999999999999999999", "Enter the amount refunded of £100,000 or less"),
        ("100000.01", "Enter the amount refunded of £100,000 or less"),
        ("-5", "Enter the amount refunded of £0 or more"),
        ("ten pounds", "Enter the amount refunded in pounds, like 45.50"),
        ("<script>alert(1)</script>", "Enter the amount refunded in pounds, like 45.50"),
        ("1.001", "Enter the amount refunded in pounds and pence, like 45.50"),
        ("0", "Enter the amount refunded, more than £0"),
        ("NaN", "Enter the amount refunded of £0 or more"),
        ("", "Enter the amount refunded"),
    ],
)
def test_bad_refund_amounts_get_a_message_by_the_field_and_refund_nothing(client_for, x, isf, typed, message):
    invoice = _paid_invoice(x, {isf: 4_000})
    client = client_for(x.broker)
    url = reverse("brokerage:funds:invoice_refund", kwargs={"pk": invoice.pk})
    response = client.post(url, {"amount": typed, "reason": "Because", "submission_key": _key(client.get(url))})
    assert response.status_code == 200
    assert _field_error(response, "amount") == f"Error: {message}"
    assert "<title>Error: " in response.content.decode()
    assert not Posting.objects.filter(kind="refund").exists()


def test_a_refund_reason_with_markup_is_kept_as_text(client_for, x, isf):
    invoice = _paid_invoice(x, {isf: 4_000})
    client = client_for(x.broker)
    url = reverse("brokerage:funds:invoice_refund", kwargs={"pk": invoice.pk})
    reason = '<img src=x onerror="alert(1)">'
    client.post(url, {"amount": "5", "reason": reason, "submission_key": _key(client.get(url))})
    detail = client.get(reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk})).content.decode()
    assert "<img src=x" not in detail
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in detail


def test_an_unpaid_invoice_offers_no_refund(client_for, x, isf):
    services.ledger_commit(fund=isf, amount=1_000, by=x.broker)
    invoice = services.ledger_invoice(provider=provider(), reference="INV-U", fund=isf, amount=1_000, by=x.broker)
    client = client_for(x.broker)
    url = reverse("brokerage:funds:invoice_refund", kwargs={"pk": invoice.pk})
    assert "has not been paid, so there is nothing to refund" in client.get(url).content.decode()
    response = client.post(url, {"amount": "5", "reason": "No", "submission_key": "k" * 32})
    assert "Only a paid invoice can be refunded." in response.content.decode()
    assert not Posting.objects.filter(kind="refund").exists()


def test_another_partnerships_staff_cannot_refund(client_for, x, y, isf):
    invoice = _paid_invoice(x, {isf: 4_000})
    url = reverse("brokerage:funds:invoice_refund", kwargs={"pk": invoice.pk})
    response = client_for(y.broker).post(url, {"amount": "5", "reason": "Theirs", "submission_key": "a" * 32})
    assert response.status_code == 404
    assert not Posting.objects.filter(kind="refund").exists()


# ----------------------------------------------------------------------------------------------
# Adjustments: asked by one person, decided by another
# ----------------------------------------------------------------------------------------------


def _ask_adjustment(client, fund, **form):
    url = reverse("brokerage:funds:fund_adjust", kwargs={"pk": fund.pk})
    data = {
        "direction": "take",
        "amount": "25.50",
        "reason": "Allocated twice",
        "submission_key": _key(client.get(url)),
    }
    return client.post(url, {**data, **form})


def test_an_adjustment_waits_for_a_second_person_who_is_e_mailed_and_then_approves_it(
    client_for, x, isf, second_broker, mailoutbox, django_capture_on_commit_callbacks
):
    asker = client_for(x.broker)
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_adjustment(asker, isf)
    adjustment = FundAdjustment.objects.get()
    assert response.url == reverse("brokerage:funds:adjustment_detail", kwargs={"pk": adjustment.pk})
    assert (adjustment.amount_pence, adjustment.state, adjustment.requested_by) == (-2_550, "pending", x.broker)
    assert available(isf, x) == 100_000  # nothing moves yet
    # The others who may approve it are told; the one who asked is not.
    [waiting] = mailoutbox
    assert sorted(waiting.to) == ["assessor@x.example", "broker2@x.example"]
    assert waiting.subject == f"Breakthrough: an adjustment to {isf.name} waits for approval"
    assert "Take £25.50 from the available money" in waiting.body
    assert "Allocated twice" in waiting.body
    assert f"/hub/funds/adjustments/{adjustment.pk}/" in waiting.body

    # The one who asked sees it waiting, and who asked and when, but no decision.
    mine = asker.get(response.url).content.decode()
    assert "You asked for this, so you cannot approve or refuse it" in mine
    assert "Save decision" not in mine
    assert 'name="decision"' not in mine
    assert "Take £25.50 from the available money" in mine

    # A second person sees the decision, and approves it.
    approver = client_for(second_broker)
    theirs = approver.get(response.url).content.decode()
    assert "Save decision" in theirs
    assert f"{x.broker.get_display_name()}, " in theirs
    with django_capture_on_commit_callbacks(execute=True):
        approver.post(response.url, {"decision": "approve"})
    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.approved_by) == ("approved", second_broker)
    assert available(isf, x) == 100_000 - 2_550  # £974.50, by hand
    assert adjustment.posting.kind == "adjust"
    decided = mailoutbox[-1]
    assert decided.to == [x.broker.email]
    assert decided.subject == f"Breakthrough: your request for an adjustment to {isf.name} is approved"
    fund_page = approver.get(reverse("brokerage:funds:fund_detail", kwargs={"pk": isf.pk})).content.decode()
    assert 'data-testid="available">£974.50<' in fund_page
    assert "−£25.50" in fund_page  # the posting's line
    actions = set(AuditEvent.objects.filter(object_id=str(adjustment.pk)).values_list("action", flat=True))
    assert {"brokerage.fund_adjustment.requested", "brokerage.fund_adjustment.approved"} <= actions


def test_the_one_who_asked_cannot_approve_their_own_adjustment_even_by_posting_the_form(client_for, x, isf):
    asker = client_for(x.broker)
    _ask_adjustment(asker, isf, direction="add", amount="10")
    adjustment = FundAdjustment.objects.get()
    url = reverse("brokerage:funds:adjustment_detail", kwargs={"pk": adjustment.pk})
    response = asker.post(url, {"decision": "approve"})
    assert response.status_code == 200
    assert "A second person must approve this" in response.content.decode()
    response = asker.post(url, {"decision": "refuse", "refusal_reason": "Changed my mind"})
    assert "A second person must approve this" in response.content.decode()
    adjustment.refresh_from_db()
    assert adjustment.state == "pending"
    assert not Posting.objects.filter(kind="adjust").exists()


def test_approving_twice_posts_once_and_says_it_was_already_approved(client_for, x, isf):
    _ask_adjustment(client_for(x.broker), isf, direction="add", amount="10")
    adjustment = FundAdjustment.objects.get()
    url = reverse("brokerage:funds:adjustment_detail", kwargs={"pk": adjustment.pk})
    approver = client_for(x.assessor)
    approver.post(url, {"decision": "approve"})
    approver.post(url, {"decision": "approve"})  # a double click
    page = approver.get(url).content.decode()
    assert "was already approved by" in page
    assert Posting.objects.filter(kind="adjust").count() == 1
    assert available(isf, x) == 101_000


def test_the_same_adjustment_form_sent_twice_asks_once_and_e_mails_once(
    client_for, x, isf, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(x.broker)
    url = reverse("brokerage:funds:fund_adjust", kwargs={"pk": isf.pk})
    form = {"direction": "add", "amount": "10", "reason": "Top-up missed", "submission_key": _key(client.get(url))}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, form)
        second = client.post(url, form)
    assert first.url == second.url
    assert FundAdjustment.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_refusal_needs_a_reason_by_the_field_and_tells_the_one_who_asked(
    client_for, x, isf, mailoutbox, django_capture_on_commit_callbacks
):
    _ask_adjustment(client_for(x.broker), isf)
    adjustment = FundAdjustment.objects.get()
    url = reverse("brokerage:funds:adjustment_detail", kwargs={"pk": adjustment.pk})
    approver = client_for(x.assessor)
    response = approver.post(url, {"decision": "refuse", "refusal_reason": "  "})
    assert _field_error(response, "refusal_reason") == "Error: Say why it is refused"
    response = approver.post(url, {})
    assert _field_error(response, "decision") == "Error: Choose whether to approve or refuse it"
    with django_capture_on_commit_callbacks(execute=True):
        approver.post(url, {"decision": "refuse", "refusal_reason": "It was allocated once, not twice"})
    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.refused_by) == ("refused", x.assessor)
    assert not Posting.objects.filter(kind="adjust").exists()
    assert available(isf, x) == 100_000
    [decided] = mailoutbox
    assert decided.to == [x.broker.email]
    assert decided.subject.endswith("is refused")
    assert "It was allocated once, not twice" in decided.body
    page = approver.get(url).content.decode()
    assert "Refused</strong> by" in page
    assert "Save decision" not in page


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"amount": "99999999999999999999"}, "amount", "Enter the amount of £100,000 or less"),
        ({"amount": "-25"}, "amount", "Enter the amount of £0 or more"),
        ({"amount": "lots"}, "amount", "Enter the amount in pounds, like 45.50"),
        ({"amount": "<b>5</b>"}, "amount", "Enter the amount in pounds, like 45.50"),
        ({"amount": "0"}, "amount", "Enter the amount, more than £0"),
        ({"direction": ""}, "direction", "Choose whether to add money or take it away"),
        ({"reason": ""}, "reason", "Say why the fund is adjusted"),
        ({"reason": "x" * 501}, "reason", "The reason must be 500 characters or fewer"),
    ],
)
def test_bad_adjustments_get_a_message_by_the_field_and_keep_what_was_typed(client_for, x, isf, form, field, message):
    client = client_for(x.broker)
    response = _ask_adjustment(client, isf, **form)
    assert response.status_code == 200
    assert _field_error(response, field) == f"Error: {message}"
    if field != "reason":
        assert "Allocated twice" in response.content.decode()
    assert not FundAdjustment.objects.exists()


def test_an_adjustment_that_would_overdraw_the_fund_is_refused_at_approval_with_a_message(client_for, x, isf):
    _ask_adjustment(client_for(x.broker), isf, amount="1000.01")
    adjustment = FundAdjustment.objects.get()
    url = reverse("brokerage:funds:adjustment_detail", kwargs={"pk": adjustment.pk})
    response = client_for(x.assessor).post(url, {"decision": "approve"})
    assert response.status_code == 200
    assert f"{isf.name} has £1,000 available, not the £1,000.01 this needs." in html.unescape(response.content.decode())
    adjustment.refresh_from_db()
    assert adjustment.state == "pending"


# ----------------------------------------------------------------------------------------------
# Overdrafts
# ----------------------------------------------------------------------------------------------


def test_an_overdraft_is_asked_for_and_approved_by_a_second_person(
    client_for, x, isf, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(x.broker)
    url = reverse("brokerage:funds:fund_overdraft", kwargs={"pk": isf.pk})
    form = {"limit": "200", "reason": "Crisis respite this week", "submission_key": _key(client.get(url))}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)
    overdraft = Overdraft.objects.get()
    assert overdraft.limit_pence == 20_000
    assert mailoutbox[0].subject == f"Breakthrough: an overdraft to {isf.name} waits for approval"
    assert "You asked for this" in client.get(response.url).content.decode()
    # A second request for the same fund waits for the first to be decided.
    again = client.post(url, {**form, "submission_key": "b" * 32})
    assert "already has an overdraft request waiting" in again.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(x.assessor).post(response.url, {"decision": "approve"})
    assert fund_balances(fund=isf, fetched_by=x.broker).overdraft_limit == 20_000
    assert mailoutbox[-1].subject == f"Breakthrough: your request for an overdraft to {isf.name} is approved"
    page = client.get(reverse("brokerage:funds:fund_detail", kwargs={"pk": isf.pk})).content.decode()
    assert 'data-testid="overdraft">Up to £200 below zero<' in page


def test_a_refused_overdraft_leaves_the_limit_as_it_was(client_for, x, isf):
    made = services.overdraft_request(fund=isf, limit=5_000, reason="Crisis", requested_by=x.broker)
    url = reverse("brokerage:funds:overdraft_detail", kwargs={"pk": made.pk})
    client_for(x.assessor).post(url, {"decision": "refuse", "refusal_reason": "Use the contingency line"})
    made.refresh_from_db()
    assert (made.state, made.refusal_reason) == ("refused", "Use the contingency line")
    assert fund_balances(fund=isf, fetched_by=x.broker).overdraft_limit == 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e9", "Enter the overdraft limit of £100,000 or less"),
        ("-1", "Enter the overdraft limit of £0 or more"),
        ("two hundred", "Enter the overdraft limit in pounds, like 45.50"),
        ("", "Enter the overdraft limit"),
    ],
)
def test_bad_overdraft_limits_get_a_message_by_the_field(client_for, x, isf, typed, message):
    client = client_for(x.broker)
    url = reverse("brokerage:funds:fund_overdraft", kwargs={"pk": isf.pk})
    response = client.post(url, {"limit": typed, "reason": "Crisis", "submission_key": _key(client.get(url))})
    assert _field_error(response, "limit") == f"Error: {message}"
    assert not Overdraft.objects.exists()


# ----------------------------------------------------------------------------------------------
# The list waiting for approval, and the fund page
# ----------------------------------------------------------------------------------------------


def test_the_list_shows_who_asked_and_when_and_offers_the_decision_only_to_others(client_for, x, isf, second_broker):
    services.ledger_adjust(fund=isf, amount=1_234, reason="Missed top-up", requested_by=x.broker)
    services.overdraft_request(fund=isf, limit=10_000, reason="Crisis", requested_by=second_broker)
    url = reverse("brokerage:funds:approvals")
    mine = client_for(x.broker).get(url).content.decode()
    assert "Add £12.34 to the available money" in mine
    assert "Let the available money go as far as £100 below zero" in mine
    assert mine.count("Approve or refuse<") == 1  # the overdraft Rona asked for; not my own adjustment
    assert "You asked for it, so someone else must approve it." in mine
    assert "Rona Bell, " in mine
    fund_page = client_for(x.assessor).get(reverse("brokerage:funds:fund_detail", kwargs={"pk": isf.pk}))
    assert fund_page.content.decode().count("Approve or refuse<") == 2
    listing = client_for(x.assessor).get(reverse("brokerage:funds:fund_list")).content.decode()
    assert "waiting for approval</a> (2)" in listing


def test_the_approvals_list_costs_the_same_queries_at_2_and_20_requests(client_for, x, line, second_broker):
    client = client_for(x.assessor)
    url = reverse("brokerage:funds:approvals")

    def ask(n):
        for _ in range(n):
            fund = personal_fund(x.broker, amount=1_000, line=line)
            services.ledger_adjust(fund=fund, amount=100, reason="R", requested_by=x.broker)
            made = services.overdraft_request(fund=fund, limit=100, reason="R", requested_by=second_broker)
            services.overdraft_approve(overdraft=made, by=x.broker)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    ask(2)
    few = queries()
    ask(18)
    assert queries() == few


def test_another_partnership_sees_none_of_them(client_for, x, y, isf):
    made = services.ledger_adjust(fund=isf, amount=100, reason="Ours", requested_by=x.broker)
    other = client_for(y.broker)
    assert "Ours" not in other.get(reverse("brokerage:funds:approvals")).content.decode()
    url = reverse("brokerage:funds:adjustment_detail", kwargs={"pk": made.pk})
    assert other.post(url, {"decision": "approve"}).status_code == 404
    made.refresh_from_db()
    assert made.state == "pending"
