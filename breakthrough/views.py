"""Kernel pages: the front door, role landing redirect, public pages, staff invitations, the platform page."""

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from breakthrough import partners, selectors, services
from breakthrough.decorators import role_required
from breakthrough.forms import (
    AcceptInvitationForm,
    InvitationForm,
    PartnerAgreeForm,
    PartnerEndForm,
    apply_service_errors,
    posted,
)
from breakthrough.models import Role

ROLE_HOME = {
    Role.CARER: "brokerage:carer_home",
    Role.BROKER: "brokerage:caseload",
    Role.ASSESSOR: "brokerage:caseload",
    Role.PROVIDER: "brokerage:provider_home",
    Role.VOLUNTEER: "brokerage:volunteer_home",
    Role.COMMISSIONER: "commissioning:home",
    Role.NATIONAL: "commissioning:national",
    Role.ADMIN: "platform_home",
}


def home(request):
    """Signed in: your own landing page. Otherwise the service's start page."""
    if request.user.is_authenticated:
        return redirect(ROLE_HOME[request.user.role])
    return render(request, "breakthrough/start.html")


def accessibility(request):
    return render(request, "breakthrough/accessibility.html")


def privacy(request):
    return render(request, "breakthrough/privacy.html")


@never_cache
def healthz(request):
    """For the load balancer: is the database answering?"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@role_required(Role.ADMIN)
def platform_home(request):
    return render(
        request,
        "breakthrough/platform_home.html",
        {
            "invitations": selectors.invitation_list(fetched_by=request.user),
            "roles": selectors.users_by_role(fetched_by=request.user),
        },
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def invitation_create(request):
    form = InvitationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invitation_create(invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("platform_home")
    return render(
        request, "breakthrough/form_page.html", {"form": form, "title": form.title, "submit": "Send invitation"}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "breakthrough/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(posted(request), email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # They have just proved their password: don't ask for it again on the authenticator set-up page.
            record_authentication(request, user, method="password", email=user.email, reauthenticated=True)
            messages.success(request, "Your account is ready. Now set up an authenticator app to keep it safe.")
            return redirect("mfa_activate_totp")
    return render(
        request,
        "breakthrough/invitation_accept.html",
        {"form": form, "title": form.title, "invitation": invitation},
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def partner_agree(request, pk):
    """An invitation to be a carer partner: the wording, and the carer's yes (or, once agreed, what they agreed)."""
    partner = partners.partner_get(fetched_by=request.user, pk=pk)
    wording = partner.agreement if partner.is_current else partners.agreement_wording(partner.partnership)
    form = PartnerAgreeForm(posted(request), initial={"digest": partners.wording_digest(wording)})
    if request.method == "POST" and partner.state != "ended" and form.is_valid():
        try:
            partners.carer_partner_agree(partner=partner, by=request.user, digest=form.cleaned_data["digest"])
        except ValidationError as error:
            apply_service_errors(form, error)
            form.data = form.data.copy()
            form.data["digest"] = partners.wording_digest(wording)  # the wording shown now
        else:
            messages.success(request, f"You are now a carer partner of {partner.partnership.name}.")
            return redirect("brokerage:carer_home")
    context = {"form": form, "partner": partner, "wording": wording.splitlines()}
    return render(request, "breakthrough/partner_agree.html", context)


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def partner_withdraw(request, pk):
    """The carer stops being a partner, or says no to an invitation (GET asks to confirm)."""
    partner = partners.partner_get(fetched_by=request.user, pk=pk)
    if partner.state == "ended":
        return redirect("partner_agree", pk=partner.pk)
    form = PartnerEndForm(posted(request))
    if request.method == "POST" and form.is_valid():
        partners.carer_partner_end(partner=partner, by=request.user)
        messages.success(request, f"You are no longer a carer partner of {partner.partnership.name}.")
        return redirect("brokerage:carer_home")
    invited = partner.state == "invited"
    context = {
        "form": form,
        "title": "Say no to being a carer partner" if invited else form.title,
        "caption": partner.partnership.name,
        "back_url": reverse("partner_agree", kwargs={"pk": partner.pk}),
        "submit": "Say no" if invited else "Stop being a carer partner",
        "intro": "The invitation ends. The partnership's commissioners can invite you again if you change your mind."
        if invited
        else "You will no longer be able to read the audits and plans you were named on. "
        "The partnership's commissioners can invite you again if you change your mind.",
    }
    return render(request, "form_page.html", context)
