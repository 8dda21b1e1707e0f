"""RAS pages: assessments domain by domain, the explanation of a budget, the resource panel, virtual budgets,
price scales with their recalibration, questionnaire versions, and the carer's own "Your budget".

Views are small: fetch through a selector (which goes through the access choke point), validate a form,
call a service, redirect. Brokers read; assessors (and admin) write; carers see only their own budget.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Role
from brokerage.selectors import carer_get, carer_of_user
from ras import forms, selectors, services
from ras.budget import budget_compute
from ras.models import Assessment

READERS = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)
DECIDERS = (Role.ASSESSOR, Role.ADMIN)


def _form_page(request, form, *, title, back_url, submit="Save", caption="", extra=None):
    context = {"form": form, "title": title, "back_url": back_url, "submit": submit, "caption": caption}
    return render(request, "form_page.html", context | (extra or {}))


def _error_page(request, *, title, error, back_url, caption=""):
    """A confirmation page that came back with the service's reason for refusing."""
    # "reason", not "error": this page explains a refusal; it is not a form re-shown with errors (no "Error: ").
    context = {"title": title, "reason": error, "back_url": back_url, "caption": caption}
    return render(request, "ras/refused.html", context)


def _detail_url(assessment):
    return reverse("ras:assessment_detail", kwargs={"pk": assessment.pk})


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------


@role_required(*READERS)
def assessment_list(request):
    status = request.GET.get("status", "")
    status = status if status in Assessment.Status.values else ""
    page = Paginator(selectors.assessment_list(fetched_by=request.user, status=status or None), 25).get_page(
        request.GET.get("page")
    )
    querystring = urlencode({"status": status}) if status else ""
    return render(
        request,
        "ras/assessment_list.html",
        {"page": page, "status": status, "statuses": Assessment.Status.choices, "querystring": querystring},
    )


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def assessment_start(request, carer_pk):
    carer = carer_get(fetched_by=request.user, pk=carer_pk)
    versions = selectors.published_versions(fetched_by=request.user, partnership_id=carer.partnership_id)
    form = forms.StartForm(posted(request), versions=versions)
    if request.method == "GET" and len(versions) == 1:
        form.initial = {"questionnaire_version": versions[0].pk}
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_start(
                carer=carer, questionnaire_version=form.cleaned_data["questionnaire_version"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_detail_url(assessment))
    return render(
        request,
        "ras/assessment_start.html",
        {
            "form": form,
            "carer": carer,
            "versions": versions,
            "in_progress": carer.assessments.filter(status=Assessment.Status.DRAFT).first(),
        },
    )


@role_required(*READERS)
def assessment_detail(request, pk):
    """A draft: the domains to answer (a task list). Completed: the explanation and the panel's decisions."""
    assessment = selectors.assessment_get(fetched_by=request.user, pk=pk)
    domains = selectors.questionnaire_domains(version=assessment.questionnaire_version)
    answers = selectors.assessment_answers(assessment=assessment)
    tasks = [
        {
            "domain": domain,
            "answered": sum(1 for q in domain.questions.all() if q.pk in answers),
            "total": len(domain.questions.all()),
        }
        for domain in domains
    ]
    return render(
        request,
        "ras/assessment_detail.html",
        {
            "assessment": assessment,
            "tasks": tasks,
            "all_answered": all(t["answered"] == t["total"] for t in tasks),
            "decisions": selectors.assessment_decisions(assessment=assessment),
            "can_write": request.user.role in DECIDERS,
        },
    )


def _domain_or_404(assessment, position):
    for domain in selectors.questionnaire_domains(version=assessment.questionnaire_version):
        if domain.position == position:
            return domain
    raise Http404("No such domain.")


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def assessment_domain(request, pk, position):
    """One domain's questions. 'Save and continue' needs every answer; 'Save and come back later' does not."""
    assessment = selectors.assessment_get(fetched_by=request.user, pk=pk)
    if assessment.is_completed:
        return redirect(_detail_url(assessment))
    domain = _domain_or_404(assessment, position)
    later = "later" in request.POST
    answers = selectors.assessment_answers(assessment=assessment)
    form = forms.DomainForm(posted(request), domain=domain, answers=answers, required=not later)
    if request.method == "POST" and form.is_valid():
        chosen = form.answers()
        if later:  # keep what was chosen; leave earlier answers alone where nothing was chosen now
            chosen = {q: o for q, o in chosen.items() if o is not None}
        try:
            services.assessment_answer(assessment=assessment, answers=chosen, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if later:
                messages.success(request, "Your answers are saved. Come back to finish the assessment at any time.")
                return redirect(_detail_url(assessment))
            positions = [d.position for d in selectors.questionnaire_domains(version=assessment.questionnaire_version)]
            following = [p for p in positions if p > position]
            if following:
                return redirect("ras:assessment_domain", pk=assessment.pk, position=following[0])
            return redirect("ras:assessment_check", pk=assessment.pk)
    return render(
        request,
        "ras/assessment_domain.html",
        {"form": form, "assessment": assessment, "domain": domain, "back_url": _detail_url(assessment)},
    )


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def assessment_check(request, pk):
    """Check the answers, then complete the assessment (which prices it)."""
    assessment = selectors.assessment_get(fetched_by=request.user, pk=pk)
    if assessment.is_completed:
        return redirect(_detail_url(assessment))
    error = None
    if request.method == "POST":
        try:
            services.assessment_complete(assessment=assessment, by=request.user)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, "The assessment is completed and its indicative budget worked out.")
            return redirect(_detail_url(assessment))
    domains = selectors.questionnaire_domains(version=assessment.questionnaire_version)
    answers = selectors.assessment_answers(assessment=assessment)
    rows = [
        {
            "domain": domain,
            "questions": [
                (q, next((o for o in q.options.all() if o.pk == answers.get(q.pk)), None))
                for q in domain.questions.all()
            ],
        }
        for domain in domains
    ]
    return render(request, "ras/assessment_check.html", {"assessment": assessment, "rows": rows, "error": error})


# ---------------------------------------------------------------------------------------------
# The resource panel
# ---------------------------------------------------------------------------------------------


@role_required(*READERS)
def panel(request):
    page = Paginator(selectors.panel_queue(fetched_by=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "ras/panel.html", {"page": page})


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def panel_decide(request, pk):
    assessment = selectors.assessment_get(fetched_by=request.user, pk=pk)
    own = assessment.assessor_id == request.user.pk
    form = forms.PanelForm(posted(request))
    if request.method == "POST" and not own and assessment.is_completed and form.is_valid():
        try:
            services.panel_decide(assessment=assessment, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The panel's decision is recorded.")
            return redirect(_detail_url(assessment))
    return render(
        request,
        "ras/panel_decide.html",
        {
            "form": form,
            "assessment": assessment,
            "own": own,
            "decisions": selectors.assessment_decisions(assessment=assessment),
        },
    )


# ---------------------------------------------------------------------------------------------
# Virtual budget: the same sum, nothing committed
# ---------------------------------------------------------------------------------------------


@role_required(*READERS)
def virtual_budget(request):
    versions = [
        v
        for q in selectors.questionnaire_list(fetched_by=request.user)
        for v in q.versions.all()
        if v.is_published or request.user.role in DECIDERS
    ]
    return render(request, "ras/virtual_budget_choose.html", {"versions": versions})


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def virtual_budget_version(request, pk):
    version = selectors.questionnaire_version_get(fetched_by=request.user, pk=pk)
    scales = selectors.scale_list(fetched_by=request.user).filter(partnership_id=version.questionnaire.partnership_id)
    domains = selectors.questionnaire_domains(version=version)
    form = forms.VirtualBudgetForm(posted(request), domains=domains, scales=scales)
    budget = None
    if request.method == "POST" and form.is_valid():
        scale = selectors.scale_get(fetched_by=request.user, pk=form.cleaned_data["scale"].pk)
        budget = budget_compute(**form.inputs(), terms=selectors.scale_terms(scale))
    return render(request, "ras/virtual_budget.html", {"form": form, "version": version, "budget": budget})


# ---------------------------------------------------------------------------------------------
# Price scales
# ---------------------------------------------------------------------------------------------


@role_required(*READERS)
def scale_list(request):
    return render(request, "ras/scale_list.html", {"scales": selectors.scale_list(fetched_by=request.user)})


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def scale_create(request):
    choose = request.user.partnership_id is None
    form = forms.ScaleCreateForm(
        posted(request),
        choose_partnership=choose,
        initial={"financial_year": services.financial_year_of(timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        partnership = form.cleaned_data["partnership"] if choose else request.user.organisation.partnership
        try:
            scale = services.price_scale_create(
                partnership=partnership, financial_year=form.cleaned_data["financial_year"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The draft scale is made: a copy of the latest one. Change it, then publish it.")
            return redirect("ras:scale_detail", pk=scale.pk)
    return _form_page(
        request,
        form,
        title=form.title,
        back_url=reverse("ras:scale_list"),
        submit="Make the draft",
        extra={"intro": "A new draft starts as a copy of the latest scale. Nothing changes until you publish it."},
    )


@role_required(*READERS)
def scale_detail(request, pk):
    scale = selectors.scale_get(fetched_by=request.user, pk=pk)
    return render(request, "ras/scale_detail.html", {"scale": scale, "can_write": request.user.role in DECIDERS})


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def scale_edit(request, pk):
    scale = selectors.scale_get(fetched_by=request.user, pk=pk)
    if scale.is_published:
        return _error_page(
            request,
            title="A published scale never changes",
            error="Make a new draft version instead: it starts as a copy of this one.",
            back_url=reverse("ras:scale_detail", kwargs={"pk": scale.pk}),
        )
    form = forms.ScaleForm(
        posted(request),
        initial=forms.ScaleForm.initial_for(scale),
        circumstances=selectors.circumstances_in_use(partnership_id=scale.partnership_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.price_scale_update(
                scale=scale, data=form.service_data(), bands=form.bands, adjustments=form.adjustments, by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The draft scale is saved.")
            return redirect("ras:scale_detail", pk=scale.pk)
    return _form_page(
        request,
        form,
        title=form.title,
        caption=f"{scale.partnership.name}: {scale}",
        back_url=reverse("ras:scale_detail", kwargs={"pk": scale.pk}),
        submit="Save the draft",
    )


@role_required(*READERS)
def scale_recalibration(request, pk):
    """What every current assessment would get under this scale against what it has now, before anything changes."""
    scale = selectors.scale_get(fetched_by=request.user, pk=pk)
    rows = selectors.recalibration_rows(scale=scale, fetched_by=request.user)
    totals = selectors.recalibration_totals(rows=rows)
    show = request.GET.get("show", "all")
    show = show if show in selectors.RECALIBRATION_VIEWS else "all"
    page = Paginator(selectors.recalibration_list(rows=rows, show=show), 25).get_page(request.GET.get("page"))
    budget = scale.annual_budget_pence
    return render(
        request,
        "ras/scale_recalibration.html",
        {
            "scale": scale,
            "totals": totals,
            "page": page,
            "show": show,
            "views": [(key, label) for key, (label, _) in selectors.RECALIBRATION_VIEWS.items()],
            "querystring": urlencode({"show": show}),
            "over_budget": budget is not None and totals["total_new"] > budget,
            "left_pence": None if budget is None else budget - totals["total_new"],
        },
    )


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def scale_publish(request, pk):
    scale = selectors.scale_get(fetched_by=request.user, pk=pk)
    error = None
    if request.method == "POST" and not scale.is_published:
        try:
            services.price_scale_publish(scale=scale, by=request.user)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, "The scale is published. Assessments completed from now on use it.")
            return redirect("ras:scale_detail", pk=scale.pk)
    return render(request, "ras/scale_publish.html", {"scale": scale, "error": error})


# ---------------------------------------------------------------------------------------------
# Questionnaires
# ---------------------------------------------------------------------------------------------


@role_required(*READERS)
def questionnaire_list(request):
    return render(
        request,
        "ras/questionnaire_list.html",
        {
            "questionnaires": selectors.questionnaire_list(fetched_by=request.user),
            "can_write": request.user.role in DECIDERS,
        },
    )


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def questionnaire_create(request):
    choose = request.user.partnership_id is None
    form = forms.QuestionnaireForm(posted(request), choose_partnership=choose)
    if request.method == "POST" and form.is_valid():
        partnership = form.cleaned_data["partnership"] if choose else request.user.organisation.partnership
        try:
            version = services.questionnaire_create(
                partnership=partnership, name=form.cleaned_data["name"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The questionnaire is added. Add its domains and questions, then publish it.")
            return redirect("ras:questionnaire_version", pk=version.pk)
    return _form_page(
        request, form, title=form.title, back_url=reverse("ras:questionnaire_list"), submit="Add questionnaire"
    )


@role_required(*READERS)
def questionnaire_version(request, pk):
    version = selectors.questionnaire_version_get(fetched_by=request.user, pk=pk)
    return render(
        request,
        "ras/questionnaire_version.html",
        {
            "version": version,
            "domains": selectors.questionnaire_domains(version=version),
            "can_write": request.user.role in DECIDERS,
            "admin_url": reverse("admin:ras_questionnaireversion_change", args=[version.pk])
            if request.user.is_staff
            else None,
        },
    )


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def questionnaire_new_version(request, pk):
    questionnaire = selectors.questionnaire_get(fetched_by=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            version = services.questionnaire_new_version(questionnaire=questionnaire, by=request.user)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, f"Version {version.number} is made: a draft copy of the latest version.")
            return redirect("ras:questionnaire_version", pk=version.pk)
    return render(request, "ras/questionnaire_new_version.html", {"questionnaire": questionnaire, "error": error})


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def questionnaire_publish(request, pk):
    version = selectors.questionnaire_version_get(fetched_by=request.user, pk=pk)
    error = None
    if request.method == "POST" and not version.is_published:
        try:
            services.questionnaire_version_publish(version=version, by=request.user)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, "The questionnaire version is published. New assessments can use it.")
            return redirect("ras:questionnaire_version", pk=version.pk)
    return render(request, "ras/questionnaire_publish.html", {"version": version, "error": error})


# ---------------------------------------------------------------------------------------------
# The carer's own budget
# ---------------------------------------------------------------------------------------------


@role_required(Role.CARER)
def carer_budget(request):
    carer = carer_of_user(user=request.user)
    return render(
        request,
        "ras/carer_budget.html",
        {
            "assessments": selectors.carer_own_assessments(carer=carer),
            "approved": selectors.approved_budget(carer=carer),
        },
    )
