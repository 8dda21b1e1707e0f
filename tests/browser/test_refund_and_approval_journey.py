"""Refunds and the two-person rule, in a real browser, with two hub finance workers each in their own browser.

Iona (a broker) refunds part of an invoice that was paid in error: bad amounts first (a message by the field,
nothing typed lost), then £10 of £25; the same form sent again behind her refunds nothing more. She asks to take
£35.50 from the carer's fund: her request page shows who asked and when, and offers her no decision. Rona (a
second broker) is e-mailed, finds it under "waiting for approval", and approves it; Iona is e-mailed. The fund's
figures are checked against values worked by hand at each step, and the pages at 320px wide as well as 1280px.

Every page is checked by `checkpoint` (title, screenshot, axe)."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from breakthrough.models import Role
from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.models import FundAdjustment, Posting
from tests.brokerage.funds.factories import budget_line, personal_fund
from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory, ProviderFactory, UserFactory, staff

FUND = "Morag MacLeod's Individual Service Fund"
INVOICE = "HB-77"


@pytest.fixture
def world(x):
    iona = staff(Role.BROKER, x.hub, email="iona.finance@x.example", first_name="Iona", last_name="Grant")
    rona = staff(Role.BROKER, x.hub, email="rona.finance@x.example", first_name="Rona", last_name="Bell")
    carer = CarerFactory(
        user=UserFactory(email="morag.refund@example.org"), first_name="Morag", last_name="MacLeod", locality=x.locality
    )
    fund = personal_fund(iona, carer=carer, amount=100_000, line=budget_line(iona))  # £1,000
    fund.name = FUND
    fund.save(update_fields=["name"])
    services.ledger_commit(fund=fund, amount=2_500, by=iona)
    invoice = services.ledger_invoice(
        provider=ProviderFactory(name="Highland Breaks"), reference=INVOICE, fund=fund, amount=2_500, by=iona
    )
    services.invoice_pay(invoice=invoice, by=iona)  # paid in error: the break was cancelled
    return {"iona": iona, "rona": rona, "fund": fund, "invoice": invoice}


def main(page: Page):
    return page.locator("main")


def row(page: Page, label: str):
    return main(page).locator(".govuk-summary-list__row").filter(has=page.locator("dt", has_text=label)).locator("dd")


def field_error(page: Page, label: str):
    """The error message inside the form group of the field labelled `label`."""
    group = page.locator(".govuk-form-group").filter(has=page.get_by_label(label, exact=True))
    return group.locator(".govuk-error-message")


def at_320(page: Page, checkpoint, title: str) -> None:
    """The page again at 320 CSS px (WCAG 1.4.10 reflow): screenshot and axe, and nothing wider than the window."""
    page.set_viewport_size({"width": 320, "height": 900})
    checkpoint(page, title)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, f"{page.url} scrolls sideways at 320px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_worker_refunds_an_invoice_and_a_second_worker_approves_an_adjustment_the_first_asked_for(
    page, new_page, checkpoint, world
):
    iona, rona, fund = world["iona"], world["rona"], world["fund"]

    # Iona finds the invoice from the fund's page. By hand: £1,000 less £25 paid leaves £975 available.
    first = page
    first.goto(reverse("account_login"))
    sign_in(first, checkpoint, iona.email, lands_on="… – Caseload", totp_secret=iona.totp_secret)
    first.get_by_role("navigation", name="Menu").get_by_role("link", name="Funds").click()
    checkpoint(first, "Funds")
    main(first).get_by_role("link", name=FUND).click()
    checkpoint(first, FUND)
    expect(row(first, "Available")).to_have_text("£975")
    expect(row(first, "Spent")).to_have_text("£25 (£25 paid, £0 waiting to be paid)")
    main(first).get_by_role("link", name=INVOICE).click()
    checkpoint(first, f"Invoice {INVOICE}")
    main(first).get_by_role("link", name="Refund this invoice").click()
    checkpoint(first, "Refund an invoice")
    expect(row(first, "Can be refunded")).to_have_text("£25")
    expect(first.get_by_label("How much is refunded?")).to_have_value("25.00")
    at_320(first, checkpoint, "Refund an invoice")

    # Bad amounts: a message by the field each time, and the reason typed stays.
    reason = "Paid in error: the break was cancelled, and the provider returned £10 of the deposit"
    first.get_by_label("Why is it refunded?").fill(reason)
    for typed, message in (
        ("£1,000,000", "Enter the amount refunded of £100,000 or less"),
        ("-10", "Enter the amount refunded of £0 or more"),
        ("ten", "Enter the amount refunded in pounds, like 45.50"),
        ("25.01", "At most £25 of this invoice can be refunded."),
    ):
        first.get_by_label("How much is refunded?").fill(typed)
        first.get_by_role("button", name="Refund").click()
        checkpoint(first, "Error: Refund an invoice")
        expect(field_error(first, "How much is refunded?")).to_contain_text(message)
        expect(first.locator(".govuk-error-summary")).to_contain_text(message)
        expect(first.get_by_label("Why is it refunded?")).to_have_value(reason)
        expect(first.get_by_label("How much is refunded?")).to_have_value(typed)
    at_320(first, checkpoint, "Error: Refund an invoice")

    # £10 of £25, and the same form sent again behind it (a double click) refunds nothing more.
    first.get_by_label("How much is refunded?").fill("10")
    form = first.locator("main form")
    sent = {
        "csrfmiddlewaretoken": form.locator("input[name=csrfmiddlewaretoken]").input_value(),
        "submission_key": form.locator("input[name=submission_key]").input_value(),
        "amount": "10",
        "reason": reason,
    }
    url = first.url
    first.get_by_role("button", name="Refund").click()
    checkpoint(first, f"Invoice {INVOICE}")
    expect(first.locator(".govuk-notification-banner")).to_contain_text(f"£10 of invoice {INVOICE} is refunded.")
    assert first.request.post(url, form=sent, max_redirects=0).status == 302
    first.reload()
    checkpoint(first, f"Invoice {INVOICE}")
    expect(row(first, "Refunded")).to_have_text("£10 of £25")
    expect(main(first).get_by_test_id("refunds")).to_contain_text(f"£10, by Iona Grant: {reason}")
    assert Posting.objects.filter(kind="refund", invoice=world["invoice"]).count() == 1
    at_320(first, checkpoint, f"Invoice {INVOICE}")

    # By hand: £975 + £10 = £985 available; £25 - £10 = £15 spent.
    main(first).get_by_role("link", name=FUND).click()
    checkpoint(first, FUND)
    expect(row(first, "Available")).to_have_text("£985")
    expect(row(first, "Spent")).to_have_text("£15 (£15 paid, £0 waiting to be paid)")

    # Iona asks to take £35.50 back; nothing moves until someone else approves it.
    main(first).get_by_role("link", name="Adjust the available money").click()
    checkpoint(first, "Adjust the fund")
    first.get_by_role("button", name="Ask for approval").click()
    checkpoint(first, "Error: Adjust the fund")
    expect(field_error(first, "How much?")).to_contain_text("Enter the amount")
    first.get_by_label("Take money from the fund").check()
    first.get_by_label("How much?").fill("35.50")
    first.get_by_label("Why is the fund adjusted?").fill("The August respite was allocated twice")
    at_320(first, checkpoint, "Error: Adjust the fund")
    first.get_by_role("button", name="Ask for approval").click()
    title = f"Adjustment to {FUND}"
    checkpoint(first, title)
    expect(first.locator(".govuk-notification-banner")).to_contain_text(
        "waiting for a second person to approve it. 3 colleagues who may approve it have been e-mailed."
    )
    expect(main(first).get_by_test_id("asked")).to_have_text("Take £35.50 from the available money")
    expect(main(first).get_by_test_id("asked-by")).to_contain_text("Iona Grant (you), ")
    expect(main(first).get_by_test_id("two-person")).to_contain_text("You asked for this, so you cannot approve")
    expect(main(first).get_by_role("button", name="Save decision")).to_have_count(0)
    expect(main(first).get_by_test_id("available")).to_have_text("£985")
    at_320(first, checkpoint, title)
    adjustment = FundAdjustment.objects.get()
    [told] = [m for m in mail.outbox if "waits for approval" in m.subject]
    assert sorted(told.to) == ["assessor@x.example", "broker@x.example", rona.email]  # everyone but Iona
    assert reverse("brokerage:funds:adjustment_detail", kwargs={"pk": adjustment.pk}) in told.body

    # Rona, in her own browser, finds it waiting and approves it.
    second = new_page()
    second.goto(reverse("account_login"))
    sign_in(second, checkpoint, rona.email, lands_on="… – Caseload", totp_secret=rona.totp_secret)
    second.get_by_role("navigation", name="Menu").get_by_role("link", name="Funds").click()
    checkpoint(second, "Funds")
    main(second).get_by_role("link", name="Adjustments and overdrafts waiting for approval").click()
    checkpoint(second, "Waiting for approval")
    card = main(second).locator(".govuk-summary-card").filter(has_text=FUND)
    expect(card).to_contain_text("Take £35.50 from the available money")
    expect(card).to_contain_text("Iona Grant, ")
    at_320(second, checkpoint, "Waiting for approval")
    card.get_by_role("link", name="Approve or refuse").click()
    checkpoint(second, title)
    second.get_by_role("button", name="Save decision").click()
    checkpoint(second, f"Error: {title}")
    expect(main(second).locator(".govuk-radios").locator("xpath=..").locator(".govuk-error-message")).to_contain_text(
        "Choose whether to approve or refuse it"
    )
    second.get_by_label("Approve it").check()
    at_320(second, checkpoint, f"Error: {title}")
    second.get_by_role("button", name="Save decision").click()
    checkpoint(second, title)
    expect(second.locator(".govuk-notification-banner")).to_contain_text("The adjustment is approved.")
    expect(main(second).get_by_test_id("status")).to_contain_text("Approved by Rona Bell")
    expect(main(second).get_by_test_id("available")).to_have_text("£949.50")  # by hand: £985 - £35.50
    assert [m.to for m in mail.outbox if "is approved" in m.subject] == [[iona.email]]

    # Iona sees it approved, and the fund's money changed by exactly that.
    first.reload()
    checkpoint(first, title)
    expect(main(first).get_by_test_id("status")).to_contain_text("Approved by Rona Bell")
    first.goto(reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk}))
    checkpoint(first, FUND)
    expect(row(first, "Available")).to_have_text("£949.50")
    expect(main(first)).to_contain_text("Nothing is waiting for approval on this fund.")
    postings = main(first).get_by_role("region", name="Postings")
    expect(postings.locator("tr").filter(has_text="Adjust").first).to_contain_text("−£35.50")
    expect(postings.locator("tr").filter(has_text="Refund").first).to_contain_text("+£10")
    at_320(first, checkpoint, FUND)
    assert ledger_check().ok


def test_a_worker_asks_for_an_overdraft_and_a_second_worker_refuses_it_with_a_reason(page, new_page, checkpoint, world):
    iona, rona, fund = world["iona"], world["rona"], world["fund"]
    first = page
    first.goto(reverse("account_login"))
    sign_in(first, checkpoint, iona.email, lands_on="… – Caseload", totp_secret=iona.totp_secret)
    first.goto(reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk}))
    checkpoint(first, FUND)
    main(first).get_by_role("link", name="Ask for an overdraft").click()
    checkpoint(first, "Ask for an overdraft")
    limit = "How far below zero may the available money go?"
    first.get_by_label(limit).fill("2e5")  # £200,000: more than a money field takes
    first.get_by_label("Why may the fund be overdrawn?").fill("A crisis break before the next allocation")
    first.get_by_role("button", name="Ask for approval").click()
    checkpoint(first, "Error: Ask for an overdraft")
    expect(field_error(first, limit)).to_contain_text("Enter the overdraft limit of £100,000 or less")
    first.get_by_label(limit).fill("150")
    first.get_by_role("button", name="Ask for approval").click()
    title = f"Overdraft to {FUND}"
    checkpoint(first, title)
    expect(main(first).get_by_test_id("asked")).to_have_text("Let the available money go as far as £150 below zero")
    expect(main(first).get_by_role("button", name="Save decision")).to_have_count(0)

    second = new_page()
    second.goto(reverse("account_login"))
    sign_in(second, checkpoint, rona.email, lands_on="… – Caseload", totp_secret=rona.totp_secret)
    [told] = [m for m in mail.outbox if "waits for approval" in m.subject]
    link = told.body.split("Approve or refuse it here: ")[1].split()[0]  # the link in her e-mail (on SITE_URL)
    second.goto(urlsplit(link).path)
    checkpoint(second, title)
    second.get_by_label("Refuse it").check()
    second.get_by_role("button", name="Save decision").click()
    checkpoint(second, f"Error: {title}")
    expect(field_error(second, "Reason for refusing it")).to_contain_text("Say why it is refused")
    second.get_by_label("Reason for refusing it").fill("Use the crisis budget line <b>instead</b>")
    second.get_by_role("button", name="Save decision").click()
    checkpoint(second, title)
    expect(main(second).get_by_test_id("status")).to_contain_text("Refused by Rona Bell")
    expect(main(second)).to_contain_text("Use the crisis budget line <b>instead</b>")  # shown as text
    expect(main(second).get_by_test_id("overdraft")).to_have_text("None")
    at_320(second, checkpoint, title)
    [decided] = [m for m in mail.outbox if m.subject.endswith("is refused")]
    assert decided.to == [iona.email]
    assert "Use the crisis budget line" in decided.body

    first.reload()
    checkpoint(first, title)
    expect(main(first).get_by_test_id("status")).to_contain_text("Refused by Rona Bell")
    first.goto(reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk}))
    checkpoint(first, FUND)
    expect(row(first, "Overdraft allowed")).to_have_text("None")
    expect(row(first, "Available")).to_have_text("£975")
