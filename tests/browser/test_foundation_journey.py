"""The foundation journeys, in a real browser: a carer registers and tells the hub about their household;
an administrator invites a broker, who sets up 2-step verification and opens that carer's record.

Every page is checked by `checkpoint` (title, screenshot, axe). Fields are found by their labels and
buttons by their accessible names, so a missing or wrong label fails here.
"""

import datetime
import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from brokerage import services
from brokerage.models import Carer, Consent, NeedsLevel
from tests.factories import PASSWORD, CaredForPersonFactory, CarerFactory, UserFactory, cares_for

CARER_EMAIL = "morag.macleod@example.org"
CARER_PASSWORD = "heather-and-thistle-42"
BROKER_EMAIL = "new.broker@x.example"


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def totp_code(secret: str) -> str:
    """The code an authenticator app would show now; waits for the next period if this one is ending."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 3:
        time.sleep(left + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def link_in_email(message) -> str:
    """The first link in an e-mail, as a path on the live server (the site's own address may differ)."""
    match = re.search(r"https?://[^/\s]+(/\S*)", message.body)
    assert match, f"no link in the e-mail:\n{message.body}"
    return match.group(1)


def only_email_to(address: str):
    messages = [m for m in mail.outbox if address in m.to]
    assert len(messages) == 1, f"expected one e-mail to {address}, got {[m.subject for m in mail.outbox]}"
    return messages[0]


def assert_error(page: Page, message: str, field: Locator, *, described: bool = True) -> None:
    """The error summary names the problem and links to the field; the field shows it too, and takes focus."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    link = summary.get_by_role("link", name=message)
    expect(link).to_have_count(1)
    target = (link.get_attribute("href") or "").lstrip("#")
    assert target, f"the error summary link for {message!r} has no target"
    expect(field).to_have_attribute("id", target)
    expect(page.locator(".govuk-error-message", has_text=message)).to_be_visible()
    if described:
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    link.click()
    expect(field).to_be_focused()


def task_link(page: Page, task: str) -> Locator:
    return page.locator(".govuk-task-list").get_by_role("link", name=task, exact=True)


def task_status(page: Page, task: str) -> Locator:
    item = page.locator(".govuk-task-list__item").filter(has=page.get_by_role("link", name=task, exact=True))
    return item.locator(".govuk-task-list__status")


def summary_value(page: Page, key: str) -> Locator:
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=re.compile(f"^{re.escape(key)}$"))
    )
    return row.locator(".govuk-summary-list__value")


def continue_(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


# ----------------------------------------------------------------------------------------------
# Journey 1: a carer registers and tells the hub about their household
# ----------------------------------------------------------------------------------------------


def _register(page: Page, checkpoint) -> None:
    page.goto("/")
    checkpoint(page, "Get a short break from caring")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get a short break from caring")
    page.get_by_role("button", name="Start now").click()

    checkpoint(page, "Create an account")
    page.get_by_label("Email address").fill(CARER_EMAIL)
    page.get_by_label("Create a password", exact=True).fill(CARER_PASSWORD)
    page.get_by_label("Confirm your password", exact=True).fill("not-the-same-password")
    page.get_by_role("button", name="Create account").click()

    checkpoint(page, "Error: Create an account")
    assert_error(
        page, "You must type the same password each time.", page.get_by_label("Confirm your password", exact=True)
    )
    expect(page.get_by_label("Email address")).to_have_value(CARER_EMAIL)
    expect(page.get_by_label("Create a password", exact=True)).to_have_value("")  # never written back
    page.get_by_label("Create a password", exact=True).fill(CARER_PASSWORD)
    page.get_by_label("Confirm your password", exact=True).fill(CARER_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    checkpoint(page, "Check your email")
    message = only_email_to(CARER_EMAIL)
    assert "Breakthrough" in message.subject
    page.goto(link_in_email(message))

    checkpoint(page, "Confirm your email address")
    expect(page.get_by_text(CARER_EMAIL)).to_be_visible()
    page.get_by_role("button", name="Confirm email address").click()

    # Confirmed in the browser that registered, so signed in at once.
    checkpoint(page, "Your short breaks account")

    # Sign out, and back in with the new password.
    page.get_by_role("link", name="Sign out").click()
    checkpoint(page, "Sign out")
    page.get_by_role("button", name="Sign out").click()
    checkpoint(page, "Get a short break from caring")
    page.get_by_role("link", name="Sign in").first.click()
    checkpoint(page, "Sign in")
    page.get_by_label("Email address").fill(CARER_EMAIL)
    page.get_by_label("Password", exact=True).fill(CARER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    checkpoint(page, "Your short breaks account")


def _about_you(page: Page, checkpoint) -> None:
    expect(task_status(page, "About you")).to_have_text("Not yet started")
    expect(task_status(page, "People you care for")).to_have_text("Not yet started")
    task_link(page, "About you").click()

    checkpoint(page, "What is your name?")
    menu = page.get_by_role("navigation", name="Menu")
    # About you is reached from the home page's task list, so Home stays the current menu item.
    expect(menu.get_by_role("link", name="Home")).to_have_attribute("aria-current", "true")
    expect(menu.get_by_role("link", name="Your breaks")).not_to_have_attribute("aria-current", re.compile(".*"))
    page.get_by_label("First name").fill("Morag")
    page.get_by_label("Last name").fill("MacLeod")
    continue_(page)

    checkpoint(page, "How should we contact you?")
    page.get_by_label("Phone call").check()
    page.get_by_label("Phone number", exact=True).fill("call me maybe")
    continue_(page)
    checkpoint(page, "Error: How should we contact you?")
    phone = page.get_by_label("Phone number", exact=True)
    assert_error(page, "Enter a phone number, like 01632 960 001 or 07700 900 982", phone)
    expect(page.locator(".govuk-error-summary__list li")).to_have_count(1)  # one problem, one message
    expect(phone).to_have_value("call me maybe")
    expect(page.get_by_label("Phone call")).to_be_checked()
    phone.fill("07700 900 982")
    continue_(page)

    checkpoint(page, "Where do you live?")
    page.get_by_label("Postcode").fill("NOT ME")
    continue_(page)
    checkpoint(page, "Error: Where do you live?")
    postcode = page.get_by_label("Postcode")
    assert_error(page, "Enter a real postcode, like EH1 1YZ", postcode)
    assert_error(page, "Select the area you live in", page.get_by_label("Area"))
    expect(postcode).to_have_value("NOT ME")
    postcode.fill("eh1 1yz")
    page.get_by_label("Area").select_option(label="X North (Partnership X)")
    continue_(page)

    checkpoint(page, "Which of these best describes you?")
    continue_(page)
    checkpoint(page, "Error: Which of these best describes you?")
    assert_error(page, "Select the description that fits you best", page.get_by_label("Parent carer"), described=False)
    page.get_by_label("Adult carer").check()
    continue_(page)

    checkpoint(page, "About how many hours a week do you spend caring?")
    hours = page.get_by_label("About how many hours a week do you spend caring?")
    hours.fill("all of them")
    continue_(page)
    checkpoint(page, "Error: About how many hours a week do you spend caring?")
    assert_error(page, "Enter the number of hours as a whole number, like 35", hours)
    expect(hours).to_have_value("all of them")
    hours.fill("60")
    continue_(page)

    checkpoint(page, "What would a break mean to you?")
    page.get_by_label("What would a break mean to you?").fill("A full night's sleep, and time to see my sister.")
    continue_(page)

    checkpoint(page, "Your consent")
    page.get_by_label(Consent.Kind.KEEP_DETAILS.label).check()
    page.get_by_label(Consent.Kind.CONTACT.label).check()
    continue_(page)

    checkpoint(page, "Check your answers")
    expect(summary_value(page, "Name")).to_have_text("Morag MacLeod")
    expect(summary_value(page, "Contact by")).to_have_text("Phone call")
    expect(summary_value(page, "Phone number")).to_have_text("07700 900 982")
    expect(summary_value(page, "Postcode")).to_have_text("EH1 1YZ")
    expect(summary_value(page, "Area")).to_have_text("X North")
    expect(summary_value(page, "You are")).to_have_text("Adult carer")
    expect(summary_value(page, "Hours caring a week")).to_have_text("60")
    expect(summary_value(page, "The hub may keep your details")).to_contain_text("Yes")
    page.get_by_role("button", name="Confirm and save").click()

    checkpoint(page, "Your short breaks account")
    expect(page.get_by_role("alert").filter(has_text="Your details are saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Morag")
    expect(task_status(page, "About you")).to_have_text("Completed")


def _add_person(page: Page, checkpoint, *, first, last, relationship, born, needs, conditions, matters, add) -> None:
    page.get_by_role("button", name=add).click()

    checkpoint(page, "Who do you care for?")
    page.get_by_label("Their first name").fill(first)
    page.get_by_label("Their last name").fill(last)
    page.get_by_label("How are they related to you? (optional)").fill(relationship)
    continue_(page)

    checkpoint(page, "What is their date of birth?")
    day, month, year = born
    page.get_by_label("Day").fill(str(day))
    page.get_by_label("Month").fill(str(month))
    page.get_by_label("Year").fill("2999")
    continue_(page)
    checkpoint(page, "Error: What is their date of birth?")
    assert_error(page, "Their date of birth must be in the past", page.get_by_label("Day"), described=False)
    expect(page.get_by_label("Day")).to_have_value(str(day))
    expect(page.get_by_label("Year")).to_have_value("2999")
    page.get_by_label("Year").fill(str(year))
    continue_(page)

    checkpoint(page, "How much support do they need day to day?")
    page.get_by_label(needs).check()
    continue_(page)

    checkpoint(page, "Their conditions and how they communicate")
    page.get_by_label("Conditions or disabilities (optional)").fill(conditions)
    page.get_by_label("How do they communicate? (optional)").fill("Needs time to answer")
    continue_(page)

    checkpoint(page, "What matters to them?")
    page.get_by_label("What matters to them? (optional)").fill(matters)
    continue_(page)

    checkpoint(page, f"Check the details of {first} {last}")
    expect(summary_value(page, "Name")).to_have_text(f"{first} {last}")
    expect(summary_value(page, "Relationship to you")).to_have_text(relationship)
    expect(summary_value(page, "Support needed")).to_have_text(needs)
    page.get_by_role("button", name="Confirm and save").click()

    checkpoint(page, "People you care for")
    expect(page.get_by_role("alert").filter(has_text=f"{first} {last}'s details are saved.")).to_be_visible()
    card = page.locator(".govuk-summary-card").filter(has=page.get_by_role("heading", name=f"{first} {last}"))
    expect(card).to_contain_text("Details confirmed")


def _people(page: Page, checkpoint) -> None:
    task_link(page, "People you care for").click()
    checkpoint(page, "People you care for")
    _add_person(
        page,
        checkpoint,
        first="Jamie",
        last="MacLeod",
        relationship="Son",
        born=(17, 5, 2014),
        needs="High",
        conditions="Autism",
        matters="Swimming on Saturdays",
        add="Add a person",
    )
    _add_person(
        page,
        checkpoint,
        first="Isla",
        last="MacLeod",
        relationship="Mother",
        born=(2, 11, 1948),
        needs="Medium",
        conditions="Dementia",
        matters="Her garden and the radio",
        add="Add another person",
    )
    page.get_by_role("button", name="Yes, I have added everyone").click()

    checkpoint(page, "Your short breaks account")
    expect(page.get_by_role("alert").filter(has_text="The people you care for are saved.")).to_be_visible()
    expect(task_status(page, "About you")).to_have_text("Completed")
    expect(task_status(page, "People you care for")).to_have_text("Completed")
    household = page.get_by_role("table", name="People you care for")
    expect(household.get_by_role("row")).to_have_count(3)
    expect(household).to_contain_text("Jamie MacLeod")
    expect(household).to_contain_text("Isla MacLeod")


def test_carer_registers_and_describes_their_household(page, checkpoint, x):
    _register(page, checkpoint)
    _about_you(page, checkpoint)
    _people(page, checkpoint)

    carer = Carer.objects.get(user__email=CARER_EMAIL)
    assert carer.partnership == x.partnership
    assert carer.about_you_completed_at is not None
    assert carer.people_completed_at is not None
    assert sorted(p.first_name for p in carer.cared_for.all()) == ["Isla", "Jamie"]


# ----------------------------------------------------------------------------------------------
# Journey 2: an administrator invites a broker, who sets up 2-step verification and sees the carer
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def household(x):
    """The household of journey 1, as the hub would find it once the carer has finished."""
    user = UserFactory(email=CARER_EMAIL)
    carer = CarerFactory(
        user=user, first_name="Morag", last_name="MacLeod", locality=x.locality, carer_type=Carer.CarerType.ADULT
    )
    services.carer_record_consents(carer=carer, choices={Consent.Kind.KEEP_DETAILS: True}, by=user)
    cares_for(carer, CaredForPersonFactory(first_name="Jamie", last_name="MacLeod"), relationship="Son")
    cares_for(
        carer,
        CaredForPersonFactory(
            first_name="Isla",
            last_name="MacLeod",
            date_of_birth=datetime.date(1948, 11, 2),
            needs_level=NeedsLevel.MEDIUM,
        ),
        relationship="Mother",
    )
    return carer


def test_admin_invites_a_broker_who_sees_the_caseload(page, new_page, checkpoint, x, admin_user, household, carer_b):
    # The administrator signs in with their password and authenticator app.
    page.goto("/accounts/login/")
    checkpoint(page, "Sign in")
    page.get_by_label("Email address").fill(admin_user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    checkpoint(page, "Enter the code from your authenticator app")
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(admin_user.totp_secret))
    page.get_by_role("button", name="Continue").click()

    checkpoint(page, "Platform")
    page.get_by_role("button", name="Invite a member of staff").click()

    # An organisation of the wrong kind is refused, and what was typed stays.
    checkpoint(page, "Invite a member of staff")
    page.get_by_label("Email address").fill(BROKER_EMAIL)
    page.get_by_label("Role").select_option(label="Short Break Hub broker")
    page.get_by_label("Organisation").select_option(label=x.commissioner.organisation.name)
    page.get_by_role("button", name="Send invitation").click()
    checkpoint(page, "Error: Invite a member of staff")
    organisation = page.get_by_label("Organisation")
    assert_error(page, "A short break hub broker cannot belong to a partnership body.", organisation)
    expect(page.get_by_label("Email address")).to_have_value(BROKER_EMAIL)
    expect(page.get_by_label("Role")).to_have_value("broker")
    organisation.select_option(label=x.hub.name)
    page.get_by_role("button", name="Send invitation").click()

    checkpoint(page, "Platform")
    expect(page.get_by_role("alert").filter(has_text=f"Invitation sent to {BROKER_EMAIL}.")).to_be_visible()
    invitations = page.get_by_role("table", name="Recent invitations, newest first")
    expect(invitations.get_by_role("row").filter(has_text=BROKER_EMAIL)).to_contain_text("Waiting")

    # The broker opens the link in the e-mail, in their own browser.
    invitation = only_email_to(BROKER_EMAIL)
    assert x.hub.name in invitation.subject
    broker = new_page()
    broker.goto(link_in_email(invitation))
    checkpoint(broker, "Set up your account")
    expect(broker.get_by_text(BROKER_EMAIL)).to_be_visible()
    broker.get_by_label("First name").fill("Niamh")
    broker.get_by_label("Last name").fill("Broker")
    broker.get_by_label("Create a password", exact=True).fill("a-brand-new-password-9")
    broker.get_by_label("Confirm your password", exact=True).fill("a-brand-new-password-9")
    broker.get_by_role("button", name="Create account").click()

    # Straight on to 2-step verification: staff reach no personal data without it.
    checkpoint(broker, "Set up an authenticator app")
    expect(broker.get_by_role("alert").filter(has_text="Your account is ready.")).to_be_visible()
    expect(broker.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = broker.locator("#authenticator-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    broker.get_by_label("Enter the 6-digit code from the app").fill(totp_code(secret))
    broker.get_by_role("button", name="Turn on 2-step verification").click()

    checkpoint(broker, "Recovery codes")
    expect(broker.locator(".app-code-list li").first).to_be_visible()
    assert broker.locator(".app-code-list li").count() >= 8

    # The caseload: the hub's carers, and nobody from another partnership.
    broker.get_by_role("link", name="Caseload").click()
    checkpoint(broker, "… – Caseload")
    expect(broker.get_by_role("heading", level=1)).to_have_text("Carers in Partnership X")
    carers = broker.get_by_role("table", name="Carers, sorted by last name")
    expect(carers.get_by_role("link", name="Morag MacLeod")).to_be_visible()
    expect(carers).not_to_contain_text(carer_b.full_name)
    carers.get_by_role("link", name="Morag MacLeod").click()

    checkpoint(broker, "Morag MacLeod")
    expect(broker.get_by_role("heading", level=1)).to_have_text("Morag MacLeod")
    expect(summary_value(broker, "Email")).to_have_text(CARER_EMAIL)
    expect(broker.get_by_role("heading", name="Jamie MacLeod (Son)")).to_be_visible()
    expect(broker.get_by_role("heading", name="Isla MacLeod (Mother)")).to_be_visible()
