"""Pages that no other journey reaches, at a phone's width: the public calendar of activities (a month grid
that became a list of days, so that Friday to Sunday are not cut off) and an assessor's lists. Every
checkpoint also checks 320 CSS px (see conftest.py); these tests look closer at what a phone shows."""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from brokerage.models import OfferKind
from tests.brokerage.plans.factories import approve_budget
from tests.browser.conftest import DESKTOP, PHONE, assert_reflows, resize
from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory, OfferFactory, SessionFactory, UserFactory

WEEKEND = "Weekend woodland crafts for young carers and their families"


def _within_the_screen(page: Page, locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0, f"{locator} is off screen to the left: {box}"
    assert box["x"] + box["width"] <= PHONE["width"], f"{locator} is off screen to the right: {box}"


def _next_month_weekend() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    saturday = first + datetime.timedelta(days=(5 - first.weekday()) % 7)
    return first, saturday


def test_the_calendar_of_activities_lists_the_weekend_on_a_phone(page: Page, checkpoint, x):
    first, saturday = _next_month_weekend()
    offer = OfferFactory(title=WEEKEND, kind=OfferKind.ACTIVITY, locality=x.locality)
    for day in (saturday - datetime.timedelta(days=1), saturday, saturday + datetime.timedelta(days=1)):
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
        SessionFactory(offer=offer, starts_at=starts, ends_at=starts + datetime.timedelta(hours=3))
    page.goto(reverse("brokerage:directory:calendar") + f"?month={first:%Y-%m}")
    checkpoint(page, f"Calendar of activities, {first:%B %Y}")

    resize(page, PHONE)
    try:
        assert_reflows(page)
        calendar = page.get_by_role("table", name=f"{first:%B %Y}, week by week")
        # Each day with activities is headed with its weekday; days without any are left out.
        for day in ("Friday", "Saturday", "Sunday"):
            _within_the_screen(page, calendar.locator(".app-calendar__weekday:visible", has_text=day))
        sessions = calendar.get_by_role("link", name=WEEKEND)
        expect(sessions).to_have_count(3)
        for index in range(3):
            _within_the_screen(page, sessions.nth(index))
        expect(calendar.locator(".app-calendar__day:visible")).to_have_count(3)
        # The filters are folded behind their toggle on a phone, so the activities come first.
        filters = page.locator("details.app-filter")
        expect(filters).not_to_have_attribute("open", "")
        expect(page.get_by_role("button", name="Search")).to_be_hidden()
        page.get_by_text("Filter activities").click()
        expect(page.get_by_role("button", name="Search")).to_be_visible()
    finally:
        resize(page, DESKTOP)
    # On a wide screen they are open, and the toggle is hidden.
    page.goto(reverse("brokerage:directory:calendar") + f"?month={first:%Y-%m}")
    checkpoint(page, f"Calendar of activities, {first:%B %Y}")
    expect(page.get_by_role("button", name="Search")).to_be_visible()
    expect(page.get_by_text("Filter activities")).to_be_hidden()


def test_an_assessors_lists_stack_into_rows_on_a_phone(page: Page, checkpoint, x):
    carer = CarerFactory(
        user=UserFactory(email="long.name@example.org"),
        first_name="Bartholomew-Alexander",
        last_name="Montgomery-Fotheringhame",
        locality=x.locality,
    )
    approve_budget(carer, 123_456, by=x.assessor)
    page.goto(reverse("ras:assessment_list"))
    sign_in(page, checkpoint, x.assessor.email, lands_on="Assessments", totp_secret=x.assessor.totp_secret)

    resize(page, PHONE)
    try:
        table = page.locator("table.app-responsive-table").first
        # The column headers are hidden on a phone; each cell carries its header's name instead.
        expect(table.locator("thead")).to_have_css("position", "absolute")
        cell = table.locator("td[data-label='Indicative budget']").first
        _within_the_screen(page, cell)
        label = cell.evaluate("(td) => getComputedStyle(td, '::before').content")
        assert "Indicative budget" in label
    finally:
        resize(page, DESKTOP)
