"""Transformation plan pages: the partnership's commissioners write them; the carer partners named on a version
read it and comment. Anyone else, and any plan outside what the user may see, answers 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audits.models import AuditFigure
from audits.selectors import BREAKDOWN_HEADERS, shown
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Role
from commissioning.plans import forms, measures, selectors, services

PART_FORMS = {
    "commitments": (forms.CommitmentForm, "The resource commitment is added."),
    "milestones": (forms.MilestoneForm, "The milestone is added."),
    "initiatives": (forms.InitiativeForm, "The initiative is added."),
    "risks": (forms.RiskForm, "The risk is added."),
}


def _form_page(request, form, back, **extra):
    return render(request, "form_page.html", {"form": form, "title": form.title, "back_url": back, **extra})


def _detail_url(plan) -> str:
    return reverse("commissioning:plans:detail", kwargs={"pk": plan.pk})


def plan_list(request):
    return render(request, "commissioning/plans/list.html", {"plans": selectors.plans(fetched_by=request.user)})


def partner_plans(request):
    found = selectors.plans(fetched_by=request.user)
    if not found:
        raise Http404("Not a partner on any plan.")
    return render(request, "commissioning/plans/partner_list.html", {"plans": found})


@require_http_methods(["GET", "POST"])
def plan_new(request):
    form = forms.PlanForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                by=request.user,
                title=data["plan_title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                submission_key=data["submission_key"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_detail_url(plan))
    return _form_page(request, form, reverse("commissioning:plans:list"), submit="Save and continue")


def plan_detail(request, pk):
    plan = selectors.plan_get(fetched_by=request.user, pk=pk)
    page = selectors.plan_page(plan=plan, viewer=request.user)
    return render(
        request, "commissioning/plans/detail.html", {"page": page, "plan": plan, "comment_form": forms.CommentForm()}
    )


@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = selectors.draft_get(fetched_by=request.user, pk=pk)
    initial = {"plan_title": plan.title, "period_start": plan.period_start, "period_end": plan.period_end}
    form = forms.PlanForm(posted(request), initial=initial)
    form.title = "Change the plan's title or period"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_update(
                plan=plan,
                by=request.user,
                title=data["plan_title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_detail_url(plan))
    return _form_page(request, form, _detail_url(plan), caption=plan)


@require_http_methods(["GET", "POST"])
def plan_partners(request, pk):
    plan = selectors.draft_get(fetched_by=request.user, pk=pk)
    partners = selectors.current_partners(fetched_by=request.user)
    named = [str(p) for p in plan.named_partners.values_list("partner_id", flat=True)]
    form = forms.PartnersForm(posted(request), partners=partners, initial={"partners": named})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_name_partners(
                plan=plan, by=request.user, partner_ids=[int(p) for p in form.cleaned_data["partners"]]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The carer partners named on the plan are saved.")
            return redirect(_detail_url(plan))
    intro = None if partners else "No carers are partners of your partnership yet: invite them first."
    return _form_page(request, form, _detail_url(plan), caption=plan, intro=intro)


@require_http_methods(["GET", "POST"])
def target_new(request, pk):
    plan = selectors.draft_get(fetched_by=request.user, pk=pk)
    audits = selectors.finished_audits(fetched_by=request.user)
    form = forms.TargetFigureForm(posted(request), audits=audits)
    if request.method == "POST" and form.is_valid():
        kwargs = {"pk": plan.pk, "code": form.cleaned_data["figure"], "run_pk": form.cleaned_data["run"]}
        return redirect("commissioning:plans:target_set", **kwargs)
    intro = (
        "The baseline is taken from a finished audit."
        if audits
        else "Run an audit first: a target's baseline comes from a finished audit."
    )
    return _form_page(request, form, _detail_url(plan), caption=plan, intro=intro, submit="Continue")


def _narrowing(figure: AuditFigure) -> tuple[list[tuple[str, str]], dict[str, dict]]:
    choices = [("total", f"The whole partnership: {shown(figure.total, figure.unit)}")]
    by = {"total": {}}
    for i, row in enumerate(figure.rows):
        labels = ", ".join(f"{BREAKDOWN_HEADERS.get(k, k)} {v}" for k, v in row["by"].items())
        choices.append((f"row-{i}", f"{labels}: {shown(row['value'], figure.unit)}"))
        by[f"row-{i}"] = row["by"]
    return choices, by


@require_http_methods(["GET", "POST"])
def target_set(request, pk, code, run_pk):
    plan = selectors.draft_get(fetched_by=request.user, pk=pk)
    run = selectors.finished_audits(fetched_by=request.user).filter(pk=run_pk).first()
    figure = run.figures.filter(code=code).first() if run else None
    if figure is None or code not in {f.code for f in measures.targetable()}:
        raise Http404("No such figure in that audit.")
    choices, by = _narrowing(figure)
    direction = dict(measures.Direction.choices)[measures.direction_of(code)]
    form = forms.TargetForm(
        posted(request), choices=choices, unit_hint=f"{direction} for this figure. Its unit: {figure.unit}."
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_add(
                plan=plan,
                by=request.user,
                code=code,
                run=run,
                narrowed_to=by[data["narrowed_to"]],
                target_value=data["target_value"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The target is added.")
            return redirect(_detail_url(plan))
    audit = f"the audit of {run.period_start:%-d %B %Y} to {run.period_end:%-d %B %Y}"
    intro = f"{figure.label}, from {audit}. {figure.definition}"
    back = reverse("commissioning:plans:target_new", kwargs={"pk": plan.pk})
    return _form_page(request, form, back, caption=plan, intro=intro, submit="Add the target")


@require_http_methods(["GET", "POST"])
def part_new(request, pk, part):
    plan = selectors.draft_get(fetched_by=request.user, pk=pk)
    if part not in PART_FORMS:
        raise Http404("No such part of a plan.")
    form_class, done = PART_FORMS[part]
    form = form_class(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            _add_part(part, plan, request.user, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_detail_url(plan))
    return _form_page(request, form, _detail_url(plan), caption=plan)


def _add_part(part, plan, by, data):
    if part == "commitments":
        return services.commitment_add(
            plan=plan,
            by=by,
            what=data["what"],
            resource=data["resource"],
            amount_pence=data["amount"],
            hours=data["hours"],
            spend_kind=data["spend_kind"],
        )
    if part == "milestones":
        return services.milestone_add(
            plan=plan, by=by, title=data["milestone"], owner=data["owner"], due_on=data["due_on"], state=data["state"]
        )
    if part == "initiatives":
        return services.initiative_add(
            plan=plan, by=by, title=data["initiative"], description=data["description"], stage=data["stage"]
        )
    fields = dict(data)
    fields["rule"] = "" if fields["rule"] == "none" else fields["rule"]
    return services.risk_add(plan=plan, by=by, **fields)


@require_http_methods(["GET", "POST"])
def part_remove(request, pk, part, part_pk):
    plan = selectors.draft_get(fetched_by=request.user, pk=pk)
    model = services.PARTS.get(part)
    item = model.objects.filter(plan=plan, pk=part_pk).first() if model else None
    if item is None:
        raise Http404("No such part of this plan.")
    form = forms.ConfirmForm(posted(request))
    form.title = f"Remove this {model._meta.verbose_name}"
    if request.method == "POST" and form.is_valid():
        services.part_remove(plan=plan, by=request.user, part=part, part_id=item.pk)
        messages.success(request, f"The {model._meta.verbose_name} is removed.")
        return redirect(_detail_url(plan))
    return _form_page(
        request, form, _detail_url(plan), caption=plan, intro=selectors._describe(item), submit="Remove it"
    )


@require_http_methods(["GET", "POST"])
def plan_publish(request, pk):
    plan = selectors.plan_get(fetched_by=request.user, pk=pk)
    if request.user.role != Role.COMMISSIONER:
        raise Http404("Not yours to publish.")
    if not plan.is_draft:
        return redirect(_detail_url(plan))
    form = forms.PublishForm(posted(request), first=plan.version == 1)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_publish(plan=plan, by=request.user, what_changed=form.cleaned_data.get("what_changed", ""))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Version {plan.version} of the plan is published.")
            return redirect(_detail_url(plan))
    intro = "Once published, this version cannot be changed: a change makes a new version, and this one stays readable."
    return _form_page(request, form, _detail_url(plan), caption=plan, intro=intro, submit="Publish the plan")


@require_http_methods(["GET", "POST"])
def plan_new_version(request, pk):
    plan = selectors.plan_get(fetched_by=request.user, pk=pk)
    if request.user.role != Role.COMMISSIONER or plan.state != plan.State.PUBLISHED:
        raise Http404("Only the published version can be changed.")
    form = forms.ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.plan_new_version(plan=plan, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(_detail_url(draft))
    intro = (
        f"Version {plan.version} stays as it was published. The new version starts as a copy of it, and is "
        "published when you are ready."
    )
    return _form_page(request, form, _detail_url(plan), caption=plan, intro=intro, submit="Make a new version")


def plan_history(request, pk):
    plan = selectors.plan_get(fetched_by=request.user, pk=pk)
    history = selectors.plan_history(fetched_by=request.user, plan=plan)
    return render(request, "commissioning/plans/history.html", {"plan": plan, "history": history})


@require_http_methods(["GET", "POST"])
def plan_comment(request, pk):
    plan = selectors.plan_get(fetched_by=request.user, pk=pk)
    if not services.may_comment(plan, request.user):
        raise Http404("Not yours to comment on.")
    form = forms.CommentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_add(
                plan=plan,
                by=request.user,
                text=form.cleaned_data["text"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Your comment is added.")
            return redirect(_detail_url(plan) + "#comments")
    return _form_page(request, form, _detail_url(plan), caption=plan, submit="Add the comment")
