"""A form's hidden submission key belongs to the household that sent it (issue 10, item 5).

The key only says "this is the same form sent again". Another household's key (copied, guessed, or a
clash) is not their form: it is a fresh submission of its own. The uniqueness of a key is therefore
scoped to the carer (micro-grants, bookings) or to the fund (direct-payment spending), in the database as
in the duplicate check; before, the check looked at the carer's own rows and the constraint at everyone's,
so a key another carer had used gave a 500 (or, for spending, silently answered with the other carer's row).
"""

import pytest
from django.urls import reverse

from brokerage.funds.selectors import fund_balances
from brokerage.models import DirectPaymentSpend, GrantApplication
from tests.brokerage.funds import factories
from tests.brokerage.funds.test_direct_payments import _spend_data, direct_payment

pytestmark = pytest.mark.django_db


def _grant_data(key, **overrides):
    return {
        "amount": "120",
        "what_for": "A week of swimming lessons",
        "break_kind": "creative",
        "submission_key": key,
        **overrides,
    }


def test_a_grant_application_with_a_key_another_carer_used_is_a_new_application(client_for, carer_a, carer_b_in_x):
    url = reverse("brokerage:grants:carer_apply")
    client_a = client_for(carer_a.user)
    key = client_a.get(url).context["form"].initial["submission_key"]
    assert client_a.post(url, _grant_data(key)).status_code == 302
    first = GrantApplication.objects.get()

    response = client_for(carer_b_in_x.user).post(url, _grant_data(key, amount="80", what_for="Driving lessons"))
    assert response.status_code == 302  # not a 500
    theirs = GrantApplication.objects.get(carer=carer_b_in_x)
    assert response.url == reverse("brokerage:grants:carer_detail", kwargs={"pk": theirs.pk})
    assert (theirs.amount_asked_pence, theirs.what_for) == (8_000, "Driving lessons")
    first.refresh_from_db()
    assert (first.carer, first.amount_asked_pence) == (carer_a, 12_000)  # A's application is untouched

    # The key still means "the same form again" within each household.
    client_for(carer_b_in_x.user).post(url, _grant_data(key, amount="80", what_for="Driving lessons"))
    assert GrantApplication.objects.filter(carer=carer_b_in_x).count() == 1
    assert GrantApplication.objects.count() == 2


def test_spending_with_a_key_another_households_form_used_is_recorded_on_its_own_fund(
    client_for, x, carer_a, carer_b_in_x
):
    line = factories.budget_line(x.broker, amount=1_000_000)
    fund_a = direct_payment(x.broker, carer_a, line=line)
    fund_b = direct_payment(x.broker, carer_b_in_x, line=line)
    url_a = reverse("brokerage:grants:dp_spend_add", kwargs={"pk": fund_a.pk})
    url_b = reverse("brokerage:grants:dp_spend_add", kwargs={"pk": fund_b.pk})
    client_a = client_for(carer_a.user)
    key = client_a.get(url_a).context["form"].initial["submission_key"]
    assert client_a.post(url_a, _spend_data(submission_key=key)).status_code == 302

    client_b = client_for(carer_b_in_x.user)
    response = client_b.post(url_b, _spend_data(submission_key=key, what_for="Bus pass", amount="10.00"))
    assert response.status_code == 302
    theirs = DirectPaymentSpend.objects.get(fund=fund_b)
    assert (theirs.what_for, theirs.amount_pence) == ("Bus pass", 1_000)
    assert fund_balances(fund=fund_b, fetched_by=x.broker).spent == 1_000  # B's money moved, not A's
    assert fund_balances(fund=fund_a, fetched_by=x.broker).spent == 2_550
    assert theirs.posting_id != DirectPaymentSpend.objects.get(fund=fund_a).posting_id

    # Sent twice by B: still once.
    client_b.post(url_b, _spend_data(submission_key=key, what_for="Bus pass", amount="10.00"))
    assert DirectPaymentSpend.objects.filter(fund=fund_b).count() == 1
    assert fund_balances(fund=fund_b, fetched_by=x.broker).spent == 1_000
