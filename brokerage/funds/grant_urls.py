"""Micro-grant and direct-payment pages (namespace brokerage:grants)."""

from django.urls import path

from brokerage.funds import dp_views, grant_views

app_name = "grants"

urlpatterns = [
    # Micro-grants
    path("carer/money/grants/", grant_views.carer_list, name="carer_list"),
    path("carer/money/grants/apply/", grant_views.carer_apply, name="carer_apply"),
    path("carer/money/grants/<int:pk>/", grant_views.carer_detail, name="carer_detail"),
    path("hub/grants/", grant_views.panel, name="panel"),
    path("hub/grants/settings/", grant_views.scheme_edit, name="scheme_edit"),
    path("hub/grants/meetings/add/", grant_views.meeting_add, name="meeting_add"),
    path("hub/grants/meetings/<int:pk>/", grant_views.meeting_detail, name="meeting_detail"),
    path("hub/grants/applications/<int:pk>/", grant_views.application_decide, name="application_decide"),
    # Direct payments
    path("carer/money/direct-payments/", dp_views.carer_direct_payments, name="dp_carer"),
    path("direct-payments/<int:pk>/spend/", dp_views.spend_add, name="dp_spend_add"),
    path("direct-payments/receipts/<int:pk>/", dp_views.receipt_download, name="dp_receipt"),
    path("hub/direct-payments/", dp_views.hub_list, name="dp_hub_list"),
    path("hub/direct-payments/<int:pk>/", dp_views.hub_fund, name="dp_hub_fund"),
    path("hub/direct-payments/period-end/", dp_views.period_end_list, name="dp_period_end"),
    path("hub/direct-payments/period-end/rule/", dp_views.period_end_rule_edit, name="dp_period_end_rule"),
    path("hub/direct-payments/<int:pk>/period-end/", dp_views.period_end_settle, name="dp_period_end_settle"),
]
