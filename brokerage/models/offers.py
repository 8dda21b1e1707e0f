"""What can be booked: offers of breaks, and their availability (dated sessions, repeating schedules, nights)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from breakthrough.access import sees_whole_platform
from breakthrough.models import Locality, Organisation, Role
from breakthrough.validators import refuse_bidi_controls
from brokerage.models.household import NeedsLevel
from brokerage.models.providers import ComplianceKind


class OfferKind(models.TextChoices):
    REPLACEMENT_CARE = "replacement_care", "Replacement care at home"
    SITTER = "sitter", "Sitter service"
    DAY = "day", "Day break"
    EVENING = "evening", "Evening break"
    OVERNIGHT = "overnight", "Overnight break"
    WEEKEND = "weekend", "Weekend break"
    RESIDENTIAL = "residential", "Residential respite"
    LINK_CARE = "link_care", "Short-term link or foster care"
    PROPERTY = "property", "Bookable accessible property"
    ACTIVITY = "activity", "Activity or event"
    HOLIDAY = "holiday", "Holiday"
    CREATIVE = "creative", "Creative break"


class BreakFor(models.TextChoices):
    CARER = "carer", "The carer"
    CARED_FOR = "cared_for", "The person cared for"
    BOTH = "both", "The carer and the person they care for, together"


class Setting(models.TextChoices):
    OWN_HOME = "own_home", "In your own home"
    APPROVED_CARER_HOME = "approved_carer_home", "In an approved carer's home"
    RESIDENTIAL = "residential", "In a residential setting"
    COMMUNITY = "community", "Out in the community"


class PriceUnit(models.TextChoices):
    FREE = "free", "Free"
    HOUR = "hour", "per hour"
    SESSION = "session", "per session"
    NIGHT = "night", "per night"
    PLACE = "place", "per place"


class BookingMode(models.TextChoices):
    INSTANT = "instant", "Book straight away"
    REQUEST = "request", "Request, and the provider confirms"


class AccessibilityFeature(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


NEEDS_FIELDS = {
    NeedsLevel.LOW: "supports_low",
    NeedsLevel.MEDIUM: "supports_medium",
    NeedsLevel.HIGH: "supports_high",
    NeedsLevel.COMPLEX: "supports_complex",
}


class OfferQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admin: every offer. Provider staff: their own organisation's. Everyone else: published offers."""
        if sees_whole_platform(user):
            return self
        if user.role == Role.PROVIDER:
            return self.filter(provider_id=user.organisation_id)
        return self.filter(is_published=True)


class AvailabilityQuerySet(models.QuerySet):
    """Schedules, sessions and nights: provider staff see their own organisation's, admin all, others published."""

    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.PROVIDER:
            return self.filter(offer__provider_id=user.organisation_id)
        return self.filter(offer__is_published=True)


class Offer(models.Model):
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="offers",
        limit_choices_to={"kind": Organisation.Kind.PROVIDER},
    )
    title = models.CharField(max_length=120, validators=[refuse_bidi_controls])
    summary = models.CharField("in a sentence", max_length=300)
    description = models.TextField(max_length=4000, blank=True)
    kind = models.CharField(max_length=20, choices=OfferKind.choices)
    break_for = models.CharField("who takes the break", max_length=10, choices=BreakFor.choices)
    setting = models.CharField(max_length=20, choices=Setting.choices)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # A bookable property is let as a whole (one household's stay takes it for those nights): the most guests
    # it sleeps. Empty for anything else.
    sleeps = models.PositiveSmallIntegerField("most guests it sleeps", null=True, blank=True)
    supports_low = models.BooleanField("low needs", default=True)
    supports_medium = models.BooleanField("medium needs", default=True)
    supports_high = models.BooleanField("high needs", default=False)
    supports_complex = models.BooleanField("complex needs", default=False)
    features = models.ManyToManyField(AccessibilityFeature, blank=True, related_name="offers")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="offers")
    postcode = models.CharField(max_length=8)
    # British National Grid metres of the postcode's outward-code centroid (Code-Point Open), for distance.
    easting = models.PositiveIntegerField(null=True, blank=True)
    northing = models.PositiveIntegerField(null=True, blank=True)
    price_pence = models.PositiveIntegerField(default=0)
    price_unit = models.CharField(max_length=10, choices=PriceUnit.choices, default=PriceUnit.FREE)
    booking_mode = models.CharField(max_length=10, choices=BookingMode.choices, default=BookingMode.REQUEST)
    is_published = models.BooleanField(default=True)
    # When the last bookable place starts (brokerage.availability keeps it): "has places" is a column check.
    places_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        indexes = [
            models.Index(fields=["is_published", "kind"]),
            models.Index(fields=["locality", "is_published"]),
            models.Index(fields=["easting", "northing"]),
            models.Index(fields=["provider"]),
            # The directory lists published offers by title: read in index order, stop after a page.
            models.Index(fields=["title", "id"], condition=Q(is_published=True), name="offer_published_title"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(price_unit="free") & Q(price_pence=0)) | (~Q(price_unit="free") & Q(price_pence__gt=0)),
                name="offer_free_means_no_price",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="offer_age_range_in_order",
            ),
            models.CheckConstraint(condition=Q(sleeps__isnull=True) | Q(sleeps__gt=0), name="offer_sleeps_someone"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_free(self) -> bool:
        return self.price_unit == PriceUnit.FREE

    @property
    def needs_levels(self) -> list[str]:
        return [level for level, field in NEEDS_FIELDS.items() if getattr(self, field)]

    @property
    def required_checks(self) -> list[str]:
        """The compliance documents the provider must hold, current, for this offer to be booked."""
        checks = [ComplianceKind.INSURANCE]
        if self.setting == Setting.OWN_HOME or self.kind in (OfferKind.SITTER, OfferKind.REPLACEMENT_CARE):
            checks.append(ComplianceKind.DISCLOSURE)
        overnight = self.kind in (OfferKind.OVERNIGHT, OfferKind.WEEKEND, OfferKind.LINK_CARE)
        if self.setting == Setting.APPROVED_CARER_HOME or (self.setting == Setting.OWN_HOME and overnight):
            checks.append(ComplianceKind.APPROVED_CARER)
        return checks

    @property
    def uses_nights(self) -> bool:
        """A bookable property is booked by the night; everything else by the session."""
        return self.kind == OfferKind.PROPERTY


class Schedule(models.Model):
    """A repeating slot (every Tuesday 10:00-15:00, 8 places) that generates dated sessions."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="schedules")
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (i, d) for i, d in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
        ]
    )
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    places = models.PositiveSmallIntegerField()
    first_date = models.DateField()
    last_date = models.DateField()

    objects = AvailabilityQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(places__gt=0), name="schedule_has_places"),
            models.CheckConstraint(condition=Q(last_date__gte=F("first_date")), name="schedule_dates_in_order"),
        ]

    def __str__(self):
        return f"{self.offer}: {self.get_weekday_display()}s {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class Session(models.Model):
    """One dated occasion of an offer with a number of places. places_taken never passes places."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="sessions")
    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    places = models.PositiveSmallIntegerField()
    places_taken = models.PositiveSmallIntegerField(default=0)
    is_cancelled = models.BooleanField(default=False)

    objects = AvailabilityQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["offer", "starts_at"]),
            models.Index(fields=["starts_at"]),
            # The directory's "free on this date": which offers have an open session that day, from the index alone.
            models.Index(
                fields=["starts_at"],
                include=["offer"],
                condition=Q(is_cancelled=False, places_taken__lt=F("places")),
                name="session_open_by_start",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(places_taken__lte=F("places")), name="session_never_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.UniqueConstraint(fields=["schedule", "starts_at"], name="session_once_per_schedule_slot"),
        ]

    def __str__(self):
        return f"{self.offer}: {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    @property
    def places_left(self) -> int:
        return self.places - self.places_taken


class Night(models.Model):
    """One night of a bookable property. The property is let as a whole: a stay of N nights takes one place (the
    let) on each of them, whatever the size of the party (up to the guests it sleeps). `places` is how many lets
    a night has: 1 for a single property."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="nights")
    date = models.DateField()
    places = models.PositiveSmallIntegerField(default=1)
    places_taken = models.PositiveSmallIntegerField(default=0)

    objects = AvailabilityQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        indexes = [models.Index(fields=["date"], name="night_date")]  # the directory's "free on this date"
        constraints = [
            models.CheckConstraint(condition=Q(places_taken__lte=F("places")), name="night_never_overbooked"),
            models.UniqueConstraint(fields=["offer", "date"], name="night_once_per_offer"),
        ]

    def __str__(self):
        return f"{self.offer}: night of {self.date:%d %b %Y}"

    @property
    def places_left(self) -> int:
        return self.places - self.places_taken
