"""The audit pages: start, progress (with and without JavaScript), findings and carers' views, comparison, and the
report as PDF, XLSX and CSV."""

import csv
import html
import io

import pytest
from django.urls import reverse

from audits import figures
from audits.models import AuditFigure, AuditRun, CarerView
from audits.services import audit_compute
from tests.audits import dataset
from tests.pdf_checks import pdfua_findings

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner(x, client_for):
    return client_for(x.commissioner)


@pytest.fixture
def finished(x, y):
    dataset.build(x, y)
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START,
        period_end=dataset.END,
        started_by=x.commissioner,
        steps_total=len(figures.STEPS),
    )
    assert audit_compute(run_id=run.pk) == "finished"
    run.refresh_from_db()
    return run


def test_a_commissioner_starts_an_audit_and_sees_its_figures(x, y, commissioner, django_capture_on_commit_callbacks):
    dataset.build(x, y)
    data = {"period_start_0": "1", "period_start_1": "3", "period_start_2": "2026"}
    data |= {"period_end_0": "31", "period_end_1": "5", "period_end_2": "2026"}
    with django_capture_on_commit_callbacks(execute=True):
        response = commissioner.post(reverse("audits:new"), data)
    run = AuditRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("audits:run", args=[run.pk])
    page = commissioner.get(response.url).content.decode()
    assert "How we count this: unmet demand: cost" in page
    assert html.escape(figures.FIGURES["demand.unmet_pence"].definition) in page
    assert "£635" in page  # 63,500 pence of unmet demand
    assert "Unmet demand: cost" in page


def test_bad_dates_get_a_message_by_the_field_and_keep_what_was_typed(x, commissioner):
    data = {"period_start_0": "1", "period_start_1": "3", "period_start_2": "2026"}
    data |= {"period_end_0": "28", "period_end_1": "2", "period_end_2": "2026"}
    response = commissioner.post(reverse("audits:new"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The last day must be the same as or after the first day" in page
    assert 'value="2026"' in page
    response = commissioner.post(reverse("audits:new"), {"period_start_0": "x", "period_end_0": "99999999999"})
    assert response.status_code == 200
    assert not AuditRun.objects.exists()


def test_the_progress_page_refreshes_itself_without_javascript_and_asks_json_with_it(x, commissioner):
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START,
        period_end=dataset.END,
        started_by=x.commissioner,
        steps_total=6,
        steps_done=2,
        state=AuditRun.State.RUNNING,
        current_step="access",
    )
    page = commissioner.get(reverse("audits:run", args=[run.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "build/audit-progress.mjs" in page
    assert "2 of 6 steps done (33%)" in page
    assert reverse("audits:status", args=[run.pk]) in page
    status = commissioner.get(reverse("audits:status", args=[run.pk])).json()
    assert status == {
        "state": "running",
        "state_label": "Running",
        "current_step": "access",
        "steps_done": 2,
        "steps_total": 6,
        "percent": 33,
        "done": False,
    }


def test_a_finished_page_does_not_refresh(finished, commissioner):
    page = commissioner.get(reverse("audits:run", args=[finished.pk])).content.decode()
    assert "http-equiv" not in page
    assert "audit-progress.mjs" not in page


def test_a_failed_audit_says_what_failed_and_is_run_again(x, commissioner, django_capture_on_commit_callbacks):
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START,
        period_end=dataset.END,
        started_by=x.commissioner,
        steps_total=6,
        state=AuditRun.State.FAILED,
        failed_step="spend",
        error="OperationalError: the database went away",
    )
    page = commissioner.get(reverse("audits:run", args=[run.pk])).content.decode()
    assert "It stopped at the spend step: OperationalError: the database went away" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = commissioner.post(reverse("audits:retry", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == AuditRun.State.FINISHED
    assert run.figures.count() == len(figures.FIGURES)


def test_findings_and_carers_views_are_added_and_shown(finished, commissioner):
    response = commissioner.post(
        reverse("audits:findings", args=[finished.pk]),
        {
            "in_place": "Six offers",
            "what_works": "Day breaks",
            "what_does_not": "No evening breaks in the south",
            "what_needs_to_happen": "Commission evening breaks",
        },
    )
    assert response.status_code == 302
    bad = commissioner.post(
        reverse("audits:carer_view_new", args=[finished.pk]),
        {
            "summary": "We need evenings",
            "gathered_by": "",
            "gathered_on_0": "1",
            "gathered_on_1": "1",
            "gathered_on_2": "2099",
        },
    )
    page = bad.content.decode()
    assert "Enter who gathered the views" in page
    assert "must be in the past" in page
    assert "We need evenings" in page  # kept
    good = commissioner.post(
        reverse("audits:carer_view_new", args=[finished.pk]),
        {
            "summary": "We need evenings",
            "gathered_by": "Carers' forum",
            "gathered_on_0": "2",
            "gathered_on_1": "6",
            "gathered_on_2": "2026",
        },
    )
    assert good.status_code == 302
    assert CarerView.objects.get().gathered_by == "Carers' forum"
    page = commissioner.get(reverse("audits:run", args=[finished.pk])).content.decode()
    assert "No evening breaks in the south" in page
    assert "Gathered by Carers&#x27; forum on 2 June 2026" in page


def test_two_audits_are_compared_with_the_direction_in_words(x, finished, commissioner):
    earlier = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START.replace(year=2025),
        period_end=dataset.END.replace(year=2025),
        started_by=x.commissioner,
        steps_total=6,
    )
    assert audit_compute(run_id=earlier.pk) == "finished"
    page = commissioner.get(reverse("audits:compare", args=[finished.pk, earlier.pk])).content.decode()
    # Referrals: none in 2025, five in 2026.
    assert '<th scope="row" class="govuk-table__header" data-label="Figure">Referrals</th>' in page
    assert ">Up</strong>" in page
    assert "+5" in page
    assert ">Not comparable</strong>" in page  # a median across units has no single total


def test_the_report_pdf_is_tagged_and_passes_pdf_ua(finished, commissioner):
    response = commissioner.get(reverse("audits:pdf", args=[finished.pk]))
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert pdfua_findings(data) == []


def test_the_xlsx_has_every_table_and_is_formula_safe(finished, x, commissioner):
    from openpyxl import load_workbook

    AuditFigure.objects.filter(run=finished, code="supply.nights").update(
        rows=[{"by": {"locality": '=HYPERLINK("http://evil")'}, "value": 3}]
    )
    response = commissioner.get(reverse("audits:xlsx", args=[finished.pk]))
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 1 + len(figures.FIGURES)
    nights = next(book[name] for name in book.sheetnames if name.endswith("supply.nights"))
    cells = [cell.value for row in nights.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    unmet = next(book[name] for name in book.sheetnames if name.endswith("demand.unmet_pence"))
    totals = [row for row in unmet.iter_rows(values_only=True) if row[0] == "Total"]
    assert totals[0][-1] == 635  # pounds, a number


def test_each_table_is_a_csv(finished, commissioner):
    response = commissioner.get(reverse("audits:csv", args=[finished.pk, "demand.referrals"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert ["Locality", "Needs level", "Referrals"] in rows
    assert ["X North", "High", "2"] in rows
    assert rows[-1] == ["Total", "", "5"]
    assert commissioner.get(reverse("audits:csv", args=[finished.pk, "no.such"])).status_code == 404
