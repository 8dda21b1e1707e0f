"""The shared kernel: people who sign in, the partnerships they work for, and the audit trail."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from breakthrough.submissions import key_field, unique_per
from breakthrough.validators import refuse_bidi_controls


class Role(models.TextChoices):
    CARER = "carer", "Carer"
    BROKER = "broker", "Short Break Hub broker"
    ASSESSOR = "assessor", "Assessor"
    PROVIDER = "provider", "Provider staff"
    VOLUNTEER = "volunteer", "Volunteer"
    COMMISSIONER = "commissioner", "Commissioner"
    NATIONAL = "national", "National analyst"
    ADMIN = "admin", "Platform administrator"


# Roles that work inside one partnership and see its people (need-to-know).
CASEWORK_ROLES = frozenset({Role.BROKER, Role.ASSESSOR})
# Everyone but carers is invited, and must use an authenticator app before reaching personal data.
STAFF_ROLES = frozenset(set(Role) - {Role.CARER})


class Partnership(models.Model):
    """The tenant: a Health and Social Care Partnership or a local authority."""

    class Kind(models.TextChoices):
        HSCP = "hscp", "Health and Social Care Partnership"
        COUNCIL = "council", "Local authority"

    name = models.CharField(max_length=200, unique=True, validators=[refuse_bidi_controls])
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HSCP)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Locality(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="localities")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["partnership__name", "name"]
        verbose_name_plural = "localities"
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="locality_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.partnership.name})"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        HUB = "hub", "Short Break Hub"
        PROVIDER = "provider", "Provider of breaks"
        PARTNERSHIP_BODY = "partnership_body", "Partnership body"
        NATIONAL_BODY = "national_body", "National body"
        PLATFORM = "platform", "Platform operator"

    name = models.CharField(max_length=200, validators=[refuse_bidi_controls])
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Hubs and partnership bodies sit inside one partnership; providers may serve several.
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )
    partnerships_served = models.ManyToManyField(Partnership, blank=True, related_name="providers")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="organisation_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=["provider", "national_body", "platform"]) | Q(partnership__isnull=False),
                name="organisation_local_kinds_have_partnership",
            ),
        ]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Users need an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """Anyone who signs in. Signs in by e-mail; one role; staff belong to an organisation."""

    username = None
    first_name = models.CharField("first name", max_length=150, blank=True, validators=[refuse_bidi_controls])
    last_name = models.CharField("last name", max_length=150, blank=True, validators=[refuse_bidi_controls])
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CARER)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role="carer", organisation__isnull=True) | ~Q(role="carer"),
                name="user_carers_have_no_organisation",
            )
        ]

    @property
    def is_carer(self) -> bool:
        return self.role == Role.CARER

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def partnership_id(self) -> int | None:
        """The partnership a member of staff works in (None for carers, providers and national staff)."""
        return self.organisation.partnership_id if self.organisation_id else None

    def get_display_name(self) -> str:
        return self.get_full_name() or self.email


class Invitation(models.Model):
    """An admin's invitation to a member of staff. The link carries a token we store only as a hash."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=[c for c in Role.choices if c[0] != Role.CARER])
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(role="carer"), name="invitation_not_for_carers")]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class AuditEvent(models.Model):
    """Who did what to which record, and when. Written by `breakthrough.audit.log_action`, and for a ledger posting
    on PostgreSQL by the posting function, in the same statement as the posting (brokerage/funds/services.py)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=100)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    partnership = models.ForeignKey(Partnership, null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class CarerPartnerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A partnership's commissioners see its partners; a carer sees their own; the platform's admins all."""
        if user.role == Role.ADMIN:
            return self
        if user.role == Role.COMMISSIONER and user.partnership_id is not None:
            return self.filter(partnership_id=user.partnership_id)
        if user.role == Role.CARER:
            return self.filter(user=user)
        return self.none()

    def current(self):
        """Partners who have agreed and not since withdrawn: the only ones an audit or a plan may name."""
        return self.filter(agreed_at__isnull=False, withdrawn_at__isnull=True)


class CarerPartner(models.Model):
    """A carer who has agreed to be a partner in their partnership's commissioning (Breakthrough Manifesto point 6:
    carers as partners). Commissioners invite; the carer agrees, with the wording they were shown stored beside
    the date; either side may end it. Audits and transformation plans name current partners, who may then read
    them (and comment on plans). One row per carer per partnership: a new invitation reopens the same row."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="carer_partners")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carer_partnerships")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    agreement = models.TextField("the wording the carer agreed to", blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Who ended it, when it has ended: the carer (withdrew, or declined the invitation) or a commissioner.
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The invitation form's key (breakthrough/submissions.py): the same form sent twice invites, and e-mails, once.
    submission_key = key_field()

    objects = CarerPartnerQuerySet.as_manager()

    class Meta:
        ordering = ["partnership__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "user"], name="carer_partner_once_per_partnership"),
            unique_per("partnership", name="carer_partner_invited_once"),
            models.CheckConstraint(
                condition=Q(agreed_at__isnull=True) | ~Q(agreement=""), name="carer_partner_agreed_to_wording"
            ),
        ]

    def __str__(self):
        return f"Carer partner of {self.partnership}"

    @property
    def is_current(self) -> bool:
        return self.agreed_at is not None and self.withdrawn_at is None

    @property
    def state(self) -> str:
        """invited (waiting for the carer), agreed (a current partner) or ended (withdrawn, declined or ended)."""
        if self.withdrawn_at is not None:
            return "ended"
        return "agreed" if self.agreed_at is not None else "invited"
