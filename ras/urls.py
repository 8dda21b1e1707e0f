from django.urls import path

from ras import views

app_name = "ras"

urlpatterns = [
    path("hub/assessments/", views.assessment_list, name="assessment_list"),
    path("hub/carers/<int:carer_pk>/assessments/start/", views.assessment_start, name="assessment_start"),
    path("hub/assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("hub/assessments/<int:pk>/domains/<int:position>/", views.assessment_domain, name="assessment_domain"),
    path("hub/assessments/<int:pk>/check/", views.assessment_check, name="assessment_check"),
    path("hub/assessments/<int:pk>/panel/", views.panel_decide, name="panel_decide"),
    path("hub/panel/", views.panel, name="panel"),
    path("hub/virtual-budget/", views.virtual_budget, name="virtual_budget"),
    path("hub/virtual-budget/<int:pk>/", views.virtual_budget_version, name="virtual_budget_version"),
    path("hub/scales/", views.scale_list, name="scale_list"),
    path("hub/scales/new/", views.scale_create, name="scale_create"),
    path("hub/scales/<int:pk>/", views.scale_detail, name="scale_detail"),
    path("hub/scales/<int:pk>/change/", views.scale_edit, name="scale_edit"),
    path("hub/scales/<int:pk>/recalibration/", views.scale_recalibration, name="scale_recalibration"),
    path("hub/scales/<int:pk>/publish/", views.scale_publish, name="scale_publish"),
    path("hub/questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("hub/questionnaires/new/", views.questionnaire_create, name="questionnaire_create"),
    path("hub/questionnaires/<int:pk>/new-version/", views.questionnaire_new_version, name="questionnaire_new_version"),
    path("hub/questionnaires/versions/<int:pk>/", views.questionnaire_version, name="questionnaire_version"),
    path("hub/questionnaires/versions/<int:pk>/publish/", views.questionnaire_publish, name="questionnaire_publish"),
    path("carer/budget/", views.carer_budget, name="carer_budget"),
]
