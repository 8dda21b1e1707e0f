"""Direct-payment pages: carers record spending with receipts; hub staff see it against the plan and close a
period by the partnership's rule. Receipts are downloaded only through `receipt_download` (never a media URL).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from breakthrough.audit import log_action
from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted, posted_files
from breakthrough.models import Role
from brokerage.funds import direct_payments as dp
from brokerage.funds import grant_forms as forms
from brokerage.funds import grants
from brokerage.funds.grant_views import STAFF, _staff_partnership
from brokerage.selectors import carer_of_user

CARER_AND_STAFF = (Role.CARER, *STAFF)


def _form_page(request, form, *, title, back_url, submit, caption="", multipart=False, extra=None):
    context = {
        "form": form,
        "title": title,
        "back_url": back_url,
        "submit": submit,
        "caption": caption,
        "multipart": multipart,
        **(extra or {}),
    }
    return render(request, "brokerage/funds/dp_form.html", context)


def _fund_url(request, fund) -> str:
    if request.user.role == Role.CARER:
        return reverse("brokerage:grants:dp_carer")
    return reverse("brokerage:grants:dp_hub_fund", kwargs={"pk": fund.pk})


# ----------------------------------------------------------------------------------------------
# Carers
# ----------------------------------------------------------------------------------------------


@role_required(Role.CARER)
def carer_direct_payments(request):
    carer_of_user(user=request.user)  # 404 for a carer account with no household
    rows = dp.dp_list(fetched_by=request.user)
    spends = dp.dp_spends_by_fund(funds=[row.fund for row in rows], fetched_by=request.user)
    items = [(row, spends[row.fund.pk]) for row in rows]
    return render(request, "brokerage/funds/dp_carer.html", {"items": items})


@role_required(*CARER_AND_STAFF)
@require_http_methods(["GET", "POST"])
def spend_add(request, pk):
    fund = dp.dp_fund_get(fetched_by=request.user, pk=pk)
    form = forms.SpendForm(posted(request), posted_files(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dp.dp_spend_record(
                fund=fund,
                spent_on=data["spent_on"],
                amount=data["amount"],
                what_for=data["what_for"],
                supplier=data["supplier"],
                receipt=data["receipt"],
                by=request.user,
                submission_key=data.get("submission_key") or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Your spending is recorded.")
            return redirect(_fund_url(request, fund))
    row = dp.dp_row(fund=fund)
    return _form_page(
        request,
        form,
        title=form.title,
        caption=fund.name,
        back_url=_fund_url(request, fund),
        submit="Record spending",
        multipart=True,
        extra={"row": row},
    )


@role_required(*CARER_AND_STAFF)
def receipt_download(request, pk):
    """The receipt, for the carer whose direct payment it is and their partnership's hub staff (404 for others)."""
    spend = dp.spend_get(fetched_by=request.user, pk=pk)
    if not spend.receipt:
        raise Http404("No receipt was uploaded.")
    try:
        handle = spend.receipt.open("rb")
    except FileNotFoundError:
        raise Http404("The receipt is missing.") from None
    log_action(spend, "brokerage.direct_payment_spend.receipt_downloaded", user=request.user)
    extension = spend.receipt.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"receipt-{spend.spent_on:%Y-%m-%d}-{spend.pk}.{extension}",
        content_type=spend.receipt_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ----------------------------------------------------------------------------------------------
# Hub staff
# ----------------------------------------------------------------------------------------------


@role_required(*STAFF)
def hub_list(request):
    rows = dp.dp_list(fetched_by=request.user)
    context = {"rows": rows, "due": dp.period_end_due(fetched_by=request.user)}
    if request.user.partnership_id:
        context["rule"] = dp.period_end_rule(request.user.partnership_id)
    return render(request, "brokerage/funds/dp_hub_list.html", context)


@role_required(*STAFF)
def hub_fund(request, pk):
    fund = dp.dp_fund_get(fetched_by=request.user, pk=pk)
    context = {
        "fund": fund,
        "row": dp.dp_row(fund=fund),
        "spends": dp.dp_spends(fund=fund, fetched_by=request.user),
    }
    return render(request, "brokerage/funds/dp_hub_fund.html", context)


@role_required(*STAFF)
def period_end_list(request):
    rule = dp.period_end_rule(request.user.partnership_id) if request.user.partnership_id else None
    return render(
        request, "brokerage/funds/dp_period_end.html", {"due": dp.period_end_due(fetched_by=request.user), "rule": rule}
    )


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def period_end_settle(request, pk):
    fund = dp.dp_fund_get(fetched_by=request.user, pk=pk)
    row = dp.dp_row(fund=fund)
    rule = dp.period_end_rule(fund.partnership_id)
    recover, carry = dp.split_unspent(rule, row.unspent)
    source = dp.source_budget_line(fund)
    form = forms.PeriodEndSettleForm(
        posted(request), budget_lines=grants.budget_lines(fund.partnership_id), initial={"budget_line": source}
    )
    if request.method == "POST" and row.settlement is not None:
        return redirect("brokerage:grants:dp_period_end_settle", pk=fund.pk)  # already done (a second click)
    if request.method == "POST" and form.is_valid():
        try:
            dp.period_end_settle(
                fund=fund,
                reason=form.cleaned_data["reason"],
                budget_line=form.cleaned_data["budget_line"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The period is closed.")
            return redirect("brokerage:grants:dp_period_end_settle", pk=fund.pk)
    return render(
        request,
        "brokerage/funds/dp_settle.html",
        {
            "fund": fund,
            "row": row,
            "rule": rule,
            "recover": recover,
            "carry": carry,
            "form": None if row.settlement else form,
            "settlement": row.settlement,
            "back_url": reverse("brokerage:grants:dp_period_end"),
        },
    )


@role_required(Role.BROKER, Role.ASSESSOR)
@require_http_methods(["GET", "POST"])
def period_end_rule_edit(request):
    partnership = _staff_partnership(request.user)
    rule = dp.period_end_rule(partnership.pk)
    initial = {"action": rule.action, "cap": rule.carry_over_cap_pence or None}
    form = forms.PeriodEndRuleForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            dp.period_end_rule_update(
                partnership=partnership,
                action=form.cleaned_data["action"],
                cap=form.cleaned_data.get("cap") or 0,
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The rule is saved.")
            return redirect("brokerage:grants:dp_period_end")
    return _form_page(
        request, form, title=form.title, back_url=reverse("brokerage:grants:dp_period_end"), submit="Save rule"
    )
