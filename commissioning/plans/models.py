"""Transformation plans (Breakthrough Manifesto point 4): a partnership's plan for a period, with improvement
targets read live from the audit's figure definitions, resource commitments, milestones, initiatives by stage
(Intelligence, Ideas, Implementation) and a risk register, written by its commissioners with its carer partners
named on it (point 6), who may read it and comment.

A plan is a chain of versions sharing a `lineage`. A draft can be changed; a published version is frozen: a
change makes a new draft version with its parts copied (each part keeps its `key`, so two versions can be
compared part by part), and publishing that supersedes the one before. Every version stays readable.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from audits.models import AuditRun
from breakthrough.models import CarerPartner, Partnership
from breakthrough.submissions import key_field, unique_per


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The partnership's commissioners see its plans; a current carer partner sees the versions naming them."""
        from breakthrough.models import Role

        if user.role == Role.COMMISSIONER and user.partnership_id:
            return self.filter(partnership_id=user.partnership_id)
        if user.role == Role.CARER:
            named = PlanPartner.objects.filter(
                plan=models.OuterRef("pk"),
                partner__user=user,
                partner__partnership_id=models.OuterRef("partnership_id"),
                partner__agreed_at__isnull=False,
                partner__withdrawn_at__isnull=True,
            )
            return self.filter(models.Exists(named))
        return self.none()


class TransformationPlan(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Replaced by a later version"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="transformation_plans")
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="next")
    title = models.CharField("title", max_length=200)
    period_start = models.DateField("first day")
    period_end = models.DateField("last day")
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    what_changed = models.TextField("what changed in this version", max_length=2000, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submission_key = key_field()

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            unique_per("partnership", name="plan_created_once_per_key"),
            models.UniqueConstraint(fields=["lineage", "version"], name="plan_version_once"),
            models.UniqueConstraint(fields=["lineage"], condition=Q(state="draft"), name="plan_one_draft"),
            models.UniqueConstraint(fields=["lineage"], condition=Q(state="published"), name="plan_one_published"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="plan_period_in_order"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False), name="plan_published_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.title} (version {self.version})"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT


class PlanPartner(models.Model):
    """A carer partner named on one version of a plan."""

    plan = models.ForeignKey(TransformationPlan, on_delete=models.CASCADE, related_name="named_partners")
    partner = models.ForeignKey(CarerPartner, on_delete=models.PROTECT, related_name="plans")

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "partner"], name="plan_partner_once")]

    def __str__(self):
        return f"{self.partner} on {self.plan}"


class PlanComment(models.Model):
    """A comment on a version of a plan, by a named carer partner or a commissioner, with who and when."""

    plan = models.ForeignKey(TransformationPlan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("comment", max_length=3000)
    created_at = models.DateTimeField(default=timezone.now)
    submission_key = key_field()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [unique_per("author", name="plan_comment_once_per_key")]

    def __str__(self):
        return f"Comment on {self.plan}"

    @property
    def partnership_id(self):  # for the audit trail
        return self.plan.partnership_id


class Part(models.Model):
    """What every part of a plan has: its version, and a key it keeps when the plan is copied to a new version."""

    plan = models.ForeignKey(TransformationPlan, on_delete=models.CASCADE, related_name="%(class)ss")
    key = models.UUIDField(default=uuid.uuid4)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    @property
    def partnership_id(self):  # for the audit trail
        return self.plan.partnership_id


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Status(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    NOT_KNOWN = "not_known", "Not known yet"


class Target(Part):
    """An improvement target on one figure of the audit's definitions, optionally narrowed to one of its rows."""

    figure_code = models.CharField(max_length=80)
    figure_label = models.CharField(max_length=200)
    figure_version = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=20)
    by = models.JSONField("narrowed to", default=dict, blank=True)  # a row's groups, {} for the whole total
    direction = models.CharField(max_length=6, choices=Direction.choices)
    baseline_run = models.ForeignKey(AuditRun, on_delete=models.PROTECT, related_name="+")
    baseline_value = models.DecimalField(max_digits=16, decimal_places=2)
    baseline_on = models.DateField("the baseline's date")  # the last day of the audit's period
    target_value = models.DecimalField(max_digits=16, decimal_places=2)
    deadline = models.DateField()
    live_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    live_computed_at = models.DateTimeField(null=True, blank=True)
    live_up_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NOT_KNOWN)

    class Meta(Part.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gt=F("baseline_on")), name="target_deadline_after_baseline"),
            models.CheckConstraint(condition=~Q(target_value=F("baseline_value")), name="target_differs"),
        ]

    def __str__(self):
        return f"Target on {self.figure_label}"


class Commitment(Part):
    class Resource(models.TextChoices):
        MONEY = "money", "Money"
        STAFF_TIME = "hours", "Staff time"

    what = models.CharField("what it is for", max_length=300)
    resource = models.CharField(max_length=5, choices=Resource.choices)
    amount_pence = models.BigIntegerField(null=True, blank=True)
    hours = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    spend_kind = models.CharField(max_length=20, blank=True)  # a key of audits.figures.SPEND_KINDS, or ""

    class Meta(Part.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(Q(resource="money", amount_pence__gt=0, hours__isnull=True))
                | (Q(resource="hours", hours__gt=0, amount_pence__isnull=True, spend_kind="")),
                name="commitment_one_resource",
            ),
        ]

    def __str__(self):
        return self.what


class Milestone(Part):
    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    title = models.CharField("milestone", max_length=300)
    owner = models.CharField("owner", max_length=200)
    due_on = models.DateField("due date")
    state = models.CharField(max_length=12, choices=State.choices, default=State.NOT_STARTED)

    def __str__(self):
        return self.title


class Stage(models.TextChoices):
    INTELLIGENCE = "intelligence", "Intelligence"
    IDEAS = "ideas", "Ideas"
    IMPLEMENTATION = "implementation", "Implementation"


class Initiative(Part):
    title = models.CharField("initiative", max_length=300)
    description = models.TextField("what it is", max_length=3000)
    stage = models.CharField(max_length=14, choices=Stage.choices)

    def __str__(self):
        return self.title


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Risk(Part):
    class Rule(models.TextChoices):
        NOT_A_RULE = "", "Not a rule"
        LAW = "law", "A rule required by law"
        CUSTOM = "custom", "A rule of custom and practice, which can be changed"

    risk = models.TextField("risk", max_length=2000)
    evidence = models.TextField("evidence", max_length=3000)
    likelihood = models.CharField(max_length=6, choices=Level.choices)
    impact = models.CharField(max_length=6, choices=Level.choices)
    mitigation = models.TextField("mitigation", max_length=3000)
    owner = models.CharField("owner", max_length=200)
    review_on = models.DateField("review date")
    rule = models.CharField("a rule that holds a break back?", max_length=6, choices=Rule.choices, blank=True)

    def __str__(self):
        return self.risk[:80]
