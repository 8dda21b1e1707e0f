"""seed_demo and demo_totp: the demo data is complete, deterministic and idempotent, and its logins work."""

import datetime
import time
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from breakthrough import demo
from breakthrough.models import Locality, Organisation, Partnership, Role, User
from breakthrough.postcodes import normalise_postcode
from brokerage.models import (
    CaredForPerson,
    Carer,
    CaringRelationship,
    ComplianceDocument,
    Consent,
    Fund,
    Night,
    Offer,
    OfferKind,
    Plan,
    Posting,
    ProviderProfile,
    Session,
)
from ras.models import Assessment

pytestmark = pytest.mark.django_db

MODELS = (
    Partnership,
    Locality,
    Organisation,
    Organisation.partnerships_served.through,
    User,
    EmailAddress,
    Authenticator,
    Carer,
    CaredForPerson,
    CaringRelationship,
    Consent,
    ProviderProfile,
    ComplianceDocument,
    Offer,
    Offer.features.through,
    Session,
    Night,
)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def households() -> list[tuple]:
    """Every carer and whom they care for, in a stable order that does not depend on primary keys."""
    rows = []
    for carer in Carer.objects.select_related("locality", "user").prefetch_related("relationships__cared_for"):
        people = sorted(
            (r.relationship, r.cared_for.full_name, r.cared_for.date_of_birth, r.cared_for.needs_level)
            for r in carer.relationships.all()
        )
        consents = sorted((c.kind, c.given) for c in carer.consents.all())
        rows.append(
            (
                carer.user.email if carer.user else "",
                carer.full_name,
                carer.postcode,
                carer.locality.name,
                carer.carer_type,
                carer.hours_caring_per_week,
                tuple(people),
                tuple(consents),
            )
        )
    return sorted(rows)


def _delete_with_what_protects_it(queryset) -> None:
    """Delete rows and, first, whatever protects them (bookings, funds and their ledger, grant applications)."""
    from django.db.models import ProtectedError

    while True:
        try:
            queryset.delete()
            return
        except ProtectedError as error:
            for obj in error.protected_objects:
                _delete_with_what_protects_it(type(obj).objects.filter(pk=obj.pk))


def _ledger_triggers(action: str) -> None:
    """On PostgreSQL, ledger rows can never be deleted (triggers). These tests delete the demo households to
    seed them again as into a fresh database, so they switch the ledger's triggers off while they delete
    (ALTER TABLE is transactional: the test's rollback would restore them anyway) and on again after."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending zero-sum checks now (they pass)
        for table in ("brokerage_leg", "brokerage_posting"):
            cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to checking at commit, as every transaction does


def delete_households(email_suffix: str | None = None) -> None:
    carers = Carer.objects.all()
    if email_suffix:
        carers = carers.filter(user__email__endswith=email_suffix)
    people = CaredForPerson.objects.filter(relationships__carer__in=carers)
    user_ids = list(carers.exclude(user=None).values_list("user_id", flat=True))
    person_ids = list(people.values_list("pk", flat=True))
    _ledger_triggers("DISABLE")
    if not email_suffix:
        # Every household goes, so the whole ledger goes too (budget lines included), as in a fresh database:
        # a balance is kept beside its legs, so deleting only some legs would leave the rest out of step.
        _delete_with_what_protects_it(Posting.objects.all())
        _delete_with_what_protects_it(Fund.objects.all())
    # Plans and assessments protect their carer (records are never lost by accident): remove them first,
    # newest plan version first, as each protects the one before it (and an invoice against a support in a plan
    # protects the plan: it goes with it, its postings having gone with the ledger above).
    for plan in Plan.objects.filter(carer__in=carers).order_by("-number"):
        _delete_with_what_protects_it(Plan.objects.filter(pk=plan.pk))
    for assessment in Assessment.objects.filter(carer__in=carers):
        assessment.decisions.all().delete()
        assessment.delete()  # its answers go with it
    _delete_with_what_protects_it(carers)
    _ledger_triggers("ENABLE")
    CaredForPerson.objects.filter(pk__in=person_ids).delete()
    if email_suffix:
        EmailAddress.objects.filter(user_id__in=user_ids).delete()
        User.objects.filter(pk__in=user_ids).delete()


def current_code(email: str) -> str:
    out = StringIO()
    call_command("demo_totp", email, stdout=out)
    return out.getvalue().strip()


def validated_code(email: str) -> bool:
    """demo_totp's code passes allauth's own check (retrying if the 30-second window turned in between)."""
    authenticator = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
    for _ in range(3):
        window = int(time.time()) // 30
        code = current_code(email)
        valid = TOTP(authenticator).validate_code(code)
        if int(time.time()) // 30 == window:
            return valid
    raise AssertionError("the clock kept turning over")


def test_seed_demo_creates_two_partnerships_their_organisations_and_households():
    output = seed()

    glen = Partnership.objects.get(slug="glenmorven")
    east = Partnership.objects.get(slug="eastwick")
    assert glen.name == "Glenmorven Health and Social Care Partnership"
    assert glen.kind == Partnership.Kind.HSCP
    assert east.name == "Eastwick Council"
    assert east.kind == Partnership.Kind.COUNCIL
    assert set(glen.localities.values_list("name", flat=True)) == {
        "Glenmorven North",
        "Glenmorven South",
        "Isle of Carra",
        "Kilbride",
    }
    assert set(east.localities.values_list("name", flat=True)) == {
        "Eastwick Central",
        "Eastwick Riverside",
        "Marsh End",
    }
    for partnership in (glen, east):
        kinds = set(partnership.organisations.values_list("kind", flat=True))
        assert kinds == {Organisation.Kind.HUB, Organisation.Kind.PARTNERSHIP_BODY}
    sunrise = Organisation.objects.get(name="Sunrise Short Breaks")
    assert sunrise.kind == Organisation.Kind.PROVIDER
    assert set(sunrise.partnerships_served.all()) == {glen, east}
    assert Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).count() >= 4
    assert Organisation.objects.filter(kind=Organisation.Kind.NATIONAL_BODY).exists()

    # The two demo carers' households are complete.
    for email, partnership in (("carer@glenmorven.example", glen), ("carer2@eastwick.example", east)):
        carer = Carer.objects.get(user__email=email)
        assert carer.partnership == partnership
        assert carer.locality.partnership == partnership
        assert carer.about_you_completed_at is not None
        assert carer.people_completed_at is not None
        people = list(carer.cared_for.all())
        assert people
        assert all(p.completed_at and p.date_of_birth and p.needs_level for p in people)
        assert carer.consents.filter(kind=Consent.Kind.KEEP_DETAILS, given=True).exists()

    # About forty more, in both partnerships, some sharing the person they care for.
    assert 40 <= Carer.objects.filter(user=None).count() <= 45
    assert Carer.objects.filter(partnership=glen).count() >= 15
    assert Carer.objects.filter(partnership=east).count() >= 15
    assert not Carer.objects.filter(partnership=None).exists()
    assert not CaredForPerson.objects.annotate(n=Count("relationships")).filter(n=0).exists()
    shared = CaredForPerson.objects.annotate(n=Count("relationships")).filter(n=2)
    assert shared.count() >= 5
    for person in shared:  # a shared person's carers live in the same partnership
        assert len({r.carer.partnership_id for r in person.relationships.select_related("carer")}) == 1
    assert {c.postcode[:2] for c in Carer.objects.filter(partnership=glen)} == {"PA"}
    assert {c.postcode[:2] for c in Carer.objects.filter(partnership=east)} == {"ME"}

    for record in [*Carer.objects.all(), *CaredForPerson.objects.all()]:
        record.full_clean()  # what the forms would accept: lengths, choices, hours
    assert all(normalise_postcode(c.postcode) == c.postcode for c in Carer.objects.all())

    assert "broker@glenmorven.example" in output
    assert demo.DEMO_TOTP_SECRET in output
    assert "demo_totp" in output


def test_second_run_creates_nothing():
    seed()
    before = counts()

    output = seed()

    assert counts() == before
    assert "nothing new" in output


def test_same_seed_gives_the_same_households_and_another_seed_does_not():
    seed()
    first = households()
    delete_households()
    assert not Carer.objects.exists()

    seed()

    assert households() == first
    assert demo.demo_households(2026) == demo.demo_households(2026)
    assert demo.demo_households(2026) != demo.demo_households(7)


def test_every_demo_login_signs_in_with_the_password_and_staff_have_the_demo_authenticator():
    seed()

    assert len(demo.DEMO_LOGINS) == 10
    for login in demo.DEMO_LOGINS:
        user = authenticate(username=login.email, password="breakthrough-demo")
        assert user is not None, login.email
        assert user.role == login.role
        assert EmailAddress.objects.filter(user=user, email=login.email, verified=True, primary=True).exists()
        types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
        if login.role == Role.CARER:
            assert user.organisation is None
            assert types == set()
        else:
            assert user.organisation is not None
            assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
            totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
            assert decrypt(totp.data["secret"]) == demo.DEMO_TOTP_SECRET
            recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
            assert len(RecoveryCodes(recovery).get_unused_codes()) == 10
    admin = User.objects.get(email="admin@breakthrough.example")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.role == Role.ADMIN
    assert not User.objects.filter(is_superuser=True).exclude(pk=admin.pk).exists()
    broker = User.objects.get(email="broker@eastwick.example")
    assert broker.partnership_id == Partnership.objects.get(slug="eastwick").pk


def test_a_second_run_resets_a_changed_password_and_authenticator():
    seed()
    broker = User.objects.get(email="broker@glenmorven.example")
    broker.set_password("something-else-entirely")
    broker.save()
    totp = Authenticator.objects.get(user=broker, type=Authenticator.Type.TOTP)
    totp.delete()
    TOTP.activate(broker, generate_totp_secret())

    seed()

    assert authenticate(username=broker.email, password="breakthrough-demo") == broker
    totp = Authenticator.objects.get(user=broker, type=Authenticator.Type.TOTP)
    assert decrypt(totp.data["secret"]) == demo.DEMO_TOTP_SECRET


def test_demo_totp_prints_a_code_that_allauth_accepts():
    seed()

    for email in ("broker@glenmorven.example", "admin@breakthrough.example"):
        code = current_code(email)
        assert len(code) == 6
        assert code.isdigit()
        assert validated_code(email)


def test_demo_totp_refuses_a_login_without_the_demo_authenticator():
    seed()
    with pytest.raises(CommandError, match="no authenticator"):
        current_code("carer@glenmorven.example")
    with pytest.raises(CommandError, match="no authenticator"):
        current_code("nobody@example.org")
    broker = User.objects.get(email="broker@glenmorven.example")
    totp = Authenticator.objects.get(user=broker, type=Authenticator.Type.TOTP)
    totp.delete()
    TOTP.activate(broker, generate_totp_secret())
    with pytest.raises(CommandError, match="not set up by seed_demo"):
        current_code(broker.email)


def test_staff_sign_in_with_password_and_demo_totp_code():
    seed()
    client = Client()
    email = "broker@glenmorven.example"

    response = client.post(reverse("account_login"), {"login": email, "password": "breakthrough-demo"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    for _ in range(3):  # a code from the window that just closed is refused: ask again
        window = int(time.time()) // 30
        response = client.post(reverse("mfa_authenticate"), {"code": current_code(email)})
        if int(time.time()) // 30 == window:
            break
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] != reverse("mfa_activate_totp")


def test_carer_signs_in_with_password_alone():
    seed()
    client = Client()

    response = client.post(
        reverse("account_login"), {"login": "carer2@eastwick.example", "password": "breakthrough-demo"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="carer2@eastwick.example").pk)


def test_scale_adds_carers_with_people_and_a_rerun_adds_none():
    seed()
    base = counts()

    output = seed(scale=200)

    scale_carers = Carer.objects.filter(user__email__endswith="@" + demo.SCALE_DOMAIN)
    assert scale_carers.count() == 200
    assert Carer.objects.count() == base["Carer"] + 200
    assert not scale_carers.annotate(n=Count("relationships")).filter(n=0).exists()
    assert not scale_carers.annotate(n=Count("relationships")).filter(n__gt=2).exists()
    assert not scale_carers.filter(locality=None).exists()
    assert set(scale_carers.values_list("partnership__slug", flat=True)) == {"glenmorven", "eastwick"}
    shared = CaredForPerson.objects.filter(relationships__carer__in=scale_carers).annotate(n=Count("relationships"))
    assert shared.filter(n=2).count() >= 200 // demo.SCALE_SHARED_EVERY
    assert EmailAddress.objects.filter(email__endswith="@" + demo.SCALE_DOMAIN, verified=True).count() == 200
    assert authenticate(username=demo.scale_email(200), password="breakthrough-demo") is not None
    assert "200 carers" in output

    after = counts()
    seed(scale=200)
    assert counts() == after


def test_scale_grows_by_the_difference_into_the_same_data_as_one_run():
    seed(scale=99)  # carer 100 joins the household of carer 99, made by the run before
    seed(scale=130)
    grown = [row for row in households() if row[0].endswith(demo.SCALE_DOMAIN)]
    assert len(grown) == 130

    delete_households("@" + demo.SCALE_DOMAIN)
    assert not Carer.objects.filter(user__email__endswith=demo.SCALE_DOMAIN).exists()
    seed(scale=130)

    assert [row for row in households() if row[0].endswith(demo.SCALE_DOMAIN)] == grown

    def people_of(n):
        return set(CaredForPerson.objects.filter(relationships__carer__user__email=demo.scale_email(n)))

    assert people_of(100) == people_of(99)
    assert people_of(100)


@override_settings(DJANGO_ENV="production", PRODUCTION=True)
def test_demo_totp_and_seed_demo_refuse_in_production():
    with pytest.raises(CommandError, match="production"):
        current_code("broker@glenmorven.example")
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not User.objects.exists()


def test_the_demo_directory_has_offers_with_availability_and_current_checks():
    seed()
    offers = list(Offer.objects.select_related("provider"))
    assert len(offers) >= 12
    assert {offer.kind for offer in offers} >= {OfferKind.DAY, OfferKind.PROPERTY, OfferKind.SITTER, OfferKind.ACTIVITY}
    today = timezone.localdate()
    for offer in offers:
        if offer.uses_nights:
            assert Night.objects.filter(offer=offer, date__gte=today).count() >= 28
        else:
            assert Session.objects.filter(offer=offer, starts_at__gte=timezone.now()).exists(), offer
        held = set(
            ComplianceDocument.objects.filter(
                organisation=offer.provider, issued_on__lte=today, expires_on__gte=today
            ).values_list("kind", flat=True)
        )
        assert set(offer.required_checks) <= held, offer
    # One document is inside the 30-day warning window, so the provider portal has something to warn about.
    assert ComplianceDocument.objects.filter(expires_on__lte=today + datetime.timedelta(days=30)).exists()
