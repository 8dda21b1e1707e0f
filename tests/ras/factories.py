"""Factories for the RAS tests: a small published questionnaire, price scales and assessments."""

from decimal import Decimal

import factory
from django.utils import timezone

from ras import services
from ras.models import (
    Adjustment,
    Answer,
    AnswerOption,
    Assessment,
    Domain,
    PriceBand,
    PriceScale,
    PricingMethod,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)
from tests.factories import PartnershipFactory

# (domain, [(question, [(answer, points, circumstance)])]): six points at most per question
QUESTIONS = [
    (
        "Personal care",
        [
            ("How much help do they need to wash and dress?", [("None", 0, ""), ("Some", 4, ""), ("All", 8, "")]),
            ("How much help do they need to eat?", [("None", 0, ""), ("Some", 2, ""), ("All", 4, "")]),
        ],
    ),
    ("Behaviour", [("How often do they need calming?", [("Rarely", 0, ""), ("Daily", 5, ""), ("Hourly", 10, "")])]),
    (
        "The carer's own circumstances",
        [
            ("Is there a second carer at home?", [("No", 0, ""), ("Yes", 0, "second-carer")]),
            ("Does a brother or sister have additional needs?", [("No", 0, ""), ("Yes", 3, "sibling-needs")]),
        ],
    ),
]


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Short breaks RAS {n}")


def questionnaire_version(partnership, *, published=True, questions=QUESTIONS, number=1, questionnaire=None):
    """A questionnaire version with the domains, questions and answers given."""
    questionnaire = questionnaire or QuestionnaireFactory(partnership=partnership)
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=number,
        status=VersionStatus.PUBLISHED if published else VersionStatus.DRAFT,
        published_at=timezone.now() if published else None,
    )
    for d, (domain_name, domain_questions) in enumerate(questions, start=1):
        domain = Domain.objects.create(version=version, position=d, name=domain_name)
        for q, (text, options) in enumerate(domain_questions, start=1):
            question = Question.objects.create(domain=domain, position=q, text=text)
            for o, (answer, points, circumstance) in enumerate(options, start=1):
                AnswerOption.objects.create(
                    question=question, position=o, text=answer, points=points, circumstance=circumstance
                )
    return version


def price_scale(
    partnership,
    *,
    published=True,
    year=None,
    number=None,
    method=PricingMethod.PER_POINT,
    price=3800,
    bands=(),
    floor=0,
    ceiling=None,
    contingency="0",
    adjustments=(),
    budget=None,
):
    """A price scale; `bands` as (from, to, pence), `adjustments` as (circumstance, name, pence)."""
    year = year or services.financial_year_of(timezone.localdate())
    if number is None:
        number = PriceScale.objects.filter(partnership=partnership, financial_year=year).count() + 1
    scale = PriceScale.objects.create(
        partnership=partnership,
        financial_year=year,
        number=number,
        status=VersionStatus.PUBLISHED if published else VersionStatus.DRAFT,
        published_at=timezone.now() if published else None,
        method=method,
        price_per_point_pence=price if method == PricingMethod.PER_POINT else None,
        floor_pence=floor,
        ceiling_pence=ceiling,
        contingency_percent=Decimal(contingency),
        annual_budget_pence=budget,
    )
    for points_from, points_to, amount in bands:
        PriceBand.objects.create(scale=scale, points_from=points_from, points_to=points_to, amount_pence=amount)
    for circumstance, name, amount in adjustments:
        Adjustment.objects.create(scale=scale, circumstance=circumstance, name=name, amount_pence=amount)
    return scale


def options_by_text(version) -> dict[tuple[str, str], AnswerOption]:
    """{(question text, answer text): option} for picking answers in tests."""
    return {
        (o.question.text, o.text): o
        for o in AnswerOption.objects.filter(question__domain__version=version).select_related("question")
    }


def choose(version, picks: list[int]) -> dict:
    """{question: option} choosing the picks[i]-th answer (0-based) of each question in order."""
    questions = list(Question.objects.filter(domain__version=version).order_by("domain__position", "position"))
    return {
        question: list(question.options.order_by("position"))[pick]
        for question, pick in zip(questions, picks, strict=True)
    }


def completed_assessment(carer, version, assessor, picks: list[int]) -> Assessment:
    """An assessment answered with `picks` and completed through the services (priced by the scale in force)."""
    assessment = services.assessment_start(carer=carer, questionnaire_version=version, by=assessor)
    services.assessment_answer(assessment=assessment, answers=choose(version, picks), by=assessor)
    return services.assessment_complete(assessment=assessment, by=assessor)


def raw_completed_assessments(carers, version, assessor, scale, picks_for) -> list[Assessment]:
    """Completed assessments straight into the tables (no pricing), for recalibration tests."""
    questions = list(Question.objects.filter(domain__version=version).order_by("domain__position", "position"))
    options = {q.pk: list(q.options.order_by("position")) for q in questions}
    now = timezone.now()
    assessments = Assessment.objects.bulk_create(
        Assessment(
            carer=carer,
            partnership_id=carer.partnership_id,
            questionnaire_version=version,
            assessor=assessor,
            status=Assessment.Status.COMPLETED,
            started_at=now,
            completed_at=now,
            scale=scale,
            points_total=0,
            contingency_pence=0,
            amount_pence=10_000 * (i % 7),
        )
        for i, carer in enumerate(carers)
    )
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question=q, option=options[q.pk][pick])
        for i, assessment in enumerate(assessments)
        for q, pick in zip(questions, picks_for(i), strict=True)
    )
    return assessments
