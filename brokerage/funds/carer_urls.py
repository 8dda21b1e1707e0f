"""The carer's money and statements (/carer/money/), the hub's copy of a carer's statement
(/hub/funds/<pk>/statement/), and the hub's finance exports (/hub/finance/exports/)."""

from django.urls import path

from breakthrough.decorators import role_required
from breakthrough.models import Role
from brokerage.funds import carer_views, finance_views

app_name = "funds_carer"

carer = role_required(Role.CARER)
staff = role_required(Role.BROKER, Role.ASSESSOR, Role.ADMIN)
finance = role_required(Role.BROKER, Role.ADMIN)

STATEMENT = [
    ("statement/", carer_views.statement_page, "statement"),
    ("statement/pdf/", carer_views.statement_pdf, "statement_pdf"),
    ("statement/csv/", carer_views.statement_csv, "statement_csv"),
]

urlpatterns = [
    path("carer/money/", carer(carer_views.money), name="money"),
    *(
        path(f"carer/money/<int:pk>/{route}", carer(view), {"side": "carer"}, name=f"carer_{name}")
        for route, view, name in STATEMENT
    ),
    *(
        path(f"hub/funds/<int:pk>/{route}", staff(view), {"side": "staff"}, name=f"staff_{name}")
        for route, view, name in STATEMENT
    ),
    path("hub/finance/exports/", finance(finance_views.finance_exports), name="finance_exports"),
]
