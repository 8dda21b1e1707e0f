"""Transformation plans, under /commissioning/plans/ (and /partner/plans/ for carer partners)."""

from django.urls import path

from breakthrough.decorators import role_required
from breakthrough.models import Role
from commissioning.plans import views

app_name = "plans"

commissioner = role_required(Role.COMMISSIONER)
reader = role_required(Role.COMMISSIONER, Role.CARER)  # a carer only sees the versions naming them

urlpatterns = [
    path("commissioning/plans/", commissioner(views.plan_list), name="list"),
    path("commissioning/plans/new/", commissioner(views.plan_new), name="new"),
    path("commissioning/plans/<int:pk>/", reader(views.plan_detail), name="detail"),
    path("commissioning/plans/<int:pk>/history/", reader(views.plan_history), name="history"),
    path("commissioning/plans/<int:pk>/comment/", reader(views.plan_comment), name="comment"),
    path("commissioning/plans/<int:pk>/change/", commissioner(views.plan_edit), name="edit"),
    path("commissioning/plans/<int:pk>/partners/", commissioner(views.plan_partners), name="partners"),
    path("commissioning/plans/<int:pk>/targets/new/", commissioner(views.target_new), name="target_new"),
    path(
        "commissioning/plans/<int:pk>/targets/new/<str:code>/<int:run_pk>/",
        commissioner(views.target_set),
        name="target_set",
    ),
    path("commissioning/plans/<int:pk>/<slug:part>/new/", commissioner(views.part_new), name="part_new"),
    path(
        "commissioning/plans/<int:pk>/<slug:part>/<int:part_pk>/remove/",
        commissioner(views.part_remove),
        name="part_remove",
    ),
    path("commissioning/plans/<int:pk>/publish/", commissioner(views.plan_publish), name="publish"),
    path("commissioning/plans/<int:pk>/new-version/", commissioner(views.plan_new_version), name="new_version"),
    path("partner/plans/", role_required(Role.CARER)(views.partner_plans), name="partner_list"),
]
