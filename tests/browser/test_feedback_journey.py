"""Feedback after a break, in a real browser: the provider records that Morag's household came to the club; Morag
is e-mailed and finds a task on her home page; she answers (first sending the form with a question missed, which
is refused by the question, keeping what she chose), sees thanks, then helps Jamie answer, saying who helped.
Every page passes axe at 1280px and reflows at 320px."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from breakthrough.models import Role
from brokerage.models import Booking, FeedbackResponse, PaymentSource, Respondent
from tests.brokerage.feedback.helpers import publish_questions
from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory, OfferFactory, ProviderFactory, SessionFactory, UserFactory, cares_for, staff

CLUB = "Games club"
STAFF = "staff@sunny.example"
MORAG = "morag@example.org"


@pytest.fixture
def world(x):
    publish_questions(x.partnership, x.broker)
    provider = ProviderFactory(name="Sunny Breaks")
    provider.partnerships_served.set([x.partnership])
    member = staff(Role.PROVIDER, provider, email=STAFF, first_name="Priya", last_name="Shah")
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
    person = cares_for(carer)
    person.first_name = "Jamie"
    person.save()
    booking = Booking.objects.create(
        carer=carer,
        offer=club,
        session=session,
        places=1,
        payment_source=PaymentSource.FREE,
        state=Booking.State.CONFIRMED,
        requested_by=carer.user,
    )
    booking.cared_for.add(person)
    return {"member": member, "session": session, "booking": booking, "person": person}


def _answer(page: Page, answers: dict[str, str]) -> None:
    for question, choice in answers.items():
        page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def test_a_carer_gives_feedback_after_a_break(page: Page, new_page, checkpoint, world):
    # The provider records attendance.
    page.goto("/accounts/login/")
    sign_in(page, checkpoint, STAFF, lands_on="Sunny Breaks", totp_secret=world["member"].totp_secret)
    page.goto(f"/provider/sessions/{world['session'].pk}/attendance/")
    checkpoint(page, "Attendance")
    page.get_by_label("Attended", exact=True).check()
    page.get_by_role("button", name="Save attendance").click()
    checkpoint(page, CLUB)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Attendance is saved.")

    # Morag is asked by e-mail, and her home page has the task.
    asked = [m for m in mail.outbox if MORAG in m.to]
    assert len(asked) == 1
    assert f"/carer/breaks/{world['booking'].pk}/feedback/" in asked[0].body
    carer = new_page()
    carer.goto("/accounts/login/")
    sign_in(carer, checkpoint, MORAG, lands_on="Your short breaks account")
    expect(carer.get_by_role("heading", name="Tell us how your break went")).to_be_visible()
    carer.get_by_role("link", name=f"How was {CLUB}?").click()
    checkpoint(carer, "How was your break?")

    # She misses a question: the message is by it, and what she chose is kept.
    _answer(
        carer,
        {"I had time for myself": "Strongly agree", "I feel less isolated": "Agree", "I know they were safe": "Agree"},
    )
    carer.get_by_label("Is there anything else you want to tell us about the break?").fill("Jamie loved the games.")
    carer.get_by_role("button", name="Send").click()
    checkpoint(carer, "Error: How was your break?")
    summary = carer.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose how much you agree: I'd use this break again")
    group = carer.get_by_role("group", name="I'd use this break again")
    expect(group.locator(".govuk-error-message")).to_contain_text("Choose how much you agree")
    expect(carer.get_by_role("group", name="I had time for myself").get_by_label("Strongly agree")).to_be_checked()
    expect(carer.get_by_label("Is there anything else you want to tell us about the break?")).to_have_value(
        "Jamie loved the games."
    )
    _answer(carer, {"I'd use this break again": "Strongly agree"})
    carer.get_by_label("Yes, share it without my name").check()
    carer.get_by_role("button", name="Send").click()
    checkpoint(carer, "Thank you for telling us")

    # Then she helps Jamie answer.
    carer.get_by_role("link", name="Help Jamie tell us what they thought").click()
    checkpoint(carer, "What Jamie thought of the break")
    expect(carer.get_by_role("group", name="Can we share what they said with the provider?")).to_be_visible()
    carer.get_by_label("Who helped them answer?").fill("His mum")
    _answer(carer, {"I enjoyed my break": "Strongly agree", "I felt safe": "Agree"})
    carer.get_by_role("button", name="Send").click()
    checkpoint(carer, "Thank you for telling us")
    expect(carer.locator("main")).to_contain_text("Jamie has answered. Thank you.")

    responses = {r.respondent: r for r in FeedbackResponse.objects.filter(booking=world["booking"])}
    assert dict(responses[Respondent.CARER].answers.values_list("question__code", "score")) == {
        "time_for_myself": 5,
        "less_isolated": 4,
        "knew_safe": 4,
        "use_again": 5,
    }
    assert (responses[Respondent.CARER].comment, responses[Respondent.CARER].share_comment) == (
        "Jamie loved the games.",
        True,
    )
    assert responses[Respondent.CARED_FOR].helped_by == "His mum"

    # The task has gone from her home page.
    carer.get_by_role("link", name="Back to your account").click()
    checkpoint(carer, "Your short breaks account")
    expect(carer.get_by_role("heading", name="Tell us how your break went")).to_have_count(0)


def test_the_provider_reads_what_people_said_once_five_have_answered(page: Page, checkpoint, world, x):
    from tests.brokerage.feedback.helpers import answer, attended_booking

    member = world["member"]
    club = world["booking"].offer
    others = OfferFactory(provider=member.organisation, locality=x.locality, title="Quiet evenings")
    words = ["Lovely staff", "", "A real rest", "", "The minibus was late", ""]
    for n, comment in enumerate(words):
        carer = CarerFactory(user=UserFactory(), locality=x.locality)
        carer.person = cares_for(carer)
        booking = attended_booking(carer, member, offer=club)
        scores = {"time_for_myself": 1 + n % 5, "less_isolated": 4, "knew_safe": 5, "use_again": 5}
        answer(booking, carer.user, scores, comment=comment, share_comment=bool(comment))
    lone = CarerFactory(user=UserFactory(), locality=x.locality)
    answer(
        attended_booking(lone, member, offer=others),
        lone.user,
        {"time_for_myself": 2, **dict.fromkeys(("less_isolated", "knew_safe", "use_again"), 3)},
    )

    page.goto("/accounts/login/")
    sign_in(page, checkpoint, STAFF, lands_on="Sunny Breaks", totp_secret=member.totp_secret)
    page.get_by_role("link", name="What carers said about your breaks").click()
    checkpoint(page, "What carers said about your breaks")
    table = page.get_by_role("table", name="Answers about each of your offers")
    expect(table.get_by_role("row", name=re.compile("Quiet evenings"))).to_contain_text("Fewer than 5")
    table.get_by_role("link", name=CLUB).click()
    checkpoint(page, f"What people said about {CLUB}")
    spread = page.get_by_role("table", name=re.compile("I had time for myself"))
    # Six answers of 1, 2, 3, 4, 5 and 1: every point is fewer than 5 (disclosure control), none can be worked out.
    expect(spread.get_by_role("row", name=re.compile("^Strongly disagree"))).to_contain_text("fewer than 5")
    expect(spread).to_contain_text("6 answers")
    expect(page.locator("main")).to_contain_text("A real rest")
    expect(page.locator("main")).not_to_contain_text(lone.last_name)
