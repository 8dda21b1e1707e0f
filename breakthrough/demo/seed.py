"""Writing the demo: `seed_demo` turns the reference data and the demo's household plans into rows, found
again by natural keys (slugs, names, e-mail addresses) so a second run creates nothing."""

from __future__ import annotations

import datetime
from collections import Counter

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from breakthrough.models import Locality, Organisation, Partnership, Role, User
from brokerage.models import CaredForPerson, Carer, CaringRelationship, Consent

from .authenticator import ensure_demo_authenticator
from .feedback import ensure_feedback
from .funds import ensure_funds
from .grants import ensure_grants
from .guard import refuse_in_production
from .households import CarerPlan, HouseholdPlan, PersonPlan, demo_households
from .offers import ensure_offers
from .plans import ensure_plans
from .ras import ensure_ras
from .reference import (
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    NATIONAL_BODY,
    PARTNERSHIPS,
    PLATFORM,
    PROVIDERS,
    REFERENCE_TIME,
)
from .referrals import ensure_referrals


def _count(counter: Counter, label: str, created: bool) -> None:
    if created:
        counter[label] += 1


def _ensure_organisations(counter: Counter) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    partnerships: dict[str, Partnership] = {}
    for spec in PARTNERSHIPS:
        partnership, created = Partnership.objects.update_or_create(
            slug=spec.slug, defaults={"name": spec.name, "kind": spec.kind}
        )
        _count(counter, "partnerships", created)
        partnerships[spec.slug] = partnership
        for loc in spec.localities:
            _, created = Locality.objects.get_or_create(partnership=partnership, name=loc.name)
            _count(counter, "localities", created)
        for name, kind in ((spec.hub, Organisation.Kind.HUB), (spec.body, Organisation.Kind.PARTNERSHIP_BODY)):
            orgs[name], created = Organisation.objects.update_or_create(
                name=name, defaults={"kind": kind, "partnership": partnership}
            )
            _count(counter, "organisations", created)
    for name, served in PROVIDERS.items():
        orgs[name], created = Organisation.objects.update_or_create(
            name=name, defaults={"kind": Organisation.Kind.PROVIDER, "partnership": None}
        )
        _count(counter, "organisations", created)
        orgs[name].partnerships_served.set([partnerships[slug] for slug in served])
    for name, kind in ((NATIONAL_BODY, Organisation.Kind.NATIONAL_BODY), (PLATFORM, Organisation.Kind.PLATFORM)):
        orgs[name], created = Organisation.objects.update_or_create(
            name=name, defaults={"kind": kind, "partnership": None}
        )
        _count(counter, "organisations", created)
    return orgs


def _ensure_logins(counter: Counter, orgs: dict[str, Organisation], password_hash: str) -> dict[str, User]:
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        is_admin = login.role == Role.ADMIN
        user, created = User.objects.update_or_create(
            email=login.email,
            defaults={
                "role": login.role,
                "organisation": orgs[login.organisation] if login.organisation else None,
                "first_name": login.first_name,
                "last_name": login.last_name,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "date_joined": REFERENCE_TIME - datetime.timedelta(days=400),
            },
        )
        _count(counter, "users", created)
        users[login.email] = user
        EmailAddress.objects.filter(user=user).exclude(email=login.email).update(primary=False)
        _, created = EmailAddress.objects.update_or_create(
            user=user, email=login.email, defaults={"verified": True, "primary": True}
        )
        _count(counter, "email addresses", created)
        if login.role != Role.CARER:
            ensure_demo_authenticator(user)
    # The password is set on every run so it is always known; one hash serves every demo login.
    User.objects.filter(email__in=[login.email for login in DEMO_LOGINS]).update(password=password_hash)
    return users


def _record_consents(carer: Carer, plan: CarerPlan, counter: Counter) -> None:
    current: dict[str, Consent] = {}
    for consent in carer.consents.all():  # newest first
        current.setdefault(consent.kind, consent)
    for kind, given in ((Consent.Kind.KEEP_DETAILS, plan.keep_details), (Consent.Kind.CONTACT, plan.contact)):
        if given is None:
            continue
        previous = current.get(kind)
        if previous is None or previous.given != given:
            # Consents are append-only: a changed answer is a new, newest record.
            at = plan.consent_recorded_at if previous is None else max(timezone.now(), previous.recorded_at)
            Consent.objects.create(carer=carer, kind=kind, given=given, recorded_at=at)
            counter["consents"] += 1


def _carer_fields(plan: CarerPlan, household: HouseholdPlan, localities: dict) -> dict:
    locality = localities[(plan.partnership, plan.locality)]
    return {
        "first_name": plan.first_name,
        "last_name": plan.last_name,
        "phone": plan.phone,
        "preferred_contact": plan.preferred_contact,
        "postcode": plan.postcode,
        "locality": locality,
        "partnership_id": locality.partnership_id,
        "carer_type": plan.carer_type,
        "hours_caring_per_week": plan.hours_caring_per_week,
        "break_meaning": plan.break_meaning,
        "about_you_completed_at": plan.about_you_completed_at,
        "people_completed_at": household.people_completed_at(plan),
        "created_at": plan.created_at,
    }


def _person_fields(plan: PersonPlan, created_at: datetime.datetime) -> dict:
    return {
        "first_name": plan.first_name,
        "last_name": plan.last_name,
        "date_of_birth": plan.date_of_birth,
        "needs_level": plan.needs_level,
        "conditions": plan.conditions,
        "communication_needs": plan.communication_needs,
        "what_matters": plan.what_matters,
        "completed_at": created_at + datetime.timedelta(days=3) if plan.completed else None,
        "created_at": created_at,
    }


def _ensure_household(household: HouseholdPlan, users: list, localities: dict, counter: Counter) -> None:
    carers = []
    for i, plan in enumerate(household.carers):
        user = users[i] if i < len(users) else None
        fields = _carer_fields(plan, household, localities)
        if user is not None:
            carer, created = Carer.objects.update_or_create(user=user, defaults=fields)
        else:  # recorded by the hub, no login: found again by name and postcode
            key = {k: fields.pop(k) for k in ("first_name", "last_name", "postcode", "partnership_id")}
            carer, created = Carer.objects.update_or_create(user=None, **key, defaults=fields)
        _count(counter, "carers", created)
        _record_consents(carer, plan, counter)
        carers.append(carer)
    main_plan = household.carers[0]
    for plan in household.people:
        fields = _person_fields(plan, main_plan.created_at + datetime.timedelta(days=1))
        person = CaredForPerson.objects.filter(
            relationships__carer=carers[0], first_name=plan.first_name, last_name=plan.last_name
        ).first()
        if person is None:
            person = CaredForPerson.objects.create(**fields)
            counter["cared-for people"] += 1
        elif any(getattr(person, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(person, k, v)
            person.save()
        for carer, relationship in zip(carers, plan.relationships, strict=True):
            _, created = CaringRelationship.objects.update_or_create(
                carer=carer,
                cared_for=person,
                defaults={"relationship": relationship},
                create_defaults={"relationship": relationship, "created_at": fields["created_at"]},
            )
            _count(counter, "caring relationships", created)


def _localities() -> dict[tuple[str, str], Locality]:
    return {(loc.partnership.slug, loc.name): loc for loc in Locality.objects.select_related("partnership")}


@transaction.atomic
def seed_demo(*, seed: int = DEFAULT_SEED) -> Counter:
    """Partnerships, organisations, a login per role, and the demo households. Returns what it created."""
    refuse_in_production("seed_demo")
    counter: Counter = Counter()
    orgs = _ensure_organisations(counter)
    users = _ensure_logins(counter, orgs, make_password(DEMO_PASSWORD))
    localities = _localities()
    households = demo_households(seed)
    logins = {  # the demo carers' logins, by household: Morag's household, then Sarah's
        0: [users["carer@glenmorven.example"]],
        1: [users["carer2@eastwick.example"]],
    }
    for i, household in enumerate(households):
        _ensure_household(household, logins.get(i, []), localities, counter)
    ensure_offers(orgs, localities, counter)
    ensure_referrals(users, counter)
    ensure_ras(users, counter)
    ensure_plans(users, counter)
    ensure_funds(users, counter)  # after the plan: its allocation, a booking from the fund, an invoice
    ensure_grants(users, counter)
    ensure_feedback(users, counter)
    return +counter  # only what was created
