"""The Resource Allocation System: questionnaires and price scales (both versioned per partnership),
assessments with their answers and indicative budgets, and the resource panel's decisions.

A published questionnaire version or price scale never changes: a change is a new version (a new row).
An assessment keeps the versions it was priced with, so its budget can always be recomputed exactly
(`ras.budget.budget_compute`). Money is whole pence; percentages are Decimals.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Partnership, Role


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def _partnership_scope(queryset, user, field="partnership_id"):
    """Staff (brokers, assessors) see their partnership's rows; admin every row; anyone else none."""
    if sees_whole_platform(user):
        return queryset
    partnership_id = casework_partnership_id(user)
    if partnership_id is not None:
        return queryset.filter(**{field: partnership_id})
    return queryset.none()


# ---------------------------------------------------------------------------------------------
# Questionnaires
# ---------------------------------------------------------------------------------------------


class QuestionnaireQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _partnership_scope(self, user)


class Questionnaire(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="questionnaires")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["partnership__name", "name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="ras_questionnaire_unique_name")]

    def __str__(self):
        return self.name


class QuestionnaireVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _partnership_scope(self, user, "questionnaire__partnership_id")

    def published(self):
        return self.filter(status=VersionStatus.PUBLISHED)


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = QuestionnaireVersionQuerySet.as_manager()

    class Meta:
        ordering = ["questionnaire_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="ras_questionnaire_version_unique"),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="ras_questionnaire_version_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.questionnaire.name}, version {self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def partnership_id(self):
        return self.questionnaire.partnership_id


class Domain(models.Model):
    """An area of need the questionnaire asks about, e.g. personal care, or the carer's own circumstances."""

    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="domains")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="ras_domain_unique_position")]

    def __str__(self):
        return self.name


class Question(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["domain_id", "position"]
        constraints = [models.UniqueConstraint(fields=["domain", "position"], name="ras_question_unique_position")]

    def __str__(self):
        return self.text


class AnswerOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    points = models.PositiveSmallIntegerField(default=0)
    # Which circumstance this answer records, if any (e.g. "second-carer"): price scales adjust for it by name.
    circumstance = models.SlugField(max_length=50, blank=True)

    class Meta:
        ordering = ["question_id", "position"]
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="ras_option_unique_position")]

    def __str__(self):
        return f"{self.text} ({self.points} points)"


# ---------------------------------------------------------------------------------------------
# Price scales
# ---------------------------------------------------------------------------------------------


class PricingMethod(models.TextChoices):
    PER_POINT = "per_point", "A price for each point"
    BANDS = "bands", "Bands of points, each with an amount"


class PriceScaleQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _partnership_scope(self, user)


class PriceScale(models.Model):
    """Turns points into money for one partnership and financial year. Versioned: a change is a new row."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="price_scales")
    # The year the financial year starts in: 2026 is April 2026 to March 2027.
    financial_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    method = models.CharField(max_length=10, choices=PricingMethod.choices, default=PricingMethod.PER_POINT)
    price_per_point_pence = models.PositiveIntegerField(null=True, blank=True)
    floor_pence = models.PositiveIntegerField(default=0)
    ceiling_pence = models.PositiveIntegerField(null=True, blank=True)
    contingency_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    # The partnership's short-breaks budget for the year, to set the total of every budget against.
    annual_budget_pence = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PriceScaleQuerySet.as_manager()

    class Meta:
        ordering = ["partnership__name", "-financial_year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "financial_year", "number"], name="ras_scale_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(ceiling_pence__isnull=True) | Q(ceiling_pence__gte=models.F("floor_pence")),
                name="ras_scale_floor_below_ceiling",
            ),
            models.CheckConstraint(
                condition=Q(contingency_percent__gte=0, contingency_percent__lte=50),
                name="ras_scale_contingency_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="ras_scale_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.financial_year_label} price scale, version {self.number}"

    @property
    def financial_year_label(self) -> str:
        return f"{self.financial_year}-{(self.financial_year + 1) % 100:02d}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class PriceBand(models.Model):
    scale = models.ForeignKey(PriceScale, on_delete=models.CASCADE, related_name="bands")
    points_from = models.PositiveIntegerField()
    points_to = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: this many points or more")
    amount_pence = models.PositiveIntegerField()

    class Meta:
        ordering = ["scale_id", "points_from"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "points_from"], name="ras_band_unique_start"),
            models.CheckConstraint(
                condition=Q(points_to__isnull=True) | Q(points_to__gte=models.F("points_from")),
                name="ras_band_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.points_from} to {self.points_to if self.points_to is not None else 'more'} points"


class Adjustment(models.Model):
    """A named amount added (or, when negative, taken away) when an answer records the circumstance."""

    scale = models.ForeignKey(PriceScale, on_delete=models.CASCADE, related_name="adjustments")
    circumstance = models.SlugField(max_length=50)
    name = models.CharField(max_length=120)
    amount_pence = models.IntegerField()

    class Meta:
        ordering = ["scale_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "circumstance"], name="ras_adjustment_unique_circumstance"),
            models.CheckConstraint(condition=~Q(amount_pence=0), name="ras_adjustment_not_zero"),
        ]

    def __str__(self):
        return self.name


# ---------------------------------------------------------------------------------------------
# Assessments and the panel
# ---------------------------------------------------------------------------------------------


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(carer__user=user)
        return _partnership_scope(self, user)


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "In progress"
        COMPLETED = "completed", "Completed"

    carer = models.ForeignKey("brokerage.Carer", on_delete=models.PROTECT, related_name="assessments")
    # The carer's partnership when the assessment started; every staff read filters by it.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="assessments")
    questionnaire_version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The result, set once on completion: the scale used, the points, the indicative budget and its explanation.
    scale = models.ForeignKey(PriceScale, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points_total = models.PositiveIntegerField(null=True, blank=True)
    contingency_pence = models.PositiveIntegerField(null=True, blank=True)
    amount_pence = models.PositiveIntegerField("indicative budget", null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["partnership", "status", "carer"]),
            models.Index(fields=["carer", "status", "completed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status="draft",
                    completed_at__isnull=True,
                    scale__isnull=True,
                    amount_pence__isnull=True,
                )
                | Q(
                    status="completed",
                    completed_at__isnull=False,
                    scale__isnull=False,
                    points_total__isnull=False,
                    contingency_pence__isnull=False,
                    amount_pence__isnull=False,
                ),
                name="ras_assessment_completed_has_result",
            ),
        ]

    def __str__(self):
        return f"Assessment {self.pk} of {self.carer}"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers_given")
    option = models.ForeignKey(AnswerOption, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "question"], name="ras_answer_one_per_question")]

    def __str__(self):
        return f"{self.question}: {self.option}"


class PanelDecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(assessment__carer__user=user)
        return _partnership_scope(self, user, "assessment__partnership_id")


class PanelDecision(models.Model):
    """The resource panel's decision on an indicative budget. Never changed: a new decision is a new row."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved as it is"
        CHANGED = "changed", "Changed"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    amount_pence = models.PositiveIntegerField("approved budget")
    reason = models.TextField(max_length=2000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    objects = PanelDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome="approved") | ~Q(reason=""), name="ras_panel_change_has_reason"),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.amount_pence}p"

    @property
    def partnership_id(self):
        return self.assessment.partnership_id
