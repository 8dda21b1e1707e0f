"""Writes for local audits: start a run, compute it step by step (idempotently), retry a failed one."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audits import figures as definitions
from audits.models import AuditFigure, AuditRun, AuditSettings, CarerView
from breakthrough.audit import log_action
from breakthrough.models import CarerPartner, Partnership, Role


def _check_commissioner(by, partnership_id: int) -> None:
    if by.role != Role.COMMISSIONER or by.partnership_id != partnership_id:
        raise ValidationError("Only a commissioner of this partnership can do this.")


@transaction.atomic
def audit_start(*, partnership_id: int, period_start: datetime.date, period_end: datetime.date, by) -> AuditRun:
    """Queue an audit of the partnership for the period; the worker computes it once the transaction commits."""
    from audits.tasks import compute_audit

    _check_commissioner(by, partnership_id)
    if period_end < period_start:
        raise ValidationError({"period_end": "The last day must be the same as or after the first day"})
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": "The first day must be today or in the past"})
    run = AuditRun.objects.create(
        partnership_id=partnership_id,
        period_start=period_start,
        period_end=period_end,
        started_by=by,
        steps_total=len(definitions.STEPS),
    )
    log_action(run, "audits.run.started", user=by, data={"start": str(period_start), "end": str(period_end)})
    compute_audit.delay_on_commit(run.pk)
    return run


@transaction.atomic
def audit_retry(*, run: AuditRun, by) -> AuditRun:
    """Queue a failed run again; its figures so far are recomputed (each stored once per run)."""
    from audits.tasks import compute_audit

    _check_commissioner(by, run.partnership_id)
    run = AuditRun.objects.select_for_update().get(pk=run.pk)
    if run.state != AuditRun.State.FAILED:
        raise ValidationError("Only a failed audit can be run again.")
    run.state = AuditRun.State.QUEUED
    run.save(update_fields=["state"])
    log_action(run, "audits.run.retried", user=by)
    compute_audit.delay_on_commit(run.pk)
    return run


def _claim(run_id: int) -> AuditRun | None:
    """Take a queued run for this worker: one conditional update, so a duplicate delivery finds nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        claimed = AuditRun.objects.filter(pk=run_id, state=AuditRun.State.QUEUED).update(
            state=AuditRun.State.RUNNING, started_at=now, failed_step="", error="", steps_done=0, current_step=""
        )
    return AuditRun.objects.get(pk=run_id) if claimed else None


def _store_step(run: AuditRun, step: str, period: definitions.Period, positions: dict[str, int]) -> None:
    """Compute one step's figures and store each once for this run (a second computation replaces the first)."""
    computed = [(figure, figure.compute(period)) for figure in definitions.figures_for(step)]
    with transaction.atomic():
        for figure, result in computed:
            AuditFigure.objects.update_or_create(
                run=run,
                code=figure.code,
                defaults={
                    "step": step,
                    "position": positions[figure.code],
                    "label": figure.label,
                    "definition": figure.definition,
                    "unit": figure.unit,
                    "version": figure.version,
                    "breakdown": list(figure.breakdown),
                    "total": definitions.plain(result.total),
                    "total_year_before": definitions.plain(result.total_year_before),
                    "rows": result.rows,
                    "note": result.note,
                    "computed_at": timezone.now(),
                },
            )
        run.steps_done += 1
        run.save(update_fields=["steps_done"])


def audit_compute(*, run_id: int) -> str:
    """Compute a queued run, step by step, saving its progress after each step. A run already running, finished
    or failed is left alone (a duplicate delivery); a step that fails marks the run failed with what failed."""
    run = _claim(run_id)
    if run is None:
        return "nothing to do"
    period = definitions.Period(run.partnership_id, run.period_start, run.period_end)
    positions = {code: n for n, code in enumerate(definitions.FIGURES)}
    step = ""
    try:
        for step in definitions.STEPS:
            AuditRun.objects.filter(pk=run.pk).update(current_step=step)
            run.current_step = step
            _store_step(run, step, period, positions)
    except Exception as error:  # noqa: BLE001 - any failure is shown on the run, which can be run again
        AuditRun.objects.filter(pk=run.pk).update(
            state=AuditRun.State.FAILED,
            failed_step=step,
            error=f"{type(error).__name__}: {error}"[:2000] or type(error).__name__,
            attempts=run.attempts + 1,
        )
        log_action(run, "audits.run.failed", data={"step": step})
        return "failed"
    # A figure no longer defined does not stay from an earlier attempt.
    AuditFigure.objects.filter(run=run).exclude(code__in=list(definitions.FIGURES)).delete()
    AuditRun.objects.filter(pk=run.pk).update(
        state=AuditRun.State.FINISHED,
        current_step="",
        finished_at=timezone.now(),
        attempts=run.attempts + 1,
        definitions_version=definitions.definitions_version(),
    )
    log_action(run, "audits.run.finished")
    return "finished"


FINDINGS = ("in_place", "what_works", "what_does_not", "what_needs_to_happen")


@transaction.atomic
def audit_record_findings(*, run: AuditRun, by, **findings) -> AuditRun:
    _check_commissioner(by, run.partnership_id)
    unknown = set(findings) - set(FINDINGS)
    if unknown:
        raise ValueError(f"unknown findings: {sorted(unknown)}")
    for name, text in findings.items():
        setattr(run, name, (text or "").strip())
    run.full_clean(exclude=["started_by", "partnership"])
    run.save(update_fields=list(findings))
    log_action(run, "audits.run.findings_recorded", user=by, data={"fields": sorted(findings)})
    return run


@transaction.atomic
def carer_view_add(*, run: AuditRun, by, summary: str, gathered_by: str, gathered_on: datetime.date) -> CarerView:
    _check_commissioner(by, run.partnership_id)
    view = CarerView(
        run=run,
        summary=(summary or "").strip(),
        gathered_by=(gathered_by or "").strip(),
        gathered_on=gathered_on,
        recorded_by=by,
    )
    errors = {}
    if not view.summary:
        errors["summary"] = "Enter what carers said"
    if not view.gathered_by:
        errors["gathered_by"] = "Enter who gathered the views"
    if gathered_on and gathered_on > timezone.localdate():
        errors["gathered_on"] = "The date the views were gathered must be today or in the past"
    if errors:
        raise ValidationError(errors)
    view.full_clean(exclude=["run", "recorded_by"])
    view.save()
    log_action(view, "audits.carer_view.added", user=by)
    return view


@transaction.atomic
def audit_name_partners(*, run: AuditRun, partners, by) -> AuditRun:
    """Name these current carer partners of the run's partnership on the finished run (and no other current ones):
    they may then read it. Partners named before who have since ended stay on the record; they read nothing."""
    _check_commissioner(by, run.partnership_id)
    if run.state != AuditRun.State.FINISHED:
        raise ValidationError("Carer partners can be named once the audit has finished.")
    chosen = {partner.pk for partner in partners}
    current = set(CarerPartner.objects.current().filter(partnership_id=run.partnership_id).values_list("pk", flat=True))
    if chosen - current:
        raise ValidationError({"carer_partners": "Choose from your partnership's current carer partners"})
    run = AuditRun.objects.select_for_update().get(pk=run.pk)
    named = set(run.carer_partners.values_list("pk", flat=True))
    kept = named - current  # ended since: their naming is history
    if named == kept | chosen:
        return run
    run.carer_partners.set(kept | chosen)
    log_action(
        run,
        "audits.run.partners_named",
        user=by,
        data={"named": sorted(chosen - named), "unnamed": sorted((named & current) - chosen)},
    )
    return run


@transaction.atomic
def audit_settings_set_minimum(*, partnership_id: int, nights: int, by) -> AuditSettings:
    """The partnership's minimum entitlement, in nights of break a year, that the access figures measure against."""
    _check_commissioner(by, partnership_id)
    if not isinstance(nights, int) or not 1 <= nights <= 365:
        raise ValidationError({"minimum_nights": "The minimum entitlement must be a whole number from 1 to 365"})
    # The partnership's row is locked first, so two first settings at the same moment make one row, not an error.
    Partnership.objects.select_for_update().filter(pk=partnership_id).first()
    settings = AuditSettings.objects.filter(partnership_id=partnership_id).first()
    before = settings.minimum_nights if settings else None
    if settings is None:
        settings = AuditSettings.objects.create(partnership_id=partnership_id, minimum_nights=nights)
    elif before != nights:
        settings.minimum_nights = nights
        settings.save(update_fields=["minimum_nights"])
    if before != nights:
        log_action(settings, "audits.settings.minimum_nights_set", user=by, data={"before": before, "after": nights})
    return settings
