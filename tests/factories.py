"""Factories for tests (and nothing else): one per model, with sensible defaults."""

import datetime
import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone

from breakthrough.models import Locality, Organisation, Partnership, Role, User
from brokerage.availability import offers_refresh_places_until
from brokerage.models import (
    Booking,
    BookingMode,
    BreakFor,
    CaredForPerson,
    Carer,
    CaringRelationship,
    ComplianceDocument,
    ComplianceKind,
    NeedsLevel,
    Night,
    Offer,
    OfferKind,
    PaymentSource,
    PriceUnit,
    ProviderProfile,
    Referral,
    Session,
    Setting,
    Urgency,
    WaitingListEntry,
)

PASSWORD = "a-long-test-password-1"


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Partnership {n}")
    slug = factory.Sequence(lambda n: f"partnership-{n}")


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Locality {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.HUB
    partnership = factory.SubFactory(PartnershipFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    role = Role.CARER
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def with_totp(user: User) -> str:
    """Give a user an authenticator app, as allauth stores it; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows for `secret` right now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def staff(role: str, organisation: Organisation, **kwargs) -> User:
    """A member of staff who has set up their authenticator app, so they reach personal data."""
    user = UserFactory(role=role, organisation=organisation, **kwargs)
    user.totp_secret = with_totp(user)
    return user


class CarerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carer

    user = factory.SubFactory(UserFactory)
    first_name = "Morag"
    last_name = factory.Sequence(lambda n: f"Carer{n}")
    postcode = "EH1 1YZ"
    locality = factory.SubFactory(LocalityFactory)
    partnership = factory.SelfAttribute("locality.partnership")
    carer_type = Carer.CarerType.PARENT
    hours_caring_per_week = 50
    preferred_contact = Carer.ContactMethod.EMAIL


class CaredForPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaredForPerson

    first_name = "Jamie"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    date_of_birth = datetime.date(2014, 5, 17)
    needs_level = NeedsLevel.HIGH


def cares_for(carer: Carer, person: CaredForPerson | None = None, relationship: str = "Son") -> CaredForPerson:
    person = person or CaredForPersonFactory()
    CaringRelationship.objects.create(carer=carer, cared_for=person, relationship=relationship)
    return person


class ProviderFactory(factory.django.DjangoModelFactory):
    """A provider organisation with its directory profile and current insurance."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Provider {n}")
    kind = Organisation.Kind.PROVIDER
    partnership = None

    @factory.post_generation
    def profile(organisation, create, extracted, **kwargs):
        if create:
            ProviderProfile.objects.create(organisation=organisation, email="bookings@provider.example")
            ComplianceDocumentFactory(organisation=organisation, kind=ComplianceKind.INSURANCE)


class ComplianceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceDocument

    organisation = factory.SubFactory(ProviderFactory)
    kind = ComplianceKind.INSURANCE
    reference = factory.Sequence(lambda n: f"DOC-{n:05d}")
    issued_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=100))
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=265))


class OfferFactory(factory.django.DjangoModelFactory):
    """A published day break in the community for the cared-for person, free, booked straight away."""

    class Meta:
        model = Offer

    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"Saturday club {n}")
    summary = "A day out with games, crafts and lunch."
    kind = OfferKind.DAY
    break_for = BreakFor.CARED_FOR
    setting = Setting.COMMUNITY
    locality = factory.SubFactory(LocalityFactory)
    postcode = "EH1 1YZ"
    price_pence = 0
    price_unit = PriceUnit.FREE
    booking_mode = BookingMode.INSTANT
    supports_high = True


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    offer = factory.SubFactory(OfferFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=5))
    places = 8

    @factory.post_generation
    def places_until(obj, create, extracted, **kwargs):
        """The offer's "has places" column follows, as the services keep it."""
        if create:
            offers_refresh_places_until(offers=Offer.objects.filter(pk=obj.offer_id))


class NightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Night
        skip_postgeneration_save = True

    offer = factory.SubFactory(OfferFactory, kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH)
    date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=14))
    places = 1

    @factory.post_generation
    def places_until(obj, create, extracted, **kwargs):
        """The offer's "has places" column follows, as the services keep it."""
        if create:
            offers_refresh_places_until(offers=Offer.objects.filter(pk=obj.offer_id))


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral the carer made themself, new, at the carer's partnership's hub."""

    class Meta:
        model = Referral

    carer = factory.SubFactory(CarerFactory)
    partnership = factory.SelfAttribute("carer.partnership")
    source = Referral.Source.SELF
    needs_level = NeedsLevel.MEDIUM
    happening_now = "I have had no time to myself for months."
    urgency = Urgency.ROUTINE
    submitted_by = factory.SelfAttribute("carer.user")


class BookingFactory(factory.django.DjangoModelFactory):
    """A request for one place on a session (pass first_night and nights, and session=None, for a stay)."""

    class Meta:
        model = Booking

    carer = factory.SubFactory(CarerFactory)
    session = factory.SubFactory(SessionFactory)
    offer = factory.LazyAttribute(lambda o: o.session.offer)
    places = 1
    payment_source = PaymentSource.SELF
    requested_by = factory.SelfAttribute("carer.user")


class WaitingListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingListEntry

    carer = factory.SubFactory(CarerFactory)
    session = factory.SubFactory(SessionFactory)
    offer = factory.LazyAttribute(lambda o: o.session.offer)
    places = 1
    payment_source = PaymentSource.SELF
    joined_by = factory.SelfAttribute("carer.user")
