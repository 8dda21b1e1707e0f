from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from breakthrough.decorators import role_required
from breakthrough.models import Locality, Role
from commissioning import selectors
from commissioning.forms import DashboardFilterForm, OutcomesPeriodForm


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
