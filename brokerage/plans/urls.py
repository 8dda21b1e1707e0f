"""Support plan pages: the carer's under /carer/plan/, the hub's under the carer's record. The same views serve
both sides; each side has its own role check and URL names (carer_* and staff_*)."""

from django.urls import path

from breakthrough.decorators import role_required
from breakthrough.models import Role
from brokerage.plans import views

app_name = "plans"

carer = role_required(Role.CARER)
staff = role_required(Role.BROKER, Role.ASSESSOR, Role.ADMIN)
assessor = role_required(Role.ASSESSOR)

# (route after the side's prefix, view, name): pages both the carer and the hub use.
SHARED = [
    ("<int:pk>/", views.plan_page, "plan"),
    ("<int:pk>/details/", views.details, "details"),
    ("<int:pk>/budget/", views.budget, "budget"),
    ("<int:pk>/send/", views.submit, "submit"),
    ("<int:pk>/change/", views.new_version, "new_version"),
    ("<int:pk>/pdf/", views.pdf_download, "pdf"),
    ("<int:pk>/<slug:section>/", views.section_page, "section"),
    ("<int:pk>/<slug:section>/add/", views.item_page, "item_add"),
    ("<int:pk>/<slug:section>/<int:item>/", views.item_page, "item_edit"),
    ("<int:pk>/<slug:section>/<int:item>/remove/", views.item_remove, "item_remove"),
]

urlpatterns = [
    path("carer/plan/", carer(views.versions), name="carer_versions"),
    *(path(f"carer/plan/{route}", carer(view), name=f"carer_{name}") for route, view, name in SHARED),
    path("hub/plans/", staff(views.hub_list), name="hub_list"),
    path("hub/carers/<int:carer_pk>/plans/", staff(views.versions), name="staff_versions"),
    # Before the shared pages, whose "<pk>/<section>/" would otherwise take these addresses.
    path("hub/carers/<int:carer_pk>/plans/<int:pk>/decision/", assessor(views.decide), name="staff_decide"),
    path("hub/carers/<int:carer_pk>/plans/<int:pk>/pdf/again/", staff(views.pdf_retry), name="staff_pdf_retry"),
    path("hub/carers/<int:carer_pk>/plans/<int:pk>/review/", staff(views.review), name="staff_review"),
    *(
        path(f"hub/carers/<int:carer_pk>/plans/{route}", staff(view), name=f"staff_{name}")
        for route, view, name in SHARED
    ),
]
