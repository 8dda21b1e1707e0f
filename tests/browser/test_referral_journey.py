"""The referral journey, in a real browser: a carer reads the hub's eligibility criteria and refers
themself at crisis point; a broker finds them at the top of the queue (above a complex need that has
waited longer), starts triage, assigns an assessor and records a phone call; the carer sees they have a
worker, and is e-mailed.

Every page is checked by `checkpoint` (title, screenshot, axe).
"""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from brokerage import services
from brokerage.models import CaseNote, Consent, NeedsLevel, Referral
from tests.brokerage.referrals.factories import EligibilityCriteriaFactory, ReferralFactory
from tests.browser.test_booking_journey import last_email_to, main, sign_in, subjects, summary_value
from tests.factories import CaredForPersonFactory, CarerFactory, UserFactory, cares_for

MORAG = "morag.macleod@example.org"
CRITERIA = "Unpaid carers who live in Partnership X and look after someone with a disability or frailty."
STORY = "Jamie has stopped sleeping and I have been up every night for three weeks. I cannot keep going."
NOTE = "Called Morag. Agreed a home visit on Friday and an overnight sitter this week."


def _household(x, *, email, first, last, person_first):
    carer = CarerFactory(
        user=UserFactory(email=email, first_name=first, last_name=last) if email else None,
        first_name=first,
        last_name=last,
        locality=x.locality,
        about_you_completed_at=timezone.now(),
        people_completed_at=timezone.now(),
    )
    if email:
        services.carer_record_consents(carer=carer, choices={Consent.Kind.KEEP_DETAILS: True}, by=carer.user)
    carer.person = cares_for(
        carer,
        CaredForPersonFactory(
            first_name=person_first, last_name=last, needs_level=NeedsLevel.HIGH, completed_at=timezone.now()
        ),
    )
    return carer


@pytest.fixture
def world(x):
    x.broker.first_name, x.broker.last_name = "Iain", "Campbell"
    x.broker.save()
    x.assessor.first_name, x.assessor.last_name = "Fiona", "Mackay"
    x.assessor.save()
    EligibilityCriteriaFactory(partnership=x.partnership, text=CRITERIA)
    # Already waiting: a complex need for 30 days, and a high one for 5; neither in crisis.
    for last, needs, days in (("Grant", NeedsLevel.COMPLEX, 30), ("Reid", NeedsLevel.HIGH, 5)):
        other = _household(x, email=None, first="Alex", last=last, person_first="Sam")
        ReferralFactory(
            carer=other,
            needs_level=needs,
            submitted_by=x.broker,
            source=Referral.Source.PROFESSIONAL,
            referrer_name="Dr Bell",
            submitted_at=timezone.now() - datetime.timedelta(days=days),
        )
    return {"morag": _household(x, email=MORAG, first="Morag", last="MacLeod", person_first="Jamie"), "x": x}


def _carer_refers_themself(page: Page, checkpoint) -> None:
    page.goto("/accounts/login/")
    sign_in(page, checkpoint, MORAG, lands_on="Your short breaks account")
    main(page).get_by_role("link", name="Ask the hub for help").click()

    checkpoint(page, "Ask the Short Break Hub for help")
    expect(main(page).locator(".govuk-inset-text")).to_contain_text(CRITERIA)
    expect(page.get_by_label("Jamie MacLeod (Son)")).to_be_checked()  # one person: ticked already
    expect(page.get_by_label("High", exact=True)).to_be_checked()  # Jamie's needs level, from his details
    page.get_by_label("What is happening now?").fill(STORY)
    page.get_by_role("button", name="Send to the hub").click()

    checkpoint(page, "Error: Ask the Short Break Hub for help")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select how soon you need help")
    expect(summary).to_contain_text("Select yes if you are at crisis point")
    expect(page.get_by_label("What is happening now?")).to_have_value(STORY)
    page.get_by_label("Complex", exact=True).check()
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_role("group", name="Are you at crisis point?").get_by_label("Yes").check()
    page.get_by_role("button", name="Send to the hub").click()

    checkpoint(page, "Your referral")
    expect(page.get_by_role("alert").filter(has_text="Your referral has been sent")).to_be_visible()
    expect(summary_value(page, "Status")).to_have_text("Received")
    expect(summary_value(page, "Your worker")).to_have_text("Not yet given")
    expect(summary_value(page, "What happens next")).to_contain_text("the hub will contact you first")


def _broker_triages_assigns_and_notes(page: Page, checkpoint, world) -> Referral:
    page.goto("/accounts/login/")
    sign_in(
        page, checkpoint, world["x"].broker.email, lands_on="… – Caseload", totp_secret=world["x"].broker.totp_secret
    )
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Referrals").click()

    checkpoint(page, "… – Referrals")
    expect(main(page)).to_contain_text("Carers at crisis point come first.")
    rows = main(page).locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Morag MacLeod")
    expect(rows.nth(0)).to_contain_text("Crisis")
    expect(rows.nth(1)).to_contain_text("Alex Grant")
    expect(rows.nth(1)).to_contain_text("waited 30 days")
    expect(rows.nth(2)).to_contain_text("Alex Reid")
    rows.nth(0).get_by_role("link", name="Morag MacLeod").click()

    checkpoint(page, "Referral for Morag MacLeod")
    expect(summary_value(page, "What is happening now")).to_have_text(STORY)
    expect(summary_value(page, "Criteria shown")).to_contain_text(CRITERIA)
    main(page).get_by_role("link", name="Start triage").click()
    checkpoint(page, "Start triage")
    page.get_by_role("button", name="Start triage").click()

    checkpoint(page, "Referral for Morag MacLeod")
    expect(summary_value(page, "State")).to_have_text("In triage")
    main(page).get_by_role("link", name="Assign a worker").click()

    checkpoint(page, "Assign a worker")
    page.get_by_role("button", name="Assign").click()
    checkpoint(page, "Error: Assign a worker")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a worker")
    page.get_by_label("Fiona Mackay (Assessor)").check()
    page.get_by_role("button", name="Assign").click()

    checkpoint(page, "Referral for Morag MacLeod")
    expect(page.get_by_role("alert").filter(has_text="Fiona Mackay is now the worker")).to_be_visible()
    expect(summary_value(page, "State")).to_have_text("Assigned to a worker")
    expect(summary_value(page, "Worker")).to_have_text("Fiona Mackay")
    main(page).get_by_role("link", name="Add a case note").click()

    checkpoint(page, "Add a case note")
    today = timezone.localdate()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Phone call").check()
    page.get_by_role("button", name="Save the case note").click()
    checkpoint(page, "Error: Add a case note")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what was said or done")
    expect(page.get_by_label("Day")).to_have_value(str(today.day))
    page.get_by_label("What was said or done?").fill(NOTE)
    page.get_by_role("button", name="Save the case note").click()

    checkpoint(page, "Referral for Morag MacLeod")
    expect(main(page).locator(".govuk-summary-card")).to_contain_text(NOTE)

    # The carer's record: household, referrals and case notes on one page
    main(page).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(page, "Morag MacLeod")
    referrals = page.get_by_role("table", name="Referrals, newest first")
    expect(referrals.locator("tbody tr")).to_have_count(1)
    expect(referrals).to_contain_text("Assigned to a worker")
    expect(referrals).to_contain_text("Fiona Mackay")
    expect(main(page).locator(".govuk-summary-card").filter(has_text="Phone call")).to_contain_text(NOTE)
    expect(main(page).get_by_role("link", name="Record a referral")).to_have_count(0)  # one open at a time
    return Referral.objects.get(carer=world["morag"])


def _carer_sees_their_worker(page: Page, checkpoint) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
    checkpoint(page, "Your short breaks account")
    expect(summary_value(page, "Status")).to_have_text("You have a worker")
    expect(summary_value(page, "Your worker")).to_have_text("Fiona")
    expect(main(page)).not_to_contain_text(NOTE)  # case notes are the hub's
    page.get_by_role("link", name="See your referral").click()
    checkpoint(page, "Your referral")
    expect(summary_value(page, "What happens next")).to_contain_text("Fiona will contact you")


def test_a_carer_self_refers_and_the_hub_triages_assigns_and_records_a_call(page, new_page, checkpoint, world):
    mail.outbox.clear()
    _carer_refers_themself(page, checkpoint)
    referral = Referral.objects.get(carer=world["morag"])
    assert (referral.crisis, referral.needs_level, referral.urgency) == (True, "complex", "urgent")

    broker = new_page()
    referral = _broker_triages_assigns_and_notes(broker, checkpoint, world)
    assert referral.state == Referral.State.ASSIGNED
    assert referral.worker == world["x"].assessor
    assert CaseNote.objects.get(referral=referral).kind == CaseNote.Kind.PHONE
    assert subjects(MORAG) == ["your Short Break Hub worker"]
    assert "Fiona from the Short Break Hub is now your worker" in last_email_to(MORAG).body

    _carer_sees_their_worker(page, checkpoint)
