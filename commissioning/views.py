from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from breakthrough import partners
from breakthrough.decorators import role_required
from breakthrough.forms import PartnerEndForm, apply_service_errors, posted
from breakthrough.models import Locality, Role
from commissioning import selectors
from commissioning.forms import DashboardFilterForm, OutcomesPeriodForm, PartnerInviteForm

INVITE_INTRO = (
    "We e-mail the carer a link to what being a partner means. They become a partner when they agree, and can "
    "stop at any time. Once they agree you can name them on audits, and they can then read those audits."
)
END_INTRO = "They will no longer be able to read the audits they were named on. You can invite them again later."


def _dashboard(request):
    """The filter form (its errors by the field, the defaults used meanwhile) and the dashboard it asks for."""
    localities = Locality.objects.filter(partnership_id=request.user.partnership_id).order_by("name")
    form = DashboardFilterForm(request.GET or None, localities=localities)
    return form, selectors.partnership_dashboard(fetched_by=request.user, **form.filters())


@role_required(Role.COMMISSIONER)
def home(request):
    form, dashboard = _dashboard(request)
    return render(
        request,
        "commissioning/home.html",
        {"form": form, "dashboard": dashboard, "querystring": request.GET.urlencode()},
    )


@role_required(Role.COMMISSIONER)
def dashboard_csv(request, figure: str):
    _, dashboard = _dashboard(request)
    found = [f for f in (dashboard.figures if dashboard else []) if f.slug == figure]
    if not found:
        raise Http404("No such figure.")
    response = HttpResponse("\ufeff" + found[0].csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dashboard.partnership.slug}-{figure}.csv"'
    return response


@role_required(Role.NATIONAL, Role.ADMIN)
def national(request):
    figures = selectors.national_figures(fetched_by=request.user)
    return render(
        request, "commissioning/national.html", {"figures": figures, "threshold": settings.SUPPRESSION_THRESHOLD}
    )


@role_required(Role.NATIONAL, Role.ADMIN)
def national_csv(request, figure: str):
    found = [f for f in selectors.national_figures(fetched_by=request.user) if f.slug == figure]
    if not found:
        raise Http404("No such table.")
    response = HttpResponse("\ufeff" + found[0].csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="national-{figure}.csv"'
    return response


def _outcomes(request, selector, template):
    form = OutcomesPeriodForm(request.GET or None)
    chain = selector(fetched_by=request.user, months=form.months())
    return render(request, template, {"form": form, "chain": chain, "threshold": settings.SUPPRESSION_THRESHOLD})


@role_required(Role.COMMISSIONER)
def outcomes(request):
    """The outcomes chain: each person's outcomes counted, the partnership's, and the programme's."""
    return _outcomes(request, selectors.outcomes_chain, "commissioning/outcomes.html")


@role_required(Role.NATIONAL, Role.ADMIN)
def national_outcomes(request):
    return _outcomes(request, selectors.programme_outcomes, "commissioning/national_outcomes.html")


@role_required(Role.COMMISSIONER)
def partner_list(request):
    return render(request, "commissioning/partners.html", {"partners": partners.partners_list(fetched_by=request.user)})


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def partner_invite(request):
    form = PartnerInviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            partners.carer_partner_invite(
                partnership_id=request.user.partnership_id,
                email=email,
                by=request.user,
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            # The same words whether or not the address is a registered carer's: the form finds out nobody.
            name = request.user.organisation.partnership.name
            messages.success(
                request,
                f"If {email} is the address of a carer registered with {name}, we have sent them an invitation.",
            )
            return redirect("commissioning:partners")
    context = {"form": form, "title": form.title, "back_url": reverse("commissioning:partners")}
    context |= {"submit": "Send the invitation", "intro": INVITE_INTRO}
    return render(request, "form_page.html", context)


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def partner_end(request, pk):
    partner = partners.partner_get(fetched_by=request.user, pk=pk)
    if partner.state == "ended":
        return redirect("commissioning:partners")
    form = PartnerEndForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            partners.carer_partner_end(partner=partner, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{partners.partner_name(partner)} is no longer a carer partner.")
            return redirect("commissioning:partners")
    context = {"form": form, "title": "End this carer partnership", "caption": partners.partner_name(partner)}
    context |= {"back_url": reverse("commissioning:partners"), "submit": "End the partnership", "intro": END_INTRO}
    return render(request, "form_page.html", context)
