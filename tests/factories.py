"""Factories for tests (and nothing else): one per model, with sensible defaults."""

import datetime
import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from breakthrough.models import Locality, Organisation, Partnership, Role, User
from brokerage.models import CaredForPerson, Carer, CaringRelationship, NeedsLevel

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
