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
    rows = selectors.national_overview(fetched_by=request.user)
    return render(request, "commissioning/national.html", {"rows": rows, "threshold": selectors.SUPPRESS_BELOW})
