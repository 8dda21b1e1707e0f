"""The carer's money, in a real browser: a carer whose plan has been funded signs in, reads "Your money", opens
this month's statement, downloads it as a PDF and as a CSV, and sees on an offer's page how many sessions
their fund can still pay for. Every page is checked by `checkpoint` (title, screenshot, axe)."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import Page, expect

from brokerage import services as household
from brokerage.funds import services
from brokerage.models import Booking, Consent, PriceUnit
from brokerage.models.bookings import PaymentSource
from tests.brokerage.funds.factories import personal_fund
from tests.browser.test_booking_journey import sign_in
from tests.factories import CaredForPersonFactory, CarerFactory, OfferFactory, SessionFactory, UserFactory, cares_for

MORAG = "morag.macleod@example.org"
SWIM = "Saturday swim club"


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
    household.carer_record_consents(carer=carer, choices={Consent.Kind.KEEP_DETAILS: True}, by=carer.user)
    cares_for(carer, CaredForPersonFactory(first_name="Jamie", last_name="MacLeod", completed_at=timezone.now()))
    offer = OfferFactory(title=SWIM, locality=x.locality, price_unit=PriceUnit.SESSION, price_pence=4_000)
    next_week = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=7)
    session = SessionFactory(offer=offer, starts_at=next_week, ends_at=next_week + datetime.timedelta(hours=2))
    # The approved plan's budget is in Morag's ISF; one swim is booked from it.
    fund = personal_fund(x.broker, carer=carer, amount=50_000)
    booking = Booking.objects.create(
        carer=carer,
        offer=offer,
        session=session,
        places=1,
        cost_pence=4_000,
        payment_source=PaymentSource.FUND,
        state=Booking.State.CONFIRMED,
        requested_by=carer.user,
    )
    services.ledger_commit(fund=fund, amount=4_000, booking=booking, by=x.broker)
    return {"carer": carer, "fund": fund, "offer": offer, "session": session}


def _download(page: Page, link_name: str) -> tuple[bytes, str]:
    """Click a download link: the file's bytes, and its content type as the server sent it."""
    link = page.get_by_role("link", name=link_name)
    with page.expect_download() as info:
        link.click()
    download = info.value
    data = download.path().read_bytes()
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    return data, response.headers["content-type"]


def test_a_carer_reads_their_money_and_statement_and_what_they_can_afford(page, checkpoint, world):
    page.goto(reverse("account_login"))
    sign_in(page, checkpoint, MORAG, lands_on="Your short breaks account")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your money").click()
    checkpoint(page, "Your money")
    main = page.locator("main")
    expect(main).to_contain_text("You have £460 left to spend.")
    set_aside = main.locator(".govuk-summary-list__row", has_text="Set aside for breaks you have booked")
    expect(set_aside.locator("dd")).to_contain_text("£40")
    spent = main.locator(".govuk-summary-list__row", has_text="Spent")
    expect(spent.locator("dd")).to_contain_text("Nothing yet.")  # not "£0 has been spent"
    expect(main.locator("h2").last).to_have_text("What happens next")

    main.get_by_role("link", name="Read your statement").click()
    month = date_format(timezone.localdate(), "F Y")
    checkpoint(page, f"Statement for {month}")
    table = page.get_by_role("table", name=f"Money in and out in {month}")
    expect(table.locator("tbody tr")).to_have_count(2)  # the plan's money in, the swim booked
    day = date_format(world["session"].starts_at, "j M Y")
    expect(table.locator("tbody tr").nth(1)).to_contain_text(f"Break booked: {SWIM}, {day}")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("£460")

    pdf, pdf_type = _download(page, f"Download the statement for {month} as a PDF")
    assert pdf_type == "application/pdf"
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert f"Break booked: {SWIM}, {day}" in text
    data, csv_type = _download(page, f"Download the statement for {month} as a spreadsheet (CSV)")
    assert csv_type == "text/csv; charset=utf-8"
    assert f'"Break booked: {SWIM}, {day}",,40.00,460.00' in data.decode("utf-8")

    page.goto(reverse("brokerage:directory:offer", kwargs={"pk": world["offer"].pk}))
    checkpoint(page, SWIM)
    expect(page.locator("#affordability")).to_contain_text(
        "Your fund has £460 left to spend; this costs £40 a session: you can afford 11 sessions."
    )
