"""A carer's home page: what they must do comes first, and it offers only what exists for them yet."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.plans.factories import approve_budget, complete_plan
from tests.factories import CaredForPersonFactory, CarerFactory, UserFactory, cares_for

pytestmark = pytest.mark.django_db

BUDGET, PLAN = reverse("ras:carer_budget"), reverse("brokerage:plans:carer_versions")


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


def _home(client_for, carer) -> str:
    """The page's main content (the service navigation links to "Your plan" and "Your money" for every carer,
    whose pages say what comes when there is nothing yet)."""
    response = client_for(carer.user).get(reverse("brokerage:carer_home"))
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_a_new_carers_home_starts_with_their_two_tasks_and_offers_nothing_that_does_not_exist_yet(client_for, x):
    carer = CarerFactory(user=UserFactory(email="new.carer@example.org"), locality=x.locality)
    html = _home(client_for, carer)

    headings = _headings(html)
    assert headings[0] == "What to do first"
    assert headings[-1] == "What happens next"
    first, help_from_hub = html.index("What to do first"), html.index("Help from the Short Break Hub")
    assert first < html.index("About you") < html.index("People you care for") < help_from_hub
    assert help_from_hub < html.index(f'href="{reverse("brokerage:directory:search")}"')
    # No budget before an assessment, no plan before one is started, no money before a fund.
    assert f'href="{BUDGET}"' not in html
    assert f'href="{PLAN}"' not in html
    assert f'href="{reverse("brokerage:funds_carer:money")}"' not in html
    assert "Your support" not in headings
    assert "Your household" not in headings  # nobody added yet: the task "People you care for" says so
    # Their tasks come first, so "Find a break" is not the page's main button.
    find = reverse("brokerage:directory:search")
    assert f'class="govuk-button govuk-button--secondary" data-module="govuk-button" href="{find}"' in html
    assert "When you have told us about you and the people you care for" in html


def test_a_carer_with_everything_sees_their_budget_plan_and_money_and_their_details_below(client_for, x):
    carer = CarerFactory(
        user=UserFactory(email="all.done@example.org"),
        locality=x.locality,
        first_name="Morag",
        about_you_completed_at=timezone.now(),
        people_completed_at=timezone.now(),
    )
    cares_for(carer, CaredForPersonFactory(first_name="Jamie", completed_at=timezone.now()))
    approve_budget(carer, 100_000, by=x.assessor)
    complete_plan(carer)
    personal_fund(x.broker, carer=carer, amount=50_000)
    html = _home(client_for, carer)

    headings = _headings(html)
    assert "What to do first" not in headings
    assert headings.index("Your support") < headings.index("Your details") < headings.index("What happens next")
    assert headings[-1] == "What happens next"
    for url in (BUDGET, PLAN, reverse("brokerage:funds_carer:money")):
        assert f'href="{url}"' in html
    find = reverse("brokerage:directory:search")
    assert f'class="govuk-button" data-module="govuk-button" href="{find}"' in html  # now the main action
    assert "You can book breaks and pay for them from your money." in html


def test_the_home_links_to_a_budget_only_once_an_assessment_is_completed(client_for, x):
    carer = CarerFactory(user=UserFactory(email="budget.only@example.org"), locality=x.locality)
    approve_budget(carer, 100_000, by=x.assessor)
    html = _home(client_for, carer)
    assert f'href="{BUDGET}"' in html
    assert f'href="{PLAN}"' not in html
    assert f'href="{reverse("brokerage:funds_carer:money")}"' not in html


def test_the_home_page_asks_the_same_number_of_queries_with_or_without_support(client_for, x):
    def queries(carer) -> int:
        client = client_for(carer.user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("brokerage:carer_home")).status_code == 200
        return len(captured)

    new = CarerFactory(user=UserFactory(email="queries.new@example.org"), locality=x.locality)
    everything = CarerFactory(user=UserFactory(email="queries.all@example.org"), locality=x.locality)
    approve_budget(everything, 100_000, by=x.assessor)
    complete_plan(everything)
    personal_fund(x.broker, carer=everything, amount=50_000)
    assert queries(new) == queries(everything)
