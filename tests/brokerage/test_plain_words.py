"""Carer pages speak plain English first, give the term staff use after it (in brackets), and end with what
happens next: the budget, the plan, money, micro-grants, direct payments, breaks and a booking."""

import pytest
from django.urls import reverse

from brokerage.funds import grants
from brokerage.models import GrantApplication
from tests.brokerage.bookings.conftest import book
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.plans.factories import approve_budget, complete_plan
from tests.factories import SessionFactory
from tests.plain_words import main_of, what_happens_next

pytestmark = pytest.mark.django_db


def _page(client_for, user, url) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# ----------------------------------------------------------------------------------------------
# Your budget
# ----------------------------------------------------------------------------------------------


def test_the_budget_page_explains_itself_before_it_names_the_terms(client_for, carer_a):
    html = _page(client_for, carer_a.user, reverse("ras:carer_budget"))
    main = main_of(html)
    assert "Your budget is the money you can have for breaks." in main
    # Plain words first, the staff term after them, in brackets.
    assert "a set of questions about your caring (your assessment)" in main
    assert "a group of senior staff who agree budgets (the resource panel)" in main
    assert "An assessor from the Short Break Hub goes through the questions with you." in what_happens_next(html)


def test_the_budget_page_says_points_and_the_indicative_budget_in_plain_words(client_for, carer_a, x):
    approve_budget(carer_a, 100_000, by=x.assessor)
    html = _page(client_for, carer_a.user, reverse("ras:carer_budget"))
    main = main_of(html)
    assert "Each answer scores points: the more help you and the person you care for need, the more points." in main
    assert "Staff call this your indicative budget" in main
    assert "Your indicative budget is" not in main
    assert "Your worker at the Short Break Hub writes a support plan with you" in what_happens_next(html)


def test_a_budget_the_panel_has_not_decided_says_what_the_panel_will_do(client_for, carer_a, x):
    assessment = approve_budget(carer_a, 100_000, by=x.assessor).assessment
    assessment.decisions.all().delete()
    html = _page(client_for, carer_a.user, reverse("ras:carer_budget"))
    assert "The resource panel looks at your budget. It can agree it or change it, and it always says why." in (
        what_happens_next(html)
    )


# ----------------------------------------------------------------------------------------------
# Your plan
# ----------------------------------------------------------------------------------------------


def test_the_plan_pages_end_with_what_happens_next(client_for, carer_a, x):
    html = _page(client_for, carer_a.user, reverse("brokerage:plans:carer_versions"))
    assert "Your worker at the Short Break Hub starts a plan with you" in what_happens_next(html)

    plan = complete_plan(carer_a)
    html = _page(client_for, carer_a.user, reverse("brokerage:plans:carer_versions"))
    assert "When it is finished, your worker sends it for approval." in what_happens_next(html)
    html = _page(client_for, carer_a.user, reverse("brokerage:plans:carer_plan", kwargs={"pk": plan.pk}))
    assert "your worker sends the plan for approval, and an assessor reads it" in what_happens_next(html)


def test_staff_reading_a_plan_are_not_told_the_carers_next_steps(client_for, carer_a, x):
    plan = complete_plan(carer_a)
    url = reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": carer_a.pk, "pk": plan.pk})
    assert "What happens next" not in main_of(_page(client_for, x.broker, url))


# ----------------------------------------------------------------------------------------------
# Micro-grants and direct payments
# ----------------------------------------------------------------------------------------------


def test_the_micro_grant_pages_say_small_grant_first_and_end_with_what_happens_next(client_for, carer_a, x):
    grants.grant_scheme_update(partnership=x.partnership, max_award=50_000, budget_line=None, by=x.broker)
    html = _page(client_for, carer_a.user, reverse("brokerage:grants:carer_list"))
    main = main_of(html)
    assert "You can ask for a small amount of money for a break, up to £500. Staff call this a micro-grant." in main
    assert "the grants panel" in what_happens_next(html)

    application = grants.grant_apply(
        carer=carer_a,
        amount_asked=20_000,
        what_for="A pottery course",
        break_kind=GrantApplication.BreakKind.CREATIVE,
        by=carer_a.user,
    )
    html = _page(client_for, carer_a.user, reverse("brokerage:grants:carer_detail", args=[application.pk]))
    assert "We will email you its decision and the reason." in what_happens_next(html)


def test_the_direct_payment_page_says_what_one_is_and_what_happens_next(client_for, carer_a):
    html = _page(client_for, carer_a.user, reverse("brokerage:grants:dp_carer"))
    assert "money paid to you so that you can arrange and pay for breaks yourself" in main_of(html)
    assert "the hub sets it up when the plan is approved" in what_happens_next(html)


# ----------------------------------------------------------------------------------------------
# Your money (see also tests/brokerage/funds/test_carer_pages.py)
# ----------------------------------------------------------------------------------------------


def test_your_money_names_the_fund_in_plain_words_then_the_term(client_for, carer_a, x):
    personal_fund(x.broker, carer=carer_a, amount=10_000)
    main = main_of(_page(client_for, carer_a.user, reverse("brokerage:funds_carer:money")))
    assert "Money X Short Break Hub looks after and pays out for you (an Individual Service Fund)" in main
    assert "Ask for a small grant for a break</a> (a micro-grant)" in main
    assert "Money paid to you to arrange breaks yourself</a> (a direct payment)" in main
    assert ">Micro-grants</a>" not in main


# ----------------------------------------------------------------------------------------------
# Your breaks and a booking
# ----------------------------------------------------------------------------------------------


def test_your_breaks_and_a_booking_end_with_what_happens_next(client_for, carer_a):
    html = _page(client_for, carer_a.user, reverse("brokerage:bookings:breaks"))
    assert "When you book a break, it shows here until it has happened." in what_happens_next(html)

    carer_a.people = [carer_a.person]
    booking = book(carer_a, SessionFactory())
    html = _page(client_for, carer_a.user, reverse("brokerage:bookings:breaks"))
    assert "The provider confirms or declines each request, and we email you when they do." in what_happens_next(html)
    html = _page(client_for, carer_a.user, reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk}))
    next_words = what_happens_next(html)
    assert "will confirm or decline your request" in next_words or "Your place is booked." in next_words
