from django.urls import path

from commissioning import views
from commissioning.statement.urls import urlpatterns as statement_urls

app_name = "commissioning"

urlpatterns = [
    path("commissioning/", views.home, name="home"),
    path("commissioning/outcomes/", views.outcomes, name="outcomes"),
    path("commissioning/<slug:figure>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("national/", views.national, name="national"),
    path("national/outcomes/", views.national_outcomes, name="national_outcomes"),
    path("national/<slug:figure>.csv", views.national_csv, name="national_csv"),
    *statement_urls,
]
