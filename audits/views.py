"""Local audit pages, for the partnership's commissioners, and for reading only, the carer partners named on a
finished audit (anyone else: 404, as for a run that does not exist). Views are thin: the forms check input, the
services write, the selectors read and decide who sees what."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audits import forms, reports, selectors, services
from audits.models import AuditRun
from breakthrough import partners
from breakthrough.forms import apply_service_errors, posted

# How often the progress page reloads itself without JavaScript (its meta refresh), in seconds.
PROGRESS_REFRESH_SECONDS = 3
MINIMUM_INTRO = (
    "Breakthrough Manifesto point 10: the least a carer with the highest assessed need should get. The audit "
    "counts the carers with the highest need who got at least this many nights, pro rata to the audit's period."
)


def _run(request, pk) -> AuditRun:
    """A run the user may read."""
    return selectors.audit_run_get(fetched_by=request.user, pk=pk)


def _own(request, pk) -> AuditRun:
    """A run the user may change: a commissioner's of their partnership."""
    return selectors.audit_run_get(fetched_by=request.user, pk=pk, to_change=True)


def _finished(request, pk, *, to_change: bool = False) -> AuditRun:
    run = _own(request, pk) if to_change else _run(request, pk)
    if run.state != AuditRun.State.FINISHED:
        raise Http404("The audit has not finished.")
    return run


def audit_list(request):
    runs = selectors.audit_runs(fetched_by=request.user)
    minimum = selectors.minimum_nights(fetched_by=request.user)
    return render(request, "audits/list.html", {"runs": runs, "minimum_nights": minimum})


@require_http_methods(["GET", "POST"])
def audit_new(request):
    form = forms.AuditStartForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            run = services.audit_start(
                partnership_id=request.user.partnership_id,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("audits:run", pk=run.pk)
    context = {"form": form, "title": form.title, "back_url": reverse("audits:list"), "submit": "Start the audit"}
    return render(request, "form_page.html", context)


def audit_run(request, pk):
    run = _run(request, pk)
    can_change = selectors.may_change(request.user, run)
    context = {"run": run, "can_change": can_change, "refresh_seconds": PROGRESS_REFRESH_SECONDS}
    context["others"] = selectors.audit_runs(fetched_by=request.user).filter(state="finished").exclude(pk=run.pk)
    if run.state == AuditRun.State.FINISHED:
        context.update(steps=selectors.audit_tables(run), views=run.carer_views.all())
        context["named"] = selectors.named_partners(run)
        if can_change:
            context["partners_form"] = _partners_form(run, None)
    return render(request, "audits/run.html", context)


def _partners_form(run, data) -> forms.NamePartnersForm:
    named = [partner.pk for partner in run.carer_partners.all()]
    return forms.NamePartnersForm(
        data, partners=partners.current_partners(run.partnership_id), initial={"carer_partners": named}
    )


@require_http_methods(["GET", "POST"])
def audit_partners(request, pk):
    """Which current carer partners the audit names (they may then read it)."""
    run = _finished(request, pk, to_change=True)
    form = _partners_form(run, posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_name_partners(run=run, partners=form.cleaned_data["carer_partners"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The carer partners named on this audit are saved.")
            return redirect("audits:run", pk=run.pk)
    back = reverse("audits:run", args=[run.pk])
    return render(request, "form_page.html", {"form": form, "title": form.title, "back_url": back, "caption": run})


@require_http_methods(["GET", "POST"])
def minimum_entitlement(request):
    """The partnership's minimum entitlement, which the access figures measure against."""
    form = forms.MinimumEntitlementForm(
        posted(request), initial={"minimum_nights": selectors.minimum_nights(fetched_by=request.user)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_settings_set_minimum(
                partnership_id=request.user.partnership_id,
                nights=form.cleaned_data["minimum_nights"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The minimum entitlement is saved. Audits you start from now count against it.")
            return redirect("audits:list")
    context = {"form": form, "title": form.title, "back_url": reverse("audits:list"), "intro": MINIMUM_INTRO}
    return render(request, "form_page.html", context)


def audit_status(request, pk):
    """The run's progress as JSON, for the progress page's script."""
    run = _own(request, pk)
    return JsonResponse(
        {
            "state": run.state,
            "state_label": run.get_state_display(),
            "current_step": run.current_step,
            "steps_done": run.steps_done,
            "steps_total": run.steps_total,
            "percent": run.percent_done,
            "done": run.is_done,
        }
    )


@require_http_methods(["GET", "POST"])
def audit_retry(request, pk):
    """A failed run, queued again (GET asks to confirm)."""
    run = _own(request, pk)
    if run.state != AuditRun.State.FAILED:
        return redirect("audits:run", pk=run.pk)
    form = forms.ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_retry(run=run, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("audits:run", pk=run.pk)
    back = reverse("audits:run", args=[run.pk])
    context = {"form": form, "title": form.title, "back_url": back, "caption": run, "submit": "Run the audit again"}
    context["intro"] = f"It stopped at the {run.failed_step or 'first'} step. Every step is counted again."
    return render(request, "form_page.html", context)


@require_http_methods(["GET", "POST"])
def audit_findings(request, pk):
    run = _finished(request, pk, to_change=True)
    initial = {name: getattr(run, name) for name in services.FINDINGS}
    form = forms.FindingsForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.audit_record_findings(run=run, by=request.user, **form.cleaned_data)
        messages.success(request, "What the audit found is saved.")
        return redirect("audits:run", pk=run.pk)
    back = reverse("audits:run", args=[run.pk])
    return render(request, "form_page.html", {"form": form, "title": form.title, "back_url": back, "caption": run})


@require_http_methods(["GET", "POST"])
def carer_view_new(request, pk):
    run = _finished(request, pk, to_change=True)
    form = forms.CarerViewForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.carer_view_add(run=run, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The carers' views are added.")
            return redirect("audits:run", pk=run.pk)
    back = reverse("audits:run", args=[run.pk])
    return render(request, "form_page.html", {"form": form, "title": form.title, "back_url": back, "caption": run})


def audit_compare(request, pk, other_pk):
    run, other = _finished(request, pk), _finished(request, other_pk)
    earlier, later = sorted([run, other], key=lambda r: (r.period_start, r.created_at))
    changes = selectors.audit_compare(earlier, later)
    return render(request, "audits/compare.html", {"earlier": earlier, "later": later, "changes": changes})


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _name(run) -> str:
    return f"audit-{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}"


def audit_pdf(request, pk):
    run = _finished(request, pk)
    return _download(reports.report_pdf(run), "application/pdf", f"{_name(run)}.pdf")


def audit_xlsx(request, pk):
    run = _finished(request, pk)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(reports.report_xlsx(run), xlsx, f"{_name(run)}.xlsx")


def audit_csv(request, pk, code):
    run = _finished(request, pk)
    figure = run.figures.filter(code=code).first()
    if figure is None:
        raise Http404("No such figure in this audit.")
    return _download(reports.table_csv(run, figure), "text/csv; charset=utf-8", f"{_name(run)}-{code}.csv")
