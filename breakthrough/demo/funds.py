"""The demo's money: Morag's approved plan allocated to her Individual Service Fund and direct payment (through
the same service that plan approval calls), a break booked from the fund, and, from a provider paid upfront, an
invoice waiting for the hub to pay; an invoice against a support in her plan (no booking) from the provider
with a demo login, waiting too; and an adjustment to her fund the assessor asked for, waiting for a second person.
Every step is idempotent (the allocation by its idempotency key, the bookings by the fund's booking shares, the
invoices by their references, the adjustment by its submission key), so a second run creates nothing."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from breakthrough.models import User
from brokerage.models import (
    BookingShare,
    Carer,
    Fund,
    FundAdjustment,
    Invoice,
    PaymentSource,
    PaymentTerms,
    Plan,
    Session,
    SupportKind,
)

INVOICE_REFERENCE = "DEMO-INV-0001"
SUPPORT_INVOICE_REFERENCE = "DEMO-INV-0002"
ADJUSTMENT_KEY = "demo-adjustment-0001"


def _paid_sessions(partnership_id: int, count: int) -> list[Session]:
    return list(
        Session.objects.filter(
            offer__is_published=True,
            offer__price_pence__gt=0,
            offer__price_pence__lte=5_000,
            offer__locality__partnership_id=partnership_id,
            offer__break_for="cared_for",
            is_cancelled=False,
            starts_at__gt=timezone.now(),
        )
        .select_related("offer__provider")
        .order_by("starts_at", "pk")[:count]
    )


def ensure_funds(users: dict[str, User], counter: Counter) -> None:
    from brokerage.bookings import services as bookings
    from brokerage.funds import wiring

    carer = Carer.objects.filter(user=users.get("carer@glenmorven.example")).first()
    assessor = users.get("assessor@glenmorven.example")
    plan = Plan.objects.filter(carer=carer, state__in=Plan.IN_FORCE).order_by("-number").first() if carer else None
    if plan is None or assessor is None:
        return
    if wiring.plan_allocate(plan=plan, by=assessor):
        counter["fund allocations"] += 1
    _ensure_support_invoice(plan, users, counter)
    isf = Fund.objects.filter(carer=carer, kind=Fund.Kind.ISF).order_by("pk").first()
    if isf is not None:
        _ensure_adjustment_waiting(isf, assessor, counter)
    person = carer.cared_for.order_by("first_name", "pk").first()
    if isf is None or person is None or BookingShare.objects.filter(fund=isf).exists():
        return
    hub_staff = users.get("broker@glenmorven.example")
    for session in _paid_sessions(carer.partnership_id, 2):
        provider = session.offer.provider
        # The provider's own staff answer and invoice; a provider without a login has the platform admin act.
        staff = User.objects.filter(organisation=provider, role="provider").order_by("pk").first()
        staff = staff or users.get("admin@breakthrough.example")
        try:
            with transaction.atomic():
                booking = bookings.booking_create(
                    carer=carer,
                    offer=session.offer,
                    session=session,
                    includes_carer=False,
                    cared_for=[person],
                    payment_source=PaymentSource.FUND,
                    by=carer.user,
                )
                if booking.state != "confirmed" and staff is not None:
                    booking = bookings.booking_confirm(booking=booking, by=staff)  # commits its cost
                counter["bookings paid from a fund"] += 1
                if staff is None or hub_staff is None or Invoice.objects.filter(reference=INVOICE_REFERENCE).exists():
                    continue
                wiring.provider_agreement_set(
                    partnership=carer.partnership, provider=provider, payment_terms=PaymentTerms.UPFRONT, by=hub_staff
                )
                wiring.invoice_submit(booking=booking, by=staff, reference=INVOICE_REFERENCE)
                counter["invoices waiting"] += 1
        except ValidationError:
            continue  # a break that cannot be booked today (full, or no current checks): the demo does without


def _ensure_support_invoice(plan: Plan, users: dict[str, User], counter: Counter) -> None:
    """Once the plan's period has begun it is active (as the daily plans job makes it), and the provider with a demo
    login invoices one visit of their break in it, against the plan rather than a booking."""
    from brokerage.funds.support_invoices import ISF_OPTIONS, support_invoice_submit
    from brokerage.plans.services import plans_activate_started

    plans_activate_started()
    plan.refresh_from_db()
    if Invoice.objects.filter(reference=SUPPORT_INVOICE_REFERENCE).exists():
        return
    support = (
        plan.supports.filter(kind=SupportKind.OFFER, sds_option__in=ISF_OPTIONS)
        .filter(offer__provider__members__role="provider")
        .select_related("offer")
        .order_by("position")
        .first()
    )
    if support is None:
        return
    staff = User.objects.filter(organisation_id=support.offer.provider_id, role="provider").order_by("pk").first()
    try:
        support_invoice_submit(
            support=support, by=staff, reference=SUPPORT_INVOICE_REFERENCE, amount=support.unit_cost_pence
        )
    except ValidationError:
        return  # the plan is not active yet (its period has not begun), or its fund cannot pay: the demo does without
    counter["invoices against a plan support"] += 1


def _ensure_adjustment_waiting(fund: Fund, assessor: User, counter: Counter) -> None:
    """The assessor asks to add £25 to Morag's fund, so that the broker's demo login has one to approve (a second
    person: the assessor cannot approve their own)."""
    from brokerage.funds import services

    if FundAdjustment.objects.filter(submission_key=ADJUSTMENT_KEY).exists():
        return
    services.ledger_adjust(
        fund=fund,
        amount=2_500,
        reason="The carers' centre taxi to the August break was left out of the plan",
        requested_by=assessor,
        submission_key=ADJUSTMENT_KEY,
    )
    counter["adjustments waiting for a second person"] += 1
