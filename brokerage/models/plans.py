"""Personal Support Plans: what a carer wants from a break, the supports chosen to get there, their cost,
the risks and who to call, written by the carer and the hub together and approved by an assessor.

A plan row is one version. Versions of a carer's plan share the carer and count up (`number`); an
approved version never changes: a change is a new draft version copied from it (`previous`), which is
submitted and approved again, and then replaces it (`superseded`). Old versions stay readable.
Money is whole pence.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Partnership, Role
from brokerage.models.household import CaredForPerson, Carer
from brokerage.models.offers import Offer


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admin: every plan. A carer: their own. Brokers and assessors: their partnership's. Anyone else: none."""
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(carer__user=user)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(partnership_id=partnership_id)
        return self.none()


class Plan(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for approval"
        RETURNED = "returned", "Returned for changes"
        APPROVED = "approved", "Approved"
        ACTIVE = "active", "Active"
        REVIEW_DUE = "review_due", "Review due"
        REVIEWED = "reviewed", "Reviewed"
        SUPERSEDED = "superseded", "Replaced by a newer version"

    EDITABLE = (State.DRAFT, State.RETURNED)
    OPEN = (State.DRAFT, State.SUBMITTED, State.RETURNED)  # at most one open version per carer
    IN_FORCE = (State.APPROVED, State.ACTIVE, State.REVIEW_DUE)
    # Versions a new version may be started from: approved at some point and not yet replaced.
    CHANGEABLE = (State.APPROVED, State.ACTIVE, State.REVIEW_DUE, State.REVIEWED)

    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="plans")
    # The carer's partnership when the plan was started; every staff read filters by it.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="plans")
    number = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)

    starts_on = models.DateField("plan starts", null=True, blank=True)
    ends_on = models.DateField("plan ends", null=True, blank=True)
    review_on = models.DateField("review date", null=True, blank=True)
    emergency_name = models.CharField("who to call in an emergency", max_length=200, blank=True)
    emergency_relationship = models.CharField("who they are to you", max_length=100, blank=True)
    emergency_phone = models.CharField("their phone number", max_length=30, blank=True)
    emergency_notes = models.TextField("what they should know", max_length=2000, blank=True)

    # The approved budget when the plan was submitted (None: the panel had not decided), and why going over it.
    budget_pence = models.PositiveIntegerField(null=True, blank=True)
    over_budget_reason = models.TextField("why the plan costs more than the budget", max_length=2000, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(max_length=2000, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_due_at = models.DateTimeField(null=True, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["carer_id", "-number"]
        indexes = [
            models.Index(fields=["partnership", "state", "updated_at"]),
            models.Index(fields=["state", "review_on"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["carer", "number"], name="plan_version_unique"),
            models.UniqueConstraint(
                fields=["carer"],
                condition=Q(state__in=["draft", "submitted", "returned"]),
                name="plan_one_open_version",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="plan_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""), name="plan_returned_with_reason"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned"])
                | Q(approved_at__isnull=False, approved_by__isnull=False),
                name="plan_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="plan_not_approved_by_its_author",
            ),
        ]

    def __str__(self):
        return f"Support plan {self.number} for {self.carer}"

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE


class PlanContributor(models.Model):
    """Someone who wrote or changed this version: they may not approve it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="contributors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="plan_contributor_once")]

    def __str__(self):
        return f"{self.user} on {self.plan}"


class Whose(models.TextChoices):
    CARER = "carer", "The carer's"
    CARED_FOR = "cared_for", "The cared-for person's"


class PlanOutcome(models.Model):
    """A personal outcome in the person's own words, e.g. "I have an evening a week to myself"."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField()
    whose = models.CharField(max_length=10, choices=Whose.choices, default=Whose.CARER)
    cared_for = models.ForeignKey(CaredForPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("the outcome, in their own words", max_length=1000)

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_outcome_position"),
            models.CheckConstraint(
                condition=Q(whose="carer", cared_for__isnull=True) | Q(whose="cared_for", cared_for__isnull=False),
                name="plan_outcome_names_the_person",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def partnership_id(self):  # for the audit trail
        return self.plan.partnership_id


class SupportKind(models.TextChoices):
    OFFER = "offer", "A break from the directory"
    PA = "pa", "A personal assistant"
    CREATIVE = "creative", "A creative break"


class SdsOption(models.IntegerChoices):
    """Self-Directed Support: how the money for this support is managed."""

    DIRECT_PAYMENT = 1, "Option 1: a direct payment"
    ISF = 2, "Option 2: you choose the support and the hub arranges it (an Individual Service Fund)"
    COUNCIL = 3, "Option 3: the council chooses and arranges the support"
    MIX = 4, "Option 4: a mix of these"


def sds_option_choices():
    """The options' labels, read when a form or page asks, so that rewording one needs no migration."""
    return SdsOption.choices


class PlanSupportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The plan's readers (admin, the carer, their partnership's brokers and assessors) and, for a support that
        is a break from the directory in an approved plan, the provider of that break (who invoices for it)."""
        if sees_whole_platform(user):
            return self
        if user.role == Role.PROVIDER:
            if user.organisation_id is None:
                return self.none()
            return self.filter(kind=SupportKind.OFFER, offer__provider_id=user.organisation_id).exclude(
                plan__state__in=Plan.OPEN
            )
        return self.filter(plan__in=Plan.objects.visible_to(user))


class PlanSupport(models.Model):
    """One support chosen: how many times in the plan period, at what unit cost; the total is times x unit cost."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="supports")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=SupportKind.choices)
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="plan_supports")
    description = models.TextField("what it is", max_length=1000, blank=True)
    times = models.PositiveIntegerField("how many times in the plan period")
    how_often = models.CharField("how often, in words", max_length=120, blank=True)
    unit_cost_pence = models.PositiveIntegerField()
    total_pence = models.PositiveBigIntegerField()
    sds_option = models.PositiveSmallIntegerField("Self-Directed Support option", choices=sds_option_choices)
    # The same support in the version it was first written in (None: first written in this version). A new version
    # copies its supports, and invoices against any copy in the same plan period count against each of them.
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="copies")

    objects = PlanSupportQuerySet.as_manager()

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_support_position"),
            models.CheckConstraint(condition=Q(times__gt=0), name="plan_support_at_least_once"),
            models.CheckConstraint(
                condition=Q(total_pence=F("times") * F("unit_cost_pence")), name="plan_support_total_is_times_cost"
            ),
            models.CheckConstraint(
                condition=Q(kind="offer", offer__isnull=False) | (~Q(kind="offer") & Q(offer__isnull=True)),
                name="plan_support_offer_when_from_directory",
            ),
            models.CheckConstraint(condition=Q(kind="offer") | ~Q(description=""), name="plan_support_described"),
            models.CheckConstraint(condition=Q(sds_option__gte=1, sds_option__lte=4), name="plan_support_sds_option"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if self.kind == SupportKind.OFFER and self.offer_id:
            return self.offer.title
        return self.description

    @property
    def partnership_id(self):  # for the audit trail
        return self.plan.partnership_id


class PlanRisk(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    position = models.PositiveSmallIntegerField()
    risk = models.TextField("the risk", max_length=1000)
    handling = models.TextField("how it is handled", max_length=1000)

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="plan_risk_position")]

    def __str__(self):
        return self.risk


class PlanDocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(plan__in=Plan.objects.visible_to(user))


class PlanDocument(models.Model):
    """The PDF of one approved version, rendered in the background. A failed render is retried and shown to staff."""

    class State(models.TextChoices):
        PENDING = "pending", "Being made"
        RENDERED = "rendered", "Ready"
        FAILED = "failed", "Could not be made"

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="document")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # Never served from MEDIA_URL: downloads go through the access choke point.
    file = models.FileField(upload_to="plans/%Y/%m/", blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)

    objects = PlanDocumentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rendered") | (~Q(file="") & Q(rendered_at__isnull=False)),
                name="plan_document_rendered_has_file",
            )
        ]

    def __str__(self):
        return f"PDF of {self.plan}"

    @property
    def partnership_id(self):  # for the audit trail
        return self.plan.partnership_id


class OutcomeResult(models.TextChoices):
    MET = "met", "Met"
    PARTLY = "partly", "Partly met"
    NOT_MET = "not_met", "Not met"


class PlanReview(models.Model):
    """The review of one version: what changed, and how far each outcome was met."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="review")
    what_changed = models.TextField(max_length=4000)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Review of {self.plan}"

    @property
    def partnership_id(self):  # for the audit trail
        return self.plan.partnership_id


class PlanReviewOutcome(models.Model):
    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="results")
    outcome = models.ForeignKey(PlanOutcome, on_delete=models.PROTECT, related_name="results")
    result = models.CharField(max_length=10, choices=OutcomeResult.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "outcome"], name="plan_review_outcome_once")]

    def __str__(self):
        return f"{self.outcome}: {self.get_result_display()}"
