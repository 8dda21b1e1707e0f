"""The hub's fund pages and the provider's invoices (brokerage:funds:*). Other fund pages have their own
URLconfs (carer_urls.py, grant_urls.py) included from brokerage/urls.py."""

from django.urls import path

from brokerage.funds import approval_views, views

app_name = "funds"

urlpatterns = [
    path("hub/funds/", views.fund_list, name="fund_list"),
    path("hub/funds/<int:pk>/", views.fund_detail, name="fund_detail"),
    path("hub/funds/invoices/", views.invoice_list, name="invoices"),
    path("hub/funds/invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("hub/funds/payment-terms/", views.payment_terms_list, name="payment_terms"),
    path("hub/funds/payment-terms/<int:provider_pk>/", views.payment_terms_edit, name="payment_terms_edit"),
    path("hub/funds/group-booking/", views.pooled_sessions, name="pooled_sessions"),
    path("hub/funds/group-booking/<int:session_pk>/", views.pooled_book, name="pooled_book"),
    path("provider/invoices/", views.provider_invoices, name="provider_invoices"),
    path("provider/invoices/new/<int:booking_pk>/", views.provider_invoice_new, name="provider_invoice_new"),
    path(
        "provider/invoices/support/<int:support_pk>/",
        views.provider_support_invoice_new,
        name="provider_support_invoice_new",
    ),
    path("hub/funds/supports/<int:support_pk>/invoice/", views.hub_support_invoice_new, name="hub_support_invoice_new"),
]

# Refunds, and the two-person rule: adjustments and overdrafts (approval_views.py)
urlpatterns += [
    path("hub/funds/invoices/<int:pk>/refund/", approval_views.invoice_refund, name="invoice_refund"),
    path("hub/funds/<int:pk>/adjust/", approval_views.fund_adjust, name="fund_adjust"),
    path("hub/funds/<int:pk>/overdraft/", approval_views.fund_overdraft, name="fund_overdraft"),
    path("hub/funds/approvals/", approval_views.approvals, name="approvals"),
    path("hub/funds/adjustments/<int:pk>/", approval_views.adjustment_detail, name="adjustment_detail"),
    path("hub/funds/overdrafts/<int:pk>/", approval_views.overdraft_detail, name="overdraft_detail"),
]
