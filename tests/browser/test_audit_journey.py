"""A commissioner's local audit in a real browser: start it, watch its progress (with JavaScript; without it the
page's meta refresh is checked in tests/audits/test_pages.py), add findings and carers' views, download the
report, compare with an earlier audit. Every page passes axe and reflows at 320 px (the checkpoint)."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from audits import figures
from audits.models import AuditRun
from audits.services import audit_compute
from tests.audits import dataset
from tests.browser.test_booking_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _finish(run: AuditRun) -> None:
    """What the worker does: compute the queued run."""
    AuditRun.objects.filter(pk=run.pk).update(state=AuditRun.State.QUEUED)
    assert audit_compute(run_id=run.pk) == "finished"


def test_a_commissioner_runs_an_audit_and_compares_it(page: Page, checkpoint, x, y):
    dataset.build(x, y)
    earlier = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START.replace(year=2025),
        period_end=dataset.END.replace(year=2025),
        started_by=x.commissioner,
        steps_total=len(figures.STEPS),
    )
    audit_compute(run_id=earlier.pk)

    page.goto("/accounts/login/")
    sign_in(
        page, checkpoint, x.commissioner.email, lands_on="Partnership dashboard", totp_secret=x.commissioner.totp_secret
    )
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Local audits").click()
    checkpoint(page, "Local audits")
    page.get_by_role("link", name="Start an audit").click()
    checkpoint(page, "Start an audit")
    _fill_date(page, "First day of the period", dataset.START)
    _fill_date(page, "Last day of the period", datetime.date(2026, 2, 1))
    page.get_by_role("button", name="Start the audit").click()
    checkpoint(page, "Error: Start an audit")
    expect(page.get_by_role("link", name="The last day must be the same as or after the first day")).to_be_visible()
    _fill_date(page, "Last day of the period", dataset.END)
    page.get_by_role("button", name="Start the audit").click()
    # Tasks run inline in the browser tests: the audit is done by the time its page opens.
    checkpoint(page, "Audit of 1 March 2026 to 31 May 2026")
    main = page.locator("main")
    expect(main.get_by_role("table", name="Unmet demand: cost")).to_contain_text("£240")
    main.get_by_text("How we count this: unmet demand: cost").click()
    expect(main).to_contain_text(figures.FIGURES["demand.unmet_pence"].definition)

    with page.expect_download() as download:
        main.get_by_role("link", name="The report as a PDF").click()
    assert download.value.suggested_filename == "audit-20260301-20260531.pdf"
    with page.expect_download() as download:
        main.get_by_role("link", name="Every table as a spreadsheet (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    main.get_by_role("link", name="Change what the audit found").click()
    checkpoint(page, "What the audit found")
    page.get_by_label("What does not work").fill("No evening breaks in the south")
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Audit of 1 March 2026 to 31 May 2026")
    main.get_by_role("link", name="Add carers' views").click()
    checkpoint(page, "Add carers' views")
    page.get_by_label("What carers said").fill("We would use evening breaks")
    page.get_by_label("Who gathered them").fill("Carers' forum")
    _fill_date(page, "When they were gathered", datetime.date(2026, 6, 2))
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Audit of 1 March 2026 to 31 May 2026")
    expect(main).to_contain_text("Gathered by Carers' forum on 2 June 2026")
    expect(main).to_contain_text("No evening breaks in the south")

    main.get_by_role("link", name="Compare with the audit of 1 March 2025 to 31 May 2025").click()
    checkpoint(page, "Compare two audits")
    referrals = page.get_by_role("row", name="Referrals", exact=False).first
    expect(referrals).to_contain_text("Up")
    expect(referrals).to_contain_text("+5")


def test_the_progress_page_updates_with_javascript(page: Page, checkpoint, x):
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START,
        period_end=dataset.END,
        started_by=x.commissioner,
        steps_total=6,
        steps_done=1,
        state=AuditRun.State.RUNNING,
        current_step="demand",
    )
    page.goto("/accounts/login/")
    sign_in(
        page, checkpoint, x.commissioner.email, lands_on="Partnership dashboard", totp_secret=x.commissioner.totp_secret
    )
    page.goto(f"/audits/{run.pk}/")
    checkpoint(page, "Audit of 1 March 2026 to 31 May 2026")
    expect(page.get_by_role("status")).to_contain_text("1 of 6 steps done")
    AuditRun.objects.filter(pk=run.pk).update(steps_done=3, current_step="spend")
    expect(page.get_by_role("status")).to_contain_text("3 of 6 steps done (50%)")
    _finish(run)
    expect(page.get_by_role("heading", name="Download the report")).to_be_visible()
    checkpoint(page, "Audit of 1 March 2026 to 31 May 2026")
