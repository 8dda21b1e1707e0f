from django.urls import include, path

from brokerage import views

app_name = "brokerage"

urlpatterns = [
    path("carer/", views.carer_home, name="carer_home"),
    path("carer/about-you/check/", views.about_you_check, name="about_you_check"),
    path("carer/about-you/<slug:step>/", views.about_you_step, name="about_you_step"),
    path("carer/people/", views.people_list, name="people_list"),
    path("carer/people/add/", views.person_add, name="person_add"),
    path("carer/people/<int:pk>/check/", views.person_check, name="person_check"),
    path("carer/people/<int:pk>/remove/", views.person_remove, name="person_remove"),
    path("carer/people/<int:pk>/<slug:step>/", views.person_step, name="person_step"),
    path("hub/carers/", views.caseload, name="caseload"),
    path("hub/carers/<int:pk>/", views.carer_detail, name="carer_detail"),
    path("provider/", views.provider_home, name="provider_home"),
    path("volunteer/", views.volunteer_home, name="volunteer_home"),
    path("", include("brokerage.funds.urls")),  # the hub's funds, invoices and payments; the provider's invoices
    path("", include("brokerage.funds.carer_urls")),  # the carer's money, statements, finance exports
    path("", include("brokerage.directory.urls")),
    path("", include("brokerage.bookings.urls")),
    path("", include("brokerage.feedback.urls")),
    path("", include("brokerage.plans.urls")),
    path("", include("brokerage.referrals.urls")),
    path("provider/", include("brokerage.providers.urls")),
    path("", include("brokerage.funds.grant_urls")),
]
