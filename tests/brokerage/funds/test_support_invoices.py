"""Invoices against a support in a carer's plan, not a booking: a provider invoices their break that is a support
in an active plan, the hub records an off-platform supplier's invoice against a PA or creative-break support; the
money goes straight from the ISF's available account to invoiced; the amount is checked against what is left of
the support (more only with a note) and what the fund has; the hub pays once; the plan page shows planned against
invoiced against paid in a fixed number of queries; exports and the statement name the support and the payee."""

import csv
import datetime
import importlib
import io
import re
import threading
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent, Role
from brokerage.funds import selectors, support_invoices, wiring
from brokerage.funds import services as ledger
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances, plan_support_money
from brokerage.funds.statements import Month, statement_build
from brokerage.models import ComplianceKind, Fund, Invoice, Plan, Posting, SdsOption, SupportKind
from brokerage.plans import services as plan_services
from tests.brokerage.funds.wiring_helpers import attended, book_from_fund, live_plan, paid_session
from tests.brokerage.plans.factories import add_support
from tests.factories import ComplianceDocumentFactory, OfferFactory, ProviderFactory, staff

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


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
def plan(x, carer_a, provider):
    """Carer A's active plan: driving lessons (a creative break, 10 x £45) and the provider's Saturday club
    (6 x £25), both under option 2: the ISF holds £600."""
    offer = OfferFactory(provider=provider.organisation, locality=x.locality, title="Saturday club")
    return live_plan(carer_a, x, isf=(10, 4_500), offer=offer, offer_cost=(6, 2_500))


@pytest.fixture
def club(plan):
    return plan.supports.get(kind=SupportKind.OFFER)


@pytest.fixture
def lessons(plan):
    return plan.supports.get(kind=SupportKind.CREATIVE)


@pytest.fixture
def isf(carer_a, plan):
    return Fund.objects.get(carer=carer_a, kind=Fund.Kind.ISF)


def money(fund, x):
    b = fund_balances(fund=fund, fetched_by=x.broker)
    return {"available": b.available, "committed": b.committed, "invoiced": b.invoiced, "paid": b.paid}


def submit(support, provider, reference, amount, note=""):
    return support_invoices.support_invoice_submit(
        support=support, by=provider, reference=reference, amount=amount, note=note
    )


def record(support, by, reference, amount, payee="Glen Driving School", note=""):
    return support_invoices.support_invoice_record(
        support=support, by=by, payee_name=payee, reference=reference, amount=amount, note=note
    )


def field_errors(refused) -> dict:
    return {field: " ".join(messages) for field, messages in refused.value.message_dict.items()}


# ----------------------------------------------------------------------------------------------
# A provider invoices a support that is one of their breaks
# ----------------------------------------------------------------------------------------------


def test_a_provider_invoices_a_support_straight_from_the_isfs_available_money(x, isf, club, provider):
    assert money(isf, x) == {"available": 60_000, "committed": 0, "invoiced": 0, "paid": 0}
    invoice = submit(club, provider, "SC-1", 5_000)
    assert (invoice.plan_support, invoice.booking, invoice.provider) == (club, None, provider.organisation)
    assert (invoice.payee, invoice.payee_name, invoice.amount_pence) == ("Sunny Breaks", "", 5_000)
    assert money(isf, x) == {"available": 55_000, "committed": 0, "invoiced": 5_000, "paid": 0}
    posting = Posting.objects.get(invoice=invoice)
    assert (posting.kind, posting.reference, posting.booking) == ("invoice", f"support:{club.pk}", None)
    assert sorted((leg.account.kind, leg.amount) for leg in posting.legs.select_related("account")) == [
        ("available", -5_000),
        ("invoiced", 5_000),
    ]
    assert AuditEvent.objects.filter(action="brokerage.invoice.submitted", object_id=str(invoice.pk)).exists()
    assert wiring.invoice_payable(invoice)  # no booking to wait for


def test_more_than_is_left_of_the_support_needs_a_note(x, isf, club, provider):
    submit(club, provider, "SC-2", 10_000)
    with pytest.raises(ValidationError) as refused:
        submit(club, provider, "SC-3", 6_000)
    assert field_errors(refused) == {
        "amount": "This is more than the £50 left of this support (£150 planned, £100 invoiced). Say why in the note, "
        "or enter £50 or less"
    }
    submit(club, provider, "SC-3", 6_000, note="Two extra Saturdays agreed with the hub")
    assert support_invoices.support_invoiced_pence(club) == 16_000
    with pytest.raises(ValidationError, match="Nothing is left of this support"):
        submit(club, provider, "SC-4", 100)


def test_nothing_above_what_the_fund_has_available_even_with_a_note(x, isf, club, provider):
    ledger.ledger_commit(fund=isf, amount=58_000, by=x.broker)  # the rest is booked for breaks
    with pytest.raises(ValidationError) as refused:
        submit(club, provider, "SC-5", 5_000, note="Agreed")
    assert field_errors(refused) == {
        "amount": "This is more than the carer's fund has available. Enter a smaller amount, or ask the Short Break Hub"
    }  # the provider is not told the carer's balance
    assert not Invoice.objects.exists()
    submit(club, provider, "SC-5", 2_000)


def test_a_providers_invoice_numbers_are_theirs_once_whether_for_a_booking_or_a_support(
    x, carer_a, isf, club, provider
):
    booking = book_from_fund(carer_a, paid_session(price=1_000, provider=provider.organisation))
    attended(booking, provider)
    wiring.invoice_submit(booking=booking, by=provider, reference="USED-1")
    with pytest.raises(ValidationError) as refused:
        submit(club, provider, "USED-1", 1_000)
    assert field_errors(refused) == {"reference": "You have already used that invoice number. Enter a different one"}
    with pytest.raises(ValidationError) as refused:
        submit(club, provider, "  ", 0)
    assert set(field_errors(refused)) == {"reference", "amount"}


def test_only_the_providers_isf_managed_supports_of_a_live_plan_are_invoiced(x, carer_a, plan, club, provider):
    other = staff("provider", ProviderFactory(), email="other@provider.example")
    with pytest.raises(ValidationError, match="not yours, or its plan is no longer active"):
        submit(club, other, "O-1", 1_000)
    direct = add_support(plan, offer=club.offer, sds=SdsOption.DIRECT_PAYMENT)
    council = add_support(plan, offer=club.offer, sds=SdsOption.COUNCIL)
    for support in (direct, council):
        with pytest.raises(ValidationError, match="cannot be invoiced"):
            submit(support, provider, "O-2", 1_000)
    for state in (Plan.State.APPROVED, Plan.State.REVIEWED, Plan.State.SUPERSEDED):
        Plan.objects.filter(pk=plan.pk).update(state=state)
        with pytest.raises(ValidationError, match="no longer active"):
            submit(club, provider, "O-3", 1_000)
    Plan.objects.filter(pk=plan.pk).update(state=Plan.State.REVIEW_DUE)
    submit(club, provider, "O-3", 1_000)
    with pytest.raises(ValidationError, match="cannot invoice"):
        submit(club, carer_a.user, "O-4", 1_000)


# ----------------------------------------------------------------------------------------------
# The hub records a supplier's invoice (not on the platform) against a PA or creative break
# ----------------------------------------------------------------------------------------------


def test_the_hub_records_an_off_platform_suppliers_invoice_against_a_creative_break(x, isf, lessons):
    invoice = record(lessons, x.broker, "GDS-7", 9_000, payee="  Glen   Driving  School ")
    assert (invoice.provider, invoice.payee_name, invoice.payee) == (None, "Glen Driving School", "Glen Driving School")
    assert (invoice.plan_support, invoice.submitted_by) == (lessons, x.broker)
    assert money(isf, x) == {"available": 51_000, "committed": 0, "invoiced": 9_000, "paid": 0}
    assert AuditEvent.objects.filter(action="brokerage.invoice.recorded", object_id=str(invoice.pk)).exists()
    assert str(invoice) == "Invoice GDS-7 from Glen Driving School"


def test_an_off_platform_suppliers_numbers_are_unique_whatever_the_case_of_its_name(x, isf, lessons):
    record(lessons, x.broker, "GDS-8", 1_000)
    with pytest.raises(ValidationError) as refused:
        record(lessons, x.assessor, "GDS-8", 1_000, payee="glen driving SCHOOL")
    assert "already" in field_errors(refused)["reference"]
    record(lessons, x.broker, "GDS-8", 1_000, payee="Oban Driving School")  # another supplier's number 8
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        Invoice.objects.create(
            partnership=x.partnership, payee_name="GLEN DRIVING SCHOOL", reference="GDS-8", amount_pence=1,
            submitted_by=x.broker,
        )  # fmt: skip


def test_the_hub_records_only_pa_and_creative_supports_of_its_own_partnership(x, y, isf, club, lessons):
    with pytest.raises(ValidationError, match="Only a personal assistant or a creative break"):
        record(club, x.broker, "H-1", 1_000)
    with pytest.raises(ValidationError, match="cannot move money"):
        record(lessons, y.broker, "H-2", 1_000)
    with pytest.raises(ValidationError) as refused:
        record(lessons, x.broker, "", 70_000, payee="", note="")
    errors = field_errors(refused)
    assert errors["payee_name"] == "Enter the name of the supplier who sent the invoice"
    assert errors["reference"] == "Enter the supplier's invoice number"
    assert errors["amount"].startswith("This is more than the £450 left of this support")
    with pytest.raises(ValidationError) as refused:
        record(lessons, x.broker, "H-3", 70_000, note="A longer course")
    assert field_errors(refused) == {"amount": "The carer's fund has £600 available, not the £700 this needs"}


def test_the_database_holds_an_invoice_to_one_payee_and_to_a_booking_or_a_support(x, carer_a, isf, club, provider):
    booking = book_from_fund(carer_a, paid_session(price=1_000, provider=provider.organisation))
    base = {"partnership": x.partnership, "amount_pence": 100, "submitted_by": x.broker}
    for extra in (
        {"provider": provider.organisation, "payee_name": "Both", "reference": "D-1"},
        {"reference": "D-2"},  # neither
        {"provider": provider.organisation, "reference": "D-3", "booking": booking, "plan_support": club},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Invoice.objects.create(**base, **extra)


# ----------------------------------------------------------------------------------------------
# Paying: the usual hub flow, once
# ----------------------------------------------------------------------------------------------


def test_the_hub_pays_a_support_invoice_once_despite_a_double_submit(
    client_for, x, isf, club, lessons, provider, django_capture_on_commit_callbacks
):
    theirs = submit(club, provider, "SC-9", 5_000)
    supplier = record(lessons, x.broker, "GDS-9", 9_000)
    client = client_for(x.broker)
    for invoice in (theirs, supplier):
        url = reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk})
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(url, follow=True).content.decode()
            second = client.post(url, follow=True).content.decode()
        assert f"Invoice {invoice.reference} is paid." in first
        assert "was already paid. It has not been paid again." in second
        assert Posting.objects.filter(kind="pay", invoice=invoice).count() == 1
    assert money(isf, x) == {"available": 46_000, "committed": 0, "invoiced": 0, "paid": 14_000}
    assert [m.subject for m in mail.outbox] == ["Breakthrough: invoice SC-9 has been paid"]  # none off the platform


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_invoices_for_what_is_left_of_a_support_at_once_one_is_refused(x, isf, club, provider, monkeypatch):
    """The support's row lock: the second waits, then sees the first in what is left. The negative control (no
    lock) shows the race is real: both read the same 'left' and both are written."""
    outcomes = _race(club, provider, monkeypatch, lock=True)
    assert sorted(outcomes) == ["refused", "written"]
    assert support_invoices.support_invoiced_pence(club) == 15_000


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_support_lock_both_invoices_are_written(x, isf, club, provider, monkeypatch):
    outcomes = _race(club, provider, monkeypatch, lock=False)
    assert outcomes == ["written", "written"]
    assert support_invoices.support_invoiced_pence(club) == 30_000  # twice what was planned, with no note


def _race(club, provider, monkeypatch, *, lock: bool) -> list[str]:
    real = support_invoices.support_invoiced_pence

    def slow(support):
        value = real(support)
        time.sleep(0.3)  # the window between reading what is left and writing the invoice
        return value

    monkeypatch.setattr(support_invoices, "support_invoiced_pence", slow)
    if not lock:
        monkeypatch.setattr(
            support_invoices,
            "_locked_support",
            lambda support: type(support).objects.select_related("plan__carer", "offer__provider").get(pk=support.pk),
        )
    barrier, outcomes, guard = threading.Barrier(2, timeout=30), [], threading.Lock()

    def attempt(reference):
        try:
            barrier.wait()
            submit(club, provider, reference, 15_000)
            outcome = "written"
        except ValidationError:
            outcome = "refused"
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(f"RACE-{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


# ----------------------------------------------------------------------------------------------
# Pages
# ----------------------------------------------------------------------------------------------


def test_the_provider_invoices_a_support_from_the_portal_and_bad_input_keeps_what_was_typed(
    client_for, x, isf, club, provider
):
    client = client_for(provider)
    listing = client.get(reverse("brokerage:funds:provider_invoices")).content.decode()
    url = reverse("brokerage:funds:provider_support_invoice_new", kwargs={"support_pk": club.pk})
    assert url in listing
    assert "Saturday club" in listing
    page = client.get(url).content.decode()
    assert "£150" in page
    bad = client.post(url, {"reference": "SC-20", "amount": "200", "note": ""}).content.decode()
    assert "<title>Error: " in bad
    assert "This is more than the £150 left of this support" in bad
    assert 'class="govuk-error-message"' in bad
    assert 'value="SC-20"' in bad
    assert 'value="200"' in bad
    done = client.post(url, {"reference": "SC-20", "amount": "25.00"})
    assert done.status_code == 302
    assert Invoice.objects.get(plan_support=club).amount_pence == 2_500
    listing = client.get(reverse("brokerage:funds:provider_invoices")).content.decode()
    assert "SC-20" in listing
    assert "£125" in listing  # what is left


def test_another_provider_and_the_hub_cannot_open_the_providers_support_page(client_for, x, club, provider):
    other = staff("provider", ProviderFactory(), email="other@provider.example")
    url = reverse("brokerage:funds:provider_support_invoice_new", kwargs={"support_pk": club.pk})
    assert client_for(other).get(url).status_code == 404
    assert client_for(x.broker).get(url).status_code == 404
    hub = reverse("brokerage:funds:hub_support_invoice_new", kwargs={"support_pk": club.pk})
    assert client_for(x.broker).get(hub).status_code == 404  # a directory break: its provider invoices it


def test_the_hub_records_a_suppliers_invoice_from_the_plan_page_and_pays_it(client_for, x, carer_a, plan, lessons):
    client = client_for(x.broker)
    plan_url = reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": carer_a.pk, "pk": plan.pk})
    url = reverse("brokerage:funds:hub_support_invoice_new", kwargs={"support_pk": lessons.pk})
    assert url in client.get(plan_url).content.decode()
    bad = client.post(url, {"payee_name": "", "reference": "GDS-1", "amount": "45"}).content.decode()
    assert "Enter the name of the supplier who sent the invoice" in bad
    assert 'value="GDS-1"' in bad
    done = client.post(url, {"payee_name": "Glen Driving School", "reference": "GDS-1", "amount": "45"})
    invoice = Invoice.objects.get(plan_support=lessons)
    assert done.url == reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk})
    detail = client.get(done.url).content.decode()
    assert "Glen Driving School, a supplier not on the platform" in detail
    assert "Driving lessons" in detail
    listing = client.get(reverse("brokerage:funds:invoices")).content.decode()
    assert "GDS-1" in listing
    assert "Not on the platform" in listing


def test_the_plan_page_shows_planned_invoiced_and_paid_per_support(
    client_for, x, carer_a, plan, club, lessons, provider
):
    invoice = submit(club, provider, "SC-30", 5_000)
    record(lessons, x.broker, "GDS-30", 9_000)
    wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)
    money_by_support = plan_support_money(plan=plan, fetched_by=carer_a.user)
    assert (money_by_support[club.pk].invoiced, money_by_support[club.pk].paid) == (5_000, 5_000)
    assert (money_by_support[lessons.pk].invoiced, money_by_support[lessons.pk].paid) == (9_000, 0)
    assert money_by_support[lessons.pk].left == 36_000
    for client, url in (
        (client_for(x.broker), reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": carer_a.pk, "pk": plan.pk})),
        (client_for(carer_a.user), reverse("brokerage:plans:carer_plan", kwargs={"pk": plan.pk})),
    ):
        html = client.get(url).content.decode()
        assert "Spending on each support" in html
        assert _support_row(html, "Driving lessons") == ["£450", "£90", "£0"]
        assert _support_row(html, "Saturday club") == ["£150", "£50", "£50"]
    assert "Record an invoice" not in client_for(carer_a.user).get(url).content.decode()


def _support_row(html: str, name: str) -> list[str]:
    """The planned, invoiced and paid cells of the support's row in the plan page's spending table."""
    table = html[html.index('data-testid="support-money"') :]
    row = table[table.index(name) : table.index("</tr>", table.index(name))]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][:3]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_plan_page_reads_the_spending_in_the_same_queries_for_one_support_and_several(
    client_for, x, carer_a, provider
):
    plan = live_plan(carer_a, x, isf=(10, 4_500))  # one support
    [only] = plan.supports.all()
    record(only, x.broker, "Q-1", 1_000)
    staff_url = reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": carer_a.pk, "pk": plan.pk})
    carer_url = reverse("brokerage:plans:carer_plan", kwargs={"pk": plan.pk})
    staff_client, carer_client = client_for(x.broker), client_for(carer_a.user)
    _queries(staff_client, staff_url)
    one = (_queries(staff_client, staff_url), _queries(carer_client, carer_url))
    offer = OfferFactory(provider=provider.organisation, locality=x.locality)
    for i in range(4):
        support = add_support(plan, kind=SupportKind.PA, description=f"Personal assistant {i}", sds=SdsOption.ISF)
        add_support(plan, offer=offer, sds=SdsOption.ISF)
        record(support, x.broker, f"Q-{i + 2}", 100, payee=f"PA {i}")
    several = (_queries(staff_client, staff_url), _queries(carer_client, carer_url))
    assert one == several


def test_exports_and_the_statement_name_the_support_and_the_payee(client_for, x, carer_a, isf, lessons):
    invoice = record(lessons, x.broker, "GDS-40", 9_000)
    wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)
    today = timezone.localdate().strftime("%d/%m/%Y").split("/")
    form = {"starts_on_0": today[0], "starts_on_1": today[1], "starts_on_2": today[2]}
    form |= {"ends_on_0": today[0], "ends_on_1": today[1], "ends_on_2": today[2], "format": "csv"}
    url = reverse("brokerage:funds_carer:finance_exports")
    client = client_for(x.broker)
    for what in ("postings", "payments"):
        response = client.get(url, {**form, "what": what})
        text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header = rows[0]
        assert header[-2:] == ["Plan support", "Plan support number"]
        ours = [row for row in rows[1:] if "GDS-40" in row]
        assert ours, what
        for row in ours:
            assert row[header.index("Provider")] == "Glen Driving School"
            assert row[-2:] == [f"Driving lessons (support plan version {lessons.plan.number})", str(lessons.pk)]
    lines = statement_build(fund=isf, month=Month.of(timezone.now())).lines
    assert lines[-2].text == "Invoice received: Glen Driving School, for Driving lessons in your plan"
    assert lines[-2].money_out == 9_000
    assert lines[-1].text == "Invoice paid: Glen Driving School"


def test_the_hub_fund_page_and_invoice_list_cope_with_both_kinds_of_payee(client_for, x, isf, club, lessons, provider):
    submit(club, provider, "SC-50", 1_000)
    record(lessons, x.broker, "GDS-50", 1_000)
    html = client_for(x.broker).get(reverse("brokerage:funds:fund_detail", kwargs={"pk": isf.pk})).content.decode()
    assert "Glen Driving School" in html
    assert "Sunny Breaks" in html
    assert "Saturday club (plan support)" in html


def test_the_providers_invoices_page_costs_the_same_queries_for_one_support_and_several(
    client_for, x, carer_a, carer_b_in_x, plan, club, provider
):
    submit(club, provider, "P-1", 1_000)
    client, url = client_for(provider), reverse("brokerage:funds:provider_invoices")
    _queries(client, url)
    one = _queries(client, url)
    offer = OfferFactory(provider=provider.organisation, locality=x.locality, title="Swim club")
    other = live_plan(carer_b_in_x, x, offer=offer)
    for i in range(3):
        support = add_support(plan, offer=offer, sds=SdsOption.MIX)
        submit(support, provider, f"P-{i + 2}", 100)
    submit(other.supports.get(kind=SupportKind.OFFER), provider, "P-9", 100)
    page = client.get(url).content.decode()
    assert page.count("Send an invoice<span") == 5  # club, three more, and the other carer's
    assert _queries(client, url) == one


def test_a_direct_payment_support_says_it_is_not_invoiced_here_instead_of_showing_nothing_spent(
    client_for, carer_a, plan, lessons
):
    type(lessons).objects.filter(pk=lessons.pk).update(sds_option=SdsOption.DIRECT_PAYMENT)
    html = client_for(carer_a.user).get(reverse("brokerage:plans:carer_plan", kwargs={"pk": plan.pk})).content.decode()
    table = html[html.index('data-testid="support-money"') :]
    row = table[table.index("Driving lessons") : table.index("</tr>", table.index("Driving lessons"))]
    assert "Spent from the direct payment, not invoiced here" in row
    assert "£0" not in row


def _new_version_live(plan, x, **changes):
    """Approve a new version of the plan (by an assessor who did not write it) and make it active."""
    new = plan_services.plan_new_version(plan=plan, by=x.broker)
    if changes:
        Plan.objects.filter(pk=new.pk).update(**changes)
    plan_services.plan_submit(plan=new, by=x.broker)
    other = staff(Role.ASSESSOR, x.hub, email=f"approver-{new.pk}@x.example")
    new = plan_services.plan_approve(plan=new, by=other)
    Plan.objects.filter(pk=new.pk).update(state=Plan.State.ACTIVE)
    new.refresh_from_db()
    return new


def test_what_was_invoiced_against_a_support_still_counts_in_the_plans_next_version(x, plan, club, provider):
    submit(club, provider, "SC-1", 10_000)
    new = _new_version_live(plan, x)
    copy = new.supports.get(kind=SupportKind.OFFER)
    assert copy.origin_id == club.pk
    with pytest.raises(ValidationError) as refused:
        submit(copy, provider, "SC-2", 10_000)
    assert "more than the £50 left of this support (£150 planned, £100 invoiced)" in str(refused.value)
    submit(copy, provider, "SC-3", 5_000)
    third = _new_version_live(new, x)
    latest = third.supports.get(kind=SupportKind.OFFER)
    assert latest.origin_id == club.pk  # every copy points at the first
    assert support_invoices.support_invoiced_pence(latest) == 15_000
    money = plan_support_money(plan=third, fetched_by=provider)
    assert (money[latest.pk].invoiced, money[latest.pk].left) == (15_000, 0)
    [listed] = [s for s in selectors.provider_supports_to_invoice(fetched_by=provider) if s.pk == latest.pk]
    assert (listed.invoiced, listed.left) == (15_000, 0)


def test_a_new_version_for_a_new_plan_period_starts_the_support_afresh(x, plan, club, provider):
    submit(club, provider, "SC-1", 15_000)
    next_year = {
        "starts_on": plan.ends_on + datetime.timedelta(days=1),
        "ends_on": plan.ends_on + datetime.timedelta(days=366),
        "review_on": plan.ends_on + datetime.timedelta(days=180),
    }
    new = _new_version_live(plan, x, **next_year)
    copy = new.supports.get(kind=SupportKind.OFFER)
    assert support_invoices.support_invoiced_pence(copy) == 0


def test_the_migration_links_supports_copied_before_it_to_their_first_version(x, plan, club, provider):
    from django.apps import apps

    link_copies = importlib.import_module("brokerage.migrations.0016_plan_support_origin").link_copies
    second = _new_version_live(plan, x)
    third = _new_version_live(second, x)
    type(club).objects.filter(plan__in=[second, third]).update(origin=None)  # as copied before the migration
    link_copies(apps, None)
    assert {s.origin_id for s in third.supports.filter(kind=SupportKind.OFFER)} == {club.pk}
    assert set(second.supports.values_list("origin_id", flat=True)) == set(plan.supports.values_list("pk", flat=True))
