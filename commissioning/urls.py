from django.urls import path

from commissioning import views

app_name = "commissioning"

urlpatterns = [
    path("commissioning/", views.home, name="home"),
    path("national/", views.national, name="national"),
    path("national/<slug:figure>.csv", views.national_csv, name="national_csv"),
]
