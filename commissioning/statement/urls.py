"""The Short Breaks Services Statement: public pages under /statements/, the commissioners' under
/commissioning/statement/."""

from django.urls import path

from commissioning.statement import views

urlpatterns = [
    path("statements/", views.statement_index, name="statements"),
    path("statements/<slug:partnership>/", views.statement_latest, name="statement"),
    path("statements/<slug:partnership>/versions/", views.statement_versions, name="statement_versions"),
    path("statements/<slug:partnership>/<int:version>/", views.statement_version, name="statement_version"),
    path("statements/<slug:partnership>/<int:version>.pdf", views.statement_pdf, name="statement_pdf"),
    path("commissioning/statement/", views.statement_manage, name="statement_manage"),
    path("commissioning/statement/preview/", views.statement_preview, name="statement_preview"),
    path("commissioning/statement/publish/", views.statement_publish, name="statement_publish"),
    path("commissioning/statement/<slug:section>/", views.statement_edit, name="statement_edit"),
]
