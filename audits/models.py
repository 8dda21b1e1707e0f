"""Local audits: a run of the figures for a partnership and a period, and its frozen snapshot.

A run is owned by its partnership: only that partnership's commissioners see its progress or result, and the carer
partners they name on a finished run may read it while they are current partners. A finished run never changes:
each figure's value, label, definition and version are stored with it (AuditFigure), so later data and later
definitions leave it as it was.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from breakthrough.models import CarerPartner, Partnership


class AuditSettings(models.Model):
    """A partnership's settings the audit measures against."""

    partnership = models.OneToOneField(Partnership, on_delete=models.CASCADE, related_name="audit_settings")
    # Breakthrough Manifesto point 10: the least a carer with the highest assessed need should get.
    minimum_nights = models.PositiveSmallIntegerField("minimum entitlement, in nights of break a year")

    class Meta:
        verbose_name_plural = "audit settings"

    def __str__(self):
        return f"Audit settings of {self.partnership}"


class AuditRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="audit_runs")
    period_start = models.DateField("first day")
    period_end = models.DateField("last day")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    current_step = models.CharField(max_length=20, blank=True)
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    failed_step = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    definitions_version = models.CharField(max_length=20, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The qualitative part, written by commissioners.
    in_place = models.TextField("what is in place", max_length=5000, blank=True)
    what_works = models.TextField("what works", max_length=5000, blank=True)
    what_does_not = models.TextField("what does not work", max_length=5000, blank=True)
    what_needs_to_happen = models.TextField("what needs to happen", max_length=5000, blank=True)
    # Carer partners named on the audit: while their partnership is current they may read it (never change it).
    carer_partners = models.ManyToManyField(CarerPartner, blank=True, related_name="audit_runs")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="audit_period_in_order"),
            models.CheckConstraint(
                condition=~Q(state="finished") | (Q(finished_at__isnull=False) & ~Q(definitions_version="")),
                name="audit_finished_has_version",
            ),
            models.CheckConstraint(condition=~Q(state="failed") | ~Q(error=""), name="audit_failed_says_why"),
        ]

    def __str__(self):
        return f"Audit of {self.partnership} {self.period_start:%d %b %Y} to {self.period_end:%d %b %Y}"

    @property
    def percent_done(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.FINISHED, self.State.FAILED)


class AuditFigure(models.Model):
    """One figure of one run, frozen: its value, its groups and the definition it was counted by."""

    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="figures")
    step = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=80)
    label = models.CharField(max_length=200)
    definition = models.TextField()
    unit = models.CharField(max_length=20)
    version = models.PositiveSmallIntegerField()
    breakdown = models.JSONField(default=list)
    total = models.JSONField(null=True)
    total_year_before = models.JSONField(null=True)
    rows = models.JSONField(default=list)
    note = models.CharField(max_length=500, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run_id", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "code"], name="audit_figure_once_per_run")]

    def __str__(self):
        return f"{self.code} of {self.run}"


class CarerView(models.Model):
    """Carers' views gathered for an audit: what was said, who gathered it and when."""

    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="carer_views")
    summary = models.TextField("what carers said", max_length=5000)
    gathered_by = models.CharField("who gathered them", max_length=200)
    gathered_on = models.DateField("when they were gathered")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["gathered_on", "pk"]

    def __str__(self):
        return f"Carers' views gathered by {self.gathered_by}"

    @property
    def partnership_id(self):  # for the audit trail
        return self.run.partnership_id
