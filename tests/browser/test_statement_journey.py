"""The Short Breaks Services Statement in a real browser: a commissioner writes the sections the regulations ask for
(told beside the field when something is wrong), previews the draft with the live directory and publishes it; a
visitor who is not signed in finds it from the footer, reads it and downloads the PDF, then the list of versions.
Every page passes axe at 1280 px and reflows at 320 px (the checkpoint)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from brokerage.models import BreakFor, EligibilityCriteria, OfferKind
from commissioning.models import PublishedStatement
from tests.browser.test_booking_journey import sign_in
from tests.factories import OfferFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _directory(x, y):
    sitters = ProviderFactory(name="Harbour Sitters")
    sitters.partnerships_served.set([x.partnership])
    respite = ProviderFactory(name="Scotland Respite")
    respite.partnerships_served.set([x.partnership, y.partnership])
    for i in range(5):
        OfferFactory(
            provider=sitters, locality=x.locality, kind=OfferKind.SITTER, break_for=BreakFor.CARER, title=f"Sitter {i}"
        )
    OfferFactory(provider=respite, locality=y.locality, kind=OfferKind.RESIDENTIAL, title="Seaview House")
    EligibilityCriteria.objects.create(partnership=x.partnership, text="Carers caring 20 hours a week or more.")


def test_a_commissioner_publishes_the_statement_and_a_visitor_reads_it(
    page: Page, new_page, checkpoint, tmp_path, x, y
):
    _directory(x, y)
    page.goto("/accounts/login/")
    sign_in(
        page, checkpoint, x.commissioner.email, lands_on="Partnership dashboard", totp_secret=x.commissioner.totp_secret
    )
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Services statement").click()
    checkpoint(page, "Short Breaks Services Statement")
    main = page.locator("main")

    # Publishing before the regulations' parts are written says what is missing, with a link to each.
    main.get_by_role("link", name="Publish the statement").click()
    checkpoint(page, "Publish the statement")
    _fill_date(page, "Next review date", timezone.localdate() + datetime.timedelta(days=365))
    page.get_by_role("button", name="Publish").click()
    checkpoint(page, "Error: Publish the statement")
    page.locator(".govuk-error-summary").get_by_role(
        "link", name="Enter the department or organisation responsible for the statement"
    ).click()
    checkpoint(page, "Contacts")
    page.get_by_label("Department or organisation responsible").fill("Carers Services, Partnership X")
    page.get_by_label("Its email address").fill("carers at x")
    page.get_by_label("The Short Break Hub's phone number").fill("0131 555 0100")
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Error: Contacts")
    expect(page.get_by_role("link", name="Enter an email address in the correct format")).to_be_visible()
    expect(page.get_by_label("Department or organisation responsible")).to_have_value("Carers Services, Partnership X")
    page.get_by_label("Its email address").fill("carers@x.example")
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Short Breaks Services Statement")
    expect(main.get_by_role("link", name="Say how carers were consulted")).to_be_visible()

    main.get_by_role("link", name="How carers were consulted", exact=True).click()
    checkpoint(page, "How carers were consulted")
    page.get_by_label("How carers were consulted").fill("We asked the carers' forum in March.")
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Short Breaks Services Statement")
    main.get_by_role("link", name="Carers' own words").click()
    checkpoint(page, "Carers' own words")
    page.get_by_label("Carers' own words").fill("The sitter gave me my Thursdays back.")
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Short Breaks Services Statement")

    main.get_by_role("link", name="Preview the draft").click()
    checkpoint(page, "Preview: Short Breaks Services Statement")
    expect(main).to_contain_text("Harbour Sitters: in X North; for the carer")
    expect(main).to_contain_text("Scotland Respite: in Partnership Y")
    expect(main.get_by_role("table", name="Breaks listed, by kind")).to_contain_text("fewer than 5")
    expect(main).to_contain_text("Carers caring 20 hours a week or more.")
    main.get_by_role("link", name="Publish the statement").click()
    checkpoint(page, "Publish the statement")
    _fill_date(page, "Next review date", timezone.localdate() + datetime.timedelta(days=365))
    page.get_by_role("button", name="Publish").click()
    checkpoint(page, "Short Breaks Services Statement")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Version 1 of the statement is published.")
    assert PublishedStatement.objects.get().version == 1

    # A visitor who is not signed in finds it from the footer of any page.
    visitor = new_page()
    visitor.goto("/")
    checkpoint(visitor, "Get a short break from caring")
    visitor.locator("footer").get_by_role("link", name="Short Breaks Services Statements").click()
    checkpoint(visitor, "Short Breaks Services Statements")
    visitor.get_by_role("link", name="Partnership X").click()
    checkpoint(visitor, "Short Breaks Services Statement: Partnership X")
    content = visitor.locator("main")
    expect(content.get_by_role("heading", level=2, name="Contacts")).to_be_visible()
    expect(content).to_contain_text("Carers Services, Partnership X")
    expect(content).to_contain_text("The sitter gave me my Thursdays back.")
    with visitor.expect_download() as download:
        content.get_by_role("link", name="Download this statement as a PDF").click()
    assert download.value.suggested_filename == "short-breaks-services-statement-partnership-x-v1.pdf"
    saved = tmp_path / "statement.pdf"
    download.value.save_as(saved)
    text = " ".join(p.extract_text() for p in PdfReader(saved).pages)
    assert "The sitter gave me my Thursdays back." in text
    assert "Carers Services, Partnership X" in text
    content.get_by_role("link", name="Every version of this statement").click()
    checkpoint(visitor, "Every version of the Short Breaks Services Statement: Partnership X")
    expect(visitor.get_by_role("table")).to_contain_text("Version 1 (current)")
