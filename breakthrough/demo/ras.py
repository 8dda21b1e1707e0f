"""The demo's RAS: a published questionnaire and price scale per partnership, and a couple of assessments.

Found again by natural keys (partnership and name, partnership and year and number, carer and
questionnaire version), so a second run creates nothing. Budgets are worked out by the same pure
function as a real completion (`ras.budget.budget_compute`), so the demo's explanations recompute exactly.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from breakthrough.models import Partnership, User
from brokerage.models import Carer
from ras import selectors
from ras.budget import budget_compute
from ras.models import (
    Answer,
    AnswerOption,
    Assessment,
    Domain,
    PanelDecision,
    PriceScale,
    PricingMethod,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)
from ras.services import financial_year_of

from .reference import REFERENCE_TIME

QUESTIONNAIRE = "Short breaks Resource Allocation System"

# (domain, [(question, [(answer, points, circumstance)])])
QUESTIONS = [
    (
        "Personal care",
        [
            (
                "How much help does the person you care for need to wash, dress and use the toilet?",
                [("None", 0, ""), ("Some help every day", 6, ""), ("Help with everything", 12, "")],
            ),
        ],
    ),
    (
        "Health",
        [
            (
                "How often do health needs (medicines, seizures, tube feeding) need someone there?",
                [("Rarely", 0, ""), ("Every day", 5, ""), ("Day and night", 10, "")],
            ),
        ],
    ),
    (
        "Behaviour",
        [
            (
                "How often does behaviour put them or others at risk?",
                [("Rarely", 0, ""), ("Every week", 4, ""), ("Every day", 8, "")],
            ),
        ],
    ),
    (
        "Communication",
        [
            (
                "How do they let people know what they need?",
                [
                    ("Speaking", 0, ""),
                    ("Signs or pictures, with help", 3, ""),
                    ("Only people who know them well understand", 6, ""),
                ],
            ),
        ],
    ),
    (
        "Community access",
        [
            (
                "What help do they need to go out and take part in the community?",
                [("None", 0, ""), ("Someone with them", 4, ""), ("Two people, or special transport", 8, "")],
            ),
        ],
    ),
    (
        "The carer's own circumstances",
        [
            ("Is there a second carer at home?", [("No", 0, ""), ("Yes", 0, "second-carer")]),
            (
                "Does a brother or sister also have additional needs?",
                [("No", 0, ""), ("Yes", 4, "sibling-needs")],
            ),
            (
                "How many hours of sleep does the carer usually get?",
                [("Seven or more", 0, ""), ("Five or six", 3, ""), ("Fewer than five", 6, "")],
            ),
        ],
    ),
]

# slug -> (per point or bands, price per point, bands, floor, ceiling, contingency %, annual budget), all pence
SCALES = {
    "glenmorven": (PricingMethod.PER_POINT, 3_800, (), 25_000, 300_000, "5", 120_000_000),
    "eastwick": (
        PricingMethod.BANDS,
        None,
        ((0, 10, 40_000), (11, 25, 110_000), (26, 40, 190_000), (41, None, 260_000)),
        0,
        None,
        "2.5",
        150_000_000,
    ),
}
ADJUSTMENTS = (
    ("second-carer", "A second carer at home", -15_000),
    ("sibling-needs", "A sibling with additional needs", 20_000),
)


def _ensure_questionnaire(partnership: Partnership, counter: Counter) -> QuestionnaireVersion:
    questionnaire, created = Questionnaire.objects.get_or_create(partnership=partnership, name=QUESTIONNAIRE)
    if created:
        counter["RAS questionnaires"] += 1
    version = questionnaire.versions.filter(number=1).first()
    if version is not None:
        return version
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=1,
        status=VersionStatus.PUBLISHED,
        published_at=REFERENCE_TIME - datetime.timedelta(days=200),
        created_at=REFERENCE_TIME - datetime.timedelta(days=210),
    )
    for d, (name, questions) in enumerate(QUESTIONS, start=1):
        domain = Domain.objects.create(version=version, position=d, name=name)
        for q, (text, options) in enumerate(questions, start=1):
            question = Question.objects.create(domain=domain, position=q, text=text)
            AnswerOption.objects.bulk_create(
                AnswerOption(question=question, position=o, text=t, points=p, circumstance=c)
                for o, (t, p, c) in enumerate(options, start=1)
            )
    counter["RAS questionnaire versions"] += 1
    return version


def _ensure_scale(partnership: Partnership, year: int, counter: Counter) -> PriceScale:
    scale = PriceScale.objects.filter(partnership=partnership, financial_year=year, number=1).first()
    if scale is not None:
        return scale
    method, price, bands, floor, ceiling, contingency, budget = SCALES[partnership.slug]
    scale = PriceScale.objects.create(
        partnership=partnership,
        financial_year=year,
        number=1,
        status=VersionStatus.PUBLISHED,
        published_at=REFERENCE_TIME - datetime.timedelta(days=150),
        created_at=REFERENCE_TIME - datetime.timedelta(days=160),
        method=method,
        price_per_point_pence=price,
        floor_pence=floor,
        ceiling_pence=ceiling,
        contingency_percent=Decimal(contingency),
        annual_budget_pence=budget,
    )
    for points_from, points_to, amount in bands:
        scale.bands.create(points_from=points_from, points_to=points_to, amount_pence=amount)
    for circumstance, name, amount in ADJUSTMENTS:
        scale.adjustments.create(circumstance=circumstance, name=name, amount_pence=amount)
    counter["RAS price scales"] += 1
    return scale


def _ensure_assessment(carer, version, scale, assessor, picks, completed, counter) -> Assessment | None:
    assessment = Assessment.objects.filter(carer=carer, questionnaire_version=version).first()
    if assessment is not None:
        return assessment
    started = REFERENCE_TIME - datetime.timedelta(days=40)
    assessment = Assessment.objects.create(
        carer=carer,
        partnership_id=carer.partnership_id,
        questionnaire_version=version,
        assessor=assessor,
        started_at=started,
    )
    questions = Question.objects.filter(domain__version=version).order_by("domain__position", "position")
    Answer.objects.bulk_create(
        Answer(assessment=assessment, question=q, option=list(q.options.order_by("position"))[pick])
        for q, pick in zip(questions, picks, strict=True)
    )
    if completed:
        budget = budget_compute(
            **selectors.assessment_inputs(assessment=assessment), terms=selectors.scale_terms(scale)
        )
        assessment.status = Assessment.Status.COMPLETED
        assessment.completed_at = started + datetime.timedelta(days=7)
        assessment.scale = scale
        assessment.points_total = budget.points
        assessment.contingency_pence = budget.contingency_pence
        assessment.amount_pence = budget.amount_pence
        assessment.explanation = budget.lines
        assessment.save()
    counter["RAS assessments"] += 1
    return assessment


def ensure_ras(users: dict[str, User], counter: Counter) -> None:
    """A questionnaire and price scales per partnership; in Glenmorven, Morag's assessment completed and
    approved by the panel, and another carer's completed and waiting for the panel."""
    years = sorted({financial_year_of(REFERENCE_TIME.date()), financial_year_of(datetime.date.today())})
    versions = {}
    for partnership in Partnership.objects.filter(slug__in=SCALES):
        versions[partnership.slug] = _ensure_questionnaire(partnership, counter)
        for year in years:
            _ensure_scale(partnership, year, counter)
    if "glenmorven" not in versions:
        return
    assessor = users["assessor@glenmorven.example"]
    version = versions["glenmorven"]
    scale = PriceScale.objects.get(partnership__slug="glenmorven", financial_year=years[0], number=1)
    morag = Carer.objects.get(user=users["carer@glenmorven.example"])
    assessment = _ensure_assessment(morag, version, scale, assessor, [2, 1, 2, 1, 1, 0, 1, 2], True, counter)
    if not assessment.decisions.exists():
        PanelDecision.objects.create(
            assessment=assessment,
            outcome=PanelDecision.Outcome.APPROVED,
            amount_pence=assessment.amount_pence,
            decided_by=users["admin@breakthrough.example"],
            decided_at=REFERENCE_TIME - datetime.timedelta(days=25),
        )
        counter["RAS panel decisions"] += 1
    other = (
        Carer.objects.filter(partnership=morag.partnership, user__isnull=True)
        .order_by("last_name", "first_name", "postcode")
        .first()
    )
    if other is not None:
        _ensure_assessment(other, version, scale, assessor, [1, 0, 1, 2, 0, 1, 0, 1], True, counter)
