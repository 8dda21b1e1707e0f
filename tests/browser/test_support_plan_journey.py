"""Issue 4's "Done when", as one journey in a real browser, from a referral to a support plan that is due for review.

A carer reads the hub's eligibility criteria and refers themself; a broker triages the referral and assigns an
assessor; the assessor completes the RAS with the family (saving part-way), and the carer reads how their
indicative budget was worked out; the resource panel (another assessor) changes the budget with a reason; the
carer and the broker write a plan with two outcomes, a creative break (driving lessons) and a break from the
directory, and send it; the assessor, who wrote none of it, approves it; the PDF is made after commit and the
carer downloads it (its text is read back); the daily beat job marks it review due and e-mails the carer and the
hub; the broker records the review.

Every page is checked by `checkpoint` (title, screenshot, axe). The world is built with factories and services
(not the demo seed): a partnership with a hub, a published questionnaire and price scale, and a provider's offer.
"""

import datetime
import io
from unittest import mock

import pypdf
import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from breakthrough.celery import app
from breakthrough.models import Role
from brokerage import services
from brokerage.models import (
    BreakFor,
    Consent,
    NeedsLevel,
    Plan,
    PlanDocument,
    PlanReview,
    PriceUnit,
    Referral,
    SdsOption,
    SupportKind,
)
from ras.models import Assessment, PanelDecision
from tests.brokerage.referrals.factories import EligibilityCriteriaFactory
from tests.browser.test_booking_journey import last_email_to, main, sign_in, subjects
from tests.browser.test_foundation_journey import link_in_email, summary_value, task_link, task_status
from tests.factories import (
    CaredForPersonFactory,
    CarerFactory,
    OfferFactory,
    ProviderFactory,
    UserFactory,
    cares_for,
    staff,
)
from tests.ras.factories import price_scale, questionnaire_version

MORAG = "morag.plan@example.org"
CRITERIA = "Unpaid carers who live in Partnership X and look after someone with a disability or frailty."
STORY = "Jamie needs help day and night and I have had no time to myself since the summer."
REASON = "Overnight care on the island costs more than the scale allows."
MY_OUTCOME = "I have two hours a week that are mine, and I can drive Jamie to his appointments myself"
JAMIE_OUTCOME = "Jamie spends a Saturday a month with people his own age"
CREATIVE = "Driving lessons with a local instructor"
OFFER = "Saturday respite club"
PROVIDER = "Leith Respite Care"
RISK = "Jamie is unsettled by new staff"
HANDLING = "His key worker visits twice before the first Saturday"
WHAT_CHANGED = "Morag passed her driving test in March and now drives Jamie to the hospital herself."


def _date_parts(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _menu(page: Page, item: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=item, exact=True).click()


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def world(x, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the plan's PDF is stored here
    x.broker.first_name, x.broker.last_name = "Iain", "Campbell"
    x.broker.save()
    x.assessor.first_name, x.assessor.last_name = "Fiona", "Mackay"
    x.assessor.save()
    panel = staff(Role.ASSESSOR, x.hub, email="panel@x.example", first_name="Euan", last_name="Ross")
    EligibilityCriteriaFactory(partnership=x.partnership, text=CRITERIA)
    questionnaire_version(x.partnership)
    price_scale(
        x.partnership,
        price=3800,
        floor=10_000,
        ceiling=200_000,
        contingency="5",
        adjustments=[
            ("second-carer", "A second carer at home", -5_000),
            ("sibling-needs", "A sibling with needs", 7_500),
        ],
    )
    provider = ProviderFactory(name=PROVIDER)
    provider.partnerships_served.set([x.partnership])
    OfferFactory(
        provider=provider,
        title=OFFER,
        locality=x.locality,
        break_for=BreakFor.CARED_FOR,
        price_pence=4_000,
        price_unit=PriceUnit.SESSION,
    )
    carer = CarerFactory(
        user=UserFactory(email=MORAG, first_name="Morag", last_name="MacLeod"),
        first_name="Morag",
        last_name="MacLeod",
        locality=x.locality,
        about_you_completed_at=timezone.now(),
        people_completed_at=timezone.now(),
    )
    services.carer_record_consents(carer=carer, choices={Consent.Kind.KEEP_DETAILS: True}, by=carer.user)
    cares_for(
        carer,
        CaredForPersonFactory(
            first_name="Jamie", last_name="MacLeod", needs_level=NeedsLevel.HIGH, completed_at=timezone.now()
        ),
    )
    return {"x": x, "carer": carer, "panel": panel}


# ----------------------------------------------------------------------------------------------
# Referral and triage
# ----------------------------------------------------------------------------------------------


def _carer_refers_themself(page: Page, checkpoint) -> None:
    page.goto("/accounts/login/")
    sign_in(page, checkpoint, MORAG, lands_on="Your short breaks account")
    main(page).get_by_role("link", name="Ask the hub for help").click()
    checkpoint(page, "Ask the Short Break Hub for help")
    expect(main(page).locator(".govuk-inset-text")).to_contain_text(CRITERIA)
    page.get_by_label("What is happening now?").fill(STORY)
    page.get_by_label("Soon", exact=True).check()
    page.get_by_role("group", name="Are you at crisis point?").get_by_label("No").check()
    page.get_by_role("button", name="Send to the hub").click()
    checkpoint(page, "Your referral")
    expect(summary_value(page, "Status")).to_have_text("Received")


def _broker_triages_and_assigns(page: Page, checkpoint, world) -> None:
    broker = world["x"].broker
    page.goto("/accounts/login/")
    sign_in(page, checkpoint, broker.email, lands_on="… – Caseload", totp_secret=broker.totp_secret)
    _menu(page, "Referrals")
    checkpoint(page, "… – Referrals")
    main(page).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(page, "Referral for Morag MacLeod")
    expect(summary_value(page, "Criteria shown")).to_contain_text(CRITERIA)
    main(page).get_by_role("link", name="Start triage").click()
    checkpoint(page, "Start triage")
    page.get_by_role("button", name="Start triage").click()
    checkpoint(page, "Referral for Morag MacLeod")
    main(page).get_by_role("link", name="Assign a worker").click()
    checkpoint(page, "Assign a worker")
    page.get_by_label("Fiona Mackay (Assessor)").check()
    page.get_by_role("button", name="Assign").click()
    checkpoint(page, "Referral for Morag MacLeod")
    expect(summary_value(page, "State")).to_have_text("Assigned to a worker")


# ----------------------------------------------------------------------------------------------
# The RAS and the resource panel
# ----------------------------------------------------------------------------------------------


def _answer(page: Page, question: str, choice: str) -> None:
    page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def _assessor_completes_the_ras(page: Page, checkpoint, world) -> None:
    """From the referral queue (the assessor's menu) to the carer's record, then the questionnaire with Morag."""
    assessor = world["x"].assessor
    page.goto("/accounts/login/")
    sign_in(page, checkpoint, assessor.email, lands_on="… – Caseload", totp_secret=assessor.totp_secret)
    _menu(page, "Referrals")
    checkpoint(page, "… – Referrals")
    main(page).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(page, "Referral for Morag MacLeod")
    main(page).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(page, "Morag MacLeod")
    main(page).get_by_role("link", name="Start an assessment").click()
    checkpoint(page, "Start an assessment")
    page.get_by_role("button", name="Start").click()

    checkpoint(page, "Assessment of Morag MacLeod")
    task_link(page, "Personal care").click()
    checkpoint(page, "Personal care")
    _answer(page, "How much help do they need to wash and dress?", "All")
    page.get_by_role("button", name="Save and come back later").click()  # saved part-way
    checkpoint(page, "Assessment of Morag MacLeod")
    task_link(page, "Personal care").click()
    checkpoint(page, "Personal care")
    expect(
        page.get_by_role("group", name="How much help do they need to wash and dress?").get_by_label("All")
    ).to_be_checked()
    _answer(page, "How much help do they need to eat?", "Some")
    page.get_by_role("button", name="Save and continue").click()
    checkpoint(page, "Behaviour")
    _answer(page, "How often do they need calming?", "Daily")
    page.get_by_role("button", name="Save and continue").click()
    checkpoint(page, "The carer's own circumstances")
    _answer(page, "Is there a second carer at home?", "Yes")
    _answer(page, "Does a brother or sister have additional needs?", "Yes")
    page.get_by_role("button", name="Save and continue").click()
    checkpoint(page, "Check the answers")
    page.get_by_role("button", name="Complete the assessment").click()
    checkpoint(page, "Assessment of Morag MacLeod")
    expect(main(page)).to_contain_text("Your budget to plan with (indicative budget): £673.55")


def _carer_reads_the_explanation(page: Page, checkpoint) -> None:
    _menu(page, "Home")
    checkpoint(page, "Your short breaks account")
    page.get_by_role("link", name="Your budget", exact=True).click()
    checkpoint(page, "Your budget")
    for line in (
        "Personal care: 10 points",
        "18 points in all",
        "18 x £38 = £684",
        "A second carer at home: −£50",
        "A sibling with needs: +£75",
        "5% of £709 kept back for costs nobody expected, which the panel can add (contingency): £35.45",
        "Your budget to plan with (indicative budget): £673.55",
        "The resource panel has not looked at it yet",
    ):
        expect(main(page)).to_contain_text(line)


def _panel_changes_the_budget(page: Page, checkpoint, world) -> None:
    panel = world["panel"]
    page.goto("/accounts/login/")
    sign_in(page, checkpoint, panel.email, lands_on="… – Caseload", totp_secret=panel.totp_secret)
    _menu(page, "Resource panel")
    checkpoint(page, "Resource panel")
    main(page).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(page, "Assessment of Morag MacLeod")
    page.get_by_role("link", name="Record the panel's decision").click()
    checkpoint(page, "The panel's decision")
    page.get_by_label("Changed", exact=True).check()
    page.get_by_label("If changed: the budget the panel approves, in pounds").fill("800")
    page.get_by_label("If changed: why").fill(REASON)
    page.get_by_role("button", name="Record the decision").click()
    checkpoint(page, "Assessment of Morag MacLeod")
    expect(page.get_by_role("table", name="The panel's decisions, newest first")).to_contain_text(REASON)


# ----------------------------------------------------------------------------------------------
# The plan, written by the carer and the broker
# ----------------------------------------------------------------------------------------------


def _add(page: Page, checkpoint, section: str, noun: str) -> None:
    """From the plan's task list to the section, then its "Add a ..." page."""
    task_link(page, section).click()
    checkpoint(page, section)
    page.get_by_role("link", name=f"Add {noun}").click()
    checkpoint(page, f"Add {noun}")


def _back_to_the_plan(page: Page, checkpoint) -> None:
    main(page).get_by_role("link", name="Back to the plan").click()
    checkpoint(page, "Support plan, version 1")


def _carer_starts_the_plan(page: Page, checkpoint) -> None:
    _menu(page, "Home")
    checkpoint(page, "Your short breaks account")
    page.get_by_role("link", name="Your budget", exact=True).click()
    checkpoint(page, "Your budget")
    expect(main(page)).to_contain_text("Your approved budget: £800")
    expect(main(page)).to_contain_text(REASON)

    _menu(page, "Your plan")
    checkpoint(page, "Your support plan")
    page.get_by_role("button", name="Start a plan").click()
    checkpoint(page, "Support plan, version 1")

    _add(page, checkpoint, "Outcomes", "an outcome")
    page.get_by_label("The carer's own").check()
    page.get_by_label("What do they want to be different?").fill(MY_OUTCOME)
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Outcomes")
    page.get_by_role("link", name="Add an outcome").click()
    checkpoint(page, "Add an outcome")
    page.get_by_label("Someone they care for").check()
    page.get_by_role("group", name="Who is it for?").get_by_label("Jamie MacLeod").check()
    page.get_by_label("What do they want to be different?").fill(JAMIE_OUTCOME)
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Outcomes")
    _back_to_the_plan(page, checkpoint)

    _add(page, checkpoint, "Supports", "a support")
    page.get_by_label(SupportKind.CREATIVE.label).check()
    page.get_by_label("What is it?").fill(CREATIVE)
    page.get_by_label("How many times in the plan period?").fill("10")
    page.get_by_label("How often, in words (optional)").fill("One lesson a fortnight")
    page.get_by_label("Cost each time, in pounds").fill("35")
    page.get_by_label(SdsOption.DIRECT_PAYMENT.label).check()
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Supports")
    expect(main(page)).to_contain_text("10 × £35 = £350")
    _back_to_the_plan(page, checkpoint)
    expect(task_status(page, "Supports")).to_contain_text("Completed")
    expect(task_status(page, "Risks")).to_contain_text("Not yet started")  # left for the broker


def _broker_finishes_and_sends_the_plan(page: Page, checkpoint) -> None:
    """The broker, on the carer's record, carries on with the plan Morag started."""
    _menu(page, "Caseload")
    checkpoint(page, "… – Caseload")
    main(page).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(page, "Morag MacLeod")
    # One page: household, referrals, case notes, assessments, the plan and breaks
    expect(main(page).get_by_role("heading", name="People they care for")).to_be_visible()
    expect(page.get_by_role("table", name="Referrals, newest first")).to_contain_text("Fiona Mackay")
    expect(main(page)).to_contain_text("indicative budget £673.55, decided by the panel")
    expect(main(page)).to_contain_text("Version 1: draft, £350")
    main(page).get_by_role("link", name="The plan and every version").click()
    checkpoint(page, "Support plans")
    main(page).get_by_role("link", name="Carry on with the plan").click()
    checkpoint(page, "Support plan, version 1")

    _add(page, checkpoint, "Supports", "a support")
    page.get_by_label(SupportKind.OFFER.label).check()
    page.get_by_label("Break from the directory", exact=True).select_option(label=f"{OFFER} ({PROVIDER})")
    page.get_by_label("How many times in the plan period?").fill("8")
    page.get_by_label("How often, in words (optional)").fill("One Saturday a month")
    page.get_by_label(SdsOption.ISF.label).check()  # the cost is left blank: the listed £40 a session
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Supports")
    expect(main(page)).to_contain_text("8 × £40 = £320")
    expect(main(page)).to_contain_text("Total cost: £670")
    _back_to_the_plan(page, checkpoint)

    _add(page, checkpoint, "Risks", "a risk")
    page.get_by_label("What could go wrong?").fill(RISK)
    page.get_by_label("How is it handled?").fill(HANDLING)
    page.get_by_role("button", name="Save").click()
    checkpoint(page, "Risks")
    _back_to_the_plan(page, checkpoint)

    task_link(page, "Dates and who to call in an emergency").click()
    checkpoint(page, "Dates and who to call in an emergency")
    today = timezone.localdate()
    _date_parts(page, "When does the plan start?", today)
    _date_parts(page, "When does the plan end?", today + datetime.timedelta(days=364))
    _date_parts(page, "When will the plan be reviewed?", today + datetime.timedelta(days=182))
    page.get_by_label("Who should be called in an emergency?").fill("Catriona MacLeod")
    page.get_by_label("Who are they to the carer? (optional)").fill("Sister")
    page.get_by_label("Their phone number").fill("07700 900123")
    page.get_by_role("button", name="Save and continue").click()
    checkpoint(page, "Support plan, version 1")

    task_link(page, "Budget check").click()
    checkpoint(page, "Budget check")
    expect(summary_value(page, "Cost of the plan")).to_have_text("£670")
    expect(summary_value(page, "Approved budget")).to_have_text("£800")
    expect(summary_value(page, "Difference")).to_have_text("Within the budget")
    page.get_by_role("link", name="Back", exact=True).click()
    checkpoint(page, "Support plan, version 1")

    task_link(page, "Send for approval").click()
    checkpoint(page, "Send the plan for approval?")
    page.get_by_role("button", name="Send for approval").click()
    checkpoint(page, "Support plan, version 1")
    expect(summary_value(page, "Status")).to_have_text("Waiting for approval")
    expect(main(page).get_by_role("link", name="Approve or return the plan")).to_have_count(0)  # brokers don't


def _assessor_approves(page: Page, checkpoint) -> None:
    """Fiona did the RAS but wrote none of the plan, so she may approve it."""
    _menu(page, "Plans")
    checkpoint(page, "Support plans: Waiting for approval")
    main(page).get_by_role("link", name="Morag MacLeod").click()
    checkpoint(page, "Support plan, version 1")
    main(page).get_by_role("link", name="Approve or return the plan").click()
    checkpoint(page, "Approve or return the plan")
    expect(summary_value(page, "Cost of the plan")).to_have_text("£670")
    page.get_by_label("Approve the plan").check()
    page.get_by_role("button", name="Save decision").click()
    checkpoint(page, "Support plan, version 1")
    expect(summary_value(page, "Status")).to_have_text("Approved")
    expect(summary_value(page, "Approved")).to_contain_text("by Fiona Mackay")
    # The PDF was made after the approval committed (tasks run inline here), before this page loaded.
    expect(main(page).get_by_role("link", name="Download the plan (PDF, version 1)")).to_be_visible()


def _carer_downloads_the_pdf(page: Page, checkpoint) -> str:
    _menu(page, "Your plan")
    checkpoint(page, "Your support plan")
    main(page).get_by_role("link", name="See the plan").click()
    checkpoint(page, "Support plan, version 1")
    expect(summary_value(page, "Status")).to_have_text("Approved")
    with page.expect_download() as download_info:
        main(page).get_by_role("link", name="Download the plan (PDF, version 1)").click()
    download = download_info.value
    assert download.suggested_filename == "support-plan-version-1.pdf"
    with open(download.path(), "rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-")
    return _pdf_text(data)


# ----------------------------------------------------------------------------------------------
# The review
# ----------------------------------------------------------------------------------------------


def _beat_runs_the_daily_job(on: datetime.date | None = None) -> dict:
    """The task the beat schedule names, run as the worker would; `on` stands in for the day it runs."""
    task = app.tasks[settings.CELERY_BEAT_SCHEDULE["plans-daily"]["task"]]
    # Celery's "never wait for a result inside a task" flag is one global: while the live server's thread runs an
    # eager task (an e-mail), it is set for this thread too, and a plain get() here raises. This is no task.
    if on is None:
        return task.delay().get(disable_sync_subtasks=False)
    with mock.patch.object(timezone, "localdate", return_value=on):
        return task.delay().get(disable_sync_subtasks=False)


def _carer_reads_the_reminder(page: Page, checkpoint) -> None:
    page.goto(link_in_email(last_email_to(MORAG)))
    checkpoint(page, "Support plan, version 1")
    expect(summary_value(page, "Status")).to_have_text("Review due")


def _broker_records_the_review(page: Page, checkpoint, broker_email: str) -> None:
    page.goto(link_in_email(last_email_to(broker_email)))
    checkpoint(page, "Support plan, version 1")
    expect(summary_value(page, "Status")).to_have_text("Review due")
    main(page).get_by_role("link", name="Record the review").click()
    checkpoint(page, "Review the plan")
    page.get_by_label("What has changed since the plan was approved?").fill(WHAT_CHANGED)
    page.get_by_role("group", name=f"Outcome 1: {MY_OUTCOME}").get_by_label("Met", exact=True).check()
    page.get_by_role("group", name=f"Outcome 2: {JAMIE_OUTCOME}").get_by_label("Partly met").check()
    page.get_by_role("button", name="Save review").click()
    checkpoint(page, "Support plan, version 1")
    expect(summary_value(page, "Status")).to_have_text("Reviewed")
    expect(summary_value(page, "What changed")).to_have_text(WHAT_CHANGED)
    expect(main(page)).to_contain_text("At the review: met")
    expect(main(page)).to_contain_text("At the review: partly met")


# ----------------------------------------------------------------------------------------------
# The journey
# ----------------------------------------------------------------------------------------------


def test_from_a_self_referral_to_an_approved_plan_its_pdf_and_its_review(page, new_page, checkpoint, world):
    x, carer = world["x"], world["carer"]
    mail.outbox.clear()

    _carer_refers_themself(page, checkpoint)
    broker = new_page()
    _broker_triages_and_assigns(broker, checkpoint, world)
    referral = Referral.objects.get(carer=carer)
    assert (referral.state, referral.worker) == (Referral.State.ASSIGNED, x.assessor)

    assessor = new_page()
    _assessor_completes_the_ras(assessor, checkpoint, world)
    assessment = Assessment.objects.get(carer=carer)
    assert (assessment.status, assessment.points_total, assessment.amount_pence) == ("completed", 18, 67_355)

    _carer_reads_the_explanation(page, checkpoint)
    _panel_changes_the_budget(new_page(), checkpoint, world)
    decision = PanelDecision.objects.get(assessment=assessment)
    assert (decision.amount_pence, decision.decided_by, decision.reason) == (80_000, world["panel"], REASON)

    _carer_starts_the_plan(page, checkpoint)
    _broker_finishes_and_sends_the_plan(broker, checkpoint)
    _assessor_approves(assessor, checkpoint)
    plan = Plan.objects.get(carer=carer)
    assert (plan.state, plan.approved_by, plan.budget_pence) == (Plan.State.APPROVED, x.assessor, 80_000)
    assert set(plan.contributors.values_list("user__email", flat=True)) == {MORAG, x.broker.email}
    assert PlanDocument.objects.get(plan=plan).state == PlanDocument.State.RENDERED

    text = _carer_downloads_the_pdf(page, checkpoint)
    for expected in (
        MY_OUTCOME,
        JAMIE_OUTCOME,
        CREATIVE,
        SupportKind.CREATIVE.label,
        OFFER,
        PROVIDER,
        SdsOption.DIRECT_PAYMENT.label,
        SdsOption.ISF.label,
        "£670",  # the plan's total
        "£800",  # the approved budget
        RISK,
        "Catriona MacLeod",
    ):
        assert expected in text, f"{expected!r} is not in the PDF:\n{text}"

    # The beat's daily job: today the plan becomes active; on its review date it is due, and everyone is told.
    mail.outbox.clear()
    assert _beat_runs_the_daily_job() == {"activated": 1, "review_due": 0}
    assert mail.outbox == []
    assert _beat_runs_the_daily_job(on=plan.review_on) == {"activated": 0, "review_due": 1}
    assert _beat_runs_the_daily_job(on=plan.review_on) == {"activated": 0, "review_due": 0}  # once only
    assert subjects(MORAG) == ["your support plan is due for review"]
    assert subjects(x.broker.email) == ["a support plan is due for review"]  # the broker who wrote it
    assert subjects(x.assessor.email) == ["a support plan is due for review"]  # the assigned worker
    assert len(mail.outbox) == 2

    _carer_reads_the_reminder(page, checkpoint)
    _broker_records_the_review(broker, checkpoint, x.broker.email)
    review = PlanReview.objects.get(plan=plan)
    assert (review.what_changed, review.reviewed_by) == (WHAT_CHANGED, x.broker)
    assert sorted(review.results.values_list("result", flat=True)) == ["met", "partly"]
