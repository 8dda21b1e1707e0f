"""Providers of breaks: registration, the areas they serve, and the compliance documents that let them be booked."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from breakthrough.access import sees_whole_platform
from breakthrough.models import Locality, Organisation, Role


class Regulator(models.TextChoices):
    CARE_INSPECTORATE = "care_inspectorate", "Care Inspectorate (Scotland)"
    CQC = "cqc", "Care Quality Commission (England)"
    OFSTED = "ofsted", "Ofsted (England)"
    CIW = "ciw", "Care Inspectorate Wales"
    RQIA = "rqia", "RQIA (Northern Ireland)"
    NOT_REGULATED = "none", "Not registered: the service does not need to be"


class OrganisationScopedQuerySet(models.QuerySet):
    """Provider staff see their own organisation's rows; admin sees all; nobody else sees any."""

    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.PROVIDER and user.organisation_id:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()


class ProviderProfile(models.Model):
    """What the directory shows about a provider organisation."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="provider_profile",
        limit_choices_to={"kind": Organisation.Kind.PROVIDER},
    )
    summary = models.TextField("about the provider", max_length=2000, blank=True)
    regulator = models.CharField(max_length=20, choices=Regulator.choices, default=Regulator.NOT_REGULATED)
    registration_number = models.CharField("registration number with the regulator", max_length=50, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)
    localities = models.ManyToManyField(Locality, blank=True, related_name="providers", verbose_name="areas served")

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(regulator="none") | ~Q(registration_number=""),
                name="provider_registered_has_number",
            )
        ]

    def __str__(self):
        return self.organisation.name


class ComplianceKind(models.TextChoices):
    INSURANCE = "insurance", "Public liability insurance"
    DISCLOSURE = "disclosure", "Disclosure or PVG check of staff and volunteers"
    APPROVED_CARER = "approved_carer", "Approved foster or link carer status"


class ComplianceDocument(models.Model):
    """A dated document a provider keeps current; an offer that needs one cannot be booked once it expires."""

    WARN_DAYS = 30

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="compliance_documents")
    kind = models.CharField(max_length=20, choices=ComplianceKind.choices)
    reference = models.CharField("reference or certificate number", max_length=100)
    holder = models.CharField("who it covers", max_length=200, blank=True)
    issued_on = models.DateField()
    expires_on = models.DateField()
    file = models.FileField(upload_to="compliance/%Y/%m/", blank=True)
    expiry_warned_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on"]
        indexes = [models.Index(fields=["organisation", "kind", "expires_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")), name="compliance_expires_after")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.reference})"

    def is_current_on(self, day: datetime.date) -> bool:
        return self.issued_on <= day <= self.expires_on
