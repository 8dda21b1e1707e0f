"""The provider portal, in a real browser: a member of provider staff signs in, ends a repeating session early
(first choosing a date that would cancel a booked session, which is refused by the field), closes nights of
their property, and records who came to a stay. Every page passes axe; the menu sits on one line beside the
service name at 1280px and folds behind "Menu" at 320px.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from breakthrough.models import Role
from brokerage.models import Booking, BookingNight, BreakFor, Night, OfferKind, PaymentSource, Session
from brokerage.providers import services
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory, OfferFactory, ProviderFactory, UserFactory, cares_for, staff

CLUB = "Games club"
COTTAGE = "Shore cottage"
STAFF = "staff@sunny.example"


def day(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def world(x):
    provider = ProviderFactory(name="Sunny Breaks")
    provider.partnerships_served.set([x.partnership])
    member = staff(Role.PROVIDER, provider, email=STAFF, first_name="Priya", last_name="Shah")
    club = OfferFactory(provider=provider, locality=x.locality, title=CLUB)
    first = day(1)
    schedule = services.schedule_create(
        offer=club,
        weekday=first.weekday(),
        starts_at=datetime.time(10),
        ends_at=datetime.time(12),
        places=6,
        first_date=first,
        last_date=first + datetime.timedelta(weeks=5),
        by=member,
    )
    carer = CarerFactory(user=UserFactory(email="morag@example.org"), locality=x.locality, first_name="Morag")
    carer.person = cares_for(carer)
    booked = Session.objects.filter(schedule=schedule).order_by("starts_at")[2]
    Session.objects.filter(pk=booked.pk).update(places_taken=1)
    Booking.objects.create(
        carer=carer,
        offer=club,
        session=booked,
        places=1,
        payment_source=PaymentSource.FREE,
        requested_by=carer.user,
    ).cared_for.add(carer.person)

    cottage = OfferFactory(
        provider=provider, locality=x.locality, title=COTTAGE, kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH
    )
    services.nights_open(offer=cottage, first_date=day(0), last_date=day(20), places=1, by=member)
    # A stay that began last night: its nights were opened then, and it was confirmed.
    stay_nights = [Night.objects.create(offer=cottage, date=day(-1), places=1, places_taken=1)]
    Night.objects.filter(offer=cottage, date__in=[day(0), day(1)]).update(places_taken=1)
    stay_nights += list(Night.objects.filter(offer=cottage, date__in=[day(0), day(1)]))
    stay = Booking.objects.create(
        carer=carer,
        offer=cottage,
        first_night=day(-1),
        nights=3,
        includes_carer=True,
        places=1,
        payment_source=PaymentSource.FREE,
        state=Booking.State.CONFIRMED,
        requested_by=carer.user,
    )
    stay.cared_for.add(carer.person)
    BookingNight.objects.bulk_create([BookingNight(booking=stay, night=night) for night in stay_nights])
    return {"member": member, "schedule": schedule, "first": first, "cottage": cottage, "stay": stay}


def menu(page: Page):
    return page.get_by_role("navigation", name="Menu")


def fill_date(page: Page, legend: str, value: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def banner(page: Page):
    return page.locator(".govuk-notification-banner")


def _header_on_one_line(page: Page, request) -> None:
    """At 1280px: the service name and all nine menu items share one row. At 320px: they fold behind Menu."""
    boxes = page.evaluate(
        """() => {
          const box = (el) => { const b = el.getBoundingClientRect(); return {top: b.top, height: b.height} };
          return {
            name: box(document.querySelector('.govuk-service-navigation__service-name')),
            list: box(document.querySelector('.govuk-service-navigation__list')),
            items: [...document.querySelectorAll('.govuk-service-navigation__item')].map(box),
            container: box(document.querySelector('.govuk-service-navigation__container')),
          }
        }"""
    )
    labels = menu(page).get_by_role("listitem").all_inner_texts()
    assert [label.strip() for label in labels] == [
        "Home",
        "Offers",
        "Bookings",
        "Invoices",
        "Compliance",
        "Find a break",
        "Your account",
        "Sign out",
    ]
    item_height = boxes["items"][0]["height"]
    assert boxes["list"]["height"] == item_height, boxes
    assert {item["top"] for item in boxes["items"]} == {boxes["name"]["top"]}, boxes
    assert boxes["container"]["height"] == item_height, boxes
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    page.locator("header").screenshot(path=folder / "header-1280.png")

    page.set_viewport_size({"width": 320, "height": 800})
    toggle = menu(page).get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(menu(page).get_by_role("link", name="Offers")).to_be_hidden()
    toggle.click()
    expect(menu(page).get_by_role("link", name="Sign out")).to_be_visible()
    # Nothing in the header reaches past the window (a data table further down may scroll sideways: WCAG 1.4.10
    # lets two-dimensional tables do so).
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('header *')].map((e) => e.getBoundingClientRect().right))"
    )
    assert widest <= 320
    page.locator("header").screenshot(path=folder / "header-320-open.png")
    toggle.click()
    page.set_viewport_size({"width": 1280, "height": 900})


def test_provider_manages_a_schedule_nights_and_stay_attendance(page: Page, checkpoint, axe, world, request):
    page.goto("/accounts/login/")
    sign_in(page, checkpoint, STAFF, lands_on="Sunny Breaks", totp_secret=world["member"].totp_secret)
    _header_on_one_line(page, request)
    axe(page)

    # End the repeating session: a date that would cancel the booked third session is refused by the field.
    first = world["first"]
    menu(page).get_by_role("link", name="Offers").click()
    checkpoint(page, "Your offers")
    page.get_by_role("link", name=CLUB).click()
    checkpoint(page, CLUB)
    page.get_by_role("link", name=re.compile(r"^End it")).click()
    checkpoint(page, "End this repeating session")
    fill_date(page, "New last date", first + datetime.timedelta(weeks=1))
    page.get_by_role("button", name="End the repeating session").click()
    checkpoint(page, "Error: End this repeating session")
    booked_day = first + datetime.timedelta(weeks=2)
    message = f"The session on {booked_day:%A %-d %B %Y} has bookings holding places"
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    expect(page.locator("#id_last_date_1_error")).to_contain_text(message)
    expect(page.get_by_role("group", name="New last date").get_by_label("Day")).to_have_value(
        str((first + datetime.timedelta(weeks=1)).day)
    )
    fill_date(page, "New last date", booked_day)
    page.get_by_role("button", name="End the repeating session").click()
    checkpoint(page, CLUB)
    expect(banner(page)).to_contain_text("3 later sessions are cancelled")
    world["schedule"].refresh_from_db()
    assert world["schedule"].last_date == booked_day
    assert Session.objects.filter(schedule=world["schedule"], is_cancelled=True).count() == 3

    # Close three nights of the property.
    menu(page).get_by_role("link", name="Offers").click()
    checkpoint(page, "Your offers")
    page.get_by_role("link", name=COTTAGE).click()
    checkpoint(page, COTTAGE)
    page.get_by_role("link", name="Close nights").click()
    checkpoint(page, "Close nights")
    fill_date(page, "First night", day(10))
    fill_date(page, "Last night", day(12))
    page.get_by_role("button", name="Close nights").click()
    checkpoint(page, COTTAGE)
    expect(banner(page)).to_contain_text("3 nights are closed.")
    assert not Night.objects.filter(offer=world["cottage"], date__range=(day(10), day(12))).exists()

    # Record that the stay which began last night happened.
    page.get_by_role("link", name=re.compile("Record attendance for stays")).click()
    checkpoint(page, "Attendance for stays")
    stay = world["stay"]
    group = page.get_by_role("group", name=re.compile(f"Booking {stay.pk}:"))
    expect(group).to_contain_text(f"3 nights from {day(-1):%a %-d %b %Y}")
    group.get_by_label("Attended").check()
    page.get_by_role("button", name="Save attendance").click()
    checkpoint(page, COTTAGE)
    expect(banner(page)).to_contain_text("Attendance is saved.")
    stay.refresh_from_db()
    assert stay.state == Booking.State.ATTENDED

    # The request on the club waits in Bookings, with how long it has waited.
    menu(page).get_by_role("link", name="Bookings").click()
    checkpoint(page, "Bookings")
    requests = page.get_by_role("table", name="Booking requests waiting, oldest first")
    expect(requests.locator("tbody tr")).to_have_count(1)
    expect(requests).to_contain_text("Under an hour")
