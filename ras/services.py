"""Writes for the RAS: questionnaire versions, price scales, assessments and the panel's decisions.

Services are keyword-only and atomic, raise ValidationError with a message per field, and trust no view
to have checked anything. A published questionnaire version or price scale is never changed here: a
change is a new draft version, published by an explicit action. Every change is audited.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.models import Role
from brokerage.models import Carer
from ras import selectors
from ras.budget import budget_compute
from ras.models import (
    Adjustment,
    Answer,
    AnswerOption,
    Assessment,
    Domain,
    PanelDecision,
    PriceBand,
    PriceScale,
    PricingMethod,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)

# Who completes assessments, changes scales and questionnaires, and sits on the panel.
DECIDERS = (Role.ASSESSOR, Role.ADMIN)
SCALE_FIELDS = (
    "method",
    "price_per_point_pence",
    "floor_pence",
    "ceiling_pence",
    "contingency_percent",
    "annual_budget_pence",
)


def financial_year_of(day: datetime.date) -> int:
    """The year the financial year (1 April to 31 March) holding `day` starts in."""
    return day.year if day.month >= 4 else day.year - 1


def _require_decider(by, what: str) -> None:
    if by.role not in DECIDERS:
        raise ValidationError(f"Only an assessor can {what}")


def _require_partnership(by, partnership_id) -> None:
    if by.role != Role.ADMIN and by.partnership_id != partnership_id:
        raise ValidationError("This belongs to another partnership")


def ensure_draft(version) -> None:
    """Refuse any change to a published questionnaire version or price scale (used by admin too)."""
    if version.status != VersionStatus.DRAFT:
        raise ValidationError("A published version never changes. Make a new draft version instead.")


# ---------------------------------------------------------------------------------------------
# Questionnaires
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def questionnaire_create(*, partnership, name: str, by) -> QuestionnaireVersion:
    """A new questionnaire with an empty draft version 1 (its questions are added in the admin)."""
    _require_decider(by, "add a questionnaire")
    _require_partnership(by, partnership.pk)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the questionnaire"})
    if Questionnaire.objects.filter(partnership=partnership, name__iexact=name).exists():
        raise ValidationError({"name": "The partnership already has a questionnaire with this name"})
    questionnaire = Questionnaire.objects.create(partnership=partnership, name=name)
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1)
    log_action(questionnaire, "ras.questionnaire.created", user=by)
    return version


@transaction.atomic
def questionnaire_new_version(*, questionnaire: Questionnaire, by) -> QuestionnaireVersion:
    """A new draft version: a copy of the latest version's domains, questions and answers."""
    _require_decider(by, "change a questionnaire")
    _require_partnership(by, questionnaire.partnership_id)
    Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    latest = questionnaire.versions.order_by("-number").first()
    if latest is not None and not latest.is_published:
        raise ValidationError(f"Version {latest.number} is still a draft: change or publish that one")
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=(latest.number + 1) if latest else 1
    )
    if latest is not None:
        for domain in latest.domains.prefetch_related("questions__options"):
            new_domain = Domain.objects.create(
                version=version, position=domain.position, name=domain.name, description=domain.description
            )
            for question in domain.questions.all():
                new_question = Question.objects.create(
                    domain=new_domain, position=question.position, text=question.text, hint=question.hint
                )
                AnswerOption.objects.bulk_create(
                    AnswerOption(
                        question=new_question,
                        position=option.position,
                        text=option.text,
                        points=option.points,
                        circumstance=option.circumstance,
                    )
                    for option in question.options.all()
                )
    log_action(version, "ras.questionnaireversion.created", user=by, data={"number": version.number})
    return version


@transaction.atomic
def questionnaire_version_publish(*, version: QuestionnaireVersion, by) -> QuestionnaireVersion:
    _require_decider(by, "publish a questionnaire")
    version = QuestionnaireVersion.objects.select_for_update().select_related("questionnaire").get(pk=version.pk)
    _require_partnership(by, version.questionnaire.partnership_id)
    ensure_draft(version)
    domains = list(version.domains.prefetch_related("questions__options"))
    if not domains:
        raise ValidationError("Add at least one domain before publishing")
    for domain in domains:
        questions = list(domain.questions.all())
        if not questions:
            raise ValidationError(f"{domain.name} has no questions: add one or remove the domain")
        for question in questions:
            if len(question.options.all()) < 2:
                raise ValidationError(f"“{question.text}” needs at least two answers to choose from")
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.save(update_fields=["status", "published_at", "published_by"])
    log_action(version, "ras.questionnaireversion.published", user=by, data={"number": version.number})
    return version


# ---------------------------------------------------------------------------------------------
# Price scales
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def price_scale_create(*, partnership, financial_year: int, by) -> PriceScale:
    """A new draft scale for the year: a copy of the year's latest version, else of the latest one before it."""
    _require_decider(by, "change a price scale")
    _require_partnership(by, partnership.pk)
    if not 2000 <= financial_year <= 2100:
        raise ValidationError({"financial_year": "Enter a year between 2000 and 2100"})
    existing = PriceScale.objects.select_for_update().filter(partnership=partnership, financial_year=financial_year)
    if existing.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError({"financial_year": "There is already a draft scale for this year: change that one"})
    number = (existing.aggregate(n=Max("number"))["n"] or 0) + 1
    source = (
        PriceScale.objects.filter(partnership=partnership, financial_year__lte=financial_year)
        .order_by("-financial_year", "-number")
        .prefetch_related("bands", "adjustments")
        .first()
    )
    scale = PriceScale(partnership=partnership, financial_year=financial_year, number=number, created_by=by)
    if source is not None:
        for name in SCALE_FIELDS:
            setattr(scale, name, getattr(source, name))
    scale.save()
    if source is not None:
        PriceBand.objects.bulk_create(
            PriceBand(scale=scale, points_from=b.points_from, points_to=b.points_to, amount_pence=b.amount_pence)
            for b in source.bands.all()
        )
        Adjustment.objects.bulk_create(
            Adjustment(scale=scale, circumstance=a.circumstance, name=a.name, amount_pence=a.amount_pence)
            for a in source.adjustments.all()
        )
    log_action(scale, "ras.pricescale.created", user=by, data={"year": financial_year, "number": number})
    return scale


def _check_bands(bands: list[dict], *, complete: bool) -> None:
    """Bands run from 0 points without gaps or overlaps; only the last may be open ('or more')."""
    expected = 0
    for i, band in enumerate(sorted(bands, key=lambda b: b["points_from"])):
        last = i == len(bands) - 1
        if band["points_from"] != expected:
            raise ValidationError(
                {"bands": f"Bands must follow on without gaps or overlaps: a band should start at {expected} points"}
            )
        if band["points_to"] is None and not last:
            raise ValidationError({"bands": "Only the highest band can be left open ('or more')"})
        if band["points_to"] is not None:
            if band["points_to"] < band["points_from"]:
                raise ValidationError({"bands": "A band must end at or after the points it starts at"})
            expected = band["points_to"] + 1
    if complete and (not bands or max(bands, key=lambda b: b["points_from"])["points_to"] is not None):
        raise ValidationError({"bands": "The highest band must be open ('or more'), so every score has a band"})


def _check_terms(data: dict, bands: list[dict], *, complete: bool) -> None:
    if data["method"] == PricingMethod.PER_POINT and not data.get("price_per_point_pence"):
        raise ValidationError({"price_per_point_pence": "Enter the price for each point"})
    if data["method"] == PricingMethod.BANDS:
        if complete and not bands:
            raise ValidationError({"bands": "Add at least one band"})
        _check_bands(bands, complete=complete)
    ceiling = data.get("ceiling_pence")
    if ceiling is not None and ceiling < (data.get("floor_pence") or 0):
        raise ValidationError({"ceiling_pence": "The ceiling must be the same as or more than the floor"})


@transaction.atomic
def price_scale_update(*, scale: PriceScale, data: dict, bands: list[dict], adjustments: list[dict], by) -> PriceScale:
    """Change a draft scale: its terms, and its bands and adjustments (replacing them)."""
    _require_decider(by, "change a price scale")
    scale = PriceScale.objects.select_for_update().get(pk=scale.pk)
    _require_partnership(by, scale.partnership_id)
    ensure_draft(scale)
    data = {name: data.get(name, getattr(scale, name)) for name in SCALE_FIELDS}
    data["floor_pence"] = data["floor_pence"] or 0
    _check_terms(data, bands, complete=False)
    codes = [a["circumstance"] for a in adjustments]
    if len(set(codes)) != len(codes):
        raise ValidationError({"adjustments": "Each circumstance can have one adjustment only"})
    for name, value in data.items():
        setattr(scale, name, value)
    scale.full_clean()
    scale.save()
    scale.bands.all().delete()
    PriceBand.objects.bulk_create(PriceBand(scale=scale, **band) for band in bands)
    scale.adjustments.all().delete()
    Adjustment.objects.bulk_create(Adjustment(scale=scale, **adjustment) for adjustment in adjustments)
    log_action(scale, "ras.pricescale.updated", user=by)
    return scale


@transaction.atomic
def price_scale_publish(*, scale: PriceScale, by) -> PriceScale:
    """Publish a draft scale: from now on, completed assessments for its year are priced with it."""
    _require_decider(by, "publish a price scale")
    scale = PriceScale.objects.select_for_update().get(pk=scale.pk)
    _require_partnership(by, scale.partnership_id)
    ensure_draft(scale)
    bands = list(scale.bands.values("points_from", "points_to", "amount_pence"))
    _check_terms({name: getattr(scale, name) for name in SCALE_FIELDS}, bands, complete=True)
    scale.status = VersionStatus.PUBLISHED
    scale.published_at = timezone.now()
    scale.published_by = by
    scale.save(update_fields=["status", "published_at", "published_by"])
    log_action(scale, "ras.pricescale.published", user=by, data={"number": scale.number})
    return scale


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def assessment_start(*, carer: Carer, questionnaire_version: QuestionnaireVersion, by) -> Assessment:
    _require_decider(by, "carry out an assessment")
    if carer.partnership_id is None:
        raise ValidationError("Record the carer's area first: an assessment belongs to their partnership")
    _require_partnership(by, carer.partnership_id)
    if not questionnaire_version.is_published or questionnaire_version.questionnaire.partnership_id != (
        carer.partnership_id
    ):
        raise ValidationError({"questionnaire_version": "Choose a published questionnaire of the carer's partnership"})
    Carer.objects.select_for_update().get(pk=carer.pk)  # one draft per carer, even with two clicks
    if Assessment.objects.filter(carer=carer, status=Assessment.Status.DRAFT).exists():
        raise ValidationError("An assessment of this carer is already in progress: carry on with that one")
    assessment = Assessment.objects.create(
        carer=carer, partnership_id=carer.partnership_id, questionnaire_version=questionnaire_version, assessor=by
    )
    log_action(assessment, "ras.assessment.started", user=by)
    return assessment


def _locked_draft(assessment: Assessment, by) -> Assessment:
    _require_decider(by, "change an assessment")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_partnership(by, assessment.partnership_id)
    if assessment.is_completed:
        raise ValidationError("This assessment is completed: its answers can no longer change")
    return assessment


@transaction.atomic
def assessment_answer(*, assessment: Assessment, answers: dict, by) -> Assessment:
    """Save answers ({question: option}); saving part-way is fine. An option of None clears the answer."""
    assessment = _locked_draft(assessment, by)
    version_id = assessment.questionnaire_version_id
    for question, option in answers.items():
        if question.domain.version_id != version_id:
            raise ValidationError("That question is not in this assessment's questionnaire")
        if option is None:
            Answer.objects.filter(assessment=assessment, question=question).delete()
            continue
        if option.question_id != question.pk:
            raise ValidationError({f"q{question.pk}": "Choose one of the answers given"})
        Answer.objects.update_or_create(assessment=assessment, question=question, defaults={"option": option})
    log_action(assessment, "ras.assessment.answered", user=by, data={"questions": len(answers)})
    return assessment


@transaction.atomic
def assessment_complete(*, assessment: Assessment, by, on: datetime.date | None = None) -> Assessment:
    """Complete the assessment: price it with the partnership's published scale for the year, and keep
    the result and its explanation with the versions used."""
    assessment = _locked_draft(assessment, by)
    missing = selectors.assessment_unanswered(assessment=assessment)
    if missing:
        raise ValidationError(f"Answer every question first: {len(missing)} still to answer")
    year = financial_year_of(on or timezone.localdate())
    scale = selectors.scale_in_force(partnership_id=assessment.partnership_id, financial_year=year)
    if scale is None:
        raise ValidationError(f"No price scale is published for {year}-{(year + 1) % 100:02d} yet")
    budget = budget_compute(**selectors.assessment_inputs(assessment=assessment), terms=selectors.scale_terms(scale))
    assessment.status = Assessment.Status.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.scale = scale
    assessment.points_total = budget.points
    assessment.contingency_pence = budget.contingency_pence
    assessment.amount_pence = budget.amount_pence
    assessment.explanation = budget.lines
    assessment.save()
    log_action(
        assessment, "ras.assessment.completed", user=by, data={"scale": scale.pk, "amount_pence": budget.amount_pence}
    )
    return assessment


# ---------------------------------------------------------------------------------------------
# The resource panel
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def panel_decide(*, assessment: Assessment, outcome: str, by, amount_pence: int | None = None, reason: str = ""):
    """Approve the indicative budget, or change it with a written reason. Each decision is a new row."""
    _require_decider(by, "decide on a budget")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_partnership(by, assessment.partnership_id)
    if not assessment.is_completed:
        raise ValidationError("The assessment must be completed before the panel decides")
    if assessment.assessor_id == by.pk:
        raise ValidationError("You carried out this assessment, so another assessor must decide on it")
    reason = (reason or "").strip()
    if outcome == PanelDecision.Outcome.APPROVED:
        amount_pence = assessment.amount_pence
    elif outcome == PanelDecision.Outcome.CHANGED:
        errors = {}
        if amount_pence is None:
            errors["amount_pence"] = "Enter the budget the panel approves"
        elif amount_pence == assessment.amount_pence:
            errors["amount_pence"] = "That is the indicative budget: choose 'Approve' instead, or enter another amount"
        if not reason:
            errors["reason"] = "Write down why the panel changed the budget"
        if errors:
            raise ValidationError(errors)
    else:
        raise ValidationError({"outcome": "Choose whether to approve or change the budget"})
    decision = PanelDecision.objects.create(
        assessment=assessment, outcome=outcome, amount_pence=amount_pence, reason=reason, decided_by=by
    )
    log_action(
        decision,
        f"ras.paneldecision.{outcome}",
        user=by,
        data={"assessment": assessment.pk, "amount_pence": amount_pence, "indicative_pence": assessment.amount_pence},
    )
    return decision
