from django.urls import path

from brokerage.bookings import views

app_name = "bookings"

urlpatterns = [
    path("book/<int:session_pk>/", views.book, name="book_session"),
    path("book/nights/<int:offer_pk>/", views.book, name="book_nights"),
    path("book/nights/<int:offer_pk>/dates/", views.stay, name="stay"),
    path("hub/carers/<int:carer_pk>/book/<int:session_pk>/", views.book, name="staff_book_session"),
    path("hub/carers/<int:carer_pk>/book/nights/<int:offer_pk>/", views.book, name="staff_book_nights"),
    path("hub/carers/<int:carer_pk>/book/nights/<int:offer_pk>/dates/", views.stay, name="staff_stay"),
    path("carer/breaks/", views.breaks, name="breaks"),
    path("carer/breaks/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("carer/breaks/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("waiting-list/<int:pk>/accept/", views.waiting_accept, name="waiting_accept"),
    path("waiting-list/<int:pk>/decline/", views.waiting_decline, name="waiting_decline"),
    path("carer/breaks/calendar-address/", views.calendar_renew, name="calendar_renew"),
    path("calendar/<int:carer_pk>/<str:token>.ics", views.calendar, name="calendar"),
]
