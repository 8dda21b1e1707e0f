"""The carer's household: the task list, one question per page, check answers, and the rules behind them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from breakthrough.models import AuditEvent
from brokerage import services
from brokerage.models import CaredForPerson, Carer, Consent, NeedsLevel
from tests.factories import CaredForPersonFactory, CarerFactory, LocalityFactory, UserFactory, cares_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_carer(x):
    """A carer who has just signed up: a household record with nothing in it yet."""
    return services.carer_register(user=UserFactory(email="fresh@example.org"))


def _step(name):
    return reverse("brokerage:about_you_step", kwargs={"step": name})


def _person_step(person, name):
    return reverse("brokerage:person_step", kwargs={"pk": person.pk, "step": name})


ABOUT_YOU_ANSWERS = [
    ("name", {"first_name": "Isla", "last_name": "MacLeod"}),
    ("contact", {"preferred_contact": "phone", "phone": "07700 900982"}),
    ("where-you-live", {"postcode": "pa34 4aa", "locality": None}),  # locality filled in by the test
    ("carer-type", {"carer_type": "parent"}),
    ("hours", {"hours_caring_per_week": "50"}),
    ("what-a-break-means", {"break_meaning": "A night's sleep and a walk on the beach."}),
    ("consent", {"keep_details": "on", "contact": "on"}),
]


def test_a_carer_completes_about_you_page_by_page_and_confirms(client_for, new_carer, x):
    client = client_for(new_carer.user)
    home = client.get(reverse("brokerage:carer_home")).content.decode()
    assert "Not yet started" in home

    for index, (step, answers) in enumerate(ABOUT_YOU_ANSWERS):
        if step == "where-you-live":
            answers = {**answers, "locality": x.locality.pk}
        response = client.post(_step(step), answers)
        assert response.status_code == 302, response.content.decode()
        following = ABOUT_YOU_ANSWERS[index + 1][0] if index + 1 < len(ABOUT_YOU_ANSWERS) else None
        assert response.url == (_step(following) if following else reverse("brokerage:about_you_check"))

    check = client.get(reverse("brokerage:about_you_check")).content.decode()
    for shown in ("Isla MacLeod", "PA34 4AA", x.locality.name, "Parent carer", "50", "07700 900982"):
        assert shown in check
    assert client.post(reverse("brokerage:about_you_check")).url == reverse("brokerage:carer_home")

    carer = Carer.objects.get(pk=new_carer.pk)
    assert carer.about_you_completed_at is not None
    assert carer.partnership == x.partnership  # follows the locality
    assert carer.postcode == "PA34 4AA"
    assert {c.kind: c.given for c in carer.consents.all()} == {"keep_details": True, "contact": True}
    assert "Completed" in client.get(reverse("brokerage:carer_home")).content.decode()


def test_changing_an_answer_from_check_answers_returns_there(client_for, carer_a):
    client = client_for(carer_a.user)
    response = client.post(_step("hours") + "?return=check", {"hours_caring_per_week": "20"})
    assert response.url == reverse("brokerage:about_you_check")
    carer_a.refresh_from_db()
    assert carer_a.hours_caring_per_week == 20
    assert AuditEvent.objects.filter(action="brokerage.carer.updated", object_id=str(carer_a.pk)).exists()


def test_confirming_with_questions_unanswered_lists_them(client_for, new_carer):
    client = client_for(new_carer.user)
    client.post(_step("name"), {"first_name": "Isla", "last_name": "MacLeod"})
    response = client.post(reverse("brokerage:about_you_check"))
    assert response.status_code == 200
    new_carer.refresh_from_db()
    assert new_carer.about_you_completed_at is None
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert _step("where-you-live") in page  # the summary links to the unanswered question


BAD_ABOUT_YOU = [
    ("name", {"first_name": "", "last_name": "MacLeod"}, "first_name", "Enter your first name", "MacLeod"),
    ("contact", {"preferred_contact": "phone", "phone": ""}, "phone", "Enter a phone number", None),
    ("contact", {"preferred_contact": "text", "phone": "call me"}, "phone", "Enter a phone number, like", "call me"),
    ("where-you-live", {"postcode": "NOT A CODE", "locality": ""}, "postcode", "Enter a real postcode", "NOT A CODE"),
    ("carer-type", {}, "carer_type", "Select the description that fits you best", None),
    ("hours", {"hours_caring_per_week": "200"}, "hours_caring_per_week", "168 or fewer", "200"),
    ("hours", {"hours_caring_per_week": "lots"}, "hours_caring_per_week", "whole number", "lots"),
    ("hours", {"hours_caring_per_week": "-3"}, "hours_caring_per_week", "0 or more", "-3"),
    ("what-a-break-means", {"break_meaning": "x" * 2001}, "break_meaning", "2000 characters or fewer", None),
    ("consent", {"contact": "on"}, "keep_details", "You must agree that the Short Break Hub can keep", None),
]


@pytest.mark.parametrize(("step", "data", "field", "message", "kept"), BAD_ABOUT_YOU)
def test_bad_answers_about_you_are_explained_beside_the_field_and_kept(
    client_for, carer_a, step, data, field, message, kept
):
    before = Carer.objects.values().get(pk=carer_a.pk)
    response = client_for(carer_a.user).post(_step(step), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert f'href="#id_{field}' in page  # the error summary links to the field
    assert 'class="govuk-error-message"' in page
    assert page.count(message) >= 2  # in the summary and beside the field
    if kept:
        assert kept in page
    assert Carer.objects.values().get(pk=carer_a.pk) == before


def test_a_carer_adds_a_person_question_by_question_and_confirms_the_household(client_for, new_carer, x):
    client = client_for(new_carer.user)
    response = client.post(
        reverse("brokerage:person_add"), {"first_name": "Rory", "last_name": "MacLeod", "relationship": "Son"}
    )
    person = CaredForPerson.objects.get(first_name="Rory")
    assert response.url == _person_step(person, "date-of-birth")
    answers = [
        ("date-of-birth", {"date_of_birth_0": "4", "date_of_birth_1": "3", "date_of_birth_2": "2014"}),
        ("needs", {"needs_level": NeedsLevel.COMPLEX}),
        ("conditions", {"conditions": "Autism; epilepsy", "communication_needs": "Uses Makaton"}),
        ("what-matters", {"what_matters": "Trains, and his routine"}),
    ]
    for step, data in answers:
        assert client.post(_person_step(person, step), data).status_code == 302

    # Not confirmed yet: the household cannot be marked complete.
    blocked = client.post(reverse("brokerage:people_list"))
    assert blocked.status_code == 200
    assert "Check and confirm the details of Rory MacLeod first." in blocked.content.decode()

    check = client.get(reverse("brokerage:person_check", kwargs={"pk": person.pk})).content.decode()
    for shown in ("Rory MacLeod", "Son", "4 March 2014", "Complex", "Uses Makaton", "Trains, and his routine"):
        assert shown in check
    assert client.post(reverse("brokerage:person_check", kwargs={"pk": person.pk})).status_code == 302
    assert client.post(reverse("brokerage:people_list")).url == reverse("brokerage:carer_home")

    person.refresh_from_db()
    assert person.date_of_birth == datetime.date(2014, 3, 4)
    assert person.needs_level == NeedsLevel.COMPLEX
    new_carer.refresh_from_db()
    assert new_carer.people_completed_at is not None


BAD_PERSON = [
    ("name", {"first_name": "", "last_name": "", "relationship": "Son"}, "first_name", "Enter their first name", "Son"),
    (
        "date-of-birth",
        {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "2010"},
        "date_of_birth",
        "must be a real date",
        "2010",
    ),
    (
        "date-of-birth",
        {"date_of_birth_0": "1", "date_of_birth_1": "1", "date_of_birth_2": "2999"},
        "date_of_birth",
        "must be in the past",
        "2999",
    ),
    ("date-of-birth", {"date_of_birth_0": "1", "date_of_birth_1": "", "date_of_birth_2": ""}, "date_of_birth", "", ""),
    ("needs", {"needs_level": "extreme"}, "needs_level", "Select how much support they need", None),
    ("what-matters", {"what_matters": "y" * 2001}, "what_matters", "2000 characters or fewer", None),
]


@pytest.mark.parametrize(("step", "data", "field", "message", "kept"), BAD_PERSON)
def test_bad_answers_about_a_person_are_explained_and_kept(client_for, carer_a, step, data, field, message, kept):
    person = carer_a.person
    before = CaredForPerson.objects.values().get(pk=person.pk)
    response = client_for(carer_a.user).post(_person_step(person, step), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert f'href="#id_{field}' in page
    assert message in page
    if kept:
        assert f'value="{kept}"' in page
    assert CaredForPerson.objects.values().get(pk=person.pk) == before


def test_the_add_person_page_keeps_what_was_typed(client_for, carer_a):
    response = client_for(carer_a.user).post(
        reverse("brokerage:person_add"), {"first_name": "Rory", "last_name": "", "relationship": "Son"}
    )
    page = response.content.decode()
    assert 'href="#id_last_name"' in page
    assert 'value="Rory"' in page
    assert carer_a.relationships.count() == 1


def test_a_person_may_have_two_carers_and_stays_while_either_cares_for_them(x):
    mum = CarerFactory(locality=x.locality)
    dad = CarerFactory(locality=x.locality)
    child = cares_for(mum, relationship="Son")
    cares_for(dad, child, relationship="Son")
    assert set(child.carers.all()) == {mum, dad}

    services.cared_for_remove(carer=mum, person=child, by=mum.user)
    assert CaredForPerson.objects.filter(pk=child.pk).exists()
    assert list(child.carers.all()) == [dad]
    services.cared_for_remove(carer=dad, person=child, by=dad.user)
    assert not CaredForPerson.objects.filter(pk=child.pk).exists()


def test_removing_a_person_asks_first(client_for, carer_a):
    client = client_for(carer_a.user)
    url = reverse("brokerage:person_remove", kwargs={"pk": carer_a.person.pk})
    no_answer = client.post(url, {})
    assert "Select yes if you want to remove this person" in no_answer.content.decode()
    client.post(url, {"confirm": "no"})
    assert carer_a.relationships.count() == 1
    client.post(url, {"confirm": "yes"})
    assert carer_a.relationships.count() == 0


def test_adding_someone_after_confirming_asks_the_carer_to_confirm_again(x):
    carer = CarerFactory(locality=x.locality)
    person = CaredForPersonFactory()
    cares_for(carer, person)
    services.cared_for_confirm(person=person, by=carer.user)
    services.carer_complete_people(carer=carer, by=carer.user)
    assert carer.people_completed_at is not None
    services.cared_for_create(carer=carer, first_name="Wee", last_name="One", relationship="Daughter", by=carer.user)
    carer.refresh_from_db()
    assert carer.people_completed_at is None


def test_consents_are_kept_as_a_dated_history(x):
    carer = CarerFactory(locality=x.locality)
    services.carer_record_consents(carer=carer, choices={"keep_details": True, "contact": False}, by=carer.user)
    services.carer_record_consents(carer=carer, choices={"keep_details": True, "contact": False}, by=carer.user)
    assert carer.consents.count() == 2  # unchanged answers add nothing
    services.carer_record_consents(carer=carer, choices={"keep_details": True, "contact": True}, by=carer.user)
    assert carer.consents.count() == 3
    current = services.consent_current(carer=carer)
    assert current[Consent.Kind.CONTACT].given is True
    assert current[Consent.Kind.KEEP_DETAILS].given is True
    assert all(c.recorded_at for c in carer.consents.all())


def test_the_partnership_always_follows_the_locality(x, y):
    carer = CarerFactory(locality=x.locality)
    services.carer_update(carer=carer, data={"locality": y.locality}, by=carer.user)
    carer.refresh_from_db()
    assert carer.partnership == y.partnership
    other = LocalityFactory(partnership=y.partnership)
    with pytest.raises(ValidationError):
        services.carer_update(carer=carer, data={"hours_caring_per_week": 169}, by=carer.user)
    assert carer.hours_caring_per_week != 169  # a refused change leaves nothing behind
    services.carer_update(carer=carer, data={"locality": other}, by=carer.user)
    assert Carer.objects.get(pk=carer.pk).partnership == y.partnership
