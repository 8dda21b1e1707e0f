"""Local audit pages, for the partnership's commissioners only (anyone else: 404, as for a run that does not
exist). Views are thin: the forms check input, the services write, the selectors read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audits import forms, reports, selectors, services
from audits.models import AuditRun
from breakthrough.forms import apply_service_errors, posted


def _run(request, pk) -> AuditRun:
    return selectors.audit_run_get(fetched_by=request.user, pk=pk)


def _finished(request, pk) -> AuditRun:
    run = _run(request, pk)
    if run.state != AuditRun.State.FINISHED:
        raise Http404("The audit has not finished.")
    return run


def audit_list(request):
    runs = selectors.audit_runs(fetched_by=request.user)
    return render(request, "audits/list.html", {"runs": runs})


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
    context = {"run": run, "others": selectors.audit_runs(fetched_by=request.user).filter(state="finished")}
    if run.state == AuditRun.State.FINISHED:
        context.update(steps=selectors.audit_tables(run), views=run.carer_views.all())
        context["others"] = context["others"].exclude(pk=run.pk)
    return render(request, "audits/run.html", context)


def audit_status(request, pk):
    """The run's progress as JSON, for the progress page's script."""
    run = _run(request, pk)
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
    run = _run(request, pk)
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
    run = _finished(request, pk)
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
    run = _finished(request, pk)
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
