"""Bookings of places on sessions or nights, and the waiting lists for full ones."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Role
from breakthrough.submissions import key_field, unique_per
from brokerage.models.household import CaredForPerson, Carer
from brokerage.models.offers import Night, Offer, Session


class PaymentSource(models.TextChoices):
    FUND = "fund", "From the carer's fund"
    SELF = "self", "Paid by the carer"
    FREE = "free", "Free"


class BookingQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(carer__user=user)
        if user.role == Role.PROVIDER:
            return self.filter(offer__provider_id=user.organisation_id)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(carer__partnership_id=partnership_id)
        return self.none()


class Booking(models.Model):
    """Places on one session (or a run of nights) for the carer, a cared-for person, or both as one unit."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not attend"

    HOLDING = (State.REQUESTED, State.CONFIRMED)  # states that hold places
    TAKING = (*HOLDING, State.ATTENDED, State.NO_SHOW)  # states whose places stay taken

    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="bookings")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="bookings")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    first_night = models.DateField(null=True, blank=True)
    nights = models.PositiveSmallIntegerField(null=True, blank=True)
    includes_carer = models.BooleanField(default=False)
    cared_for = models.ManyToManyField(CaredForPerson, blank=True, related_name="bookings")
    places = models.PositiveSmallIntegerField()
    cost_pence = models.PositiveIntegerField(default=0)
    payment_source = models.CharField(max_length=10, choices=PaymentSource.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(max_length=1000, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(max_length=1000, blank=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    # When the carer was first asked for feedback on the break (once, however often attendance is corrected).
    feedback_asked_at = models.DateTimeField(null=True, blank=True)
    # The check page's hidden key: the same page sent twice books once (one per carer: breakthrough/submissions.py).
    submission_key = key_field()

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["carer", "state"]),
            models.Index(fields=["offer", "state"]),
            models.Index(fields=["session", "state"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(places__gt=0), name="booking_takes_places"),
            models.CheckConstraint(
                condition=(Q(session__isnull=False) & Q(first_night__isnull=True) & Q(nights__isnull=True))
                | (Q(session__isnull=True) & Q(first_night__isnull=False) & Q(nights__gt=0)),
                name="booking_is_a_session_or_nights",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""), name="booking_declined_with_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_at__isnull=False), name="booking_cancelled_when"
            ),
            unique_per("carer", name="booking_key_once_per_carer"),
        ]

    def __str__(self):
        return f"Booking {self.pk}: {self.offer} for {self.carer}"

    @property
    def holds_places(self) -> bool:
        return self.state in self.HOLDING


class BookingNight(models.Model):
    """A night a property booking holds, so that cancelling releases exactly those nights."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="booked_nights")
    night = models.ForeignKey(Night, on_delete=models.PROTECT, related_name="booked_nights")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "night"], name="booking_night_once")]

    def __str__(self):
        return f"{self.booking} on {self.night.date:%d %b %Y}"


class WaitingListQuerySet(BookingQuerySet):
    pass


class WaitingListEntry(models.Model):
    """A household waiting for places on a full session (or nights of a property in a date range).

    The order is crisis first, then assessed need (highest first), then time waited. When a place frees,
    the first waiting entry it fits is offered it for a limited time; the place is held until they answer.
    """

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a place"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined the offer"
        EXPIRED = "expired", "Offer expired"
        WITHDRAWN = "withdrawn", "Left the waiting list"

    NEED_RANK = {"": 0, "low": 1, "medium": 2, "high": 3, "complex": 4}

    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="waiting_list_entries")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="waiting_list")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="waiting_list")
    first_night = models.DateField(null=True, blank=True)
    nights = models.PositiveSmallIntegerField(null=True, blank=True)
    includes_carer = models.BooleanField(default=False)
    cared_for = models.ManyToManyField(CaredForPerson, blank=True, related_name="waiting_list_entries")
    places = models.PositiveSmallIntegerField()
    payment_source = models.CharField(max_length=10, choices=PaymentSource.choices)
    crisis = models.BooleanField(default=False)
    need_rank = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    joined_at = models.DateTimeField(default=timezone.now)
    joined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="waiting_list_entry"
    )

    objects = WaitingListQuerySet.as_manager()

    class Meta:
        ordering = ["-crisis", "-need_rank", "joined_at", "pk"]
        verbose_name_plural = "waiting list entries"
        indexes = [models.Index(fields=["session", "state"]), models.Index(fields=["offer", "state"])]
        constraints = [
            models.CheckConstraint(condition=Q(places__gt=0), name="waiting_wants_places"),
            models.CheckConstraint(
                condition=~Q(state="offered") | Q(offer_expires_at__isnull=False), name="waiting_offer_has_deadline"
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False) | (Q(first_night__isnull=False) & Q(nights__gt=0)),
                name="waiting_for_a_session_or_nights",
            ),
        ]

    def __str__(self):
        return f"{self.carer} waiting for {self.offer}"
