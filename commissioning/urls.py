from django.urls import include, path

from commissioning import views
from commissioning.statement.urls import urlpatterns as statement_urls

app_name = "commissioning"

urlpatterns = [
    path("commissioning/", views.home, name="home"),
    path("commissioning/outcomes/", views.outcomes, name="outcomes"),
    path("commissioning/<slug:figure>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("commissioning/carer-partners/", views.partner_list, name="partners"),
    path("commissioning/carer-partners/invite/", views.partner_invite, name="partner_invite"),
    path("commissioning/carer-partners/<int:pk>/end/", views.partner_end, name="partner_end"),
    path("national/", views.national, name="national"),
    path("national/outcomes/", views.national_outcomes, name="national_outcomes"),
    path("national/<slug:figure>.csv", views.national_csv, name="national_csv"),
    path("", include("commissioning.plans.urls")),
    *statement_urls,
]
