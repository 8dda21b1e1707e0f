"""No-shows on the funds pages: the hub says on the payment-terms page whether a provider charges for a break the
carer did not attend; the provider's Invoices page offers such a break only under that agreement and only for 28
days; its invoice, in arrears, is among the hub's payments to make."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.bookings import services as booking_services
from brokerage.funds import wiring
from brokerage.funds.checks import ledger_check
from brokerage.models import ComplianceKind, ProviderAgreement
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.wiring_helpers import book_from_fund, on_day, paid_session
from tests.factories import ComplianceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


@pytest.fixture
def provider(provider_user):
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    return provider_user


@pytest.fixture
def missed(x, carer_a, provider):
    """A £25 break from carer A's fund, on a day `missed.days_ago` can move, recorded as not attended."""
    personal_fund(x.broker, carer=carer_a, amount=10_000)
    return book_from_fund(carer_a, paid_session(price=2_500, provider=provider.organisation, title="Art club"))


def test_the_payment_terms_page_sets_whether_a_provider_charges_for_no_shows(client_for, x, provider):
    client = client_for(x.broker)
    url = reverse("brokerage:funds:payment_terms_edit", kwargs={"provider_pk": provider.organisation_id})
    page = client.get(url).content.decode()
    assert "Does this provider charge for a break the carer did not attend?" in page
    assert 'value="no" checked="checked"' in " ".join(page.split())  # not charging, by default
    assert client.post(url, {"payment_terms": "arrears", "charges_no_show": "yes"}).status_code == 302
    agreement = ProviderAgreement.objects.get(provider=provider.organisation)
    assert (agreement.payment_terms, agreement.charges_no_show) == ("arrears", True)
    event = AuditEvent.objects.filter(action="brokerage.provider_agreement.changed").last()
    assert event.data == {"payment_terms": "arrears", "charges_no_show": True}
    listing = client.get(reverse("brokerage:funds:payment_terms")).content.decode()
    assert "Yes, within 28 days" in listing
    client.post(url, {"payment_terms": "upfront"})  # unanswered: left as it was
    agreement.refresh_from_db()
    assert (agreement.payment_terms, agreement.charges_no_show) == ("upfront", True)
    bad = client.post(url, {"payment_terms": "sometimes", "charges_no_show": "yes"}).content.decode()
    assert "Select a valid choice" in bad or "Choose when the provider is paid" in bad
    assert 'value="yes" checked="checked"' in " ".join(bad.split())  # kept


def test_the_provider_is_offered_a_no_show_to_invoice_only_if_they_charge_and_only_for_28_days(
    client_for, x, missed, provider
):
    client = client_for(provider)
    listing_url = reverse("brokerage:funds:provider_invoices")
    form_url = reverse("brokerage:funds:provider_invoice_new", kwargs={"booking_pk": missed.pk})
    wiring.provider_agreement_set(
        partnership=x.partnership, provider=provider.organisation, payment_terms="arrears", by=x.broker,
        charges_no_show=True,
    )  # fmt: skip
    booking_services.booking_record_attendance(booking=on_day(missed, days_ago=0), by=provider, attended=False)
    assert form_url in client.get(listing_url).content.decode()
    deadline = (timezone.localdate() + datetime.timedelta(days=28)).strftime("%-d %B %Y")
    assert f"you can invoice for it until {deadline}" in client.get(form_url).content.decode()
    on_day(missed, days_ago=29)
    assert form_url not in client.get(listing_url).content.decode()
    on_day(missed, days_ago=3)
    wiring.provider_agreement_set(
        partnership=x.partnership, provider=provider.organisation, payment_terms="arrears", by=x.broker,
        charges_no_show=False,
    )  # fmt: skip
    assert form_url not in client.get(listing_url).content.decode()
    refused = client.post(form_url, {"reference": "NS-1", "amount": "25"}).content.decode()
    assert "not to charge for missed breaks" in refused


def test_a_no_show_invoice_in_arrears_is_among_the_hubs_payments_to_make(client_for, x, missed, provider):
    wiring.provider_agreement_set(
        partnership=x.partnership, provider=provider.organisation, payment_terms="arrears", by=x.broker,
        charges_no_show=True,
    )  # fmt: skip
    booking_services.booking_record_attendance(booking=on_day(missed, days_ago=0), by=provider, attended=False)
    client_for(provider).post(
        reverse("brokerage:funds:provider_invoice_new", kwargs={"booking_pk": missed.pk}),
        {"reference": "NS-2", "amount": "25"},
    )
    page = client_for(x.broker).get(reverse("brokerage:funds:invoices")).content.decode()
    to_pay = page[page.index("Payments to make") : page.index("Invoices waiting for the break")]
    assert "NS-2" in to_pay
