"""The money journey, in a real browser: an assessor approves a support plan and the carer's Individual Service
Fund appears on the hub's fund page with the plan's budget; the carer books a break from the fund (it commits)
and cancels another (it releases); the provider invoices the break that happened; the hub pays the invoice once
although the pay form is sent twice; the carer reads their statement.

And invoicing against a plan rather than a booking: the provider invoices their break that is a support in the
carer's active plan (too much first: the message is by the field); the hub pays it once although the pay form is
sent twice, records a driving school's invoice (a supplier not on the platform) against the plan's creative
break, and the plan page shows each support's planned, invoiced and paid money.

Every page is checked by `checkpoint` (title, screenshot, axe)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from breakthrough.models import Role
from brokerage.bookings import services as booking_services
from brokerage.funds.checks import ledger_check
from brokerage.models import (
    Booking,
    BookingMode,
    BreakFor,
    ComplianceKind,
    Fund,
    Invoice,
    Plan,
    Posting,
    PriceUnit,
    SdsOption,
    Session,
)
from brokerage.plans import services as plan_services
from tests.brokerage.plans.factories import add_support, approve_budget, complete_plan
from tests.browser.test_booking_journey import sign_in
from tests.factories import (
    CaredForPersonFactory,
    CarerFactory,
    ComplianceDocumentFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
    cares_for,
    staff,
)

MORAG = "morag.funds@example.org"
PROVIDER_STAFF = "invoices@sunny.example"
PROVIDER_INBOX = "accounts@sunny.example"
BREAK = "Saturday art club"


@pytest.fixture
def world(x):
    carer = CarerFactory(
        user=UserFactory(email=MORAG, first_name="Morag", last_name="MacLeod"),
        first_name="Morag",
        last_name="MacLeod",
        locality=x.locality,
        about_you_completed_at=timezone.now(),
        people_completed_at=timezone.now(),
    )
    carer.person = cares_for(carer, CaredForPersonFactory(first_name="Jamie", last_name="MacLeod"))
    approve_budget(carer, 100_000, by=x.assessor)
    plan = complete_plan(carer, cost=(10, 4_500))  # £450 under option 2: the ISF
    plan.supports.update(sds_option=SdsOption.ISF)
    plan_services.plan_submit(plan=plan, by=carer.user)

    provider = ProviderFactory(name="Sunny Breaks")
    provider.provider_profile.email = PROVIDER_INBOX
    provider.provider_profile.save()
    provider.partnerships_served.set([x.partnership])
    ComplianceDocumentFactory(organisation=provider, kind=ComplianceKind.INSURANCE)
    member = staff(Role.PROVIDER, provider, email=PROVIDER_STAFF, first_name="Priya", last_name="Shah")
    offer = OfferFactory(
        provider=provider,
        locality=x.locality,
        title=BREAK,
        break_for=BreakFor.CARED_FOR,
        price_pence=2_500,
        price_unit=PriceUnit.PLACE,
        booking_mode=BookingMode.INSTANT,
    )
    start = timezone.now().replace(microsecond=0, second=0) + datetime.timedelta(days=7)
    sessions = [
        SessionFactory(offer=offer, starts_at=day, ends_at=day + datetime.timedelta(hours=3))
        for day in (start, start + datetime.timedelta(days=7))
    ]
    return {"carer": carer, "plan": plan, "member": member, "sessions": sessions}


def main(page: Page):
    return page.locator("main")


def row(page: Page, label: str):
    return page.locator(".govuk-summary-list__row").filter(has=page.locator("dt", has_text=label)).locator("dd")


def _book(page: Page, checkpoint, session) -> Booking:
    page.goto(reverse("brokerage:bookings:book_session", kwargs={"session_pk": session.pk}))
    checkpoint(page, "Who is going on this break?")
    page.get_by_label("Jamie MacLeod").check()
    page.get_by_label("From the carer's fund").check()
    page.get_by_role("button", name="Continue").click()
    checkpoint(page, "Check your booking")
    page.get_by_role("button", name="Book this break").click()
    checkpoint(page, BREAK)
    return Booking.objects.get(session=session, state=Booking.State.CONFIRMED)


def test_a_plan_funds_an_isf_bookings_commit_and_release_and_the_hub_pays_an_invoice_once(
    page, new_page, checkpoint, world, x
):
    carer, plan = world["carer"], world["plan"]

    # The assessor approves the plan: the fund opens with the plan's budget.
    hub = page
    hub.goto(reverse("account_login"))
    sign_in(hub, checkpoint, x.assessor.email, lands_on="… – Caseload", totp_secret=x.assessor.totp_secret)
    hub.goto(reverse("brokerage:plans:staff_decide", kwargs={"carer_pk": carer.pk, "pk": plan.pk}))
    checkpoint(hub, "Approve or return the plan")
    hub.get_by_label("Approve the plan").check()
    hub.get_by_role("button", name="Save decision").click()
    checkpoint(hub, "Support plan, version 1")
    hub.goto(reverse("brokerage:funds:fund_list"))  # assessors may read funds; the menu keeps it for brokers
    checkpoint(hub, "Funds")
    fund = Fund.objects.get(carer=carer, kind=Fund.Kind.ISF)
    main(hub).get_by_role("link", name=fund.name).click()
    checkpoint(hub, fund.name)
    expect(row(hub, "Available")).to_have_text("£450")

    # The carer books one break from the fund and cancels it (released), then books another (committed).
    home = new_page()
    home.goto(reverse("account_login"))
    sign_in(home, checkpoint, MORAG, lands_on="Your short breaks account")
    first = _book(home, checkpoint, world["sessions"][0])
    home.get_by_role("link", name="Cancel this booking").click()
    checkpoint(home, "Why are you cancelling?")
    home.get_by_label("Why are you cancelling?").fill("Jamie is not well enough that week.")
    home.get_by_role("button", name="Cancel the booking").click()
    checkpoint(home, BREAK)
    assert Posting.objects.filter(booking=first, kind="release").count() == 1
    second = _book(home, checkpoint, world["sessions"][1])
    hub.reload()
    checkpoint(hub, fund.name)
    expect(row(hub, "Available")).to_have_text("£425")
    expect(row(hub, "Committed (booked)")).to_have_text("£25")
    expect(main(hub).get_by_role("table").last).to_contain_text("Release")

    # The break happens; the provider invoices it from the portal.
    Session.objects.filter(pk=second.session_id).update(
        starts_at=timezone.now() - datetime.timedelta(hours=4), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    booking_services.booking_record_attendance(booking=second, by=world["member"], attended=True)
    portal = new_page()
    portal.goto(reverse("account_login"))
    member = world["member"]
    sign_in(portal, checkpoint, PROVIDER_STAFF, lands_on="Sunny Breaks", totp_secret=member.totp_secret)
    portal.get_by_role("navigation", name="Menu").get_by_role("link", name="Invoices").click()
    checkpoint(portal, "Invoices")
    main(portal).get_by_role("link", name="Send an invoice").click()
    checkpoint(portal, "Send an invoice")
    expect(portal.get_by_label("Amount")).to_have_value("25.00")
    portal.get_by_label("Your invoice number").fill("SB-1042")
    portal.get_by_role("button", name="Send the invoice").click()
    checkpoint(portal, "Invoices")
    expect(main(portal)).to_contain_text("SB-1042")

    # The hub pays it; the pay form is sent twice at once, and the invoice is paid once.
    hub.goto(reverse("brokerage:funds:invoices"))
    checkpoint(hub, "Invoices and payments")
    main(hub).get_by_role("link", name="SB-1042").first.click()
    checkpoint(hub, "Invoice SB-1042")
    # A double submit: the button is pressed, and the same form (same token) is sent again behind it, as a
    # second click, a retry or a second tab would. (Sent one after the other: the embedded SQLite test database
    # cannot take two writers at once; the simultaneous case is tests/brokerage/funds/test_concurrency.py.)
    token = hub.locator("#pay input[name=csrfmiddlewaretoken]").input_value()
    url = hub.url
    hub.get_by_role("button", name="Pay £25").click()
    checkpoint(hub, "Invoice SB-1042")
    expect(hub.locator(".govuk-notification-banner")).to_contain_text("Invoice SB-1042 is paid.")
    expect(row(hub, "Status")).to_contain_text("Paid")
    again = hub.request.post(url, form={"csrfmiddlewaretoken": token}, max_redirects=0)
    assert again.status == 302
    hub.reload()
    checkpoint(hub, "Invoice SB-1042")
    expect(hub.locator(".govuk-notification-banner")).to_contain_text("already paid. It has not been paid again")
    expect(main(hub)).to_contain_text("It cannot be paid again")
    invoice = Invoice.objects.get(reference="SB-1042")
    assert Posting.objects.filter(kind="pay", invoice=invoice).count() == 1
    assert [m.subject for m in mail.outbox if PROVIDER_INBOX in m.to] == ["Breakthrough: invoice SB-1042 has been paid"]
    hub.goto(reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk}))
    checkpoint(hub, fund.name)
    expect(row(hub, "Spent")).to_contain_text("£25 (£25 paid, £0 waiting to be paid)")
    expect(row(hub, "Available")).to_have_text("£425")

    # The provider sees it paid; the carer reads their statement.
    portal.reload()
    checkpoint(portal, "Invoices")
    expect(main(portal).get_by_role("table").last).to_contain_text("SB-1042")
    home.goto(reverse("brokerage:funds_carer:carer_statement", kwargs={"pk": fund.pk}))
    checkpoint(home, home.title().removesuffix(" – Breakthrough"))
    expect(main(home)).to_contain_text("£25")
    assert ledger_check().ok


def test_a_provider_invoices_a_support_in_an_active_plan_and_the_hub_pays_it_once(page, new_page, checkpoint, world, x):
    carer, plan = world["carer"], world["plan"]
    offer = world["sessions"][0].offer
    add_support(plan, times=6, unit=2_500, offer=offer, sds=SdsOption.ISF)  # £150 of Saturday art club
    plan_services.plan_approve(plan=plan, by=x.assessor)
    Plan.objects.filter(pk=plan.pk).update(state=Plan.State.ACTIVE)  # its period has begun (plans_daily)
    fund = Fund.objects.get(carer=carer, kind=Fund.Kind.ISF)

    # The provider finds the support on their Invoices page and invoices one visit (too much first).
    portal = page
    portal.goto(reverse("account_login"))
    member = world["member"]
    sign_in(portal, checkpoint, PROVIDER_STAFF, lands_on="Sunny Breaks", totp_secret=member.totp_secret)
    portal.get_by_role("navigation", name="Menu").get_by_role("link", name="Invoices").click()
    checkpoint(portal, "Invoices")
    supports = main(portal).get_by_role("table", name="Supports in carers' plans that you can invoice")
    expect(supports).to_contain_text("Morag MacLeod")
    supports.get_by_role("link", name="Send an invoice").click()
    checkpoint(portal, "Send an invoice for a support")
    expect(portal.get_by_test_id("left")).to_have_text("£150")
    portal.get_by_label("Your invoice number").fill("SB-2001")
    portal.get_by_label("Amount").fill("175")
    portal.get_by_role("button", name="Send the invoice").click()
    checkpoint(portal, "Error: Send an invoice for a support")
    expect(portal.locator(".govuk-error-summary")).to_contain_text("more than the £150 left of this support")
    expect(portal.locator("#amount-error, .govuk-error-message").first).to_contain_text("Say why in the note")
    expect(portal.get_by_label("Your invoice number")).to_have_value("SB-2001")  # nothing typed is lost
    portal.get_by_label("Amount").fill("25")
    portal.get_by_role("button", name="Send the invoice").click()
    checkpoint(portal, "Invoices")
    expect(main(portal)).to_contain_text("SB-2001")
    invoice = Invoice.objects.get(reference="SB-2001")
    assert (invoice.plan_support.offer, invoice.booking) == (offer, None)

    # The hub pays it; the pay form is sent twice, and the invoice is paid once.
    hub = new_page()
    hub.goto(reverse("account_login"))
    sign_in(hub, checkpoint, x.broker.email, lands_on="… – Caseload", totp_secret=x.broker.totp_secret)
    hub.goto(reverse("brokerage:funds:invoices"))
    checkpoint(hub, "Invoices and payments")
    to_pay = main(hub).get_by_role("table", name="Invoices to pay now, oldest first")
    expect(to_pay).to_contain_text("A support in Morag MacLeod's plan")
    to_pay.get_by_role("link", name="SB-2001").click()
    checkpoint(hub, "Invoice SB-2001")
    expect(row(hub, "Support")).to_contain_text(BREAK)
    token = hub.locator("#pay input[name=csrfmiddlewaretoken]").input_value()
    url = hub.url
    hub.get_by_role("button", name="Pay £25").click()
    checkpoint(hub, "Invoice SB-2001")
    expect(hub.locator(".govuk-notification-banner")).to_contain_text("Invoice SB-2001 is paid.")
    again = hub.request.post(url, form={"csrfmiddlewaretoken": token}, max_redirects=0)
    assert again.status == 302
    hub.reload()
    checkpoint(hub, "Invoice SB-2001")
    expect(hub.locator(".govuk-notification-banner")).to_contain_text("already paid. It has not been paid again")
    assert Posting.objects.filter(kind="pay", invoice=invoice).count() == 1

    # From the plan page, the hub records a driving school's invoice against the creative break.
    hub.goto(reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": carer.pk, "pk": plan.pk}))
    checkpoint(hub, "Support plan, version 1")
    spending = hub.get_by_test_id("support-money")
    spending.get_by_role("link", name="Record an invoice").click()
    checkpoint(hub, "Record a supplier's invoice")
    hub.get_by_label("Supplier's name").fill("Glen Driving School")
    hub.get_by_label("Supplier's invoice number").fill("GDS-31")
    hub.get_by_label("Amount").fill("90")
    hub.get_by_role("button", name="Record the invoice").click()
    checkpoint(hub, "Invoice GDS-31")
    expect(row(hub, "Paid to")).to_contain_text("Glen Driving School, a supplier not on the platform")
    hub.goto(reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": carer.pk, "pk": plan.pk}))
    checkpoint(hub, "Support plan, version 1")
    figures = "td.govuk-table__cell--numeric"  # planned, invoiced, paid
    lessons = spending.locator("tr").filter(has_text="Driving lessons")
    expect(lessons.locator(figures)).to_have_text(["£450", "£90", "£0"])
    expect(spending.locator("tr").filter(has_text=BREAK).locator(figures)).to_have_text(["£150", "£25", "£25"])
    hub.goto(reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk}))
    checkpoint(hub, fund.name)
    expect(row(hub, "Available")).to_have_text("£485")  # £600 less £25 paid and £90 invoiced
    assert ledger_check().ok
