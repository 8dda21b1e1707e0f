"""Referrals to the Short Break Hub, the partnership's eligibility criteria, and the hub's case notes.

A referral is one request for help for one household: the carer's own, or a professional's on their
behalf. The hub works it from a queue (crisis first, then need, then time waited) through triage to a
named worker, and ends it by closing it or redirecting the family to another service, with a reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Partnership, Role
from brokerage.models.household import CaredForPerson, Carer, NeedsLevel


class EligibilityCriteria(models.Model):
    """Who a partnership's hub can help, in words. Append-only: an edit is a new row; the newest applies."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="eligibility_criteria")
    text = models.TextField(max_length=5000)
    effective_from = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-effective_from", "-pk"]
        verbose_name_plural = "eligibility criteria"
        indexes = [models.Index(fields=["partnership", "-effective_from"])]

    def __str__(self):
        return f"Eligibility criteria for {self.partnership} from {self.effective_from:%d %b %Y}"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon"
    URGENT = "urgent", "Urgent"


# Highest need first in the queue.
NEED_RANK = {NeedsLevel.COMPLEX: 4, NeedsLevel.HIGH: 3, NeedsLevel.MEDIUM: 2, NeedsLevel.LOW: 1}


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(carer__user=user)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(partnership_id=partnership_id)
        return self.none()

    def open(self):
        return self.filter(state__in=Referral.OPEN)

    def in_queue_order(self):
        """Crisis first, then need (complex, high, medium, low), then time waited (oldest first)."""
        rank = Case(
            *(When(needs_level=level, then=Value(n)) for level, n in NEED_RANK.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
        return self.annotate(need_rank=rank).order_by("-crisis", "-need_rank", "submitted_at", "pk")


class Referral(models.Model):
    class State(models.TextChoices):
        NEW = "new", "New"
        TRIAGE = "triage", "In triage"
        ASSIGNED = "assigned", "Assigned to a worker"
        CLOSED = "closed", "Closed"
        REDIRECTED = "redirected", "Redirected"

    class Source(models.TextChoices):
        SELF = "self", "The carer"
        PROFESSIONAL = "professional", "A professional"

    OPEN = (State.NEW, State.TRIAGE, State.ASSIGNED)
    ENDED = (State.CLOSED, State.REDIRECTED)

    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="referrals")
    # The hub the referral went to; the carer's partnership when it was made. Every staff read filters by it.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=20, choices=Source.choices)
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_role = models.CharField("role and organisation", max_length=200, blank=True)
    referrer_contact = models.CharField("phone or email", max_length=200, blank=True)
    cared_for = models.ManyToManyField(CaredForPerson, related_name="referrals")
    needs_level = models.CharField(max_length=10, choices=NeedsLevel.choices)
    happening_now = models.TextField("what is happening now", max_length=2000)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    crisis = models.BooleanField(default=False)
    # The criteria shown when the referral was made (None when the partnership had written none).
    criteria = models.ForeignKey(
        EligibilityCriteria, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_assigned"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.TextField(max_length=1000, blank=True)
    redirected_to = models.CharField("service redirected to", max_length=200, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["partnership", "state", "submitted_at"]),
            models.Index(fields=["carer", "-submitted_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["carer"],
                condition=Q(state__in=["new", "triage", "assigned"]),
                name="referral_one_open_per_carer",
            ),
            models.CheckConstraint(
                condition=~Q(state="assigned") | Q(worker__isnull=False), name="referral_assigned_has_worker"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["closed", "redirected"]) | (Q(ended_at__isnull=False) & ~Q(end_reason="")),
                name="referral_ended_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="redirected") | ~Q(redirected_to=""), name="referral_redirected_names_service"
            ),
            models.CheckConstraint(
                condition=~Q(source="professional") | ~Q(referrer_name=""), name="referral_professional_named"
            ),
        ]

    def __str__(self):
        return f"Referral {self.pk} for {self.carer}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    @property
    def days_waited(self) -> int:
        """Whole days from the referral to now (or to when it ended)."""
        return ((self.ended_at or timezone.now()) - self.submitted_at).days


class CaseNoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Hub staff's working notes: staff of the referral's partnership only, never the carer."""
        if sees_whole_platform(user):
            return self
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(referral__partnership_id=partnership_id)
        return self.none()


class CaseNote(models.Model):
    """A contact with the family or about them: when, how, and what was said."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone call"
        VISIT = "visit", "Visit"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="case_notes")
    contacted_on = models.DateField("date of contact")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-contacted_on", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["referral", "-contacted_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.contacted_on:%d %b %Y}"

    @property
    def partnership_id(self):  # for the audit trail
        return self.referral.partnership_id
