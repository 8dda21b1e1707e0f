"""Invoices against a support in a carer's plan, not a booking: the writes.

A plan's supports managed through the Individual Service Fund (SDS option 2, or 4, the mix) are allocated to the
carer's ISF when the plan is approved (wiring.plan_allocate). Such a support is never booked, so its money is
never committed: its invoice takes the amount straight from the ISF's available account to invoiced (spent), one
posting with two legs, and the hub pays it through the usual flow (wiring.invoice_pay_from_hub: an invoice with
no booking is payable at once, and paid once whatever the retries).

Two ways in, for a plan that is active or review due:

- a provider on the platform invoices a support that is one of their directory breaks (`support_invoice_submit`,
  from their Invoices page);
- the hub records the invoice of a supplier that is not on the platform (a personal assistant, a driving school
  for a creative break) against a PA or creative-break support (`support_invoice_record`). Such a supplier has no
  organisation here, so the invoice names it (Invoice.payee_name); its invoice numbers are unique per partnership
  and supplier name, whatever the case and spacing of the name.

The rules for the amount, in both: more than £0; more than what is left of the support (its total less what has
been invoiced against it, net of refunds) only with a note saying why; never more than the ISF has available
(plus an approved overdraft). Money promised to booking requests not yet confirmed is not held back: the
support has been delivered and must be paid, while a request can still be refused for want of money.

Each call locks the support's row first, so two invoices against one support at once are checked one after the
other (the second sees the first in what is left), and the fund's available account is locked before its balance
is read. Bad input comes back as a ValidationError naming the field.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Lower

from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import Role
from breakthrough.money import format_pence
from brokerage.funds.services import Kind, _lock_accounts, _post, _require_manager
from brokerage.funds.wiring import PLAN_FUND_KINDS, _plan_fund, agreement_terms
from brokerage.models import Fund, Invoice, Plan, PlanSupport, Posting, SupportKind

# Plans whose supports may be invoiced.
LIVE_PLAN_STATES = (Plan.State.ACTIVE, Plan.State.REVIEW_DUE)
# The SDS options whose money the hub holds in the carer's ISF.
ISF_OPTIONS = tuple(option for option, kind in PLAN_FUND_KINDS.items() if kind == Fund.Kind.ISF)
# Supports the hub records off-platform suppliers' invoices for (a directory break's provider invoices it).
HUB_RECORDED_KINDS = (SupportKind.PA, SupportKind.CREATIVE)
SUPPORT_REFERENCE = "support:"


def provider_may_invoice(support: PlanSupport, organisation_id: int | None) -> bool:
    """A directory break of this provider, managed through the ISF, in a live plan."""
    return (
        support.kind == SupportKind.OFFER
        and organisation_id is not None
        and support.offer.provider_id == organisation_id
        and support.sds_option in ISF_OPTIONS
        and support.plan.state in LIVE_PLAN_STATES
    )


def hub_may_record(support: PlanSupport) -> bool:
    """A personal assistant or a creative break, managed through the ISF, in a live plan."""
    return (
        support.kind in HUB_RECORDED_KINDS
        and support.sds_option in ISF_OPTIONS
        and support.plan.state in LIVE_PLAN_STATES
    )


def with_invoiced(supports: QuerySet[PlanSupport]) -> QuerySet[PlanSupport]:
    """Each support with `invoiced` and `paid` (pence, net of refunds) in the same query: the invoices against it or
    against any version's copy of it in the same plan period (a new version of a plan copies its supports, and what
    was invoiced against the old copy still counts; a new period starts afresh)."""
    invoices = (
        Invoice.objects.annotate(lineage=Coalesce("plan_support__origin_id", "plan_support_id"))
        .filter(lineage=OuterRef("lineage"), plan_support__plan__starts_on=OuterRef("plan__starts_on"))
        .order_by()
        .values("lineage")
    )
    net = Sum(F("amount_pence") - F("refunded_pence"))

    def total(rows):
        return Coalesce(Subquery(rows.annotate(total=net).values("total")), 0)

    return supports.annotate(lineage=Coalesce("origin_id", "pk")).annotate(
        invoiced=total(invoices), paid=total(invoices.filter(state=Invoice.State.PAID))
    )


def support_invoiced_pence(support: PlanSupport) -> int:
    """What has been invoiced against the support so far (see with_invoiced), less refunds. One query."""
    return with_invoiced(PlanSupport.objects.filter(pk=support.pk)).values_list("invoiced", flat=True).get()


def clean_payee_name(name: str) -> str:
    """A supplier's name as it is kept: trimmed, inner spaces collapsed ("Glen  Driving School " is the same)."""
    return " ".join((name or "").split())


def _locked_support(support: PlanSupport) -> PlanSupport:
    return (
        PlanSupport.objects.select_for_update(of=("self",))
        .select_related("plan__carer", "offer__provider")
        .get(pk=support.pk)
    )


def _check_amount(support: PlanSupport, amount, note: str, errors: dict) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = "Enter an amount more than £0"
        return
    invoiced = support_invoiced_pence(support)
    left = support.total_pence - invoiced
    if amount > left and not note:
        planned = f"{format_pence(support.total_pence)} planned, {format_pence(invoiced)} invoiced"
        if left <= 0:
            errors["amount"] = f"Nothing is left of this support ({planned}). Say why in the note to invoice more"
        else:
            errors["amount"] = (
                f"This is more than the {format_pence(left)} left of this support ({planned}). Say why in the note, "
                f"or enter {format_pence(left)} or less"
            )


def _check_fund(fund: Fund, amount: int, *, show_balance: bool) -> str | None:
    """A message for the amount field if the ISF cannot pay `amount` from what it has available, else None."""
    [available] = _lock_accounts([fund.pk], [Kind.AVAILABLE])
    spendable = available.balance + available.overdraft_limit
    if amount <= spendable:
        return None
    if show_balance:
        has, needs = format_pence(max(spendable, 0)), format_pence(amount)
        return f"The carer's fund has {has} available, not the {needs} this needs"
    return "This is more than the carer's fund has available. Enter a smaller amount, or ask the Short Break Hub"


def _write(*, support: PlanSupport, fund: Fund, by, amount: int, reference: str, note: str, **payee) -> Invoice:
    """The invoice and its posting (ISF available -> invoiced). A reference already used is put on its field."""
    if payee.get("provider_id"):
        terms, _ = agreement_terms(partnership_id=fund.partnership_id, provider_id=payee["provider_id"])
        payee["payment_terms"] = terms
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                partnership_id=fund.partnership_id,
                reference=reference,
                amount_pence=amount,
                plan_support=support,
                submitted_by=by,
                note=note,
                **payee,
            )
    except IntegrityError:  # the same number sent at the same moment: the database's unique constraint says so
        used = "That invoice number has already been used. Enter a different one"
        raise ValidationError({"reference": used}) from None
    _post(
        kind=Posting.Kind.INVOICE,
        legs=[(fund, Kind.AVAILABLE, -amount), (fund, Kind.INVOICED, amount)],
        by=by,
        invoice=invoice,
        memo=f"Invoice {reference}: {support.name}"[:500],
        reference=f"{SUPPORT_REFERENCE}{support.pk}",
    )
    return invoice


def _isf(support: PlanSupport) -> Fund:
    fund = _plan_fund(support.plan, Fund.Kind.ISF, None, create=False)
    if fund is None:
        raise ValidationError("The carer has no Individual Service Fund for this plan, so it cannot be invoiced here.")
    return fund


@locking_transaction
def support_invoice_submit(*, support: PlanSupport, by, reference: str, amount, note: str = "") -> Invoice:
    """A provider's invoice for a support in a plan that is one of their directory breaks."""
    support = _locked_support(support)
    is_provider = by is not None and by.role == Role.PROVIDER
    if not (is_provider or (by is not None and by.role == Role.ADMIN)):
        raise ValidationError("You cannot invoice for this support.")
    organisation_id = by.organisation_id if is_provider else support.offer.provider_id if support.offer_id else None
    if not provider_may_invoice(support, organisation_id):
        raise ValidationError("This support cannot be invoiced: it is not yours, or its plan is no longer active.")
    reference, note = (reference or "").strip(), (note or "").strip()
    provider_id = support.offer.provider_id
    errors = {}
    if not reference:
        errors["reference"] = "Enter your invoice number"
    elif Invoice.objects.filter(provider_id=provider_id, reference=reference).exists():
        errors["reference"] = "You have already used that invoice number. Enter a different one"
    _check_amount(support, amount, note, errors)
    fund = _isf(support)
    if "amount" not in errors:
        problem = _check_fund(fund, amount, show_balance=False)
        if problem:
            errors["amount"] = problem
    if errors:
        raise ValidationError(errors)
    invoice = _write(
        support=support, fund=fund, by=by, amount=amount, reference=reference, note=note, provider_id=provider_id
    )
    log_action(invoice, "brokerage.invoice.submitted", user=by, data={"pence": amount, "plan_support": support.pk})
    return invoice


@locking_transaction
def support_invoice_record(
    *, support: PlanSupport, by, payee_name: str, reference: str, amount, note: str = ""
) -> Invoice:
    """The hub records the invoice of a supplier not on the platform against a PA or creative-break support."""
    support = _locked_support(support)
    fund = _isf(support)
    _require_manager(by, [fund])
    if not hub_may_record(support):
        raise ValidationError(
            "Only a personal assistant or a creative break paid from the Individual Service Fund of an active plan "
            "is invoiced here."
        )
    payee_name, reference, note = clean_payee_name(payee_name), (reference or "").strip(), (note or "").strip()
    errors = {}
    if not payee_name:
        errors["payee_name"] = "Enter the name of the supplier who sent the invoice"
    if not reference:
        errors["reference"] = "Enter the supplier's invoice number"
    elif payee_name and (
        Invoice.objects.filter(provider__isnull=True, partnership_id=fund.partnership_id, reference=reference)
        .annotate(name=Lower("payee_name"))
        .filter(name=payee_name.lower())
        .exists()
    ):
        errors["reference"] = f"An invoice from {payee_name} with that number is recorded already. Enter another"
    _check_amount(support, amount, note, errors)
    if "amount" not in errors:
        problem = _check_fund(fund, amount, show_balance=True)
        if problem:
            errors["amount"] = problem
    if errors:
        raise ValidationError(errors)
    invoice = _write(
        support=support, fund=fund, by=by, amount=amount, reference=reference, note=note, payee_name=payee_name
    )
    log_action(invoice, "brokerage.invoice.recorded", user=by, data={"pence": amount, "plan_support": support.pk})
    return invoice
