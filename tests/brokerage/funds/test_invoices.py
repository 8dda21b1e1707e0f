"""Invoices: the provider invoices an attended booking (or a confirmed one when paid upfront), the hub pays once
(a double submit pays once and the page says so), the provider sees only their own invoices."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from brokerage.funds import wiring
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import ComplianceKind, Invoice, PaymentTerms, Posting
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.wiring_helpers import attended, book_from_fund, paid_session, party
from tests.factories import ComplianceDocumentFactory, ProviderFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


def money(fund, x):
    b = fund_balances(fund=fund, fetched_by=x.broker)
    return {"available": b.available, "committed": b.committed, "invoiced": b.invoiced, "paid": b.paid}


@pytest.fixture
def provider(provider_user):
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    return provider_user


@pytest.fixture
def isf(x, carer_a):
    return personal_fund(x.broker, carer=carer_a, amount=10_000)


@pytest.fixture
def booking(carer_a, isf, provider):
    return book_from_fund(carer_a, paid_session(price=2_500, provider=provider.organisation))


def test_invoice_then_pay_turns_the_commitment_into_spent_and_emails_the_provider(
    x, isf, booking, provider, django_capture_on_commit_callbacks
):
    attended(booking, provider)
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="INV-1")
    assert (invoice.amount_pence, invoice.payment_terms) == (2_500, PaymentTerms.ARREARS)
    assert money(isf, x) == {"available": 7_500, "committed": 0, "invoiced": 2_500, "paid": 0}
    with django_capture_on_commit_callbacks(execute=True):
        paid, now = wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)
    assert now
    assert paid.state == Invoice.State.PAID
    assert money(isf, x) == {"available": 7_500, "committed": 0, "invoiced": 0, "paid": 2_500}
    assert [m.subject for m in mail.outbox] == ["Breakthrough: invoice INV-1 has been paid"]
    assert "£25" in mail.outbox[0].body
    again, now = wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)
    assert not now
    assert Posting.objects.filter(kind="pay", invoice=invoice).count() == 1


def test_an_invoice_for_less_releases_the_rest(x, isf, booking, provider):
    attended(booking, provider)
    wiring.invoice_submit(booking=booking, by=provider, reference="INV-2", amount=2_000)
    assert money(isf, x) == {"available": 8_000, "committed": 0, "invoiced": 2_000, "paid": 0}


def test_an_invoice_for_more_needs_a_note_and_commits_the_difference(x, isf, booking, provider):
    attended(booking, provider)
    with pytest.raises(ValidationError) as refused:
        wiring.invoice_submit(booking=booking, by=provider, reference="INV-3", amount=3_000)
    assert "more than the £25 booked" in refused.value.message_dict["amount"][0]
    wiring.invoice_submit(booking=booking, by=provider, reference="INV-3", amount=3_000, note="An extra hour")
    assert money(isf, x) == {"available": 7_000, "committed": 0, "invoiced": 3_000, "paid": 0}


def test_one_invoice_per_booking_and_only_once_the_break_happened(booking, provider):
    with pytest.raises(ValidationError, match="once you have recorded that it happened"):
        wiring.invoice_submit(booking=booking, by=provider, reference="EARLY")
    attended(booking, provider)
    wiring.invoice_submit(booking=booking, by=provider, reference="INV-4")
    with pytest.raises(ValidationError, match="already been invoiced"):
        wiring.invoice_submit(booking=booking, by=provider, reference="INV-5")


def test_upfront_providers_invoice_a_confirmed_booking_and_are_paid_before_the_break(x, isf, booking, provider):
    wiring.provider_agreement_set(
        partnership=x.partnership, provider=provider.organisation, payment_terms="upfront", by=x.broker
    )
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="UP-1")
    assert invoice.payment_terms == "upfront"
    assert wiring.invoice_payable(invoice)
    wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)
    assert money(isf, x)["paid"] == 2_500


def test_an_arrears_invoice_is_not_payable_until_the_break_happened(x, isf, booking, provider):
    attended(booking, provider)
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="AR-1")
    booking.refresh_from_db()
    from brokerage.models import Booking

    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.NO_SHOW)
    invoice.refresh_from_db()
    with pytest.raises(ValidationError, match="paid in arrears"):
        wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)


def test_another_provider_or_a_carer_cannot_invoice(booking, provider, carer_a):
    attended(booking, provider)
    other = staff("provider", ProviderFactory(), email="other@provider.example")
    for someone in (other, carer_a.user):
        with pytest.raises(ValidationError, match="cannot invoice"):
            wiring.invoice_submit(booking=booking, by=someone, reference="X")


def test_hub_staff_of_another_partnership_cannot_pay(y, booking, provider):
    attended(booking, provider)
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="INV-6")
    with pytest.raises(ValidationError, match="cannot move money"):
        wiring.invoice_pay_from_hub(invoice=invoice, by=y.broker)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.SUBMITTED


def test_a_pooled_invoice_is_split_in_proportion_to_the_commitments(x, carer_a, provider):
    from tests.factories import CarerFactory, UserFactory

    other = CarerFactory(user=UserFactory(), locality=x.locality)
    a, b = personal_fund(x.broker, carer=carer_a, amount=10_000), personal_fund(x.broker, carer=other, amount=10_000)
    session = paid_session(price=1_000, provider=provider.organisation)
    booking = wiring.pooled_booking_create(
        session=session, parties=[party(carer_a, 1), party(other, 3)], rule="places", by=x.broker
    )
    attended(booking, provider)
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="POOL-1", amount=2_000)
    assert (money(a, x)["invoiced"], money(b, x)["invoiced"]) == (500, 1_500)
    assert (money(a, x)["available"], money(b, x)["available"]) == (9_500, 8_500)
    wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)
    assert (money(a, x)["paid"], money(b, x)["paid"]) == (500, 1_500)


# ----------------------------------------------------------------------------------------------
# Pages
# ----------------------------------------------------------------------------------------------


def test_the_provider_invoices_from_the_portal_and_bad_input_keeps_what_was_typed(client_for, booking, provider):
    attended(booking, provider)
    client = client_for(provider)
    listing = client.get(reverse("brokerage:funds:provider_invoices")).content.decode()
    url = reverse("brokerage:funds:provider_invoice_new", kwargs={"booking_pk": booking.pk})
    assert url in listing
    page = client.get(url).content.decode()
    assert 'value="25.00"' in page
    bad = client.post(url, {"reference": "", "amount": "thirty", "note": "kept note"})
    text = bad.content.decode()
    assert bad.status_code == 200
    assert "<title>Error: " in text
    assert "Enter your invoice number" in text
    assert "Enter the amount in pounds" in text
    assert "kept note" in text
    assert 'value="thirty"' in text
    over = client.post(url, {"reference": "INV-9", "amount": "40"}).content.decode()
    assert "more than the £25 booked" in over
    assert 'value="INV-9"' in over
    done = client.post(url, {"reference": "INV-9", "amount": "25.00"})
    assert done.status_code == 302
    assert Invoice.objects.get().amount_pence == 2_500
    listing = client.get(reverse("brokerage:funds:provider_invoices")).content.decode()
    assert "INV-9" in listing


def test_a_provider_sees_only_their_own_invoices(client_for, booking, provider):
    attended(booking, provider)
    wiring.invoice_submit(booking=booking, by=provider, reference="MINE-1")
    other = staff("provider", ProviderFactory(), email="other@provider.example")
    assert "MINE-1" not in client_for(other).get(reverse("brokerage:funds:provider_invoices")).content.decode()
    new = reverse("brokerage:funds:provider_invoice_new", kwargs={"booking_pk": booking.pk})
    assert client_for(other).get(new).status_code == 404


def test_paying_twice_from_the_page_pays_once_and_says_already_paid(client_for, x, isf, booking, provider):
    attended(booking, provider)
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="DBL-1")
    url = reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk})
    client = client_for(x.broker)
    first = client.post(url, follow=True).content.decode()
    second = client.post(url, follow=True).content.decode()
    assert "Invoice DBL-1 is paid." in first
    assert "was already paid. It has not been paid again." in second
    assert Posting.objects.filter(kind="pay", invoice=invoice).count() == 1
    assert money(isf, x)["paid"] == 2_500


def test_the_hub_sees_payments_to_make_and_another_partnership_gets_404(client_for, x, y, booking, provider):
    attended(booking, provider)
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="WAIT-1")
    page = client_for(x.broker).get(reverse("brokerage:funds:invoices")).content.decode()
    assert "WAIT-1" in page
    assert "WAIT-1" not in client_for(y.broker).get(reverse("brokerage:funds:invoices")).content.decode()
    url = reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk})
    assert client_for(y.broker).post(url).status_code == 404
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.SUBMITTED
