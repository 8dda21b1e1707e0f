from django.urls import path

from brokerage.directory import views

app_name = "directory"

urlpatterns = [
    path("breaks/", views.search, name="search"),
    path("breaks/calendar/", views.month_calendar, name="calendar"),
    path("breaks/<int:pk>/", views.offer_detail, name="offer"),
]
