"""Local audits, under /audits/: the partnership's commissioners; the pages that only read a finished audit also
let carers through, and the selector then shows a carer only the audits that name them as a current partner."""

from django.urls import path

from audits import views
from breakthrough.decorators import role_required
from breakthrough.models import Role

app_name = "audits"

commissioner = role_required(Role.COMMISSIONER)
reader = role_required(Role.COMMISSIONER, Role.CARER)

urlpatterns = [
    path("audits/", commissioner(views.audit_list), name="list"),
    path("audits/new/", commissioner(views.audit_new), name="new"),
    path("audits/minimum-entitlement/", commissioner(views.minimum_entitlement), name="minimum_entitlement"),
    path("audits/<int:pk>/", reader(views.audit_run), name="run"),
    path("audits/<int:pk>/status.json", commissioner(views.audit_status), name="status"),
    path("audits/<int:pk>/retry/", commissioner(views.audit_retry), name="retry"),
    path("audits/<int:pk>/findings/", commissioner(views.audit_findings), name="findings"),
    path("audits/<int:pk>/carer-partners/", commissioner(views.audit_partners), name="partners"),
    path("audits/<int:pk>/carers-views/new/", commissioner(views.carer_view_new), name="carer_view_new"),
    path("audits/<int:pk>/compare/<int:other_pk>/", reader(views.audit_compare), name="compare"),
    path("audits/<int:pk>/report.pdf", reader(views.audit_pdf), name="pdf"),
    path("audits/<int:pk>/report.xlsx", reader(views.audit_xlsx), name="xlsx"),
    path("audits/<int:pk>/tables/<str:code>.csv", reader(views.audit_csv), name="csv"),
]
