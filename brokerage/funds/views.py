"""The hub's fund pages (every fund it holds, one fund's postings and budget tracking, invoices waiting and
payments to make, paying once, payment terms and whether a provider charges for no-shows, a pooled group booking,
an off-platform supplier's invoice against a support in a plan) and the provider's invoices (for a booking, or for
a support in a carer's plan).

Small views: fetch through a selector that takes the user (404 outside their scope), validate a form, call a
service, redirect. The carer's own money pages are in carer_views.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Role
from brokerage.funds import forms, selectors, support_invoices, wiring
from brokerage.models import Session

HUB = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)


# ---------------------------------------------------------------------------------------------
# The hub: funds and budget tracking
# ---------------------------------------------------------------------------------------------


@role_required(*HUB)
def fund_list(request):
    rows = selectors.hub_fund_rows(fetched_by=request.user)
    flagged = [row for row in rows["personal"] if row.tracking.flag]
    waiting_count = selectors.approvals_waiting_count(fetched_by=request.user)
    context = {**rows, "flagged": flagged, "waiting_count": waiting_count}
    return render(request, "brokerage/funds/hub_fund_list.html", context)


@role_required(*HUB)
def fund_detail(request, pk):
    fund = selectors.hub_fund_get(fetched_by=request.user, pk=pk)
    balances = selectors.fund_balances(fund=fund, fetched_by=request.user)
    return render(
        request,
        "brokerage/funds/hub_fund_detail.html",
        {
            "fund": fund,
            "tracking": selectors.fund_tracking(fund, balances),
            "postings": selectors.fund_postings(fund=fund, fetched_by=request.user),
            "invoices": selectors.fund_invoices(fund=fund, fetched_by=request.user) if fund.is_personal else [],
            "waiting": selectors.fund_requests_waiting(fund=fund, fetched_by=request.user),
        },
    )


# ---------------------------------------------------------------------------------------------
# The hub: invoices waiting, payments to make, paying once
# ---------------------------------------------------------------------------------------------


@role_required(*HUB)
def invoice_list(request):
    return render(request, "brokerage/funds/hub_invoices.html", selectors.hub_invoices(fetched_by=request.user))


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def invoice_detail(request, pk):
    """An invoice and its funds; POST pays it. Paying is idempotent: a second submit says it is already paid."""
    invoice = selectors.invoice_get(fetched_by=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            invoice, paid_now = wiring.invoice_pay_from_hub(invoice=invoice, by=request.user)
        except ValidationError as e:
            error = " ".join(e.messages)
        else:
            if paid_now:
                messages.success(request, f"Invoice {invoice.reference} is paid.")
            else:
                messages.info(request, f"Invoice {invoice.reference} was already paid. It has not been paid again.")
            return redirect("brokerage:funds:invoice_detail", pk=invoice.pk)
    return render(
        request,
        "brokerage/funds/hub_invoice_detail.html",
        {
            "invoice": invoice,
            "funds": selectors.invoice_funds(invoice=invoice),
            "payable": wiring.invoice_payable(invoice),
            "refunds": selectors.invoice_refunds(invoice=invoice),
            "error": error,
        },
    )


@role_required(Role.BROKER, Role.ASSESSOR)
def payment_terms_list(request):
    providers = selectors.provider_agreement_providers(fetched_by=request.user)
    context = {"providers": providers, "no_show_days": wiring.NO_SHOW_INVOICE_DAYS}
    return render(request, "brokerage/funds/hub_payment_terms.html", context)


@role_required(Role.BROKER, Role.ASSESSOR)
@require_http_methods(["GET", "POST"])
def payment_terms_edit(request, provider_pk):
    providers = {p.pk: p for p in selectors.provider_agreement_providers(fetched_by=request.user)}
    provider = providers.get(provider_pk)
    if provider is None:
        raise Http404("No such provider serves this partnership.")
    initial = {"payment_terms": provider.payment_terms, "charges_no_show": "yes" if provider.charges_no_show else "no"}
    form = forms.PaymentTermsForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            wiring.provider_agreement_set(
                partnership=request.user.organisation.partnership,
                provider=provider,
                payment_terms=form.cleaned_data["payment_terms"],
                charges_no_show=form.cleaned_data.get("charges_no_show"),
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{provider.name}'s payment terms are saved.")
            return redirect("brokerage:funds:payment_terms")
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": form.title,
            "caption": provider.name,
            "back_url": reverse("brokerage:funds:payment_terms"),
            "submit": "Save",
        },
    )


# ---------------------------------------------------------------------------------------------
# The hub: one group session for several households, paid from their funds (pooled)
# ---------------------------------------------------------------------------------------------


@role_required(*HUB)
def pooled_sessions(request):
    """Upcoming sessions of paid breaks with places left, to book for several households at once."""
    sessions = list(
        Session.objects.filter(
            offer__is_published=True, is_cancelled=False, starts_at__gt=timezone.now(), offer__price_pence__gt=0
        )
        .select_related("offer__provider")
        .order_by("starts_at", "pk")[:50]
    )
    return render(request, "brokerage/funds/hub_pooled_sessions.html", {"sessions": sessions})


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def pooled_book(request, session_pk):
    session = selectors.pooled_session_get(fetched_by=request.user, pk=session_pk)
    carers = list(
        selectors.pooled_carers(fetched_by=request.user).filter(funds__kind__in=wiring.BOOKABLE_KINDS).distinct()[:40]
    )
    households = selectors.pooled_households(fetched_by=request.user, carers=carers)
    form = forms.PooledBookingForm(posted(request), session=session, households=households)
    if request.method == "POST" and form.is_valid():
        try:
            booking = wiring.pooled_booking_create(
                session=session, parties=form.parties(), rule=form.cleaned_data["rule"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"The session is booked for {len(form.parties())} households.")
            return redirect("brokerage:bookings:booking_detail", pk=booking.pk)
    return render(
        request,
        "brokerage/funds/hub_pooled_book.html",
        {"form": form, "session": session, "offer": session.offer, "carers": carers},
    )


# ---------------------------------------------------------------------------------------------
# The provider: invoices submitted and paid, and sending one
# ---------------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def provider_invoices(request):
    context = {**selectors.provider_invoices(fetched_by=request.user), "no_show_days": wiring.NO_SHOW_INVOICE_DAYS}
    return render(request, "brokerage/funds/provider_invoices.html", context)


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def provider_invoice_new(request, booking_pk):
    booking = selectors.provider_booking_to_invoice(fetched_by=request.user, pk=booking_pk)
    committed = selectors.booking_committed_pence(booking=booking)
    form = forms.InvoiceForm(posted(request), initial={"amount": committed or booking.cost_pence})
    if request.method == "POST" and form.is_valid():
        try:
            invoice = wiring.invoice_submit(
                booking=booking,
                by=request.user,
                reference=form.cleaned_data["reference"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Invoice {invoice.reference} is sent to the Short Break Hub.")
            return redirect("brokerage:funds:provider_invoices")
    return render(
        request,
        "brokerage/funds/provider_invoice_new.html",
        {
            "form": form,
            "booking": booking,
            "committed": committed,
            "deadline": wiring.no_show_invoice_deadline(booking) if booking.state == booking.State.NO_SHOW else None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Invoices against a support in a carer's plan (support_invoices.py): the provider's, and an off-platform
# supplier's recorded by the hub
# ---------------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def provider_support_invoice_new(request, support_pk):
    support = selectors.provider_support_to_invoice(fetched_by=request.user, pk=support_pk)
    form = forms.SupportInvoiceForm(posted(request), payee=False)
    if request.method == "POST" and form.is_valid():
        try:
            invoice = support_invoices.support_invoice_submit(
                support=support,
                by=request.user,
                reference=form.cleaned_data["reference"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Invoice {invoice.reference} is sent to the Short Break Hub.")
            return redirect("brokerage:funds:provider_invoices")
    return _support_invoice_page(request, form, support, back_url=reverse("brokerage:funds:provider_invoices"))


@role_required(*HUB)
@require_http_methods(["GET", "POST"])
def hub_support_invoice_new(request, support_pk):
    support = selectors.hub_support_to_invoice(fetched_by=request.user, pk=support_pk)
    form = forms.SupportInvoiceForm(posted(request), payee=True)
    if request.method == "POST" and form.is_valid():
        try:
            invoice = support_invoices.support_invoice_record(
                support=support,
                by=request.user,
                payee_name=form.cleaned_data["payee_name"],
                reference=form.cleaned_data["reference"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            done = f"Invoice {invoice.reference} from {invoice.payee} is recorded. It can be paid now."
            messages.success(request, done)
            return redirect("brokerage:funds:invoice_detail", pk=invoice.pk)
    back_url = reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": support.plan.carer_id, "pk": support.plan_id})
    return _support_invoice_page(request, form, support, back_url=back_url)


def _support_invoice_page(request, form, support, *, back_url: str):
    invoiced = support_invoices.support_invoiced_pence(support)
    context = {
        "form": form,
        "support": support,
        "invoiced": invoiced,
        "left": support.total_pence - invoiced,
        "back_url": back_url,
        "provider": request.user.role == Role.PROVIDER,
    }
    return render(request, "brokerage/funds/support_invoice_new.html", context)
