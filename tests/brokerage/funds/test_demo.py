"""The demo seed's money: Morag's plan allocated, breaks booked from her fund, an invoice for a booking and one
against a support in her plan waiting, an adjustment the assessor asked for waiting for a second person; a second
run creates nothing and the ledger balances."""

import pytest

from brokerage.funds.checks import ledger_check
from brokerage.models import BookingShare, Fund, FundAdjustment, Invoice, Posting

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_funded_isf_a_booking_from_it_and_an_invoice_waiting_and_seeds_once():
    from breakthrough.demo.seed import seed_demo

    seed_demo()
    isf = Fund.objects.get(carer__user__email="carer@glenmorven.example", kind=Fund.Kind.ISF)
    assert Posting.objects.filter(kind="allocate", legs__account__fund=isf).exists()
    assert BookingShare.objects.filter(fund=isf).exists()
    waiting = Invoice.objects.filter(state=Invoice.State.SUBMITTED)
    assert waiting.filter(booking__isnull=False).count() == 1
    [support_invoice] = waiting.filter(plan_support__isnull=False)
    assert support_invoice.plan_support.plan.carer == isf.carer
    assert support_invoice.provider.members.filter(email="provider@sunrise-breaks.example").exists()
    assert Posting.objects.filter(kind="invoice", invoice=support_invoice, legs__account__fund=isf).exists()
    [adjustment] = FundAdjustment.objects.filter(fund=isf, state=FundAdjustment.State.PENDING)
    assert adjustment.requested_by.email == "assessor@glenmorven.example"  # for the broker's login to approve
    counts = (Posting.objects.count(), Invoice.objects.count(), BookingShare.objects.count())
    seed_demo()
    assert (Posting.objects.count(), Invoice.objects.count(), BookingShare.objects.count()) == counts
    assert FundAdjustment.objects.count() == 1
    assert ledger_check().ok
