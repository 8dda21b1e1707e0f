"""Every account e-mail (django-allauth's) names the service, links to SITE_URL, and has a sentence-case subject.

The project does not use django.contrib.sites, and the sign-up e-mail read "Hello from !" and "register an account
on ." with the subject "Please Confirm Your Email Address". The render test finds allauth's e-mails from its own
templates, so one added by an upgrade is checked too.
"""

import datetime
import re
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.apps import apps
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse

from breakthrough.adapters import AccountAdapter
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://breakthrough.example"
PREFIX = "Breakthrough: "
ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"


def _allauth_emails() -> list[str]:
    """Every e-mail the installed allauth apps can send, as prefixes like 'account/email/password_reset_key'."""
    installed = [app.name.removeprefix("allauth.") for app in apps.get_app_configs() if app.name.startswith("allauth.")]
    found = sorted(
        str(path.relative_to(ALLAUTH_TEMPLATES)).removesuffix("_subject.txt")
        for folder in installed
        for path in (ALLAUTH_TEMPLATES / folder / "email").glob("*_subject.txt")
    )
    assert len(found) >= 18
    return found


def _context(user) -> dict:
    """Everything any of the e-mails reads, with links built on the host the request came in on."""
    here = "http://testserver"
    return {
        "user": user,
        "code": "Q7D-4KX",
        "activate_url": f"{here}/accounts/confirm-email/abc123/",
        "password_reset_url": f"{here}/accounts/password/reset/key/1-abc/",
        "signup_url": f"{here}/accounts/signup/",
        "from_email": "old@example.org",
        "to_email": "new@example.org",
        "deleted_email": "gone@example.org",
        "ip": "192.0.2.7",
        "user_agent": "Mozilla/5.0",
        "timestamp": datetime.datetime(2026, 3, 27, 14, 5, tzinfo=datetime.UTC),
    }


def _assert_names_the_service_and_links_to_the_site(message) -> None:
    assert message.subject.startswith(PREFIX), message.subject
    subject = message.subject.removeprefix(PREFIX)
    assert subject[0].isupper(), subject
    assert subject[1:] == subject[1:].lower(), f"not sentence case: {subject!r}"
    body = message.body
    assert "Breakthrough" in body
    assert SITE in body
    for empty in ("from !", "using !", " on .", "()", "{{", "{%", "example.com"):
        assert empty not in body, (empty, body)
    links = re.findall(r"https?://\S+", body)
    assert links
    assert all(link.startswith(SITE) for link in links), links


@override_settings(SITE_URL=SITE)
@pytest.mark.parametrize("template_prefix", _allauth_emails())
def test_every_account_email_names_the_service_and_links_to_the_site(
    template_prefix, django_capture_on_commit_callbacks
):
    user = UserFactory(email="reader@example.org", first_name="Morag")
    request = RequestFactory().get("/")
    request.user = user
    with allauth_context.request_context(request), django_capture_on_commit_callbacks(execute=True):
        AccountAdapter(request).send_mail(template_prefix, user.email, _context(user))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    _assert_names_the_service_and_links_to_the_site(message)


def _only_email(subject: str):
    messages = [m for m in mail.outbox if m.subject == PREFIX + subject]
    assert len(messages) == 1, [m.subject for m in mail.outbox]
    return messages[0]


@override_settings(SITE_URL=SITE)
def test_the_sign_up_email_names_the_service_and_its_link_is_on_the_site(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "new.carer@example.org", "password1": "a-sound-pass-phrase", "password2": "a-sound-pass-phrase"},
        )
    message = _only_email("Confirm your email address")
    _assert_names_the_service_and_links_to_the_site(message)
    assert "to create an account on Breakthrough" in message.body
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith(f"{SITE}/accounts/confirm-email/")
    assert client.get(link.removeprefix(SITE)).status_code == 200


@override_settings(SITE_URL=SITE)
def test_signing_up_again_with_a_known_address_and_resetting_an_unknown_one_say_so(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "known@example.org", "password1": "a-sound-pass-phrase", "password2": "a-sound-pass-phrase"},
        )
        client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    _assert_names_the_service_and_links_to_the_site(_only_email("You already have an account"))
    _assert_names_the_service_and_links_to_the_site(_only_email("There is no account with this email address"))


@override_settings(SITE_URL=SITE)
def test_a_password_reset_links_to_the_site_and_a_changed_password_is_told(
    client, client_for, django_capture_on_commit_callbacks
):
    user = UserFactory(email="carer@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    reset = _only_email("Reset your password")
    _assert_names_the_service_and_links_to_the_site(reset)
    assert re.search(rf"{SITE}/accounts/password/reset/key/\S+", reset.body)

    signed_in = client_for(user)
    new = "another-sound-pass-phrase"
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
        )
    assert response.status_code == 302
    changed = _only_email("Your password has been changed")
    _assert_names_the_service_and_links_to_the_site(changed)
    assert EmailAddress.objects.get(user=user).email in changed.to
