"""Micro-grants and direct payments in a real browser: a carer applies for a micro-grant just after a meeting's
cut-off and is told the next meeting; a broker decides it with a reason; the carer sees the award (and is
e-mailed); the carer records spending from their direct payment with a receipt upload.

Every page is checked by `checkpoint` (title, screenshot, axe)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from brokerage.funds import grants, services
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import DirectPaymentSpend, Fund, GrantApplication, PanelMeeting
from tests.brokerage.funds import factories
from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory, UserFactory, cares_for

MORAG = "morag.macleod@example.org"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def main(page: Page):
    return page.locator("main")


@pytest.fixture
def world(x, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # receipts are stored here
    now = timezone.now()
    carer = CarerFactory(
        user=UserFactory(email=MORAG, first_name="Morag", last_name="MacLeod"),
        first_name="Morag",
        last_name="MacLeod",
        locality=x.locality,
        about_you_completed_at=now,
        people_completed_at=now,
    )
    cares_for(carer)
    line = factories.budget_line(x.broker, name="Micro-grants budget")
    grants.grant_scheme_update(partnership=x.partnership, max_award=30_000, budget_line=line, by=x.broker)
    today = timezone.localdate()
    # This week's meeting closed an hour ago; the next one is in a month.
    closed = PanelMeeting.objects.create(
        partnership=x.partnership,
        meets_on=today + datetime.timedelta(days=2),
        cut_off=now - datetime.timedelta(hours=1),
        created_by=x.broker,
    )
    upcoming = grants.panel_meeting_add(
        partnership=x.partnership,
        meets_on=today + datetime.timedelta(days=30),
        cut_off=now + datetime.timedelta(days=23),
        by=x.broker,
    )
    fund = services.fund_open(
        partnership=x.partnership,
        kind=Fund.Kind.DIRECT_PAYMENT,
        name="Morag's direct payment",
        carer=carer,
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=300),
        by=x.broker,
    )
    services.ledger_allocate(fund=fund, amount=50_000, source=line, by=x.broker)
    return {"carer": carer, "closed": closed, "upcoming": upcoming, "fund": fund, "broker": x.broker}


def test_a_micro_grant_after_the_cut_off_is_decided_and_a_direct_payment_spend_is_recorded(
    page, new_page, checkpoint, world
):
    upcoming, closed = world["upcoming"], world["closed"]

    # The carer applies, an hour after this week's cut-off.
    page.goto(reverse("brokerage:grants:carer_list"))
    sign_in(page, checkpoint, MORAG, lands_on="Micro-grants")
    main(page).get_by_role("link", name="Apply for a micro-grant").click()
    checkpoint(page, "Apply for a micro-grant")
    expect(main(page).locator(".govuk-inset-text")).to_contain_text(f"{upcoming.meets_on:%A %-d %B %Y}")
    page.get_by_label("What is the grant for?").fill("A pottery course on Thursday evenings")
    page.get_by_role("button", name="Send application").click()
    checkpoint(page, "Error: Apply for a micro-grant")
    expect(main(page).locator(".govuk-error-summary")).to_contain_text("Enter how much you are asking for")
    expect(page.get_by_label("What is the grant for?")).to_have_value("A pottery course on Thursday evenings")
    page.get_by_label("How much are you asking for?").fill("150")
    page.get_by_label("A creative break").check()
    page.get_by_role("button", name="Send application").click()
    checkpoint(page, "Your micro-grant application")
    expect(main(page)).to_contain_text(f"The panel looks at it on {upcoming.meets_on:%A %-d %B %Y}")
    expect(main(page)).to_contain_text(f"Applications for the panel on {closed.meets_on:%-d %B %Y} closed")
    application = GrantApplication.objects.get()
    assert application.meeting == upcoming

    # A broker decides it at the next meeting, with a reason.
    broker = new_page()
    broker.goto(reverse("brokerage:grants:panel"))
    sign_in(broker, checkpoint, world["broker"].email, lands_on="Grants panel", totp_secret=world["broker"].totp_secret)
    main(broker).get_by_role("link", name=f"{upcoming.meets_on:%A %-d %B %Y}").click()
    checkpoint(broker, f"Panel meeting, {upcoming.meets_on:%-d %B %Y}")
    main(broker).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(broker, "Micro-grant application")
    broker.get_by_label("Award it in full").check()
    broker.get_by_role("button", name="Record decision").click()
    checkpoint(broker, "Error: Micro-grant application")
    expect(main(broker).locator(".govuk-error-summary")).to_contain_text("Give the reason for the decision")
    broker.get_by_label("Reason for the decision").fill("An evening to herself each week, close to home.")
    broker.get_by_role("button", name="Record decision").click()
    checkpoint(broker, "Micro-grant application")
    expect(main(broker)).to_contain_text("Awarded: £150")

    # The carer sees the award, and was e-mailed.
    page.reload()
    checkpoint(page, "Your micro-grant application")
    expect(main(page)).to_contain_text("The panel awarded you £150")
    expect(main(page)).to_contain_text("An evening to herself each week, close to home.")
    assert [m.subject for m in mail.outbox if MORAG in m.to] == ["Breakthrough: your micro-grant: £150 awarded"]
    application.refresh_from_db()
    assert fund_balances(fund=application.fund, fetched_by=world["broker"]).available == 15_000

    # The carer records spending from their direct payment, with a receipt.
    page.goto(reverse("brokerage:grants:dp_carer"))
    checkpoint(page, "Your direct payment")
    main(page).get_by_role("link", name="Record spending").click()
    checkpoint(page, "Record spending")
    today = timezone.localdate()
    date = page.get_by_role("group", name="Date you spent it")
    date.get_by_label("Day").fill(str(today.day))
    date.get_by_label("Month").fill(str(today.month))
    date.get_by_label("Year").fill(str(today.year))
    page.get_by_label("How much did you spend?").fill("25.50")
    page.get_by_label("What did you buy?").fill("Art class")
    page.get_by_label("Who did you pay?").fill("Town arts centre")
    page.get_by_label("Upload the receipt").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Record spending").click()
    checkpoint(page, "Your direct payment")
    expect(main(page)).to_contain_text("Your spending is recorded")
    expect(main(page).locator("table")).to_contain_text("Art class")
    expect(main(page)).to_contain_text("£474.50")
    spend = DirectPaymentSpend.objects.get()
    assert spend.receipt_content_type == "image/png"
    assert fund_balances(fund=world["fund"], fetched_by=world["broker"]).spent == 2_550
    assert ledger_check().ok
