"""Feedback after a break: the outcome questions a partnership asks, versioned, and the answers to them.

A partnership has one feedback question set; its questions live in versions, like the RAS questionnaire
(ras/models.py). A published version never changes: a change is a new version (a new row), and every
response records the version it answered, so a new version never alters an old answer. A question's `code`
stays the same from version to version when it asks the same thing ("time_for_myself"), so the audit can
count one question across versions.

A response is one person's answers about one attended booking: the carer's, or a cared-for person's (given
with help, saying who helped). One of each per booking per person, in the database as well as in Python.
The response keeps where the household lived and the highest needs level on the booking when it was given,
so the outcome figures can be grouped by locality and needs level as they were at the time.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Locality, Partnership, Role
from breakthrough.submissions import key_field, unique_per
from brokerage.models.bookings import Booking
from brokerage.models.household import CaredForPerson, NeedsLevel


class Respondent(models.TextChoices):
    CARER = "carer", "The carer"
    CARED_FOR = "cared_for", "The person cared for"


class Agreement(models.IntegerChoices):
    """The five-point scale every outcome question is answered on (5 is the best outcome)."""

    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DISAGREE = 2, "Disagree"
    NEITHER = 3, "Neither agree nor disagree"
    AGREE = 4, "Agree"
    STRONGLY_AGREE = 5, "Strongly agree"


class FeedbackQuestionSet(models.Model):
    partnership = models.OneToOneField(Partnership, on_delete=models.PROTECT, related_name="feedback_questions")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Feedback questions of {self.partnership}"


class FeedbackVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class FeedbackVersion(models.Model):
    question_set = models.ForeignKey(FeedbackQuestionSet, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = FeedbackVersionQuerySet.as_manager()

    class Meta:
        ordering = ["question_set_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["question_set", "number"], name="feedback_version_unique"),
        ]

    def __str__(self):
        return f"{self.question_set}, version {self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class FeedbackQuestion(models.Model):
    version = models.ForeignKey(FeedbackVersion, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField()
    # The same code in two versions asks the same thing: the audit counts one question across versions by it.
    code = models.SlugField(max_length=50)
    asked_of = models.CharField(max_length=10, choices=Respondent.choices)
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["version_id", "asked_of", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "asked_of", "position"], name="feedback_question_position"),
            models.UniqueConstraint(fields=["version", "asked_of", "code"], name="feedback_question_code"),
        ]

    def __str__(self):
        return self.text


class FeedbackResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admin: all. A carer: their household's. Brokers and assessors: their partnership's. Providers read
        only aggregates (brokerage/feedback/selectors.py), never a response."""
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(booking__carer__user=user)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(partnership_id=partnership_id)
        return self.none()


class FeedbackResponse(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="feedback")
    version = models.ForeignKey(FeedbackVersion, on_delete=models.PROTECT, related_name="responses")
    respondent = models.CharField(max_length=10, choices=Respondent.choices)
    cared_for = models.ForeignKey(
        CaredForPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback_given"
    )
    helped_by = models.CharField("who helped them answer", max_length=200, blank=True)
    comment = models.TextField(max_length=2000, blank=True)
    share_comment = models.BooleanField("the provider may read the words, without a name", default=False)
    # Where and how much need, when the response was given (the audit groups by these as they were then).
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    locality = models.ForeignKey(Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    needs_level = models.CharField(max_length=10, choices=NeedsLevel.choices, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    # The form's hidden key: the same form sent twice records once (breakthrough/submissions.py).
    submission_key = key_field()

    objects = FeedbackResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(respondent="carer", cared_for__isnull=True, helped_by="")
                | (Q(respondent="cared_for", cared_for__isnull=False) & ~Q(helped_by="")),
                name="feedback_names_who_answered",
            ),
            models.UniqueConstraint(
                fields=["booking"], condition=Q(respondent="carer"), name="feedback_once_per_booking_carer"
            ),
            models.UniqueConstraint(
                fields=["booking", "cared_for"],
                condition=Q(respondent="cared_for"),
                name="feedback_once_per_booking_person",
            ),
            unique_per("booking", name="feedback_key_once_per_booking"),
        ]

    def __str__(self):
        return f"Feedback on booking {self.booking_id} ({self.get_respondent_display()})"


class FeedbackAnswer(models.Model):
    response = models.ForeignKey(FeedbackResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(FeedbackQuestion, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(
        choices=Agreement.choices, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="feedback_answer_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="feedback_score_on_the_scale"),
        ]

    def __str__(self):
        return f"{self.question}: {self.get_score_display()}"
