"""Carers register themselves and verify their e-mail; staff sign in with a password and an authenticator code."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from breakthrough.models import AuditEvent, Role, User
from brokerage.models import Carer
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def _sign_up(client, email="new.carer@example.org", password="a-sound-pass-phrase"):
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


def _link_in(message) -> str:
    return re.search(r"https?://[^\s]+", message.body).group(0)


def test_a_carer_registers_verifies_their_email_and_lands_on_their_task_list(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="new.carer@example.org")
    assert user.role == Role.CARER
    assert Carer.objects.filter(user=user).exists()
    assert not EmailAddress.objects.get(user=user).verified

    assert len(mail.outbox) == 1
    link = _link_in(mail.outbox[0])
    path = re.sub(r"^https?://[^/]+", "", link)
    assert client.get(path).status_code == 200  # a page with a button: links in mail scanners must not confirm
    response = client.post(path)
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302

    client.logout()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "a-sound-pass-phrase"})
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("brokerage:carer_home")
    page = client.get(reverse("brokerage:carer_home"))
    assert "About you" in page.content.decode()
    assert "People you care for" in page.content.decode()


def test_an_unverified_carer_cannot_sign_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _sign_up(client)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new.carer@example.org", "password": "a-sound-pass-phrase"}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("brokerage:carer_home")).status_code == 302


def test_sign_up_with_bad_input_explains_each_field_and_keeps_the_email(client):
    response = _sign_up(client, email="not-an-email", password="short")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert 'href="#id_email"' in page  # the error summary links to the field
    assert 'value="not-an-email"' in page
    assert not User.objects.exists()


def test_repeated_failed_sign_ins_are_rate_limited(client):
    user = UserFactory(email="someone@example.org")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong password"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_staff_sign_in_needs_a_code_from_their_authenticator_app(client, x):
    response = client.post(reverse("account_login"), {"login": x.broker.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(x.broker.totp_secret)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == x.broker.pk
    assert client.get(reverse("brokerage:caseload")).status_code == 200


def test_staff_without_an_authenticator_reach_no_personal_data_until_they_set_one_up(client, x, carer_a):
    x.broker.authenticator_set.all().delete()
    client.force_login(x.broker)
    for name, kwargs in [("brokerage:caseload", {}), ("brokerage:carer_detail", {"pk": carer_a.pk}), ("home", {})]:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")
    assert not AuditEvent.objects.filter(action="brokerage.carer.viewed").exists()
    assert client.get(reverse("accessibility")).status_code == 200


def test_carers_do_not_need_an_authenticator(client, carer_a):
    client.force_login(carer_a.user)
    assert client.get(reverse("brokerage:carer_home")).status_code == 200


@pytest.mark.parametrize(
    ("url_name", "data", "messages"),
    [
        ("account_login", {}, {"id_login": "Enter your email address", "id_password": "Enter your password"}),
        (
            "account_login",
            {"login": "not an address", "password": "x"},
            {"id_login": "Enter an email address in the correct format, like name@example.com"},
        ),
        (
            "account_signup",
            {},
            {
                "id_email": "Enter your email address",
                "id_password1": "Create a password",
                "id_password2": "Enter the password again",
            },
        ),
        ("account_reset_password", {}, {"id_email": "Enter your email address"}),
    ],
)
def test_account_forms_say_what_to_do(client, url_name, data, messages):
    page = client.post(reverse(url_name), data).content.decode()
    for field_id, message in messages.items():
        assert f'<a href="#{field_id}">{message}</a>' in page
    assert "This field is required." not in page
