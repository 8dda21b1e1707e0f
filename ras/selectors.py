"""Reads for the RAS. Every read of a personal record takes the user who reads and goes through the
access choke point (`breakthrough.access`); anything outside their scope answers 404.

For the code that comes after the panel (support plans):

    approved_budget(*, carer) -> PanelDecision | None

is the carer's approved budget: the resource panel's latest decision on any of their assessments
(`.amount_pence` in whole pence, `.assessment`, `.decided_at`, `.decided_by`, `.outcome`, `.reason`),
or None before the panel has decided. Fetch the carer through the choke point first
(`brokerage.selectors.carer_get` or `carer_of_user`): this selector trusts that you did.
"""

from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from breakthrough.access import get_visible_or_404, visible
from ras.budget import Band, ScaleTerms
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

# ---------------------------------------------------------------------------------------------
# Questionnaires
# ---------------------------------------------------------------------------------------------


def questionnaire_list(*, fetched_by) -> QuerySet[Questionnaire]:
    versions = QuestionnaireVersion.objects.order_by("-number")
    return (
        visible(fetched_by, Questionnaire)
        .select_related("partnership")
        .prefetch_related(Prefetch("versions", queryset=versions))
    )


def questionnaire_get(*, fetched_by, pk) -> Questionnaire:
    return get_visible_or_404(fetched_by, Questionnaire.objects.select_related("partnership"), audit=False, pk=pk)


def questionnaire_version_get(*, fetched_by, pk) -> QuestionnaireVersion:
    return get_visible_or_404(
        fetched_by, QuestionnaireVersion.objects.select_related("questionnaire__partnership"), audit=False, pk=pk
    )


def questionnaire_domains(*, version: QuestionnaireVersion) -> list[Domain]:
    """The version's domains in order, each with its questions and their answers."""
    return list(
        version.domains.prefetch_related(
            Prefetch("questions", queryset=Question.objects.prefetch_related("options").order_by("position"))
        ).order_by("position")
    )


def published_versions(*, fetched_by, partnership_id) -> QuerySet[QuestionnaireVersion]:
    """The latest published version of each of the partnership's questionnaires."""
    newer = QuestionnaireVersion.objects.filter(
        questionnaire=OuterRef("questionnaire"), status=VersionStatus.PUBLISHED, number__gt=OuterRef("number")
    )
    return (
        visible(fetched_by, QuestionnaireVersion)
        .filter(questionnaire__partnership_id=partnership_id, status=VersionStatus.PUBLISHED)
        .exclude(Exists(newer))
        .select_related("questionnaire")
        .order_by("questionnaire__name")
    )


def circumstances_in_use(*, partnership_id) -> list[str]:
    """The circumstances the partnership's questionnaires record, for naming adjustments."""
    return list(
        AnswerOption.objects.filter(question__domain__version__questionnaire__partnership_id=partnership_id)
        .exclude(circumstance="")
        .order_by("circumstance")
        .values_list("circumstance", flat=True)
        .distinct()
    )


# ---------------------------------------------------------------------------------------------
# Price scales
# ---------------------------------------------------------------------------------------------


def scale_list(*, fetched_by) -> QuerySet[PriceScale]:
    return visible(fetched_by, PriceScale).select_related("partnership")


def scale_get(*, fetched_by, pk) -> PriceScale:
    source = PriceScale.objects.select_related("partnership").prefetch_related("bands", "adjustments")
    return get_visible_or_404(fetched_by, source, audit=False, pk=pk)


def scale_in_force(*, partnership_id, financial_year: int) -> PriceScale | None:
    """The partnership's latest published scale for the year, which prices assessments completed in it."""
    return (
        PriceScale.objects.filter(
            partnership_id=partnership_id, financial_year=financial_year, status=VersionStatus.PUBLISHED
        )
        .order_by("-number")
        .first()
    )


def scale_terms(scale: PriceScale) -> ScaleTerms:
    """A scale's terms as plain values for `budget_compute`."""
    return ScaleTerms(
        method=scale.method,
        price_per_point_pence=scale.price_per_point_pence,
        bands=tuple(Band(b.points_from, b.points_to, b.amount_pence) for b in scale.bands.all()),
        floor_pence=scale.floor_pence,
        ceiling_pence=scale.ceiling_pence,
        contingency_percent=scale.contingency_percent,
        adjustments=tuple((a.circumstance, a.name, a.amount_pence) for a in scale.adjustments.all()),
    )


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------


def _assessments(fetched_by) -> QuerySet[Assessment]:
    return visible(fetched_by, Assessment).select_related(
        "carer", "assessor", "partnership", "questionnaire_version__questionnaire", "scale"
    )


def assessment_list(*, fetched_by, status: str | None = None, carer=None) -> QuerySet[Assessment]:
    """Assessments the user may see, newest first; only `carer`'s if given (for the carer's record)."""
    assessments = _assessments(fetched_by).annotate(decisions_count=Count("decisions"))
    if status:
        assessments = assessments.filter(status=status)
    if carer is not None:
        assessments = assessments.filter(carer=carer)
    return assessments.order_by("-started_at", "-pk")


def assessment_get(*, fetched_by, pk) -> Assessment:
    return get_visible_or_404(fetched_by, _assessments(fetched_by), pk=pk)


def carer_own_assessments(*, carer) -> QuerySet[Assessment]:
    """A carer's completed assessments, newest first, with the panel's decisions (for "Your budget")."""
    return (
        Assessment.objects.filter(carer=carer, status=Assessment.Status.COMPLETED)
        .select_related("scale", "assessor")
        .prefetch_related(Prefetch("decisions", queryset=PanelDecision.objects.select_related("decided_by")))
        .order_by("-completed_at", "-pk")
    )


def assessment_answers(*, assessment: Assessment) -> dict[int, int]:
    """{question id: chosen option id}."""
    return dict(assessment.answers.values_list("question_id", "option_id"))


def assessment_unanswered(*, assessment: Assessment) -> list[int]:
    answered = Answer.objects.filter(assessment=assessment, question=OuterRef("pk"))
    return list(
        Question.objects.filter(domain__version_id=assessment.questionnaire_version_id)
        .exclude(Exists(answered))
        .values_list("pk", flat=True)
    )


def assessment_inputs(*, assessment: Assessment) -> dict:
    """The answers as `budget_compute` takes them: points per domain in order, and circumstances recorded."""
    mine = Q(questions__answers_given__assessment=assessment)
    domains = (
        Domain.objects.filter(version_id=assessment.questionnaire_version_id)
        .annotate(points=Coalesce(Sum("questions__answers_given__option__points", filter=mine), 0))
        .order_by("position")
        .values_list("name", "points")
    )
    circumstances = set(
        Answer.objects.filter(assessment=assessment)
        .exclude(option__circumstance="")
        .values_list("option__circumstance", flat=True)
    )
    return {"domain_points": list(domains), "circumstances": circumstances}


def approved_budget(*, carer) -> PanelDecision | None:
    """The panel's latest decision on any of the carer's assessments (its `amount_pence` is the approved
    budget), or None. The carer must have been fetched through the access choke point."""
    return (
        PanelDecision.objects.filter(assessment__carer=carer)
        .select_related("assessment", "decided_by")
        .order_by("-decided_at", "-pk")
        .first()
    )


def panel_queue(*, fetched_by) -> QuerySet[Assessment]:
    """Completed assessments, those the panel has not yet decided on first, then by when they were completed."""
    return (
        _assessments(fetched_by)
        .filter(status=Assessment.Status.COMPLETED)
        .annotate(decisions_count=Count("decisions"))
        .order_by(F("decisions_count").asc(), "completed_at", "pk")
    )


def assessment_decisions(*, assessment: Assessment) -> list[PanelDecision]:
    return list(assessment.decisions.select_related("decided_by").order_by("-decided_at", "-pk"))


# ---------------------------------------------------------------------------------------------
# Recalibration: every current assessment priced under a (draft) scale, in one query
# ---------------------------------------------------------------------------------------------


def current_assessments(*, fetched_by, partnership_id) -> QuerySet[Assessment]:
    """Each carer's latest completed assessment in the partnership."""
    later = Assessment.objects.filter(
        Q(completed_at__gt=OuterRef("completed_at")) | Q(completed_at=OuterRef("completed_at"), pk__gt=OuterRef("pk")),
        carer=OuterRef("carer"),
        status=Assessment.Status.COMPLETED,
    )
    return (
        visible(fetched_by, Assessment)
        .filter(partnership_id=partnership_id, status=Assessment.Status.COMPLETED)
        .exclude(Exists(later))
    )


BIG = BigIntegerField()


def _int(value: int):
    return Value(int(value), output_field=BIG)


def _big(expression):
    return ExpressionWrapper(expression, output_field=BIG)


def recalibration_rows(*, scale: PriceScale, fetched_by) -> QuerySet[Assessment]:
    """Every current assessment of the scale's partnership with what it would get under `scale`, computed
    by the database in one query: points summed over the answers (GROUP BY assessment), priced per point
    or by band, adjustments summed over the circumstances the answers record, floor and ceiling by
    GREATEST/LEAST, contingency rounded half up in integers. Annotations (pence):

        new_points, new_base, new_adjustments, new_limited, new_contingency, new_amount, change

    `change` is new_amount minus the budget the assessment has now (its stored `amount_pence`). The same sum
    as `ras.budget.budget_compute`; tests hold the two together."""
    terms = scale_terms(scale)
    points = Cast(Coalesce(Sum("answers__option__points"), 0, output_field=BigIntegerField()), BigIntegerField())
    if terms.method == PricingMethod.PER_POINT:
        base = points * _int(terms.price_per_point_pence or 0)
    else:
        whens = [
            When(
                Q(new_points__gte=band.points_from)
                & (Q(new_points__lte=band.points_to) if band.points_to is not None else Q()),
                then=_int(band.amount_pence),
            )
            for band in terms.bands
        ]
        base = Case(*whens, default=_int(0), output_field=BigIntegerField()) if whens else _int(0)
    if terms.adjustments:
        per_answer = Case(
            *(When(answers__option__circumstance=code, then=_int(amount)) for code, _, amount in terms.adjustments),
            default=_int(0),
            output_field=BigIntegerField(),
        )
        adjustments = Coalesce(Sum(per_answer), _int(0), output_field=BigIntegerField())
    else:
        adjustments = _int(0)
    limited = Greatest(F("new_base") + F("new_adjustments"), _int(terms.floor_pence), output_field=BIG)
    if terms.ceiling_pence is not None:
        limited = Least(limited, _int(terms.ceiling_pence), output_field=BIG)
    # percent% of x, half up, in integers: (x * basis points + 5000) / 10000, x never negative.
    basis_points = int(Decimal(terms.contingency_percent) * 100)
    contingency = (F("new_limited") * _int(basis_points) + _int(5000)) / _int(10000)
    return (
        current_assessments(fetched_by=fetched_by, partnership_id=scale.partnership_id)
        .annotate(new_points=points)
        .annotate(new_base=_big(base), new_adjustments=adjustments)
        .annotate(new_limited=limited)
        .annotate(new_contingency=_big(contingency))
        .annotate(new_amount=_big(F("new_limited") - F("new_contingency")))
        .annotate(change=_big(F("new_amount") - F("amount_pence")))
    )


def recalibration_totals(*, rows: QuerySet[Assessment]) -> dict:
    """The totals of `recalibration_rows` in one aggregate query: counts and sums now and under the scale."""
    totals = rows.aggregate(
        assessments=Count("pk"),
        gainers=Count("pk", filter=Q(change__gt=0)),
        losers=Count("pk", filter=Q(change__lt=0)),
        total_now=Coalesce(Sum("amount_pence"), 0, output_field=BigIntegerField()),
        total_new=Coalesce(Sum("new_amount"), 0, output_field=BigIntegerField()),
        gained=Coalesce(Sum("change", filter=Q(change__gt=0)), 0, output_field=BigIntegerField()),
        lost=Coalesce(Sum("change", filter=Q(change__lt=0)), 0, output_field=BigIntegerField()),
    )
    totals["unchanged"] = totals["assessments"] - totals["gainers"] - totals["losers"]
    totals["difference"] = totals["total_new"] - totals["total_now"]
    return totals


RECALIBRATION_VIEWS = {
    "all": ("All", lambda rows: rows.order_by("carer__last_name", "carer__first_name", "pk")),
    "gains": ("Gains", lambda rows: rows.filter(change__gt=0).order_by("-change", "pk")),
    "losses": ("Losses", lambda rows: rows.filter(change__lt=0).order_by("change", "pk")),
}


def recalibration_list(*, rows: QuerySet[Assessment], show: str) -> QuerySet[Assessment]:
    _, arrange = RECALIBRATION_VIEWS.get(show, RECALIBRATION_VIEWS["all"])
    return arrange(rows).values(
        "pk", "carer__first_name", "carer__last_name", "amount_pence", "new_points", "new_amount", "change"
    )
