"""The outcome a carer's feedback moves, in a real browser: a commissioner runs an audit; a carer tells us how an
attended break went; the commissioner runs the audit again and sees the feedback figures moved, on the audit's
page and in the comparison of the two audits; the outcomes chain shows the three levels; the national user sees
the programme's outcomes. Every page passes axe at 1280 px and reflows at 320 px (the checkpoint)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audits.models import AuditRun
from breakthrough.models import Role
from brokerage.bookings.services import booking_record_attendance
from brokerage.models import Booking, FeedbackResponse, PaymentSource
from tests.brokerage.feedback.helpers import publish_questions
from tests.browser.test_audit_journey import _fill_date
from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory, cares_for, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLUB = "Games club"
MORAG = "morag@example.org"
RESPONSES = "People who gave feedback after a break"


@pytest.fixture
def attended(x):
    publish_questions(x.partnership, x.broker)
    provider = ProviderFactory(name="Sunny Breaks")
    provider.partnerships_served.set([x.partnership])
    member = staff(Role.PROVIDER, provider, email="staff@sunny.example")
    club = OfferFactory(provider=provider, locality=x.locality, title=CLUB)
    started = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    session = SessionFactory(
        offer=club, starts_at=started, ends_at=started + datetime.timedelta(hours=2), places_taken=1
    )
    carer = CarerFactory(
        user=UserFactory(email=MORAG),
        locality=x.locality,
        first_name="Morag",
        last_name="MacLeod",
        about_you_completed_at=timezone.now(),
        people_completed_at=timezone.now(),
    )
    booking = Booking.objects.create(
        carer=carer,
        offer=club,
        session=session,
        places=1,
        payment_source=PaymentSource.FREE,
        state=Booking.State.CONFIRMED,
        requested_by=carer.user,
    )
    booking.cared_for.add(cares_for(carer))
    return booking_record_attendance(booking=booking, by=member, attended=True)


def _run_audit(page: Page, checkpoint, start: datetime.date, end: datetime.date) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Local audits").click()
    checkpoint(page, "Local audits")
    page.get_by_role("link", name="Start an audit").click()
    checkpoint(page, "Start an audit")
    _fill_date(page, "First day of the period", start)
    _fill_date(page, "Last day of the period", end)
    page.get_by_role("button", name="Start the audit").click()
    # Tasks run inline in the browser tests: the audit is done by the time its page opens.
    checkpoint(page, f"Audit of {start:%-d %B %Y} to {end:%-d %B %Y}")


def test_the_feedback_moves_the_outcome_figures_of_the_audit(
    page: Page, new_page, checkpoint, x, national_user, attended
):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=30), today
    page.goto("/accounts/login/")
    sign_in(
        page, checkpoint, x.commissioner.email, lands_on="Partnership dashboard", totp_secret=x.commissioner.totp_secret
    )
    _run_audit(page, checkpoint, start, end)
    expect(page.locator("main").get_by_role("table", name=f"{RESPONSES}: 0")).to_be_visible()

    # Morag tells us how the break went.
    carer = new_page()
    carer.goto("/accounts/login/")
    sign_in(carer, checkpoint, MORAG, lands_on="Your short breaks account")
    carer.get_by_role("link", name=f"How was {CLUB}?").click()
    checkpoint(carer, "How was your break?")
    for question, choice in {
        "I had time for myself": "Strongly agree",
        "I feel less isolated": "Agree",
        "I know they were safe": "Strongly agree",
        "I'd use this break again": "Neither agree nor disagree",
    }.items():
        carer.get_by_role("group", name=question).get_by_label(choice, exact=True).check()
    carer.get_by_role("button", name="Send").click()
    checkpoint(carer, "Thank you for telling us")
    assert FeedbackResponse.objects.filter(booking=attended).count() == 1

    # The commissioner runs the audit again: the outcome figures moved.
    _run_audit(page, checkpoint, start, end)
    main = page.locator("main")
    expect(main.get_by_role("table", name=f"{RESPONSES}: 1")).to_be_visible()
    # 5, 4, 5, 3: three of four agree, a mean of 17 / 4.
    expect(main.get_by_role("table", name="Share of answers agreeing, by question: 75%")).to_be_visible()
    expect(main.get_by_role("table", name="Mean score, by question: 4.25 out of 5")).to_be_visible()
    main.get_by_text(f"How we count this: {RESPONSES.lower()}").click()
    expect(main).to_contain_text("Each person's answers about one break are one response")

    earlier = AuditRun.objects.filter(partnership=x.partnership).order_by("created_at").first()
    main.get_by_role(
        "link", name=f"Compare with the audit of {earlier.period_start:%-d %B %Y} to {earlier.period_end:%-d %B %Y}"
    ).click()
    checkpoint(page, "Compare two audits")
    moved = page.get_by_role("row", name=RESPONSES).first
    expect(moved).to_contain_text("Up")
    expect(moved).to_contain_text("+1")

    # The outcomes chain: each person's outcomes, the partnership's, the programme's.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes").click()
    checkpoint(page, "Outcomes")
    main = page.locator("main")
    expect(main.get_by_role("heading", name="1. Each person’s outcomes")).to_be_visible()
    expect(main.get_by_role("table", name="How far people agreed: 4")).to_be_visible()
    expect(main.get_by_role("heading", name="3. The programme’s outcomes")).to_be_visible()
    expect(main).to_contain_text("fewer than 5")
    expect(main).not_to_contain_text("MacLeod")
    page.get_by_label("Period", exact=True).select_option("The last 3 months")
    page.get_by_role("button", name="Show outcomes").click()
    checkpoint(page, "Outcomes")

    national = new_page()
    national.goto("/accounts/login/")
    sign_in(
        national, checkpoint, national_user.email, lands_on="National figures", totp_secret=national_user.totp_secret
    )
    national.get_by_role("navigation", name="Menu").get_by_role("link", name="Outcomes").click()
    checkpoint(national, "The programme’s outcomes")
    expect(national.locator("main")).to_contain_text("fewer than 5")
