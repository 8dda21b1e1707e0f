from django.urls import path

from brokerage.feedback import views

app_name = "feedback"

urlpatterns = [
    path("carer/breaks/<int:pk>/feedback/", views.give, name="give"),
    path("carer/breaks/<int:pk>/feedback/people/<int:person_pk>/", views.give, name="give_for"),
    path("carer/breaks/<int:pk>/feedback/thanks/", views.thanks, name="thanks"),
]
