"""The booking journey, in a real browser: a carer finds a break near their postcode and asks for it for
themselves and the person they care for, as one joint booking; the provider confirms it; another carer
finds the session full and joins the waiting list; the first carer cancels, and the place is offered to
the second, who accepts it from the e-mail.

Every page is checked by `checkpoint` (title, screenshot, axe), and every change of state is e-mailed.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from breakthrough.models import Role
from brokerage import services
from brokerage.directory import geo
from brokerage.models import (
    Booking,
    BookingMode,
    BreakFor,
    Consent,
    NeedsLevel,
    OfferKind,
    OutwardCode,
    WaitingListEntry,
)
from tests.browser.test_foundation_journey import link_in_email, summary_value, totp_code
from tests.factories import (
    PASSWORD,
    CaredForPersonFactory,
    CarerFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
    cares_for,
    staff,
)

MORAG = "morag.macleod@example.org"
BETH = "beth.wilson@example.org"
PROVIDER = "bookings@sunny.example"  # the provider's bookings inbox (its profile)
PROVIDER_STAFF = "staff@sunny.example"
BREAK = "Shore walk and lunch for two"
CANCEL_REASON = "Jamie has a hospital appointment that day."

# Outward-code centroids on the British National Grid (metres), as Code-Point Open gives them.
CENTROIDS = {"EH1": (325_900, 673_700), "EH6": (327_200, 676_300), "G1": (259_300, 665_300)}


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def subjects(address: str) -> list[str]:
    """The subjects of every e-mail sent to `address` so far, oldest first, without the site's prefix."""
    return [m.subject.removeprefix("Breakthrough: ") for m in mail.outbox if address in m.to]


def last_email_to(address: str):
    messages = [m for m in mail.outbox if address in m.to]
    assert messages, f"no e-mail to {address}, only {[m.subject for m in mail.outbox]}"
    return messages[-1]


def sign_in(page: Page, checkpoint, email: str, *, lands_on: str, totp_secret: str | None = None) -> None:
    """On the sign-in page: password, then the authenticator code for staff; lands on `lands_on`."""
    checkpoint(page, "Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret:
        checkpoint(page, "Enter the code from your authenticator app")
        page.get_by_label("Enter the code from your authenticator app").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Continue").click()
    checkpoint(page, lands_on)


def main(page: Page):
    return page.locator("main")


def session_row(page: Page):
    """The one row of the offer page's "Next sessions" table."""
    rows = page.get_by_role("table", name="Next sessions, places left and whether you can book").locator("tbody tr")
    expect(rows).to_have_count(1)
    return rows.first


def your_breaks(page: Page, checkpoint):
    """From anywhere a carer is signed in: Home, then "See all your breaks"."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
    checkpoint(page, "Your short breaks account")
    page.get_by_role("link", name="See all your breaks").click()
    checkpoint(page, "Your breaks")


def booking_in_your_breaks(page: Page, section: str):
    """The summary-list row of the break under a heading ("Coming up", "Past and cancelled")."""
    heading = page.get_by_role("heading", level=2, name=section)
    rows = heading.locator("xpath=following-sibling::*[1]").locator(".govuk-summary-list__row")
    return rows.filter(has=page.get_by_role("link", name=BREAK, exact=True))


# ----------------------------------------------------------------------------------------------
# The world: a provider near Edinburgh, two households in partnership X, and decoy offers
# ----------------------------------------------------------------------------------------------


def _household(x, *, email, first, last, person_first, needs):
    carer = CarerFactory(
        user=UserFactory(email=email, first_name=first, last_name=last),
        first_name=first,
        last_name=last,
        postcode="EH1 1YZ",
        locality=x.locality,
        about_you_completed_at=timezone.now(),
        people_completed_at=timezone.now(),
    )
    services.carer_record_consents(carer=carer, choices={Consent.Kind.KEEP_DETAILS: True}, by=carer.user)
    carer.person = cares_for(
        carer,
        CaredForPersonFactory(first_name=person_first, last_name=last, needs_level=needs, completed_at=timezone.now()),
    )
    return carer


@pytest.fixture
def world(x):
    for code, (easting, northing) in CENTROIDS.items():
        OutwardCode.objects.create(code=code, easting=easting, northing=northing, postcodes=100)
    provider = ProviderFactory(name="Sunny Breaks")
    provider.provider_profile.email = PROVIDER
    provider.provider_profile.save()
    provider.partnerships_served.set([x.partnership])
    member = staff(Role.PROVIDER, provider, email=PROVIDER_STAFF, first_name="Priya", last_name="Shah")
    common = {"provider": provider, "locality": x.locality, "supports_medium": True, "supports_high": True}
    offer = OfferFactory(
        title=BREAK,
        summary="A guided walk along the shore at Leith, then lunch together.",
        kind=OfferKind.DAY,
        break_for=BreakFor.BOTH,
        booking_mode=BookingMode.REQUEST,
        postcode="EH6 6QQ",
        **common,
    )
    next_week = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=7)
    session = SessionFactory(
        offer=offer, places=2, starts_at=next_week, ends_at=next_week + datetime.timedelta(hours=5)
    )
    # Near, but only for the person cared for: the "who takes the break" filter leaves it out.
    SessionFactory(offer=OfferFactory(title="Leith Saturday club", postcode="EH6 7AB", **common))
    # For both, but about 42 miles away in Glasgow: the distance filter leaves it out.
    SessionFactory(
        offer=OfferFactory(title="Glasgow Green picnic", break_for=BreakFor.BOTH, postcode="G1 1XQ", **common)
    )
    assert geo.geocode_offers() == 3
    return {
        "offer": offer,
        "session": session,
        "provider": member,
        "morag": _household(x, email=MORAG, first="Morag", last="MacLeod", person_first="Jamie", needs=NeedsLevel.HIGH),
        "beth": _household(x, email=BETH, first="Beth", last="Wilson", person_first="Rory", needs=NeedsLevel.MEDIUM),
    }


# ----------------------------------------------------------------------------------------------
# The steps
# ----------------------------------------------------------------------------------------------


def _find_the_break(page: Page, checkpoint) -> None:
    """From the carer's home: search near EH1 1YZ, within 10 miles, for breaks the carer and cared-for take together."""
    main(page).get_by_role("link", name="Find a break").click()
    checkpoint(page, "Find a break")
    filters = page.get_by_role("search", name="Filter breaks")
    filters.get_by_label("Postcode").fill("EH1 1YZ")
    filters.get_by_label("Distance").select_option(label="10 miles")
    filters.get_by_label(BreakFor.BOTH.label).check()
    filters.get_by_role("button", name="Search").click()

    checkpoint(page, "1 break within 10 miles of EH1 1YZ – Find a break")
    expect(main(page).locator("p[role=status]")).to_have_text(
        "1 break found within 10 miles. Nearest first to EH1 1YZ."
    )
    results = main(page).locator(".govuk-grid-column-two-thirds")
    expect(results).not_to_contain_text("Glasgow Green picnic")
    expect(results).not_to_contain_text("Leith Saturday club")
    expect(results).to_contain_text("About 1.8 miles away")
    results.get_by_role("link", name=BREAK).click()
    checkpoint(page, BREAK)
    expect(summary_value(page, "Who takes the break")).to_have_text(BreakFor.BOTH.label)
    expect(summary_value(page, "How to book")).to_have_text(BookingMode.REQUEST.label)


def _carer_asks_for_a_joint_break(page: Page, checkpoint, world) -> Booking:
    page.goto(reverse("account_login"))
    sign_in(page, checkpoint, MORAG, lands_on="Your short breaks account")
    _find_the_break(page, checkpoint)
    row = session_row(page)
    expect(row.locator("td").nth(1)).to_have_text("2")
    row.get_by_role("link", name="Book").click()

    checkpoint(page, "Who is going on this break?")
    expect(summary_value(page, "Places left")).to_have_text("2")
    page.get_by_label("Me", exact=True).check()
    page.get_by_label("Jamie MacLeod").check()
    expect(page.get_by_label("It is free")).to_be_checked()
    page.get_by_role("button", name="Continue").click()

    checkpoint(page, "Check your booking")
    expect(summary_value(page, "Who is going")).to_have_text("YouJamie MacLeod")
    expect(summary_value(page, "Places")).to_have_text("2")
    page.get_by_role("button", name="Send the request").click()

    checkpoint(page, BREAK)
    expect(page.get_by_role("alert").filter(has_text="Your request has been sent.")).to_be_visible()
    expect(summary_value(page, "Status")).to_have_text("Requested")
    expect(summary_value(page, "Who is going")).to_have_text("Morag MacLeod, Jamie MacLeod")

    your_breaks(page, checkpoint)
    expect(booking_in_your_breaks(page, "Coming up")).to_contain_text("Requested")
    expect(booking_in_your_breaks(page, "Coming up")).to_contain_text("Jamie and you")

    booking = Booking.objects.get(carer=world["morag"])
    assert booking.state == Booking.State.REQUESTED
    assert booking.includes_carer
    assert list(booking.cared_for.all()) == [world["morag"].person]
    assert booking.places == 2
    world["session"].refresh_from_db()
    assert world["session"].places_left == 0  # a request holds its places
    assert subjects(MORAG) == [f"you have asked for a break: {BREAK}"]
    assert subjects(PROVIDER) == [f"a booking request for {BREAK}"]
    return booking


def _provider_confirms(provider: Page, checkpoint, world, *, carer_email: str, first_request: bool) -> None:
    if first_request:
        provider.goto(reverse("account_login"))
        sign_in(
            provider,
            checkpoint,
            PROVIDER_STAFF,
            lands_on="Sunny Breaks",
            totp_secret=world["provider"].totp_secret,
        )
    else:
        provider.get_by_role("navigation", name="Menu").get_by_role("link", name="Home", exact=True).click()
        checkpoint(provider, "Sunny Breaks")
    waiting = provider.get_by_role("table", name="Booking requests waiting, oldest first")
    expect(waiting.locator("tbody tr")).to_have_count(1)
    expect(waiting).to_contain_text(BREAK)
    provider.get_by_role("link", name="All bookings and requests").click()

    checkpoint(provider, "Bookings")
    requests = provider.get_by_role("table", name="Booking requests waiting, oldest first")
    expect(requests.locator("tbody tr")).to_have_count(1)
    expect(requests).to_contain_text("The carer")
    requests.get_by_role("link", name="Confirm or decline").click()

    checkpoint(provider, f"Booking for {BREAK}")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Booking request")
    expect(summary_value(provider, "Places")).to_have_text("2")
    provider.get_by_label("Confirm", exact=True).check()
    provider.get_by_role("button", name="Save and tell the carer").click()

    checkpoint(provider, "Bookings")
    expect(provider.get_by_role("alert").filter(has_text="The booking is confirmed.")).to_be_visible()
    expect(provider.get_by_text("No requests are waiting.")).to_be_visible()
    confirmed = provider.get_by_role("table", name="Confirmed bookings, soonest first")
    expect(confirmed).to_contain_text(carer_email)
    assert subjects(carer_email)[-1] == f"your break is booked: {BREAK}"


def _second_carer_joins_the_waiting_list(page: Page, checkpoint, world) -> None:
    page.goto(reverse("account_login"))
    sign_in(page, checkpoint, BETH, lands_on="Your short breaks account")
    _find_the_break(page, checkpoint)
    row = session_row(page)
    expect(row).to_contain_text("Full")
    expect(row.get_by_role("link", name="Book")).to_have_count(0)
    row.get_by_role("link", name="Join the waiting list").click()

    checkpoint(page, "Who is going on this break?")
    expect(page.get_by_text("This is full. You can join the waiting list")).to_be_visible()
    page.get_by_label("Me", exact=True).check()
    page.get_by_label("Rory Wilson").check()
    page.get_by_role("button", name="Join the waiting list").click()

    checkpoint(page, "Your breaks")
    expect(page.get_by_role("alert").filter(has_text="You are on the waiting list.")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Waiting lists")).to_be_visible()
    expect(main(page)).to_contain_text(f"{BREAK}: waiting")

    entry = WaitingListEntry.objects.get(carer=world["beth"])
    assert entry.state == WaitingListEntry.State.WAITING
    assert entry.places == 2
    assert subjects(BETH) == []  # joining a list is not a change to a booking


def _first_carer_cancels(page: Page, checkpoint) -> None:
    page.reload()
    checkpoint(page, "Your breaks")
    expect(booking_in_your_breaks(page, "Coming up")).to_contain_text("Confirmed")
    booking_in_your_breaks(page, "Coming up").get_by_role("link", name=f"Cancel {BREAK}").click()

    checkpoint(page, "Why are you cancelling?")
    page.get_by_role("button", name="Cancel the booking").click()
    checkpoint(page, "Error: Why are you cancelling?")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why you are cancelling")
    page.get_by_label("Why are you cancelling?").fill(CANCEL_REASON)
    page.get_by_role("button", name="Cancel the booking").click()

    checkpoint(page, BREAK)
    expect(page.get_by_role("alert").filter(has_text="The booking is cancelled.")).to_be_visible()
    expect(summary_value(page, "Status")).to_have_text("Cancelled")
    expect(summary_value(page, "Why it was cancelled")).to_have_text(CANCEL_REASON)
    expect(page.get_by_role("link", name="Cancel this booking")).to_have_count(0)

    your_breaks(page, checkpoint)
    expect(page.get_by_text("You have no breaks booked.")).to_be_visible()
    expect(booking_in_your_breaks(page, "Past and cancelled")).to_contain_text("Cancelled")


def _second_carer_accepts_from_the_email(page: Page, checkpoint, world) -> None:
    offered = last_email_to(BETH)
    assert offered.subject.endswith(f"a place has come up: {BREAK}")
    assert "We are holding 2 places for you" in offered.body
    page.goto(link_in_email(offered))  # a new browser: signed out, so the link asks them to sign in first

    sign_in(page, checkpoint, BETH, lands_on=f"A place on {BREAK}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept the place")
    page.get_by_role("button", name="Accept the place").click()

    checkpoint(page, BREAK)
    expect(page.get_by_role("alert").filter(has_text="The place is yours.")).to_be_visible()
    expect(summary_value(page, "Status")).to_have_text("Requested")  # the provider still confirms it
    expect(summary_value(page, "Who is going")).to_have_text("Beth Wilson, Rory Wilson")
    assert subjects(BETH)[-1] == f"you have asked for a break: {BREAK}"
    assert subjects(PROVIDER) == [f"a booking request for {BREAK}"] * 2

    entry = WaitingListEntry.objects.get(carer=world["beth"])
    assert entry.state == WaitingListEntry.State.ACCEPTED
    assert entry.booking.state == Booking.State.REQUESTED


# ----------------------------------------------------------------------------------------------
# The journey
# ----------------------------------------------------------------------------------------------


def test_a_joint_break_is_booked_confirmed_cancelled_and_offered_to_the_waiting_list(page, new_page, checkpoint, world):
    mail.outbox.clear()
    morag = page
    booking = _carer_asks_for_a_joint_break(morag, checkpoint, world)

    provider = new_page()
    _provider_confirms(provider, checkpoint, world, carer_email=MORAG, first_request=True)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert booking.decided_by == world["provider"]
    confirmed = last_email_to(MORAG)
    assert reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk}) in confirmed.body

    beth = new_page()
    _second_carer_joins_the_waiting_list(beth, checkpoint, world)

    _first_carer_cancels(morag, checkpoint)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    assert booking.cancelled_by == world["morag"].user
    assert booking.cancel_reason == CANCEL_REASON
    assert subjects(MORAG) == [
        f"you have asked for a break: {BREAK}",
        f"your break is booked: {BREAK}",
        f"your break is cancelled: {BREAK}",
    ]
    assert subjects(BETH) == [f"a place has come up: {BREAK}"]

    beth_from_email = new_page()
    _second_carer_accepts_from_the_email(beth_from_email, checkpoint, world)

    # The provider confirms the booking made from the waiting list too; Beth sees it in "Your breaks".
    _provider_confirms(provider, checkpoint, world, carer_email=BETH, first_request=False)
    your_breaks(beth_from_email, checkpoint)
    expect(booking_in_your_breaks(beth_from_email, "Coming up")).to_contain_text("Confirmed")
    expect(booking_in_your_breaks(beth_from_email, "Coming up")).to_contain_text("Rory and you")

    assert subjects(BETH) == [
        f"a place has come up: {BREAK}",
        f"you have asked for a break: {BREAK}",
        f"your break is booked: {BREAK}",
    ]
    world["session"].refresh_from_db()
    assert world["session"].places_taken == 2
    assert Booking.objects.filter(session=world["session"], state__in=Booking.HOLDING).count() == 1


# ----------------------------------------------------------------------------------------------
# The Loch-side cottage: a bookable property let as a whole, booked by a carer and the person they care for
# ----------------------------------------------------------------------------------------------

COTTAGE = "Loch-side accessible cottage"


@pytest.fixture
def cottage(x):
    from tests.factories import NightFactory

    provider = ProviderFactory(name="Heatherbank House")  # with current insurance
    provider.partnerships_served.set([x.partnership])
    offer = OfferFactory(
        provider=provider,
        locality=x.locality,
        title=COTTAGE,
        summary="A two-bedroom cottage with a hoist and wet room, for a break together.",
        kind=OfferKind.PROPERTY,
        break_for=BreakFor.BOTH,
        price_pence=9500,
        price_unit="night",
        booking_mode=BookingMode.INSTANT,
        supports_medium=True,
        supports_complex=True,
        sleeps=4,
    )
    today = timezone.localdate()
    for days in range(1, 28):
        NightFactory(offer=offer, date=today + datetime.timedelta(days=days))  # one let a night
    return {"offer": offer, "first": today + datetime.timedelta(days=10)}


def test_a_carer_and_the_person_they_care_for_book_the_cottage_together(page, checkpoint, x, cottage):
    mail.outbox.clear()
    morag = _household(x, email=MORAG, first="Morag", last="MacLeod", person_first="Jamie", needs=NeedsLevel.HIGH)
    offer, first = cottage["offer"], cottage["first"]
    page.goto(reverse("account_login"))
    sign_in(page, checkpoint, MORAG, lands_on="Your short breaks account")

    page.goto(reverse("brokerage:directory:offer", kwargs={"pk": offer.pk}))
    checkpoint(page, COTTAGE)
    expect(summary_value(page, "Sleeps")).to_have_text("Up to 4 guests, let to one household at a time")
    nights = page.get_by_role("table", name="Nights free or taken")
    expect(nights).not_to_contain_text("Places free")
    expect(nights.locator("tbody tr").first.locator("td").nth(1)).to_have_text("Free")
    page.get_by_role("link", name="Book nights").click()

    checkpoint(page, f"When do you want to stay? {COTTAGE}")
    page.get_by_label("Day").fill(str(first.day))
    page.get_by_label("Month").fill(str(first.month))
    page.get_by_label("Year").fill(str(first.year))
    page.get_by_label("Number of nights").fill("2")
    page.get_by_role("button", name="Continue").click()

    checkpoint(page, "Who is going on this break?")
    expect(summary_value(page, "The property")).to_have_text("Free on every night of the stay; sleeps up to 4")
    expect(main(page)).to_contain_text("The property is let to your household as a whole, for up to 4 guests.")
    page.get_by_label("Me", exact=True).check()
    page.get_by_label("Jamie MacLeod").check()
    page.get_by_label("Paid by the carer").check()
    page.get_by_role("button", name="Continue").click()

    checkpoint(page, "Check your booking")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(summary_value(page, "Guests")).to_have_text("2, with the whole property to yourselves")
    expect(summary_value(page, "Cost")).to_have_text("£190 (Paid by the carer)")
    page.get_by_role("button", name="Book this break").click()

    checkpoint(page, COTTAGE)
    expect(page.get_by_role("alert").filter(has_text="Your break is booked.")).to_be_visible()
    expect(summary_value(page, "Status")).to_have_text("Confirmed")
    expect(summary_value(page, "Who is going")).to_have_text("Morag MacLeod, Jamie MacLeod")

    booking = Booking.objects.get(carer=morag)
    assert (booking.first_night, booking.nights, booking.places, booking.cost_pence) == (first, 2, 1, 19_000)
    assert booking.includes_carer
    assert list(booking.cared_for.all()) == [morag.person]
    taken = dict(offer.nights.filter(places_taken=1).values_list("date", "places_taken"))
    assert sorted(taken) == [first, first + datetime.timedelta(days=1)]
    assert subjects(MORAG) == [f"your break is booked: {COTTAGE}"]

    # The offer page now shows those two nights as taken.
    page.goto(reverse("brokerage:directory:offer", kwargs={"pk": offer.pk}))
    checkpoint(page, COTTAGE)
    row = (
        page.get_by_role("table", name="Nights free or taken")
        .locator("tbody tr")
        .filter(has_text=f"{first:%A} {first.day} {first:%B %Y}")
    )
    expect(row.locator("td").nth(1)).to_have_text("Taken")
