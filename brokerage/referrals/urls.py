from django.urls import path

from brokerage.referrals import views

app_name = "referrals"

urlpatterns = [
    path("carer/referrals/", views.your_referrals, name="your_referrals"),
    path("carer/referrals/new/", views.refer, name="refer"),
    path("carer/referrals/<int:pk>/", views.your_referral, name="your_referral"),
    path("hub/referrals/", views.queue, name="queue"),
    path("hub/referrals/new-carer/", views.new_carer, name="new_carer"),
    path("hub/referrals/<int:pk>/", views.detail, name="detail"),
    path("hub/referrals/<int:pk>/triage/", views.triage, name="triage"),
    path("hub/referrals/<int:pk>/assign/", views.assign, name="assign"),
    path("hub/referrals/<int:pk>/notes/add/", views.note_add, name="note_add"),
    path("hub/referrals/<int:pk>/close/", views.close, name="close"),
    path("hub/referrals/<int:pk>/redirect/", views.redirect_elsewhere, name="redirect"),
    path("hub/carers/<int:carer_pk>/refer/", views.record, name="record"),
    path("hub/partnerships/<int:pk>/eligibility/", views.criteria, name="criteria"),
]
