"""The carer's household: carers, the people they care for, and the consents they gave."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Locality, Partnership, Role
from breakthrough.validators import refuse_bidi_controls


class NeedsLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    COMPLEX = "complex", "Complex"


class CarerQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(user=user)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(partnership_id=partnership_id)
        return self.none()


class Carer(models.Model):
    class CarerType(models.TextChoices):
        PARENT = "parent", "Parent carer"
        YOUNG = "young", "Young carer"
        ADULT = "adult", "Adult carer"

    class ContactMethod(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"

    # A carer recorded by the hub may not have signed up yet, so the login is optional.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="carer"
    )
    first_name = models.CharField(max_length=100, blank=True, validators=[refuse_bidi_controls])
    last_name = models.CharField(max_length=100, blank=True, validators=[refuse_bidi_controls])
    phone = models.CharField("phone number", max_length=30, blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    locality = models.ForeignKey(Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="carers")
    # Follows the locality; kept on the row because every staff read filters by it.
    partnership = models.ForeignKey(Partnership, null=True, blank=True, on_delete=models.PROTECT, related_name="carers")
    carer_type = models.CharField(max_length=10, choices=CarerType.choices, blank=True)
    hours_caring_per_week = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(168)])
    break_meaning = models.TextField("what a break would mean to you", max_length=2000, blank=True)
    about_you_completed_at = models.DateTimeField(null=True, blank=True)
    people_completed_at = models.DateTimeField(null=True, blank=True)
    # Part of the secret calendar link: a carer who shared the link by mistake makes a new one, ending the old.
    calendar_link_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CarerQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        indexes = [models.Index(fields=["partnership", "last_name", "first_name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_caring_per_week__isnull=True) | Q(hours_caring_per_week__lte=168),
                name="carer_hours_within_a_week",
            ),
            models.CheckConstraint(
                condition=Q(locality__isnull=True) | Q(partnership__isnull=False),
                name="carer_locality_implies_partnership",
            ),
        ]

    def __str__(self):
        return self.full_name or f"Carer {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CaredForPersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            mine = CaringRelationship.objects.filter(cared_for=OuterRef("pk"), carer__user=user)
            return self.filter(Exists(mine))
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            theirs = CaringRelationship.objects.filter(cared_for=OuterRef("pk"), carer__partnership_id=partnership_id)
            return self.filter(Exists(theirs))
        return self.none()


class CaredForPerson(models.Model):
    first_name = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    last_name = models.CharField(max_length=100, validators=[refuse_bidi_controls])
    date_of_birth = models.DateField(null=True, blank=True)
    needs_level = models.CharField(max_length=10, choices=NeedsLevel.choices, blank=True)
    conditions = models.TextField("conditions or disabilities", max_length=2000, blank=True)
    communication_needs = models.TextField(max_length=2000, blank=True)
    what_matters = models.TextField("what matters to them", max_length=2000, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    carers = models.ManyToManyField(Carer, through="CaringRelationship", related_name="cared_for")

    objects = CaredForPersonQuerySet.as_manager()

    class Meta:
        ordering = ["first_name", "last_name", "pk"]
        verbose_name = "cared-for person"
        verbose_name_plural = "cared-for people"

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, day) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class CaringRelationship(models.Model):
    """One carer caring for one person. A person may have several carers, a carer several people."""

    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="relationships")
    cared_for = models.ForeignKey(CaredForPerson, on_delete=models.CASCADE, related_name="relationships")
    relationship = models.CharField("relationship to you", max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["carer", "cared_for"], name="caring_relationship_unique")]

    def __str__(self):
        return f"{self.carer} cares for {self.cared_for}"


class Consent(models.Model):
    """An append-only record of a consent given or withdrawn; the newest per kind is the current one."""

    class Kind(models.TextChoices):
        KEEP_DETAILS = "keep_details", "The Short Break Hub may keep and use my details to arrange breaks"
        CONTACT = "contact", "Contact me about breaks, events and news"

    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    given = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["carer", "kind", "-recorded_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {'given' if self.given else 'withdrawn'}"
