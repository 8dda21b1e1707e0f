"""The hub's refunds and two-person pages (brokerage:funds:*): refund a paid invoice, ask to adjust a fund or for
an overdraft, the list of requests waiting for a second person, and each request's page where someone other than
the one who asked approves or refuses it.

Who: brokers and assessors of the fund's partnership, and platform admins, the same people who may pay an
invoice (services._may_manage). The one who asked is never offered the decision, and the services refuse it.
Twice is once: the asking forms carry a submission key, and a second decision finds the request decided."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted
from breakthrough.money import format_pence
from brokerage.funds import approval_emails, forms, selectors, services
from brokerage.funds.views import HUB
from brokerage.models import FundAdjustment, Overdraft


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def invoice_refund(request, pk):
    invoice = selectors.invoice_get(fetched_by=request.user, pk=pk)
    refunds = selectors.invoice_refunds(invoice=invoice)
    form = forms.RefundForm(posted(request), refundable=refunds.refundable, initial={"amount": refunds.refundable})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.ledger_refund(
                invoice=invoice,
                amount=data["amount"],
                reason=data["reason"],
                by=request.user,
                submission_key=data.get("submission_key") or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{format_pence(data['amount'])} of invoice {invoice.reference} is refunded.")
            return redirect("brokerage:funds:invoice_detail", pk=invoice.pk)
    context = {
        "form": form,
        "title": form.title,
        "caption": f"Invoice {invoice.reference} from {invoice.payee}",
        "back_url": reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk}),
        "submit": "Refund",
        "invoice": invoice,
        "refunds": refunds,
    }
    return render(request, "brokerage/funds/hub_refund.html", context)


def _ask_page(request, form, fund, *, submit: str):
    context = {
        "form": form,
        "title": form.title,
        "caption": fund.name,
        "back_url": reverse("brokerage:funds:fund_detail", kwargs={"pk": fund.pk}),
        "submit": submit,
        "fund": fund,
        "balances": selectors.fund_balances(fund=fund, fetched_by=request.user),
    }
    return render(request, "brokerage/funds/hub_ask.html", context)


def _asked(request, made, name: str):
    others = len(approval_emails.approvers(made))
    if others:
        told = f"{others} colleague{'s' if others != 1 else ''} who may approve it {'has' if others == 1 else 'have'} "
        told += "been e-mailed."
    else:
        told = "Nobody else in your partnership can approve it yet: a second broker or assessor is needed."
    messages.success(request, f"Your request is waiting for a second person to approve it. {told}")
    return redirect(f"brokerage:funds:{name}_detail", pk=made.pk)


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def fund_adjust(request, pk):
    fund = selectors.hub_fund_get(fetched_by=request.user, pk=pk)
    form = forms.AdjustmentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            adjustment = services.ledger_adjust(
                fund=fund,
                amount=form.signed_pence(),
                reason=form.cleaned_data["reason"],
                requested_by=request.user,
                submission_key=form.cleaned_data.get("submission_key") or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _asked(request, adjustment, "adjustment")
    return _ask_page(request, form, fund, submit="Ask for approval")


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def fund_overdraft(request, pk):
    fund = selectors.hub_fund_get(fetched_by=request.user, pk=pk)
    form = forms.OverdraftForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            overdraft = services.overdraft_request(
                fund=fund,
                limit=form.cleaned_data["limit"],
                reason=form.cleaned_data["reason"],
                requested_by=request.user,
                submission_key=form.cleaned_data.get("submission_key") or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _asked(request, overdraft, "overdraft")
    return _ask_page(request, form, fund, submit="Ask for approval")


@role_required(*HUB)
def approvals(request):
    return render(request, "brokerage/funds/hub_approvals.html", selectors.approvals_waiting(fetched_by=request.user))


def _decide(request, model, pk):
    """A request's page; POST is the second person's decision. A second submit finds it decided and says so."""
    made = selectors.request_get(fetched_by=request.user, model=model, pk=pk)
    form = forms.DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            made, now = services.request_decide(
                request=made, by=request.user, approve=approve, reason=form.cleaned_data["refusal_reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            word = made.get_state_display().lower()
            if now:
                messages.success(
                    request,
                    f"The {made.kind_words} is {word}. {made.requested_by.get_display_name()} has been e-mailed.",
                )
            else:
                by = made.decided_by.get_display_name()
                messages.info(request, f"This {made.kind_words} was already {word} by {by}. Nothing more was done.")
            return redirect(request.path)
    context = {
        "made": made,
        "form": form,
        "may_decide": services.may_decide(request.user, made),
        "asked_it": made.requested_by_id == request.user.pk,
        "balances": selectors.fund_balances(fund=made.fund, fetched_by=request.user),
    }
    return render(request, "brokerage/funds/hub_request.html", context)


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def adjustment_detail(request, pk):
    return _decide(request, FundAdjustment, pk)


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def overdraft_detail(request, pk):
    return _decide(request, Overdraft, pk)
