"""Carer partners: a commissioner invites a carer registered with the partnership, the carer agrees to the wording
(kept with the date) or says no, either side ends it; twice is once; the invitation form tells nobody who is a
carer."""

import threading

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from breakthrough import partners
from breakthrough.models import AuditEvent, CarerPartner

pytestmark = pytest.mark.django_db

INVITE = reverse("commissioning:partner_invite")


def _invite(client, email, key="key-1"):
    return client.post(INVITE, {"email": email, "submission_key": key}, follow=True)


def _actions():
    return list(
        AuditEvent.objects.filter(action__startswith="breakthrough.carer_partner")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def commissioner(x, client_for):
    return client_for(x.commissioner)


def test_a_commissioner_invites_a_carer_of_the_partnership_by_email(
    x, carer_a, commissioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(commissioner, "  Carer.A@example.org ")
    partner = CarerPartner.objects.get()
    assert (partner.partnership, partner.user, partner.invited_by, partner.state) == (
        x.partnership,
        carer_a.user,
        x.commissioner,
        "invited",
    )
    page = response.content.decode()
    assert "If Carer.A@example.org is the address of a carer registered with Partnership X" in page
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carer.a@example.org"]
    assert message.subject == f"{settings.SITE_NAME}: will you be a carer partner of Partnership X?"
    assert settings.SITE_URL.rstrip("/") + reverse("partner_agree", args=[partner.pk]) in message.body
    assert _actions() == ["breakthrough.carer_partner.invited"]
    listing = commissioner.get(reverse("commissioning:partners")).content.decode()
    assert "Invited</strong>, not yet agreed" in listing


@pytest.mark.parametrize("email", ["nobody@example.org", "carer.b@example.org", "broker@x.example"])
def test_the_answer_is_the_same_whether_or_not_the_address_is_a_carers(
    x, carer_a, carer_b, commissioner, email, django_capture_on_commit_callbacks
):
    """An address nobody has, a carer of another partnership, a member of staff: the words a carer's would get."""
    with django_capture_on_commit_callbacks(execute=True):
        page = _invite(commissioner, email).content.decode()
    assert f"If {email} is the address of a carer registered with Partnership X, we have sent them an invitation." in (
        page.replace("&#x27;", "'")
    )
    assert not CarerPartner.objects.exists()
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="breakthrough.carer_partner.invitation_unmatched").count() == 1


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter the carer’s email address"),
        ("not an address", "Enter an email address in the right format, like name@example.org"),
    ],
)
def test_a_bad_address_gets_a_message_by_the_field(commissioner, email, message):
    response = commissioner.post(INVITE, {"email": email, "submission_key": "k"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Invite a carer partner" in page
    assert message in page.replace("&#x27;", "'").replace("&rsquo;", "’")
    assert f'value="{email}"' in page or not email


def test_the_same_invitation_sent_twice_invites_and_emails_once(
    carer_a, commissioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(commissioner, "carer.a@example.org", key="same")
        _invite(commissioner, "carer.a@example.org", key="same")
    assert CarerPartner.objects.count() == 1
    assert len(mail.outbox) == 1
    assert _actions() == ["breakthrough.carer_partner.invited"]


def test_inviting_again_reminds_on_the_same_row(carer_a, commissioner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(commissioner, "carer.a@example.org", key="first")
        _invite(commissioner, "carer.a@example.org", key="second")
    assert CarerPartner.objects.count() == 1
    assert len(mail.outbox) == 2
    event = AuditEvent.objects.filter(action="breakthrough.carer_partner.invited").order_by("at", "pk").last()
    assert event.data == {"again": True}


def test_a_current_partner_invited_again_is_left_as_they_are(x, carer_a, django_capture_on_commit_callbacks):
    partner = _agreed(x, carer_a)
    agreed_at = partner.agreed_at
    with django_capture_on_commit_callbacks(execute=True):
        again = partners.carer_partner_invite(
            partnership_id=x.partnership.pk, email="carer.a@example.org", by=x.commissioner, submission_key="new"
        )
    again.refresh_from_db()
    assert (again.pk, again.agreed_at, again.state) == (partner.pk, agreed_at, "agreed")
    assert mail.outbox == []


def test_an_ended_partner_invited_again_starts_afresh_on_the_same_row(x, carer_a, django_capture_on_commit_callbacks):
    partner = _agreed(x, carer_a)
    partners.carer_partner_end(partner=partner, by=carer_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        again = partners.carer_partner_invite(
            partnership_id=x.partnership.pk, email="carer.a@example.org", by=x.commissioner, submission_key="new"
        )
    assert again.pk == partner.pk
    assert (again.state, again.agreement, again.agreed_at, again.ended_by) == ("invited", "", None, None)
    assert len(mail.outbox) == 1


def test_only_the_partnerships_commissioners_invite(x, y, carer_a):
    for someone in (y.commissioner, x.broker, carer_a.user):
        with pytest.raises(ValidationError):
            partners.carer_partner_invite(partnership_id=x.partnership.pk, email="carer.a@example.org", by=someone)
    assert not CarerPartner.objects.exists()


def _invited(x, carer):
    return partners.carer_partner_invite(
        partnership_id=x.partnership.pk, email=carer.user.email, by=x.commissioner, submission_key=None
    )


def _agreed(x, carer):
    partner = _invited(x, carer)
    digest = partners.wording_digest(partners.agreement_wording(x.partnership))
    return partners.carer_partner_agree(partner=partner, by=carer.user, digest=digest)


def test_the_carer_sees_the_invitation_as_a_task_and_agrees_to_the_wording(x, carer_a, client_for):
    partner = _invited(x, carer_a)
    client = client_for(carer_a.user)
    home = client.get(reverse("brokerage:carer_home")).content.decode()
    assert "Will you be a carer partner of Partnership X?" in home
    assert reverse("partner_agree", args=[partner.pk]) in home
    page = client.get(reverse("partner_agree", args=[partner.pk])).content.decode()
    wording = partners.agreement_wording(x.partnership)
    for line in wording.splitlines():
        assert line.replace("'", "&#x27;") in page
    before = timezone.now()
    response = client.post(
        reverse("partner_agree", args=[partner.pk]), {"digest": partners.wording_digest(wording)}, follow=True
    )
    partner.refresh_from_db()
    assert partner.state == "agreed"
    assert partner.agreement == wording
    assert partner.agreed_at >= before
    home = response.content.decode()
    assert "You are now a carer partner of Partnership X." in home
    assert "Will you be a carer partner" not in home
    assert "Your work as a carer partner" in home
    assert "Nothing names you yet" in home
    assert _actions() == ["breakthrough.carer_partner.invited", "breakthrough.carer_partner.agreed"]


def test_agreeing_twice_agrees_once(x, carer_a, client_for):
    partner = _invited(x, carer_a)
    client = client_for(carer_a.user)
    digest = partners.wording_digest(partners.agreement_wording(x.partnership))
    for _ in range(2):
        assert client.post(reverse("partner_agree", args=[partner.pk]), {"digest": digest}).status_code == 302
    assert AuditEvent.objects.filter(action="breakthrough.carer_partner.agreed").count() == 1


def test_wording_that_changed_while_the_carer_read_it_is_not_agreed_to(x, carer_a, client_for):
    partner = _invited(x, carer_a)
    response = client_for(carer_a.user).post(reverse("partner_agree", args=[partner.pk]), {"digest": "older"})
    page = response.content.decode()
    assert "<title>Error: Be a carer partner of Partnership X" in page
    assert partners.WORDING_CHANGED in page
    assert f'value="{partners.wording_digest(partners.agreement_wording(x.partnership))}"' in page
    partner.refresh_from_db()
    assert partner.state == "invited"


def test_the_stored_wording_stays_what_the_carer_agreed_to(x, carer_a, client_for, monkeypatch):
    partner = _agreed(x, carer_a)
    monkeypatch.setattr(partners, "AGREEMENT", "New words for {partnership}.")
    page = client_for(carer_a.user).get(reverse("partner_agree", args=[partner.pk])).content.decode()
    assert "New words" not in page
    assert "I agree to be a carer partner of Partnership X." in page
    assert "You agreed on" in page


def test_a_carer_withdraws_and_a_carer_says_no(x, carer_a, carer_b_in_x, client_for):
    agreed = _agreed(x, carer_a)
    invited = _invited(x, carer_b_in_x)
    client_for(carer_a.user).post(reverse("partner_withdraw", args=[agreed.pk]))
    client_for(carer_b_in_x.user).post(reverse("partner_withdraw", args=[invited.pk]))
    agreed.refresh_from_db()
    invited.refresh_from_db()
    assert (agreed.state, agreed.ended_by) == ("ended", carer_a.user)
    assert (invited.state, invited.ended_by) == ("ended", carer_b_in_x.user)
    actions = set(_actions())
    assert {"breakthrough.carer_partner.withdrawn", "breakthrough.carer_partner.declined"} <= actions
    # an ended invitation cannot be agreed to
    digest = partners.wording_digest(partners.agreement_wording(x.partnership))
    with pytest.raises(ValidationError, match="has ended"):
        partners.carer_partner_agree(partner=invited, by=carer_b_in_x.user, digest=digest)
    page = client_for(carer_a.user).get(reverse("partner_agree", args=[agreed.pk])).content.decode()
    assert "This partnership ended on" in page
    assert "I agree</button>" not in page


def test_a_commissioner_ends_a_partnership(x, carer_a, commissioner):
    partner = _agreed(x, carer_a)
    response = commissioner.post(reverse("commissioning:partner_end", args=[partner.pk]), follow=True)
    partner.refresh_from_db()
    assert (partner.state, partner.ended_by) == ("ended", x.commissioner)
    assert "is no longer a carer partner" in response.content.decode()
    assert "breakthrough.carer_partner.ended" in _actions()
    # ending twice ends once
    partners.carer_partner_end(partner=partner, by=x.commissioner)
    assert _actions().count("breakthrough.carer_partner.ended") == 1


def test_nobody_else_ends_or_agrees(x, y, carer_a, carer_b_in_x, client_for):
    partner = _invited(x, carer_a)
    assert client_for(y.commissioner).post(reverse("commissioning:partner_end", args=[partner.pk])).status_code == 404
    other = client_for(carer_b_in_x.user)
    assert other.post(reverse("partner_agree", args=[partner.pk]), {"digest": "x"}).status_code == 404
    assert other.post(reverse("partner_withdraw", args=[partner.pk])).status_code == 404
    partner.refresh_from_db()
    assert partner.state == "invited"
    with pytest.raises(ValidationError):
        partners.carer_partner_end(partner=partner, by=y.commissioner)


def test_the_partners_list_shows_each_state(x, carer_a, carer_b_in_x, commissioner):
    _agreed(x, carer_a)
    ended = _invited(x, carer_b_in_x)
    partners.carer_partner_end(partner=ended, by=carer_b_in_x.user)
    page = commissioner.get(reverse("commissioning:partners")).content.decode()
    today = timezone.localdate()
    assert f"Agreed</strong> on {today:%-d %B %Y}" in page
    assert f"Ended</strong> on {today:%-d %B %Y} by the carer" in page


def test_the_partners_list_takes_the_same_queries_for_2_and_10_partners(x, commissioner, django_assert_num_queries):
    from tests.factories import CarerFactory, UserFactory

    def add(n):
        for _ in range(n):
            carer = CarerFactory(user=UserFactory(), locality=x.locality)
            _invited(x, carer)

    add(2)
    commissioner.get(reverse("commissioning:partners"))  # warm: the session, the menu
    with django_assert_num_queries(5):
        commissioner.get(reverse("commissioning:partners"))
    add(8)
    with django_assert_num_queries(5):
        assert commissioner.get(reverse("commissioning:partners")).content.decode().count("Invited</strong>") == 10


def test_current_partners_are_the_agreed_ones_not_ended(x, y, carer_a, carer_b_in_x, carer_b):
    agreed = _agreed(x, carer_a)
    _invited(x, carer_b_in_x)
    assert _invited(x, carer_b) is None  # carer B lives in Y: not a carer of X, so not invited at all
    assert list(partners.current_partners(x.partnership.pk)) == [agreed]


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")


def _race(monkeypatch, x, keys):
    held = threading.Barrier(len(keys), timeout=30)
    passed = []
    monkeypatch.setattr(partners, "_after_checks", lambda: (passed.append(1), held.wait()))
    outcomes, guard = [], threading.Lock()

    def send(key):
        try:
            partner = partners.carer_partner_invite(
                partnership_id=x.partnership.pk, email="carer.a@example.org", by=x.commissioner, submission_key=key
            )
            outcome = partner.pk
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, passed


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("keys", [["one", "one"], ["tab-1", "tab-2"]])
def test_two_invitations_at_the_same_moment_make_one_partner_and_one_email(monkeypatch, x, carer_a, keys):
    outcomes, passed = _race(monkeypatch, x, keys)
    assert len(passed) == 2  # both got past every check in Python
    assert CarerPartner.objects.count() == 1
    assert outcomes == [CarerPartner.objects.get().pk] * 2
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="breakthrough.carer_partner.invited").count() == 1
