"""Names refuse Unicode's bidirectional control characters, which make a name read as something else on a staff
screen (U+202E turns "Evil" into "livE" and reorders whatever follows it). One validator,
breakthrough.validators.refuse_bidi_controls, behind every name a person types: carers, the people they care for,
contacts, staff setting up their account, suppliers, providers and offers."""

import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from breakthrough.forms import NameField
from breakthrough.models import Organisation, Partnership, User
from breakthrough.validators import BIDI_CONTROLS, BIDI_MESSAGE, refuse_bidi_controls
from brokerage.models import CaredForPerson, Carer, Offer
from tests.project_forms import project_forms

pytestmark = pytest.mark.django_db

CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]
# A form field holds a name when it is called this (the offer's name is its `title` on the offer form).
NAME_FIELD = re.compile(r"(^|_)(first_name|last_name|name)$|^(supplier|holder|redirected_to)$")


def test_the_twelve_controls_are_refused_and_names_in_any_script_are_not():
    assert sorted(BIDI_CONTROLS) == sorted(CONTROLS)
    for control in CONTROLS:
        with pytest.raises(ValidationError) as caught:
            refuse_bidi_controls(f"Ev{control}il")
        assert caught.value.messages == [BIDI_MESSAGE]
    for name in ("Morag MacLeod", "Siobhán Ó Floinn", "ليلى حداد", "נועה כהן", "张伟", "Zoë-Anne O'Neil"):
        refuse_bidi_controls(name)


def _name_fields() -> list[tuple[str, str, forms.Field]]:
    rows = []
    for form in project_forms():
        for name, field in form.base_fields.items():
            is_offer_title = name == "title" and form.__name__ == "OfferForm"
            if isinstance(field, forms.CharField) and (NAME_FIELD.search(name) or is_offer_title):
                rows.append((form.__name__, name, field))
    return rows


def test_every_name_field_in_every_form_refuses_the_controls():
    fields = _name_fields()
    named = {(form, name) for form, name, _ in fields}
    # The ones the issue names, so the walk above cannot quietly find nothing.
    assert {
        ("AcceptInvitationForm", "first_name"),
        ("AcceptInvitationForm", "last_name"),
        ("NameForm", "first_name"),
        ("NameForm", "last_name"),
        ("PersonNameForm", "first_name"),
        ("PersonNameForm", "last_name"),
        ("NewCarerForm", "person_first_name"),
        ("StaffReferralForm", "referrer_name"),
        ("DetailsForm", "emergency_name"),
        ("OfferForm", "title"),
        ("SupportInvoiceForm", "payee_name"),
    } <= named
    for form, name, field in fields:
        assert isinstance(field, NameField), f"{form}.{name} is not a NameField"
        with pytest.raises(ValidationError) as caught:
            field.clean("Ev\u202eil")
        assert BIDI_MESSAGE in caught.value.messages, f"{form}.{name}"
        field.clean("Siobhán")


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Partnership, "name"),
        (Organisation, "name"),
        (User, "first_name"),
        (User, "last_name"),
        (Carer, "first_name"),
        (Carer, "last_name"),
        (CaredForPerson, "first_name"),
        (CaredForPerson, "last_name"),
        (Offer, "title"),
    ],
)
def test_names_kept_in_the_database_refuse_the_controls_when_edited_in_the_admin(model, field):
    assert refuse_bidi_controls in model._meta.get_field(field).validators


def test_a_provider_named_with_an_override_is_refused_by_the_admin_form(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:breakthrough_organisation_add")
    response = client.post(url, {"name": "Glen \u202eCare", "kind": "provider"})
    assert response.status_code == 200
    assert BIDI_MESSAGE in response.content.decode()
    assert not Organisation.objects.filter(name__startswith="Glen").exists()


def _assert_refused_by_the_field(response, field: str) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert f'href="#id_{field}' in page
    assert page.count(BIDI_MESSAGE) >= 2  # in the error summary and beside the field


def test_a_carer_cannot_give_a_name_that_reads_backwards(client_for, carer_a):
    before = Carer.objects.values().get(pk=carer_a.pk)
    response = client_for(carer_a.user).post(
        reverse("brokerage:about_you_step", kwargs={"step": "name"}), {"first_name": "Ailsa", "last_name": "\u202egoD"}
    )
    _assert_refused_by_the_field(response, "last_name")
    assert 'value="Ailsa"' in response.content.decode()  # nothing typed is lost
    assert Carer.objects.values().get(pk=carer_a.pk) == before


def test_the_person_cared_for_cannot_be_given_a_name_with_an_isolate(client_for, carer_a):
    response = client_for(carer_a.user).post(
        reverse("brokerage:person_add"), {"first_name": "Ro\u2067ry", "last_name": "MacLeod", "relationship": "Son"}
    )
    _assert_refused_by_the_field(response, "first_name")
    assert carer_a.relationships.count() == 1


def test_an_offer_cannot_be_named_with_a_right_to_left_mark(client_for, provider_user, x):
    data = {
        "title": "Swimming \u200fclub",
        "summary": "A swim and a cup of tea.",
        "description": "",
        "kind": "activity",
        "break_for": "carer",
        "setting": "community",
        "min_age": "16",
        "max_age": "",
        "needs_levels": ["low", "medium"],
        "locality": str(x.locality.pk),
        "postcode": "eh1 1yz",
        "price_unit": "session",
        "price": "12.50",
        "booking_mode": "request",
    }
    response = client_for(provider_user).post(reverse("brokerage:providers:offer_create"), data)
    _assert_refused_by_the_field(response, "title")
    assert dict(response.context["form"].errors) == {"title": [BIDI_MESSAGE]}
    assert 'value="Swimming' in response.content.decode()
    assert not Offer.objects.filter(provider=provider_user.organisation).exists()
