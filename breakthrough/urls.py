from django.contrib import admin
from django.urls import include, path

from breakthrough import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("platform/", views.platform_home, name="platform_home"),
    path("platform/invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("carer/partner/<int:pk>/", views.partner_agree, name="partner_agree"),
    path("carer/partner/<int:pk>/withdraw/", views.partner_withdraw, name="partner_withdraw"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("brokerage.urls")),
    path("", include("commissioning.urls")),
    path("openreferral/", include("commissioning.openreferral.urls")),
    path("", include("audits.urls")),
    path("", include("ras.urls")),
]
