"""The RAS pages: an assessment domain by domain, the panel, scales, questionnaires, virtual budgets and the
carer's "Your budget". Bad input gets a message beside the field and loses nothing; nothing answers 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ras.models import Answer, Assessment, PanelDecision, PriceScale, Question, Questionnaire
from tests.factories import CarerFactory
from tests.ras.factories import choose, completed_assessment, price_scale, raw_completed_assessments

pytestmark = pytest.mark.django_db

PICKS = [2, 1, 1, 1, 1]


def _field(question):
    return f"q{question.pk}"


def _domain_post(version, position, picks):
    chosen = choose(version, PICKS if picks is None else picks)
    return {_field(q): str(o.pk) for q, o in chosen.items() if q.domain.position == position}


def test_an_assessor_completes_an_assessment_domain_by_domain(client_for, x, carer_a, version_x, scale_x):
    client = client_for(x.assessor)
    start = reverse("ras:assessment_start", kwargs={"carer_pk": carer_a.pk})
    assert "Start an assessment" in client.get(start).text
    response = client.post(start, {"questionnaire_version": version_x.pk})
    assessment = Assessment.objects.get(carer=carer_a)
    assert response.url == reverse("ras:assessment_detail", kwargs={"pk": assessment.pk})
    for position in (1, 2, 3):
        url = reverse("ras:assessment_domain", kwargs={"pk": assessment.pk, "position": position})
        response = client.post(url, _domain_post(version_x, position, None))
        assert response.status_code == 302
    check = reverse("ras:assessment_check", kwargs={"pk": assessment.pk})
    assert response.url == check
    assert "Check the answers" in client.get(check).text
    assert client.post(check).status_code == 302
    page = client.get(reverse("ras:assessment_detail", kwargs={"pk": assessment.pk})).text
    assert "18 x £38 = £684" in page
    assert "Your budget to plan with (indicative budget): £673.55" in page


def test_continuing_with_a_question_unanswered_says_which_and_keeps_the_others(client_for, x, carer_a, version_x):
    client = client_for(x.assessor)
    assessment = Assessment.objects.create(
        carer=carer_a, partnership=x.partnership, questionnaire_version=version_x, assessor=x.assessor
    )
    url = reverse("ras:assessment_domain", kwargs={"pk": assessment.pk, "position": 1})
    posted = _domain_post(version_x, 1, None)
    first, second = list(posted)
    response = client.post(url, {first: posted[first]})
    assert response.status_code == 200
    text = response.text
    assert text.count("Answer “How much help do they need to eat?”") == 2  # the summary and beside the field
    assert "<title>Error: Personal care" in text
    assert text.count('checked="checked"') == 1  # the answer given is still chosen
    assert not Answer.objects.exists()
    # Saving to come back later keeps what was chosen, though the domain is not finished.
    response = client.post(url, {first: posted[first], "later": "1"})
    assert response.status_code == 302
    assert Answer.objects.filter(assessment=assessment).count() == 1
    assert client.get(url).text.count('checked="checked"') == 1


def test_nonsense_answers_are_refused_not_a_500(client_for, x, carer_a, version_x):
    client = client_for(x.assessor)
    assessment = Assessment.objects.create(
        carer=carer_a, partnership=x.partnership, questionnaire_version=version_x, assessor=x.assessor
    )
    question = Question.objects.filter(domain__version=version_x, domain__position=1).first()
    url = reverse("ras:assessment_domain", kwargs={"pk": assessment.pk, "position": 1})
    response = client.post(url, {_field(question): "not-a-number"})
    assert response.status_code == 200
    assert "Answer “How much help do they need to wash and dress?”" in response.text
    assert client.get(reverse("ras:assessment_domain", kwargs={"pk": assessment.pk, "position": 99})).status_code == 404


def test_completing_without_a_scale_says_why(client_for, x, carer_a, version_x):
    client = client_for(x.assessor)
    assessment = Assessment.objects.create(
        carer=carer_a, partnership=x.partnership, questionnaire_version=version_x, assessor=x.assessor
    )
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question=q, option=o) for q, o in choose(version_x, PICKS).items()
    )
    response = client.post(reverse("ras:assessment_check", kwargs={"pk": assessment.pk}))
    assert response.status_code == 200
    assert "No price scale is published" in response.text
    assert "<title>Error: Check the answers" in response.text


def test_other_partnerships_and_brokers_cannot_change_an_assessment(client_for, x, y, carer_a, version_x):
    assessment = Assessment.objects.create(
        carer=carer_a, partnership=x.partnership, questionnaire_version=version_x, assessor=x.assessor
    )
    url = reverse("ras:assessment_domain", kwargs={"pk": assessment.pk, "position": 1})
    for user in (y.assessor, x.broker, carer_a.user):
        assert client_for(user).post(url, _domain_post(version_x, 1, None)).status_code == 404
    assert not Answer.objects.exists()
    assert client_for(x.broker).get(reverse("ras:assessment_detail", kwargs={"pk": assessment.pk})).status_code == 200


# ---------------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------------


def test_the_panel_changes_a_budget_with_a_reason(client_for, x, carer_a, version_x, scale_x, panel_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    client = client_for(panel_x)
    url = reverse("ras:panel_decide", kwargs={"pk": assessment.pk})
    response = client.post(url, {"outcome": "changed", "amount_pence": "800.00", "reason": ""})
    assert response.status_code == 200
    assert response.text.count("Write down why the panel changed the budget") == 2
    assert 'value="800.00"' in response.text
    assert not PanelDecision.objects.exists()
    response = client.post(url, {"outcome": "changed", "amount_pence": "eight hundred", "reason": "Costs"})
    assert "Enter the budget the panel approves in pounds" in response.text
    assert "Costs" in response.text
    response = client.post(url, {"outcome": "changed", "amount_pence": "800", "reason": "Overnight care costs more."})
    assert response.status_code == 302
    decision = PanelDecision.objects.get()
    assert (decision.amount_pence, decision.decided_by) == (80_000, panel_x)
    page = client.get(reverse("ras:assessment_detail", kwargs={"pk": assessment.pk})).text
    assert "Overnight care costs more." in page


def test_the_panel_page_tells_an_assessor_they_cannot_decide_on_their_own(client_for, x, carer_a, version_x, scale_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    client = client_for(x.assessor)
    url = reverse("ras:panel_decide", kwargs={"pk": assessment.pk})
    assert "another assessor must decide on it" in client.get(url).text
    client.post(url, {"outcome": "approved"})
    assert not PanelDecision.objects.exists()


def test_panel_with_no_choice_made(client_for, x, carer_a, version_x, scale_x, panel_x):
    assessment = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    response = client_for(panel_x).post(reverse("ras:panel_decide", kwargs={"pk": assessment.pk}), {})
    assert "Choose whether to approve or change the budget" in response.text


# ---------------------------------------------------------------------------------------------
# The carer's budget
# ---------------------------------------------------------------------------------------------


def test_a_carer_reads_their_own_explanation_and_not_anothers(
    client_for, x, y, carer_a, carer_b, version_x, scale_x, panel_x
):
    mine = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    other_carer = CarerFactory(locality=x.locality, first_name="Other")
    completed_assessment(other_carer, version_x, x.assessor, [0, 0, 0, 0, 0])
    from ras import services

    services.panel_decide(
        assessment=mine, outcome="changed", amount_pence=70_000, reason="Travel to the island.", by=panel_x
    )
    page = client_for(carer_a.user).get(reverse("ras:carer_budget")).text
    assert "Your budget to plan with (indicative budget): £673.55" in page
    assert "Your approved budget: £700" in page
    assert "Travel to the island." in page
    assert "0 points in all" not in page
    assert "no completed assessment" in client_for(carer_b.user).get(reverse("ras:carer_budget")).text
    assert client_for(carer_a.user).get(reverse("ras:assessment_detail", kwargs={"pk": mine.pk})).status_code == 404


# ---------------------------------------------------------------------------------------------
# Virtual budget
# ---------------------------------------------------------------------------------------------


def test_a_virtual_budget_commits_nothing_and_can_try_a_draft_scale(client_for, x, version_x, scale_x):
    draft = price_scale(x.partnership, published=False, price=5_000)
    client = client_for(x.broker)
    url = reverse("ras:virtual_budget_version", kwargs={"pk": version_x.pk})
    assert client.get(url).status_code == 200
    data = {"scale": draft.pk} | {_field(q): str(o.pk) for q, o in choose(version_x, PICKS).items()}
    text = client.post(url, data).text
    assert "18 x £50 = £900" in text
    assert not Assessment.objects.exists()
    response = client.post(url, {"scale": "999999"})
    assert "Choose a price scale" in response.text


def test_a_virtual_budget_cannot_use_another_partnerships_scale(client_for, x, y, version_x):
    theirs = price_scale(y.partnership, published=False)
    response = client_for(x.broker).post(
        reverse("ras:virtual_budget_version", kwargs={"pk": version_x.pk}), {"scale": theirs.pk}
    )
    assert "Choose a price scale" in response.text


# ---------------------------------------------------------------------------------------------
# Scales and recalibration
# ---------------------------------------------------------------------------------------------


def test_making_and_changing_a_draft_scale(client_for, x, version_x, scale_x):
    client = client_for(x.assessor)
    response = client.post(reverse("ras:scale_create"), {"financial_year": "next year"})
    assert "Enter the year as 4 digits, like 2026" in response.text
    response = client.post(reverse("ras:scale_create"), {"financial_year": scale_x.financial_year})
    draft = PriceScale.objects.get(status="draft")
    assert response.url == reverse("ras:scale_detail", kwargs={"pk": draft.pk})
    url = reverse("ras:scale_edit", kwargs={"pk": draft.pk})
    page = client.get(url).text
    assert 'value="38.00"' in page
    bad = {
        "method": "per_point",
        "price_per_point_pence": "thirty",
        "floor_pence": "100",
        "ceiling_pence": "50",
        "contingency_percent": "5",
        "annual_budget_pence": "",
        "adjustment_1_circumstance": "second-carer",
        "adjustment_1_name": "",
        "adjustment_1_amount": "-50",
    }
    response = client.post(url, bad)
    assert response.status_code == 200
    assert "Enter the price for each point in pounds, like 38.00" in response.text
    assert "Enter a name for adjustment 1" in response.text
    assert 'value="thirty"' in response.text
    assert 'value="-50"' in response.text
    good = bad | {"price_per_point_pence": "41.50", "adjustment_1_name": "A second carer at home"}
    response = client.post(url, good)
    assert "The ceiling must be the same as or more than the floor" in response.text
    response = client.post(url, good | {"ceiling_pence": "2500"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.price_per_point_pence, draft.ceiling_pence) == (4_150, 250_000)
    assert list(draft.adjustments.values_list("amount_pence", flat=True)) == [-5_000]


def test_band_rows_with_a_gap_are_refused_beside_the_form(client_for, x, version_x):
    draft = price_scale(x.partnership, published=False)
    data = {
        "method": "bands",
        "contingency_percent": "0",
        "band_1_from": "0",
        "band_1_to": "10",
        "band_1_amount": "100",
        "band_2_from": "12",
        "band_2_to": "",
        "band_2_amount": "",
    }
    response = client_for(x.assessor).post(reverse("ras:scale_edit", kwargs={"pk": draft.pk}), data)
    assert "Enter the amount for band 2" in response.text
    response = client_for(x.assessor).post(
        reverse("ras:scale_edit", kwargs={"pk": draft.pk}), data | {"band_2_amount": "200"}
    )
    assert "a band should start at 11 points" in response.text


def test_a_published_scale_cannot_be_edited_through_the_page(client_for, x, scale_x):
    client = client_for(x.assessor)
    url = reverse("ras:scale_edit", kwargs={"pk": scale_x.pk})
    assert "A published scale never changes" in client.get(url).text
    client.post(url, {"method": "per_point", "price_per_point_pence": "1", "contingency_percent": "0"})
    scale_x.refresh_from_db()
    assert scale_x.price_per_point_pence == 3800


def test_publishing_is_a_separate_explicit_action(client_for, x):
    draft = price_scale(x.partnership, published=False, method="bands", price=None)
    client = client_for(x.assessor)
    url = reverse("ras:scale_publish", kwargs={"pk": draft.pk})
    response = client.post(url)
    assert "Add at least one band" in response.text
    draft.bands.create(points_from=0, points_to=None, amount_pence=100)
    assert client.post(url).status_code == 302
    assert PriceScale.objects.get(pk=draft.pk).is_published


def test_the_recalibration_page_takes_the_same_queries_at_3_and_30_assessments(client_for, x, version_x, scale_x):
    draft = price_scale(x.partnership, published=False, price=1_000, budget=10_000)
    client = client_for(x.broker)
    url = reverse("ras:scale_recalibration", kwargs={"pk": draft.pk}) + "?show=gains"
    client.get(url)  # the session, once
    counts = []
    for already, count in ((0, 3), (3, 30)):
        carers = [CarerFactory(locality=x.locality) for _ in range(count - already)]
        raw_completed_assessments(carers, version_x, x.assessor, scale_x, lambda i: PICKS)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert f'<dd class="govuk-summary-list__value">{count}</dd>' in response.text
        assert "over by" in response.text
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    ("budget", "shown"), [(50_000, "£500: £140 left"), (30_000, "£300: <strong>over by £60</strong>")]
)
def test_the_recalibration_sets_the_total_against_the_partnerships_budget(
    client_for, x, version_x, scale_x, budget, shown
):
    carers = [CarerFactory(locality=x.locality) for _ in range(2)]
    raw_completed_assessments(carers, version_x, x.assessor, scale_x, lambda i: PICKS)  # 18 points each
    draft = price_scale(x.partnership, published=False, price=1_000, budget=budget)  # 18 x £10, twice: £360
    response = client_for(x.assessor).get(reverse("ras:scale_recalibration", kwargs={"pk": draft.pk}))
    assert "<strong>£360</strong>" in response.text
    assert f'<dd class="govuk-summary-list__value">{shown}</dd>' in response.text


# ---------------------------------------------------------------------------------------------
# Questionnaires
# ---------------------------------------------------------------------------------------------


def test_questionnaire_pages(client_for, x, version_x):
    client = client_for(x.assessor)
    response = client.post(reverse("ras:questionnaire_create"), {"name": "  "})
    assert "Enter a name for the questionnaire" in response.text
    response = client.post(reverse("ras:questionnaire_create"), {"name": version_x.questionnaire.name})
    assert "already has a questionnaire with this name" in response.text
    response = client.post(reverse("ras:questionnaire_create"), {"name": "Young carers"})
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get(name="Young carers")
    version = questionnaire.versions.get()
    response = client.post(reverse("ras:questionnaire_publish", kwargs={"pk": version.pk}))
    assert "Add at least one domain before publishing" in response.text
    response = client.post(reverse("ras:questionnaire_new_version", kwargs={"pk": questionnaire.pk}))
    assert "still a draft" in response.text
    response = client.post(reverse("ras:questionnaire_new_version", kwargs={"pk": version_x.questionnaire_id}))
    assert response.status_code == 302
    new = version_x.questionnaire.versions.get(number=2)
    assert "Personal care" in client.get(reverse("ras:questionnaire_version", kwargs={"pk": new.pk})).text


def test_a_carers_record_lists_their_assessments_and_offers_assessors_a_new_one(
    client_for, x, carer_a, carer_b_in_x, version_x, scale_x
):
    mine = completed_assessment(carer_a, version_x, x.assessor, PICKS)
    other = completed_assessment(carer_b_in_x, version_x, x.assessor, PICKS)
    url = reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})
    page = client_for(x.assessor).get(url).content.decode()
    assert reverse("ras:assessment_detail", kwargs={"pk": mine.pk}) in page
    assert reverse("ras:assessment_detail", kwargs={"pk": other.pk}) not in page  # another carer's, same partnership
    assert "waiting for the panel" in page
    assert reverse("ras:assessment_start", kwargs={"carer_pk": carer_a.pk}) in page
    broker_page = client_for(x.broker).get(url).content.decode()
    assert reverse("ras:assessment_detail", kwargs={"pk": mine.pk}) in broker_page
    assert reverse("ras:assessment_start", kwargs={"carer_pk": carer_a.pk}) not in broker_page
