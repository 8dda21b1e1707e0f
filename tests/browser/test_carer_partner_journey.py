"""Carer partners in a real browser: a commissioner invites a carer by e-mail; the carer follows the e-mail's link,
signs in, reads the wording and agrees; the commissioner names them on an audit; the carer reads the audit from
their home page (and can change nothing), then withdraws and can read it no more. Every page passes axe and
reflows at 320 px (the checkpoint)."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from audits.models import AuditFigure, AuditRun, CarerView
from tests.browser.test_booking_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDIT = "Audit of 1 March 2026 to 31 May 2026"
HOME = "Your short breaks account"


def _finished_audit(x) -> AuditRun:
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start="2026-03-01",
        period_end="2026-05-31",
        started_by=x.commissioner,
        steps_total=6,
        state=AuditRun.State.FINISHED,
        finished_at=timezone.now(),
        definitions_version="test",
        what_works="The new sitting service",
    )
    AuditFigure.objects.create(
        run=run,
        step="demand",
        position=0,
        code="demand.referrals",
        label="Referrals",
        definition="Referrals the hub received in the period.",
        unit="count",
        version=1,
        total=5,
        rows=[{"by": {"locality": "X North"}, "value": 3}, {"by": {"locality": "X South"}, "value": 2}],
        breakdown=["locality"],
    )
    CarerView.objects.create(
        run=run, summary="Evenings are hard", gathered_by="Forum", gathered_on="2026-06-01", recorded_by=x.commissioner
    )
    return run


def test_a_carer_partner_is_invited_agrees_reads_a_named_audit_and_withdraws(new_page, checkpoint, x, carer_a):
    run = _finished_audit(x)
    staff: Page = new_page()
    staff.goto("/accounts/login/")
    sign_in(
        staff,
        checkpoint,
        x.commissioner.email,
        lands_on="Partnership dashboard",
        totp_secret=x.commissioner.totp_secret,
    )
    staff.get_by_role("navigation", name="Menu").get_by_role("link", name="Carer partners").click()
    checkpoint(staff, "Carer partners")
    expect(staff.locator("main")).to_contain_text("No carer partners yet.")
    staff.get_by_role("link", name="Invite a carer partner").click()
    checkpoint(staff, "Invite a carer partner")
    staff.get_by_role("button", name="Send the invitation").click()
    checkpoint(staff, "Error: Invite a carer partner")
    expect(staff.get_by_role("link", name="Enter the carer’s email address")).to_be_visible()
    staff.get_by_label("Email address").fill(carer_a.user.email)
    staff.get_by_role("button", name="Send the invitation").click()
    checkpoint(staff, "Carer partners")
    expect(staff.locator("main")).to_contain_text(
        "If carer.a@example.org is the address of a carer registered with Partnership X, we have sent them an "
        "invitation."
    )
    expect(staff.get_by_role("row", name=re.compile("carer.a@example.org"))).to_contain_text("Invited")

    # The carer follows the e-mail's link, signs in, and lands on the wording.
    (message,) = mail.outbox
    link = re.search(r"https?://\S+(/carer/partner/\d+/)", message.body).group(1)
    carer: Page = new_page()
    carer.goto(link)
    sign_in(carer, checkpoint, carer_a.user.email, lands_on="Be a carer partner of Partnership X")
    main = carer.locator("main")
    expect(main).to_contain_text("I agree to be a carer partner of Partnership X.")
    carer.get_by_role("button", name="I agree").click()
    checkpoint(carer, HOME)
    expect(main).to_contain_text("You are now a carer partner of Partnership X.")
    expect(main).to_contain_text("Nothing names you yet.")

    # The commissioner names them on the audit.
    staff.get_by_role("navigation", name="Menu").get_by_role("link", name="Local audits").click()
    checkpoint(staff, "Local audits")
    staff.get_by_role("link", name="1 March 2026 to 31 May 2026").click()
    checkpoint(staff, AUDIT)
    staff.get_by_role("group", name="Carer partners named on this audit").get_by_role("checkbox").check()
    staff.get_by_role("button", name="Save the named partners").click()
    checkpoint(staff, AUDIT)
    expect(staff.locator("main")).to_contain_text("The carer partners named on this audit are saved.")

    # The carer reads it from their home page, and is offered nothing to change.
    carer.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
    checkpoint(carer, HOME)
    carer.get_by_role("link", name="Local audit of Partnership X, 1 March 2026 to 31 May 2026").click()
    checkpoint(carer, AUDIT)
    expect(main).to_contain_text("The new sitting service")
    expect(main).to_contain_text("Evenings are hard")
    expect(main.get_by_role("table", name="Referrals: 5")).to_contain_text("X South")
    for change in ("Change what the audit found", "Add carers' views"):
        expect(main.get_by_role("link", name=change)).to_have_count(0)
    expect(main.get_by_role("button", name="Save the named partners")).to_have_count(0)
    with carer.expect_download() as download:
        main.get_by_role("link", name="The report as a PDF").click()
    assert download.value.suggested_filename == "audit-20260301-20260531.pdf"

    # They withdraw: the audit is no longer theirs to read.
    carer.get_by_role("link", name="Back").click()
    checkpoint(carer, HOME)
    carer.get_by_role("link", name="What you agreed to with Partnership X").click()
    checkpoint(carer, "Be a carer partner of Partnership X")
    carer.get_by_role("link", name="Stop being a carer partner").click()
    checkpoint(carer, "Stop being a carer partner")
    carer.get_by_role("button", name="Stop being a carer partner").click()
    checkpoint(carer, HOME)
    expect(main).to_contain_text("You are no longer a carer partner of Partnership X.")
    expect(main.get_by_role("link", name=re.compile("Local audit of"))).to_have_count(0)
    assert not run.carer_partners.filter(agreed_at__isnull=False, withdrawn_at__isnull=True).exists()

    staff.get_by_role("navigation", name="Menu").get_by_role("link", name="Carer partners").click()
    checkpoint(staff, "Carer partners")
    expect(staff.get_by_role("row", name=re.compile("carer.a@example.org"))).to_contain_text("by the carer")
