from django.urls import path

from brokerage.feedback import views as feedback_views
from brokerage.providers import views

app_name = "providers"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/change/", views.profile_edit, name="profile_edit"),
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/add/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/change/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/publish/", views.offer_publish, name="offer_publish"),
    path("offers/<int:pk>/sessions/add/", views.session_add, name="session_add"),
    path("offers/<int:pk>/schedules/add/", views.schedule_add, name="schedule_add"),
    path("offers/<int:pk>/nights/", views.nights_open, name="nights_open"),
    path("offers/<int:pk>/nights/close/", views.nights_close, name="nights_close"),
    path("offers/<int:pk>/stays/attendance/", views.stay_attendance, name="stay_attendance"),
    path("schedules/<int:pk>/end/", views.schedule_end, name="schedule_end"),
    path("schedules/<int:pk>/places/", views.schedule_places, name="schedule_places"),
    path("sessions/<int:pk>/places/", views.session_places, name="session_places"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("feedback/", feedback_views.provider_list, name="feedback_list"),
    path("offers/<int:pk>/feedback/", feedback_views.provider_offer, name="offer_feedback"),
    path("compliance/", views.compliance_list, name="compliance_list"),
    path("compliance/add/", views.compliance_add, name="compliance_add"),
    path("compliance/<int:pk>/renew/", views.compliance_replace, name="compliance_replace"),
    path("compliance/<int:pk>/download/", views.compliance_download, name="compliance_download"),
]
