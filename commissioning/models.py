"""The app's models. The transformation plans' and the services statement's live in their packages
(commissioning/plans/models.py, commissioning/statement/models.py); here is the dashboard's summary: each audit
figure's value frozen per partnership and month, so the page reads rows, not the records.

A `FigureSummary` is one figure (audits/figures.py: one definition per figure) computed for a partnership over
`months` whole months ending with the month starting `month`: `months=1` is that month alone (a point of the
monthly trend), more is a period of the dashboard's filter ending then (its headline: a carer who had breaks in
two months counts once). The beat task keeps recent months and the periods fresh (commissioning/services.py).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from breakthrough.models import Partnership
from commissioning.plans.models import (  # noqa: F401 - the plans' models live in their package
    Commitment,
    Initiative,
    Milestone,
    PlanComment,
    PlanPartner,
    Risk,
    Target,
    TransformationPlan,
)
from commissioning.statement.models import PublishedStatement, StatementDraft  # noqa: F401


class FigureSummary(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="figure_summaries")
    month = models.DateField("first day of the last month counted")
    months = models.PositiveSmallIntegerField("whole months counted, ending with that month")
    code = models.CharField(max_length=80)
    version = models.PositiveSmallIntegerField("the figure's definition version it was counted by")
    total = models.JSONField(null=True)
    total_year_before = models.JSONField(null=True)
    rows = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partnership_id", "code", "months", "month"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "month", "months", "code"], name="figure_summary_once"),
            models.CheckConstraint(condition=Q(months__gte=1), name="figure_summary_months_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="figure_summary_month_starts_on_the_first"),
        ]

    def __str__(self):
        return f"{self.code} of {self.partnership_id}, {self.months} months to {self.month:%B %Y}"
