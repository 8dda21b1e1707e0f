"""Local audits, under /audits/: the partnership's commissioners only."""

from django.urls import path

from audits import views
from breakthrough.decorators import role_required
from breakthrough.models import Role

app_name = "audits"

commissioner = role_required(Role.COMMISSIONER)

urlpatterns = [
    path("audits/", commissioner(views.audit_list), name="list"),
    path("audits/new/", commissioner(views.audit_new), name="new"),
    path("audits/<int:pk>/", commissioner(views.audit_run), name="run"),
    path("audits/<int:pk>/status.json", commissioner(views.audit_status), name="status"),
    path("audits/<int:pk>/retry/", commissioner(views.audit_retry), name="retry"),
    path("audits/<int:pk>/findings/", commissioner(views.audit_findings), name="findings"),
    path("audits/<int:pk>/carers-views/new/", commissioner(views.carer_view_new), name="carer_view_new"),
    path("audits/<int:pk>/compare/<int:other_pk>/", commissioner(views.audit_compare), name="compare"),
    path("audits/<int:pk>/report.pdf", commissioner(views.audit_pdf), name="pdf"),
    path("audits/<int:pk>/report.xlsx", commissioner(views.audit_xlsx), name="xlsx"),
    path("audits/<int:pk>/tables/<str:code>.csv", commissioner(views.audit_csv), name="csv"),
]
