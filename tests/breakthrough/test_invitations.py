"""An admin invites staff by a link that expires and works once; the new worker then sets up their authenticator."""

import datetime
import re
import threading

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from breakthrough import services
from breakthrough.models import AuditEvent, Invitation, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(admin_user, x, django_capture_on_commit_callbacks):
    def make(email="new.broker@example.org", role=Role.BROKER, organisation=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitation_create(
                email=email, role=role, organisation=organisation or x.hub, invited_by=admin_user
            )

    return make


def _accept(client, token, **overrides):
    data = {"first_name": "Nadia", "last_name": "Rahman", "password1": "pass-phrase-for-nadia", "password2": ""}
    data["password2"] = data["password1"]
    data.update(overrides)
    return client.post(reverse("invitation_accept", kwargs={"token": token}), data)


def test_an_admin_invites_a_broker_from_the_platform_page(
    client_for, admin_user, x, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("invitation_create"),
            {"email": "New.Broker@Example.org", "role": Role.BROKER, "organisation": x.hub.pk},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.organisation) == ("new.broker@example.org", "broker", x.hub)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.broker@example.org"]
    token = re.search(r"/invitations/([^/\s]+)/", message.body).group(1)
    assert Invitation.hash_token(token) == invitation.token_hash
    assert token not in invitation.token_hash  # only the hash is stored
    assert "72 hours" in message.body
    assert "Invitation sent to new.broker@example.org" in client.get(reverse("platform_home")).content.decode()


def test_the_invitation_form_explains_bad_input_beside_each_field_and_keeps_it(client_for, admin_user, x):
    client = client_for(admin_user)
    response = client.post(
        reverse("invitation_create"), {"email": "kim@example.org", "role": Role.COMMISSIONER, "organisation": x.hub.pk}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert 'href="#id_organisation"' in page
    assert "A commissioner cannot belong to a short break hub." in page
    assert 'value="kim@example.org"' in page
    assert not Invitation.objects.exists()

    response = client.post(reverse("invitation_create"), {"email": "", "role": "", "organisation": ""})
    page = response.content.decode()
    assert "Enter their email address" in page or "Enter an email address" in page
    assert "Select their role" in page


def test_only_an_admin_may_invite(client_for, x):
    for user in (x.broker, x.commissioner):
        assert client_for(user).get(reverse("invitation_create")).status_code == 404
    with pytest.raises(ValidationError):
        services.invitation_create(email="a@example.org", role=Role.BROKER, organisation=x.hub, invited_by=x.broker)


def test_carers_cannot_be_invited_and_existing_accounts_cannot_be_invited_again(admin_user, x):
    with pytest.raises(ValidationError) as error:
        services.invitation_create(email="c@example.org", role=Role.CARER, organisation=x.hub, invited_by=admin_user)
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.invitation_create(email=x.broker.email, role=Role.BROKER, organisation=x.hub, invited_by=admin_user)
    assert "email" in error.value.message_dict


def test_accepting_makes_the_account_signs_in_and_asks_for_an_authenticator(client, invite, x):
    invitation, token = invite()
    page = client.get(reverse("invitation_accept", kwargs={"token": token}))
    assert page.status_code == 200
    assert "new.broker@example.org" in page.content.decode()

    response = _accept(client, token)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    user = User.objects.get(email="new.broker@example.org")
    assert (user.role, user.organisation, user.partnership_id) == (Role.BROKER, x.hub, x.partnership.pk)
    assert EmailAddress.objects.get(user=user).verified
    assert int(client.session["_auth_user_id"]) == user.pk
    invitation.refresh_from_db()
    assert invitation.accepted_user == user
    # Straight to the set-up page, without being asked for the password again.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    # Until it is set up, no personal data.
    assert client.get(reverse("brokerage:caseload")).url == reverse("mfa_activate_totp")
    assert AuditEvent.objects.filter(action="breakthrough.invitation.accepted", actor=user).exists()


def test_a_link_works_once(client, invite):
    _, token = invite()
    _accept(client, token)
    client.logout()
    response = _accept(client, token, first_name="Someone", last_name="Else")
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()
    assert User.objects.filter(email="new.broker@example.org").count() == 1


def test_an_expired_link_is_refused(client, invite):
    invitation, token = invite()
    invitation.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    invitation.save()
    assert client.get(reverse("invitation_accept", kwargs={"token": token})).status_code == 404
    assert _accept(client, token).status_code == 404
    assert not User.objects.filter(email="new.broker@example.org").exists()


def test_a_wrong_token_is_refused(client, invite):
    invite()
    assert client.get(reverse("invitation_accept", kwargs={"token": "not-a-real-token"})).status_code == 404


def test_accepting_with_bad_input_keeps_the_names(client, invite):
    _, token = invite()
    response = _accept(client, token, password2="something-else-entirely")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert 'href="#id_password2"' in page
    assert 'value="Nadia"' in page
    assert not User.objects.filter(email="new.broker@example.org").exists()


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_makes_one_account(invite):
    """Two requests accepting one link at once: the row lock lets one through."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL (DATABASE_URL)")
    _, token = invite()
    results, barrier = [], threading.Barrier(2)

    def accept():
        barrier.wait()
        try:
            services.invitation_accept(token=token, first_name="N", last_name="R", password="pass-phrase-for-nadia")
            results.append("made")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["made", "refused"]
    assert User.objects.filter(email="new.broker@example.org").count() == 1
