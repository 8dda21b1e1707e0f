"""Micro-grant pages: carers apply and follow their applications; hub staff schedule panel meetings and decide.

Views fetch through selectors (the access choke point: 404 outside the user's scope), validate a form, call a
service and redirect; a service's ValidationError is shown on the form with everything typed kept.
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
from brokerage.funds import grant_forms as forms
from brokerage.funds import grants
from brokerage.funds.selectors import fund_balances
from brokerage.selectors import carer_of_user

STAFF = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)


def _form_page(request, form, *, title, back_url, submit, caption="", intro="", extra=None):
    context = {"form": form, "title": title, "back_url": back_url, "submit": submit, "caption": caption}
    return render(request, "brokerage/funds/grant_form.html", {"intro": intro, **context, **(extra or {})})


def _staff_partnership(user):
    """The partnership a broker or assessor works in (404 for anyone else, admin included: settings are local)."""
    if user.role not in (Role.BROKER, Role.ASSESSOR) or user.partnership_id is None:
        raise Http404("Only hub staff of a partnership have these settings.")
    return user.organisation.partnership


# ----------------------------------------------------------------------------------------------
# Carers
# ----------------------------------------------------------------------------------------------


@role_required(Role.CARER)
def carer_list(request):
    carer = carer_of_user(user=request.user)
    context = {"carer": carer, "applications": grants.application_list_for_carer(fetched_by=request.user)}
    if carer.partnership_id:
        context["scheme"] = grants.grant_scheme(carer.partnership_id)
        context["next_meeting"] = grants.next_meeting(carer.partnership_id)
    return render(request, "brokerage/funds/grant_carer_list.html", context)


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def carer_apply(request):
    carer = carer_of_user(user=request.user)
    if carer.partnership_id is None:
        raise Http404("Micro-grants come from a partnership.")
    scheme = grants.grant_scheme(carer.partnership_id)
    form = forms.GrantApplyForm(posted(request), max_award=scheme.max_award_pence)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = grants.grant_apply(
                carer=carer,
                amount_asked=data["amount"],
                what_for=data["what_for"],
                break_kind=data["break_kind"],
                by=request.user,
                submission_key=data.get("submission_key") or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if application.meeting_id:
                when = f"The panel looks at it on {application.meeting.meets_on:%A %-d %B %Y}."
            else:
                when = "It waits for the next panel meeting: we will tell you the date when it is set."
            messages.success(request, f"Your application is sent. {when}")
            return redirect("brokerage:grants:carer_detail", pk=application.pk)
    meeting = grants.next_meeting(carer.partnership_id)
    return _form_page(
        request,
        form,
        title=form.title,
        back_url=reverse("brokerage:grants:carer_list"),
        submit="Send application",
        extra={"next_meeting": meeting, "show_meeting": True},
    )


@role_required(Role.CARER)
def carer_detail(request, pk):
    application = grants.application_get(fetched_by=request.user, pk=pk)
    context = {"application": application, "missed": grants.missed_meeting(application)}
    if application.fund_id:
        context["balances"] = fund_balances(fund=application.fund, fetched_by=request.user)
    return render(request, "brokerage/funds/grant_carer_detail.html", context)


# ----------------------------------------------------------------------------------------------
# Hub staff: the panel
# ----------------------------------------------------------------------------------------------


@role_required(*STAFF)
def panel(request):
    today = timezone.localdate()
    context = {
        "meetings": grants.meeting_list(fetched_by=request.user, upcoming_from=today - timezone.timedelta(days=60)),
        "waiting": grants.waiting_without_meeting(fetched_by=request.user),
        "is_local_staff": request.user.role in (Role.BROKER, Role.ASSESSOR),
        "today": today,
    }
    if request.user.partnership_id:
        context["scheme"] = grants.grant_scheme(request.user.partnership_id)
    return render(request, "brokerage/funds/grant_panel.html", context)


@role_required(Role.BROKER, Role.ASSESSOR)
@require_http_methods(["GET", "POST"])
def meeting_add(request):
    partnership = _staff_partnership(request.user)
    form = forms.PanelMeetingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = grants.panel_meeting_add(
                partnership=partnership, meets_on=data["meets_on"], cut_off=data["cut_off"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            attached = meeting.applications.count()
            note = f" {attached} waiting application{'s' if attached != 1 else ''} joined it." if attached else ""
            messages.success(request, f"The meeting on {meeting.meets_on:%-d %B %Y} is added.{note}")
            return redirect("brokerage:grants:meeting_detail", pk=meeting.pk)
    return _form_page(request, form, title=form.title, back_url=reverse("brokerage:grants:panel"), submit="Add meeting")


@role_required(*STAFF)
def meeting_detail(request, pk):
    meeting = grants.meeting_get(fetched_by=request.user, pk=pk)
    applications = grants.meeting_applications(meeting=meeting, fetched_by=request.user)
    return render(request, "brokerage/funds/grant_meeting.html", {"meeting": meeting, "applications": applications})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def application_decide(request, pk):
    application = grants.application_get(fetched_by=request.user, pk=pk)
    scheme = grants.grant_scheme(application.partnership_id)
    lines = grants.budget_lines(application.partnership_id)
    form = forms.GrantDecisionForm(posted(request), budget_lines=lines, initial={"budget_line": scheme.budget_line_id})
    if request.method == "POST" and not application.is_decided and form.is_valid():
        data = form.cleaned_data
        try:
            grants.grant_decide(
                application=application,
                decision=data["decision"],
                amount_awarded=data.get("amount"),
                reason=data["reason"],
                budget_line=data.get("budget_line"),
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The decision is recorded and the carer has been told.")
            return redirect("brokerage:grants:application_decide", pk=application.pk)
    elif request.method == "POST" and application.is_decided:
        return redirect("brokerage:grants:application_decide", pk=application.pk)  # a second click: already done
    back = (
        reverse("brokerage:grants:meeting_detail", kwargs={"pk": application.meeting_id})
        if application.meeting_id
        else reverse("brokerage:grants:panel")
    )
    return render(
        request,
        "brokerage/funds/grant_application.html",
        {
            "application": application,
            "form": None if application.is_decided else form,
            "scheme": scheme,
            "back_url": back,
            "is_applicant": request.user.pk in (application.submitted_by_id, application.carer.user_id),
        },
    )


@role_required(Role.BROKER, Role.ASSESSOR)
@require_http_methods(["GET", "POST"])
def scheme_edit(request):
    partnership = _staff_partnership(request.user)
    scheme = grants.grant_scheme(partnership.pk)
    lines = grants.budget_lines(partnership.pk)
    initial = {"max_award": scheme.max_award_pence, "budget_line": scheme.budget_line_id}
    form = forms.GrantSchemeForm(posted(request), initial=initial, budget_lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            grants.grant_scheme_update(
                partnership=partnership,
                max_award=form.cleaned_data["max_award"],
                budget_line=form.cleaned_data.get("budget_line"),
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The micro-grant settings are saved.")
            return redirect("brokerage:grants:panel")
    return _form_page(
        request, form, title=form.title, back_url=reverse("brokerage:grants:panel"), submit="Save settings"
    )
