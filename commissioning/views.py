from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from breakthrough.decorators import role_required
from breakthrough.models import Role
from commissioning import selectors


@role_required(Role.COMMISSIONER)
def home(request):
    overview = selectors.partnership_overview(fetched_by=request.user)
    return render(request, "commissioning/home.html", {"overview": overview})


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
