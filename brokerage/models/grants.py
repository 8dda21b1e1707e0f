"""Micro-grants and direct payments: the records around the ledger (the money itself moves only as postings).

Micro-grants. A partnership's **GrantScheme** sets the most one award may be and the budget line awards
come from. A carer's **GrantApplication** goes to the first **PanelMeeting** whose cut-off is still ahead
when it is submitted; with none scheduled it waits (meeting empty) and is attached when staff add one. The
panel decides with a reason (award, part-award, refuse); an award is allocated into the carer's
micro-grant fund by one ledger posting whose idempotency key is `grant-award:<application id>`.

Direct payments. A **DirectPaymentSpend** is what a carer spent from their direct payment, with its receipt
(a private upload, downloaded only through an access-checked view); it is one posting available -> paid.
At the end of the fund's period, the partnership's **PeriodEndRule** says whether unspent money is
recovered to the budget line or carried over (up to a cap) into the next period; a **PeriodEndSettlement**
records what was done, once per fund.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Partnership, Role
from breakthrough.submissions import key_field, unique_per
from brokerage.models.funds import Fund, Posting
from brokerage.models.household import Carer

DEFAULT_MAX_AWARD_PENCE = 30_000  # £300


def _partnership_scoped(queryset, user, *, carer_path: str | None, partnership_path: str):
    if sees_whole_platform(user):
        return queryset
    partnership_id = casework_partnership_id(user)
    if partnership_id is not None:
        return queryset.filter(**{partnership_path: partnership_id})
    if user.role == Role.CARER and carer_path is not None:
        return queryset.filter(**{carer_path: user})
    return queryset.none()


class GrantScheme(models.Model):
    """A partnership's micro-grant settings: the largest award, and the budget line awards are paid from."""

    partnership = models.OneToOneField(Partnership, on_delete=models.PROTECT, related_name="grant_scheme")
    max_award_pence = models.PositiveIntegerField(default=DEFAULT_MAX_AWARD_PENCE)
    budget_line = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(max_award_pence__gt=0), name="grant_scheme_max_positive")]

    def __str__(self):
        return f"Micro-grants in {self.partnership}"


class PanelMeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _partnership_scoped(self, user, carer_path=None, partnership_path="partnership_id")


class PanelMeeting(models.Model):
    """A date the grants panel meets. Applications submitted up to `cut_off` are heard at it."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="panel_meetings")
    meets_on = models.DateField()
    cut_off = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PanelMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["meets_on", "pk"]
        indexes = [models.Index(fields=["partnership", "cut_off"])]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "meets_on"], name="panel_meeting_one_per_day"),
        ]

    def __str__(self):
        return f"Grants panel on {self.meets_on:%-d %B %Y}"


class GrantApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _partnership_scoped(self, user, carer_path="carer__user", partnership_path="partnership_id")


class GrantApplication(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the panel"
        AWARDED = "awarded", "Awarded"
        PART_AWARDED = "part_awarded", "Part-awarded"
        REFUSED = "refused", "Not awarded"

    class BreakKind(models.TextChoices):
        DIRECTORY = "directory", "A break from the directory"
        CREATIVE = "creative", "A creative break (for example, a class, a day out or equipment for a hobby)"

    DECIDED = (State.AWARDED, State.PART_AWARDED, State.REFUSED)
    AWARDS = (State.AWARDED, State.PART_AWARDED)

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="grant_applications")
    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="grant_applications")
    amount_asked_pence = models.PositiveIntegerField()
    what_for = models.TextField("what the grant is for", max_length=2000)
    break_kind = models.CharField(max_length=10, choices=BreakKind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    # Empty while it waits for the next meeting to be scheduled.
    meeting = models.ForeignKey(
        PanelMeeting, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    # A double submit of the same form carries the same key: the second finds the first (one per carer:
    # breakthrough/submissions.py).
    submission_key = key_field()
    amount_awarded_pence = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField("reason for the decision", max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    fund = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="grant_awards")
    posting = models.OneToOneField(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="grant_application"
    )

    objects = GrantApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["partnership", "state"]),
            models.Index(fields=["carer", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_asked_pence__gt=0), name="grant_application_asks_something"),
            unique_per("carer", name="grant_application_key_once_per_carer"),
            models.CheckConstraint(condition=~Q(what_for=""), name="grant_application_says_what_for"),
            models.CheckConstraint(
                condition=Q(
                    state="pending",
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                    amount_awarded_pence__isnull=True,
                    posting__isnull=True,
                )
                | (
                    Q(state__in=["awarded", "part_awarded", "refused"], decided_by__isnull=False)
                    & Q(decided_at__isnull=False, meeting__isnull=False)
                    & ~Q(reason="")
                    & ~Q(decided_by=F("submitted_by"))
                ),
                name="grant_application_decided_with_reason_by_another",
            ),
            models.CheckConstraint(
                condition=Q(state="pending")
                | Q(state="refused", amount_awarded_pence__isnull=True, posting__isnull=True)
                | Q(
                    state="awarded",
                    amount_awarded_pence=F("amount_asked_pence"),
                    posting__isnull=False,
                    fund__isnull=False,
                )
                | Q(
                    state="part_awarded",
                    amount_awarded_pence__gt=0,
                    amount_awarded_pence__lt=F("amount_asked_pence"),
                    posting__isnull=False,
                    fund__isnull=False,
                ),
                name="grant_application_award_within_ask",
            ),
        ]

    def __str__(self):
        return f"Micro-grant application {self.pk}"

    @property
    def is_decided(self) -> bool:
        return self.state in self.DECIDED


def _receipt_path(instance, filename: str) -> str:
    """A name nobody can guess: receipts/<year>/<month>/<random>.<ext> (the carer's own name is kept apart)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"receipts/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class DirectPaymentSpendQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _partnership_scoped(self, user, carer_path="fund__carer__user", partnership_path="fund__partnership_id")


class DirectPaymentSpend(models.Model):
    """Something a carer bought with their direct payment, with its receipt: one posting available -> paid."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="direct_payment_spends")
    spent_on = models.DateField()
    amount_pence = models.PositiveBigIntegerField()
    what_for = models.CharField(max_length=500)
    supplier = models.CharField(max_length=200)
    receipt = models.FileField(upload_to=_receipt_path, blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)  # the file's name on the carer's device
    receipt_content_type = models.CharField(max_length=50, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    submission_key = key_field()  # one per fund: breakthrough/submissions.py
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="direct_payment_spend")

    objects = DirectPaymentSpendQuerySet.as_manager()

    class Meta:
        ordering = ["-spent_on", "-pk"]
        indexes = [models.Index(fields=["fund", "spent_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="dp_spend_amount_positive"),
            models.CheckConstraint(condition=~Q(what_for="") & ~Q(supplier=""), name="dp_spend_says_what_and_who"),
            unique_per("fund", name="dp_spend_key_once_per_fund"),
        ]

    def __str__(self):
        return f"{self.what_for} ({self.spent_on})"


class PeriodEndRule(models.Model):
    """What a partnership does with direct-payment money unspent at the end of a period."""

    class Action(models.TextChoices):
        RECOVER = "recover", "Recover it to the budget line"
        CARRY_OVER = "carry_over", "Carry it over to the next period, up to a cap; recover the rest"

    partnership = models.OneToOneField(Partnership, on_delete=models.PROTECT, related_name="period_end_rule")
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.RECOVER)
    carry_over_cap_pence = models.PositiveBigIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Period end in {self.partnership}: {self.get_action_display()}"


class PeriodEndSettlementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _partnership_scoped(self, user, carer_path="fund__carer__user", partnership_path="fund__partnership_id")


class PeriodEndSettlement(models.Model):
    """What was done, once, with a direct payment's unspent money at the end of its period."""

    fund = models.OneToOneField(Fund, on_delete=models.PROTECT, related_name="period_end_settlement")
    action = models.CharField(max_length=10, choices=PeriodEndRule.Action.choices)
    unspent_pence = models.PositiveBigIntegerField()
    recovered_pence = models.PositiveBigIntegerField(default=0)
    carried_pence = models.PositiveBigIntegerField(default=0)
    budget_line = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    carried_to = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(default=timezone.now)

    objects = PeriodEndSettlementQuerySet.as_manager()

    class Meta:
        ordering = ["-settled_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unspent_pence=F("recovered_pence") + F("carried_pence")),
                name="period_end_every_penny_accounted",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="period_end_has_reason"),
            models.CheckConstraint(
                condition=Q(carried_pence=0) | Q(carried_to__isnull=False), name="period_end_carried_somewhere"
            ),
        ]

    def __str__(self):
        return f"Period end of {self.fund}"
