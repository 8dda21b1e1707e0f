"""A commissioner's audit in a browser with JavaScript switched off: the audit is started, its progress page
reloads itself (its meta refresh) while the worker runs the steps, and reaches the finished audit; then the
findings form and the PDF download work without a script. Every page checked passes axe and reflows at 320 px."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from audits import views
from audits.models import AuditRun
from audits.services import audit_compute
from audits.tasks import compute_audit
from tests.audits import dataset
from tests.browser.test_audit_journey import _fill_date
from tests.browser.test_booking_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Audit of 1 March 2026 to 31 May 2026"


def test_without_javascript_the_progress_page_reloads_itself_to_the_finished_audit(
    new_page, checkpoint, axe, refreshes, monkeypatch, x, y
):
    dataset.build(x, y)
    # No worker yet: the run waits, queued, and the test plays the worker between the page's reloads. The reload
    # comes every 6 seconds, so that a checkpoint (axe at two widths) ends before the next one.
    monkeypatch.setattr(compute_audit, "delay_on_commit", lambda *args, **kwargs: None)
    monkeypatch.setattr(views, "PROGRESS_REFRESH_SECONDS", 6)
    page: Page = new_page(java_script_enabled=False)
    page.goto("/accounts/login/")
    sign_in(
        page, checkpoint, x.commissioner.email, lands_on="Partnership dashboard", totp_secret=x.commissioner.totp_secret
    )
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Local audits").click()
    checkpoint(page, "Local audits")
    page.get_by_role("link", name="Start an audit").click()
    checkpoint(page, "Start an audit")
    _fill_date(page, "First day of the period", dataset.START)
    _fill_date(page, "Last day of the period", dataset.END)
    page.get_by_role("button", name="Start the audit").click()
    checkpoint(page, TITLE)
    status = page.get_by_role("status")
    expect(status).to_contain_text("Waiting to start. 0 of 6 steps done (0%).")
    run = AuditRun.objects.get()

    # The worker takes the run and is part way through: the page shows it at its next reload, by itself.
    AuditRun.objects.filter(pk=run.pk).update(state=AuditRun.State.RUNNING, steps_done=2, current_step="access")
    expect(status).to_contain_text("Running: access. 2 of 6 steps done (33%).", timeout=20_000)
    assert refreshes(page) >= 1
    axe(page)

    # The worker finishes (it computes every step; the run was queued for it).
    AuditRun.objects.filter(pk=run.pk).update(state=AuditRun.State.QUEUED, steps_done=0, current_step="")
    assert audit_compute(run_id=run.pk) == "finished"
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Download the report")).to_be_visible(timeout=20_000)
    assert refreshes(page) >= 1
    checkpoint(page, TITLE)
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)  # finished: it stops reloading
    expect(main.get_by_role("table", name="Unmet demand: cost")).to_contain_text("£240")

    with page.expect_download() as download:
        main.get_by_role("link", name="The report as a PDF").click()
    assert download.value.suggested_filename == "audit-20260301-20260531.pdf"
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"

    main.get_by_role("link", name="Change what the audit found").click()
    checkpoint(page, "What the audit found")
    page.get_by_label("What needs to happen").fill("Evening sitting in the east by the autumn")
    page.get_by_role("button", name="Save").click()
    checkpoint(page, TITLE)
    expect(main).to_contain_text("Evening sitting in the east by the autumn")
    run.refresh_from_db()
    assert run.what_needs_to_happen == "Evening sitting in the east by the autumn"
    assert run.started_at is not None
    assert run.finished_at.date() == datetime.date.today()
