"""Referral pages: the carer asks for help and follows their referral; the hub works its queue (triage,
assign a worker, case notes, close or redirect) and keeps its eligibility criteria.

Small views: fetch through a selector (the access choke point), validate a form, call a service, redirect.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Locality, Role
from brokerage.models import NeedsLevel, Referral
from brokerage.referrals import forms, selectors, services, wording
from brokerage.selectors import carer_get, carer_of_user, household_people

CASEWORK = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)
NEED_ORDER = [NeedsLevel.COMPLEX, NeedsLevel.HIGH, NeedsLevel.MEDIUM, NeedsLevel.LOW]


def _highest_need(household) -> str | None:
    levels = {r.cared_for.needs_level for r in household}
    return next((level for level in NEED_ORDER if level in levels), None)


def _intake(request, *, carer, form_class, back_url, done_url):
    """The intake form for `carer`, with the partnership's eligibility criteria beside it."""
    household = household_people(carer=carer, fetched_by=request.user)
    only_one = [str(household[0].cared_for.pk)] if len(household) == 1 else []
    initial = {"needs_level": _highest_need(household), "cared_for": only_one}
    form = form_class(posted(request), household=household, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "cared_for"}
        try:
            referral = services.referral_create(carer=carer, cared_for=form.people(), by=request.user, **data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(done_url(referral))
    return render(
        request,
        "brokerage/referrals/intake.html",
        {
            "form": form,
            "carer": carer,
            "household": household,
            "criteria": services.criteria_current(partnership_id=carer.partnership_id),
            "back_url": back_url,
            "on_behalf": request.user.role != Role.CARER,
        },
    )


# ----------------------------------------------------------------------------------------------
# The carer's own pages
# ----------------------------------------------------------------------------------------------


@role_required(Role.CARER)
def your_referrals(request):
    carer = carer_of_user(user=request.user)
    referrals = selectors.carer_referrals(carer=carer, fetched_by=request.user)
    rows = [{"referral": r, "words": wording.for_carer(r)} for r in referrals]
    return render(
        request,
        "brokerage/referrals/your_referrals.html",
        {"rows": rows, "has_open": any(r.is_open for r in referrals)},
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def refer(request):
    carer = carer_of_user(user=request.user)
    latest = selectors.carer_latest_referral(carer=carer, fetched_by=request.user)
    if latest is not None and latest.is_open:
        messages.info(request, "You have already asked the hub for help. This is where your referral is up to.")
        return redirect("brokerage:referrals:your_referral", pk=latest.pk)
    if carer.partnership_id is None or not carer.relationships.exists():
        return render(request, "brokerage/referrals/before_you_refer.html", {"carer": carer})

    def done(referral):
        messages.success(request, "Your referral has been sent to the Short Break Hub.")
        return reverse("brokerage:referrals:your_referral", kwargs={"pk": referral.pk})

    return _intake(
        request, carer=carer, form_class=forms.ReferralForm, back_url=reverse("brokerage:carer_home"), done_url=done
    )


@role_required(Role.CARER)
def your_referral(request, pk):
    referral = selectors.referral_get(fetched_by=request.user, pk=pk)
    return render(
        request, "brokerage/referrals/your_referral.html", {"referral": referral, "words": wording.for_carer(referral)}
    )


# ----------------------------------------------------------------------------------------------
# The hub
# ----------------------------------------------------------------------------------------------


def queue_title(page, *, filtered: bool) -> str:
    """'12 referrals, filtered (page 1 of 2) – Referrals': what the list holds, and where in it."""
    count = page.paginator.count
    found = "1 referral" if count == 1 else f"{count:,} referrals"
    if filtered:
        found += ", filtered"
    if page.paginator.num_pages > 1:
        found += f" (page {page.number} of {page.paginator.num_pages})"
    return f"{found} – Referrals"


@role_required(*CASEWORK)
def queue(request):
    form = forms.QueueFilterForm(request.GET or None)
    filters = form.filters()
    if form.is_bound and not form.is_valid():  # a filter we do not offer (an edited URL): show them all
        form = forms.QueueFilterForm()
    referrals = selectors.referral_queue(fetched_by=request.user, **filters)
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    chosen = {k: v for k, v in filters.items() if v and not (k == "state" and v == "open")}
    return render(
        request,
        "brokerage/referrals/queue.html",
        {
            "filter_form": form,
            "page": page,
            "filters": filters,
            "filtered": bool(chosen),
            "querystring": urlencode(chosen),
            "order_in_words": selectors.QUEUE_ORDER_IN_WORDS,
            "criteria_url": _criteria_url(request.user, request.user.partnership_id),
            "title": queue_title(page, filtered=bool(chosen)),
        },
    )


def _criteria_url(user, partnership_id) -> str | None:
    if partnership_id is None or user.role not in (Role.BROKER, Role.ADMIN):
        return None
    return reverse("brokerage:referrals:criteria", kwargs={"pk": partnership_id})


@role_required(*CASEWORK)
def detail(request, pk):
    referral = selectors.referral_get(fetched_by=request.user, pk=pk)
    return render(
        request,
        "brokerage/referrals/detail.html",
        {
            "referral": referral,
            "notes": selectors.referral_case_notes(referral=referral, fetched_by=request.user),
            "words": wording.for_carer(referral),
            "criteria_url": _criteria_url(request.user, referral.partnership_id),
        },
    )


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def record(request, carer_pk):
    """Staff record a referral from a professional for a carer of their partnership."""
    carer = carer_get(fetched_by=request.user, pk=carer_pk)
    latest = selectors.carer_latest_referral(carer=carer, fetched_by=request.user)
    if latest is not None and latest.is_open:
        messages.info(request, "This carer already has an open referral. Add a case note to it instead.")
        return redirect("brokerage:referrals:detail", pk=latest.pk)

    def done(referral):
        messages.success(request, "The referral is recorded.")
        return reverse("brokerage:referrals:detail", kwargs={"pk": referral.pk})

    back_url = reverse("brokerage:carer_detail", kwargs={"pk": carer.pk})
    return _intake(request, carer=carer, form_class=forms.StaffReferralForm, back_url=back_url, done_url=done)


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def new_carer(request):
    """A carer the hub does not know yet: record them and the person they care for, then the referral."""
    localities = Locality.objects.select_related("partnership")
    if request.user.role != Role.ADMIN:
        localities = localities.filter(partnership_id=request.user.partnership_id)
    form = forms.NewCarerForm(posted(request), localities=localities)
    if request.method == "POST" and form.is_valid():
        try:
            carer = services.carer_record_for_referral(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("brokerage:referrals:record", carer_pk=carer.pk)
    return _action_page(request, form, back_url=reverse("brokerage:referrals:queue"), button="Continue")


def _action_page(request, form, *, back_url, button, referral=None, warning=False):
    return render(
        request,
        "brokerage/referrals/action.html",
        {"form": form, "referral": referral, "back_url": back_url, "button": button, "warning": warning},
    )


def _working(request, pk) -> tuple[Referral, str]:
    referral = selectors.referral_get(fetched_by=request.user, pk=pk)
    return referral, reverse("brokerage:referrals:detail", kwargs={"pk": referral.pk})


def _ended(request, referral):
    messages.info(request, "This referral has ended, so it cannot be changed.")
    return redirect("brokerage:referrals:detail", pk=referral.pk)


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def triage(request, pk):
    referral, back_url = _working(request, pk)
    if referral.state != Referral.State.NEW:
        return redirect(back_url)
    error = None
    if request.method == "POST":
        try:
            services.referral_triage(referral=referral, by=request.user)
        except ValidationError as e:
            error = " ".join(e.messages)
        else:
            messages.success(request, "The referral is in triage.")
            return redirect(back_url)
    return render(request, "brokerage/referrals/triage.html", {"referral": referral, "error": error})


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def assign(request, pk):
    referral, back_url = _working(request, pk)
    if not referral.is_open:
        return _ended(request, referral)
    workers = selectors.workers(partnership_id=referral.partnership_id)
    form = forms.AssignForm(posted(request), workers=workers, initial={"worker": referral.worker_id})
    if request.method == "POST" and form.is_valid():
        worker = form.cleaned_data["worker"]
        try:
            services.referral_assign(referral=referral, worker=worker, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{worker.get_display_name()} is now the worker. The carer has been told.")
            return redirect(back_url)
    return _action_page(request, form, referral=referral, back_url=back_url, button="Assign")


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def note_add(request, pk):
    referral, back_url = _working(request, pk)
    form = forms.CaseNoteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.case_note_add(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The case note is saved.")
            return redirect(back_url)
    return _action_page(request, form, referral=referral, back_url=back_url, button="Save the case note")


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def close(request, pk):
    referral, back_url = _working(request, pk)
    if not referral.is_open:
        return _ended(request, referral)
    form = forms.CloseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_close(referral=referral, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The referral is closed. The carer has been told.")
            return redirect(back_url)
    return _action_page(request, form, referral=referral, back_url=back_url, button="Close the referral", warning=True)


@role_required(*CASEWORK)
@require_http_methods(["GET", "POST"])
def redirect_elsewhere(request, pk):
    referral, back_url = _working(request, pk)
    if not referral.is_open:
        return _ended(request, referral)
    form = forms.RedirectForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_redirect(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The referral is redirected. The carer has been told.")
            return redirect(back_url)
    return _action_page(request, form, referral=referral, back_url=back_url, button="Redirect the referral")


@role_required(Role.BROKER, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def criteria(request, pk):
    """The partnership's eligibility criteria: the current text to edit, and every earlier version."""
    partnership = selectors.criteria_partnership(fetched_by=request.user, pk=pk)
    history = selectors.criteria_history(partnership=partnership)
    form = forms.CriteriaForm(posted(request), initial={"text": history[0].text if history else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.criteria_record(partnership=partnership, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The new criteria apply from now.")
            return redirect("brokerage:referrals:criteria", pk=partnership.pk)
    return render(
        request, "brokerage/referrals/criteria.html", {"form": form, "partnership": partnership, "history": history}
    )
