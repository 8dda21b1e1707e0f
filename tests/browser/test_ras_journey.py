"""The RAS journey, in a real browser: an assessor completes the questionnaire with a carer domain by domain
(saving part-way and coming back), the carer reads how their indicative budget was worked out, and the
resource panel (another assessor) changes the budget with a written reason, which the carer then reads.

Every page is checked by `checkpoint` (title, screenshot, axe).
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from breakthrough.models import Role
from ras.models import Assessment, PanelDecision
from tests.browser.test_booking_journey import sign_in
from tests.browser.test_foundation_journey import assert_error, task_link
from tests.factories import CarerFactory, UserFactory, cares_for, staff
from tests.ras.factories import price_scale, questionnaire_version

CARER = "ailsa.ras@example.org"
REASON = "Overnight care on the island costs more than the scale allows."


@pytest.fixture
def world(x):
    carer = CarerFactory(
        user=UserFactory(email=CARER, first_name="Ailsa", last_name="Munro"),
        first_name="Ailsa",
        last_name="Munro",
        locality=x.locality,
    )
    cares_for(carer, relationship="Daughter")
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
    panel = staff(Role.ASSESSOR, x.hub, email="panel@x.example")
    return {"carer": carer, "assessor": x.assessor, "panel": panel}


def answer(page: Page, question: str, choice: str) -> None:
    page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def _assessor_completes(page: Page, checkpoint, world) -> Assessment:
    carer = world["carer"]
    page.goto(reverse("ras:assessment_start", kwargs={"carer_pk": carer.pk}))
    sign_in(
        page,
        checkpoint,
        world["assessor"].email,
        lands_on="Start an assessment",
        totp_secret=world["assessor"].totp_secret,
    )
    page.get_by_role("button", name="Start").click()
    checkpoint(page, "Assessment of Ailsa Munro")
    task_link(page, "Personal care").click()

    checkpoint(page, "Personal care")
    answer(page, "How much help do they need to wash and dress?", "All")
    page.get_by_role("button", name="Save and continue").click()  # one question left unanswered
    checkpoint(page, "Error: Personal care")
    field = page.get_by_role("group", name="How much help do they need to eat?").get_by_label("None", exact=True)
    assert_error(page, "Answer “How much help do they need to eat?”", field, described=False)
    expect(
        page.get_by_role("group", name="How much help do they need to wash and dress?").get_by_label("All")
    ).to_be_checked()
    page.get_by_role("button", name="Save and come back later").click()

    checkpoint(page, "Assessment of Ailsa Munro")  # saved part-way; come back to it
    task_link(page, "Personal care").click()
    checkpoint(page, "Personal care")
    answer(page, "How much help do they need to eat?", "Some")
    page.get_by_role("button", name="Save and continue").click()

    checkpoint(page, "Behaviour")
    answer(page, "How often do they need calming?", "Daily")
    page.get_by_role("button", name="Save and continue").click()

    checkpoint(page, "The carer's own circumstances")
    answer(page, "Is there a second carer at home?", "Yes")
    answer(page, "Does a brother or sister have additional needs?", "Yes")
    page.get_by_role("button", name="Save and continue").click()

    checkpoint(page, "Check the answers")
    page.get_by_role("button", name="Complete the assessment").click()
    checkpoint(page, "Assessment of Ailsa Munro")
    expect(page.locator("main")).to_contain_text("18 x £38 = £684")
    expect(page.locator("main")).to_contain_text("Your budget to plan with (indicative budget): £673.55")
    return Assessment.objects.get(carer=carer)


def _carer_reads_the_explanation(page: Page, checkpoint, *, first: bool) -> None:
    if first:
        page.goto(reverse("ras:carer_budget"))
        sign_in(page, checkpoint, CARER, lands_on="Your budget")
    else:
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
        checkpoint(page, "Your short breaks account")
        page.get_by_role("link", name="Your budget", exact=True).click()
        checkpoint(page, "Your budget")
    main = page.locator("main")
    expect(main).to_contain_text("Personal care: 10 points")
    expect(main).to_contain_text("18 points in all")
    expect(main).to_contain_text("A second carer at home: −£50")
    expect(main).to_contain_text(
        "5% of £709 kept back for costs nobody expected, which the panel can add (contingency): £35.45"
    )
    expect(main).to_contain_text("Your budget to plan with (indicative budget): £673.55")


def _panel_changes_it(page: Page, checkpoint, world, assessment) -> None:
    page.goto(reverse("ras:panel_decide", kwargs={"pk": assessment.pk}))
    sign_in(
        page, checkpoint, world["panel"].email, lands_on="The panel's decision", totp_secret=world["panel"].totp_secret
    )
    page.get_by_label("Changed", exact=True).check()
    page.get_by_label("If changed: the budget the panel approves, in pounds").fill("800")
    page.get_by_role("button", name="Record the decision").click()

    checkpoint(page, "Error: The panel's decision")
    assert_error(page, "Write down why the panel changed the budget", page.get_by_label("If changed: why"))
    expect(page.get_by_label("If changed: the budget the panel approves, in pounds")).to_have_value("800")
    page.get_by_label("If changed: why").fill(REASON)
    page.get_by_role("button", name="Record the decision").click()

    checkpoint(page, "Assessment of Ailsa Munro")
    decisions = page.get_by_role("table", name="The panel's decisions, newest first")
    expect(decisions).to_contain_text("£800")
    expect(decisions).to_contain_text(REASON)


def test_an_assessment_is_completed_explained_to_the_carer_and_changed_by_the_panel(page, new_page, checkpoint, world):
    assessment = _assessor_completes(page, checkpoint, world)

    # The assessor who carried it out is told that someone else must decide.
    page.get_by_role("link", name="Record the panel's decision").click()
    checkpoint(page, "The panel's decision")
    expect(page.locator(".govuk-inset-text")).to_contain_text("another assessor must decide on it")

    carer = new_page()
    _carer_reads_the_explanation(carer, checkpoint, first=True)
    expect(carer.locator("main")).to_contain_text("The resource panel has not looked at it yet")

    _panel_changes_it(new_page(), checkpoint, world, assessment)
    decision = PanelDecision.objects.get()
    assert (decision.amount_pence, decision.decided_by, decision.reason) == (80_000, world["panel"], REASON)

    _carer_reads_the_explanation(carer, checkpoint, first=False)
    expect(carer.locator("main")).to_contain_text("Your approved budget: £800")
    expect(carer.locator("main")).to_contain_text(REASON)


def test_a_draft_scale_is_changed_recalibrated_and_published(page, checkpoint, world, x):
    from tests.ras.factories import completed_assessment

    version = world["carer"].partnership.questionnaires.get().versions.get()
    completed_assessment(world["carer"], version, world["assessor"], [2, 1, 1, 1, 1])
    page.goto(reverse("ras:scale_list"))
    sign_in(page, checkpoint, world["panel"].email, lands_on="Price scales", totp_secret=world["panel"].totp_secret)
    page.get_by_role("link", name="Make a new draft scale").click()
    checkpoint(page, "Make a new draft price scale")
    page.get_by_role("button", name="Make the draft").click()
    checkpoint(page, page.locator("h1").inner_text())
    page.get_by_role("link", name="Change the draft").click()

    checkpoint(page, "Change the draft price scale")
    page.get_by_label("Price for each point, in pounds").fill("forty")
    page.get_by_role("button", name="Save the draft").click()
    checkpoint(page, "Error: Change the draft price scale")
    assert_error(
        page,
        "Enter the price for each point in pounds, like 38.00",
        page.get_by_label("Price for each point, in pounds"),
    )
    page.get_by_label("Price for each point, in pounds").fill("40")
    page.get_by_role("button", name="Save the draft").click()

    title = page.locator("h1").inner_text()
    checkpoint(page, title)
    page.get_by_role("link", name="See what it does to everyone's budget").click()
    checkpoint(page, f"Recalibration: {title}")
    expect(page.get_by_role("table")).to_contain_text("gains £34.20")  # 18 x £2 more, less 5% contingency
    page.get_by_role("link", name="Back to the scale").click()
    checkpoint(page, title)
    page.get_by_role("link", name="Publish").click()
    checkpoint(page, "Publish the scale")
    page.get_by_role("button", name="Publish").click()
    checkpoint(page, title)
    expect(page.locator("main")).to_contain_text("Published")
