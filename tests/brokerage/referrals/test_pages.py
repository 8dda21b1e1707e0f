"""Referral pages: the carer's self-referral and what they see after; staff recording, triaging, assigning,
case notes, closing and redirecting; the criteria page; bad input on every form; other partnerships' 404s."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.models import Carer, CaseNote, EligibilityCriteria, Referral
from tests.brokerage.referrals.factories import CaseNoteFactory, ReferralFactory
from tests.factories import CarerFactory, UserFactory

pytestmark = pytest.mark.django_db

State = Referral.State


def url(name, **kwargs):
    return reverse(f"brokerage:referrals:{name}", kwargs=kwargs)


def good_intake(person, **extra) -> dict:
    return {
        "cared_for": [str(person.pk)],
        "needs_level": "complex",
        "happening_now": "I have not slept properly for a month.",
        "urgency": "urgent",
        "crisis": "yes",
        **extra,
    }


def date_fields(name: str, day: datetime.date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def assert_error_page(response, *messages):
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "There is a problem" in html
    for message in messages:
        assert message in html, message


# --- the carer -----------------------------------------------------------------------------------


def test_a_carer_reads_the_criteria_and_refers_themself(client_for, carer_a, criteria_x):
    client = client_for(carer_a.user)
    page = client.get(url("refer")).content.decode()
    assert "Carers in X caring 20 hours a week or more." in page
    assert carer_a.person.full_name in page
    response = client.post(url("refer"), good_intake(carer_a.person), follow=True)
    referral = Referral.objects.get()
    assert response.redirect_chain[-1][0] == url("your_referral", pk=referral.pk)
    html = response.content.decode()
    assert "Your referral has been sent to the Short Break Hub." in html
    assert "Received" in html
    assert "You told us you are at crisis point, so the hub will contact you first." in html
    assert (referral.crisis, referral.needs_level, referral.urgency) == (True, "complex", "urgent")
    assert referral.criteria == criteria_x
    home = client.get(reverse("brokerage:carer_home")).content.decode()
    assert "Help from the Short Break Hub" in home
    assert f'href="{url("your_referral", pk=referral.pk)}"' in home
    assert "Ask the hub for help" not in home  # one open referral at a time


def test_the_intake_form_says_what_is_wrong_and_keeps_what_was_entered(client_for, carer_a):
    client = client_for(carer_a.user)
    assert_error_page(
        client.post(url("refer"), {}),
        "Select who you care for",
        "Select how much support they need",
        "Tell us what is happening now",
        "Select how soon you need help",
        "Select yes if you are at crisis point",
    )
    response = client.post(url("refer"), {"happening_now": "Kept text", "urgency": "soon"})
    assert_error_page(response, "Select who you care for")
    html = response.content.decode()
    assert "Kept text" in html
    assert re.search(r'value="soon"\s+checked', html)
    assert_error_page(
        client.post(url("refer"), good_intake(carer_a.person, happening_now="x" * 2001)),
        "What is happening now must be 2,000 characters or fewer",
    )
    assert_error_page(client.post(url("refer"), good_intake(carer_a.person, urgency="tomorrow")), "Select how soon")
    assert not Referral.objects.exists()


def test_a_carer_cannot_refer_someone_from_another_household(client_for, carer_a, carer_b):
    response = client_for(carer_a.user).post(url("refer"), good_intake(carer_b.person))
    assert_error_page(response, "Select who you care for")
    assert not Referral.objects.exists()


def test_a_carer_with_an_open_referral_is_shown_it_instead(client_for, carer_a, referral):
    response = client_for(carer_a.user).get(url("refer"))
    assert response.status_code == 302
    assert response.url == url("your_referral", pk=referral.pk)


def test_a_carer_who_has_not_said_where_they_live_is_told_what_to_do_first(client_for, db):
    carer = CarerFactory(user=UserFactory(), locality=None, partnership=None)
    html = client_for(carer.user).get(url("refer")).content.decode()
    assert "Before you ask the hub for help" in html
    assert reverse("brokerage:about_you_step", kwargs={"step": "where-you-live"}) in html
    assert reverse("brokerage:person_add") in html


def test_a_carer_sees_their_worker_and_what_happens_next_but_not_the_case_notes(client_for, x, carer_a, referral):
    x.assessor.first_name, x.assessor.last_name = "Fiona", "Mackay"
    x.assessor.save()
    referral.state, referral.worker = State.ASSIGNED, x.assessor
    referral.save()
    CaseNoteFactory(referral=referral, recorded_by=x.assessor, text="Private hub note about the family.")
    client = client_for(carer_a.user)
    for page in (reverse("brokerage:carer_home"), url("your_referral", pk=referral.pk), url("your_referrals")):
        html = client.get(page).content.decode()
        assert "You have a worker" in html, page
        assert "Private hub note" not in html
    html = client.get(url("your_referral", pk=referral.pk)).content.decode()
    assert "Fiona will contact you" in html
    assert "Mackay" not in html  # first name only
    assert referral.submitted_at.strftime("%-d %B %Y") in html


def test_a_carer_sees_why_a_referral_ended_and_can_ask_again(client_for, x, carer_a, referral):
    Referral.objects.filter(pk=referral.pk).update(
        state=State.REDIRECTED, ended_at=timezone.now(), end_reason="They run sitters.", redirected_to="Glen Carers"
    )
    client = client_for(carer_a.user)
    html = client.get(url("your_referral", pk=referral.pk)).content.decode()
    assert "Passed to another service" in html
    assert "Glen Carers" in html
    assert "They run sitters." in html
    assert url("refer") in client.get(reverse("brokerage:carer_home")).content.decode()


def test_a_carer_cannot_see_another_households_referral(client_for, carer_a, carer_b_in_x):
    theirs = ReferralFactory(carer=carer_b_in_x)
    assert client_for(carer_a.user).get(url("your_referral", pk=theirs.pk)).status_code == 404
    assert theirs.carer.last_name not in client_for(carer_a.user).get(url("your_referrals")).content.decode()


# --- staff: recording a referral -----------------------------------------------------------------


def test_staff_record_a_professionals_referral_from_the_carers_record(client_for, x, carer_a, criteria_x):
    client = client_for(x.assessor)
    record = client.get(reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})).content.decode()
    assert url("record", carer_pk=carer_a.pk) in record
    page = client.get(url("record", carer_pk=carer_a.pk)).content.decode()
    assert "Carers in X caring 20 hours a week or more." in page
    assert_error_page(
        client.post(url("record", carer_pk=carer_a.pk), good_intake(carer_a.person)),
        "Enter the name of the person making the referral",
        "Enter their role and organisation",
    )
    data = good_intake(carer_a.person, referrer_name="Dr Ann Bell", referrer_role="GP", crisis="no")
    response = client.post(url("record", carer_pk=carer_a.pk), data)
    referral = Referral.objects.get()
    assert response.url == url("detail", pk=referral.pk)
    assert (referral.source, referral.referrer_name, referral.crisis) == ("professional", "Dr Ann Bell", False)
    # Now open, the record offers no second referral, and the page sends staff to the open one
    record = client.get(reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})).content.decode()
    assert url("record", carer_pk=carer_a.pk) not in record
    assert client.get(url("record", carer_pk=carer_a.pk)).url == url("detail", pk=referral.pk)


def test_staff_record_a_carer_new_to_the_hub_then_the_referral(client_for, x, y):
    client = client_for(x.broker)
    assert_error_page(
        client.post(url("new_carer"), {}),
        "Enter their first name",
        "Enter their postcode",
        "Select the area they live in",
        "Enter the first name of the person they care for",
    )
    data = {
        "first_name": "Isla",
        "last_name": "Munro",
        "postcode": "eh11yz",
        "locality": y.locality.pk,  # another partnership's area is not offered
        "phone": "01632 960 111",
        "person_first_name": "Callum",
        "person_last_name": "Munro",
        "relationship": "Son",
    }
    response = client.post(url("new_carer"), data)
    assert_error_page(response, "Select the area they live in")
    assert 'value="Isla"' in response.content.decode()
    response = client.post(url("new_carer"), {**data, "locality": x.locality.pk})
    carer = Carer.objects.get(last_name="Munro")
    assert response.url == url("record", carer_pk=carer.pk)
    assert (carer.user, carer.postcode, carer.partnership) == (None, "EH1 1YZ", x.partnership)
    assert [r.cared_for.full_name for r in carer.relationships.all()] == ["Callum Munro"]
    assert AuditEvent.objects.filter(action="brokerage.carer.recorded_by_hub", object_id=str(carer.pk)).exists()


# --- staff: working a referral -------------------------------------------------------------------


def test_staff_triage_assign_note_and_close_a_referral(
    client_for, x, carer_a, referral, django_capture_on_commit_callbacks
):
    client = client_for(x.broker)
    detail = client.get(url("detail", pk=referral.pk)).content.decode()
    assert referral.happening_now.replace("'", "&#x27;") in detail
    assert "Start triage" in detail
    assert client.post(url("triage", pk=referral.pk)).url == url("detail", pk=referral.pk)
    referral.refresh_from_db()
    assert referral.state == State.TRIAGE

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("assign", pk=referral.pk), {"worker": x.assessor.pk})
    assert response.url == url("detail", pk=referral.pk)
    referral.refresh_from_db()
    assert (referral.state, referral.worker) == (State.ASSIGNED, x.assessor)
    assert mail.outbox[-1].to == [carer_a.user.email]

    today = timezone.localdate()
    response = client.post(
        url("note_add", pk=referral.pk),
        {**date_fields("contacted_on", today), "kind": "phone", "text": "Called Ailsa."},
    )
    assert response.url == url("detail", pk=referral.pk)
    assert CaseNote.objects.get().text == "Called Ailsa."
    assert "Called Ailsa." in client.get(url("detail", pk=referral.pk)).content.decode()
    record = client.get(reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})).content.decode()
    assert "Called Ailsa." in record
    assert "Assigned to a worker" in record

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("close", pk=referral.pk), {"reason": "A sitter is in place."})
    referral.refresh_from_db()
    assert (referral.state, referral.end_reason) == (State.CLOSED, "A sitter is in place.")
    assert "closed" in mail.outbox[-1].subject
    # Once ended, the action pages send staff back to the referral
    for name in ("assign", "close", "redirect", "triage"):
        assert client.get(url(name, pk=referral.pk)).url == url("detail", pk=referral.pk)
    assert client.post(url("close", pk=referral.pk), {"reason": "Again"}).status_code == 302
    assert Referral.objects.get().end_reason == "A sitter is in place."


def test_assigning_offers_only_the_hubs_workers_and_says_what_is_wrong(client_for, x, y, referral):
    client = client_for(x.broker)
    html = client.get(url("assign", pk=referral.pk)).content.decode()
    assert x.assessor.get_display_name() in html
    assert y.broker.get_display_name() not in html
    assert x.commissioner.get_display_name() not in html
    assert_error_page(client.post(url("assign", pk=referral.pk), {}), "Choose a worker")
    assert_error_page(
        client.post(url("assign", pk=referral.pk), {"worker": y.broker.pk}), "Choose a broker or assessor of this hub"
    )
    assert_error_page(client.post(url("assign", pk=referral.pk), {"worker": "x"}), "Choose a broker or assessor")
    referral.refresh_from_db()
    assert referral.worker is None


def test_a_case_note_form_with_bad_input_keeps_what_was_entered(client_for, x, referral):
    client = client_for(x.assessor)
    assert_error_page(
        client.post(url("note_add", pk=referral.pk), {}),
        "Enter the date of the contact",
        "Select how the contact was made",
        "Enter what was said or done",
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        url("note_add", pk=referral.pk), {**date_fields("contacted_on", tomorrow), "kind": "visit", "text": "Kept"}
    )
    assert_error_page(response, "The date of the contact must be in the past")
    assert "Kept" in response.content.decode()
    assert_error_page(
        client.post(
            url("note_add", pk=referral.pk),
            {"contacted_on_0": "31", "contacted_on_1": "2", "contacted_on_2": "2026", "kind": "visit", "text": "x"},
        ),
        "The date of the contact must be a real date",
    )
    assert_error_page(
        client.post(
            url("note_add", pk=referral.pk),
            {**date_fields("contacted_on", timezone.localdate()), "kind": "visit", "text": "x" * 2001},
        ),
        "The note must be 2,000 characters or fewer",
    )
    assert not CaseNote.objects.exists()


def test_closing_or_redirecting_without_a_reason_is_refused(client_for, x, referral):
    client = client_for(x.broker)
    assert_error_page(
        client.post(url("close", pk=referral.pk), {"reason": "  "}), "Say why the referral is being closed"
    )
    assert_error_page(
        client.post(url("redirect", pk=referral.pk), {}),
        "Enter the service the family is redirected to",
        "Say why it is redirected",
    )
    response = client.post(url("redirect", pk=referral.pk), {"redirected_to": "Glen Carers Centre"})
    assert_error_page(response, "Say why it is redirected")
    assert 'value="Glen Carers Centre"' in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == State.NEW
    client.post(url("redirect", pk=referral.pk), {"redirected_to": "Glen Carers Centre", "reason": "Sitters."})
    referral.refresh_from_db()
    assert (referral.state, referral.redirected_to) == (State.REDIRECTED, "Glen Carers Centre")


@pytest.mark.parametrize("name", ["detail", "triage", "assign", "note_add", "close", "redirect"])
def test_another_partnerships_staff_get_404_and_change_nothing(client_for, y, referral, name):
    client = client_for(y.broker)
    assert client.get(url(name, pk=referral.pk)).status_code == 404
    data = {"worker": y.broker.pk, "reason": "Mine now", "redirected_to": "Elsewhere", "kind": "phone", "text": "x"}
    assert client.post(url(name, pk=referral.pk), data).status_code == 404
    referral.refresh_from_db()
    assert (referral.state, referral.worker) == (State.NEW, None)
    assert not CaseNote.objects.exists()


def test_the_carer_record_shows_referrals_and_case_notes_of_its_own_partnership_only(
    client_for, x, y, carer_a, referral
):
    CaseNoteFactory(referral=referral, recorded_by=x.broker, text="Home visit went well.")
    html = client_for(x.assessor).get(reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})).content.decode()
    assert url("detail", pk=referral.pk) in html
    assert "Home visit went well." in html
    assert client_for(y.broker).get(reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})).status_code == 404


# --- eligibility criteria ------------------------------------------------------------------------


def test_a_broker_changes_the_criteria_and_the_history_is_kept(client_for, x, criteria_x):
    client = client_for(x.broker)
    criteria_url = url("criteria", pk=x.partnership.pk)
    assert criteria_url in client.get(url("queue")).content.decode()
    page = client.get(criteria_url).content.decode()
    assert "Carers in X caring 20 hours a week or more." in page
    assert_error_page(client.post(criteria_url, {"text": ""}), "Enter the eligibility criteria")
    assert_error_page(client.post(criteria_url, {"text": "x" * 5001}), "The criteria must be 5,000 characters or fewer")
    assert_error_page(client.post(criteria_url, {"text": criteria_x.text}), "The criteria are the same as now")
    assert client.post(criteria_url, {"text": "Carers of anyone in X."}).url == criteria_url
    html = client.get(criteria_url).content.decode()
    assert "Carers of anyone in X." in html
    assert criteria_x.text in html
    assert EligibilityCriteria.objects.filter(partnership=x.partnership).count() == 2


def test_another_partnerships_broker_cannot_change_the_criteria(client_for, x, y):
    response = client_for(y.broker).post(url("criteria", pk=x.partnership.pk), {"text": "Nobody."})
    assert response.status_code == 404
    assert not EligibilityCriteria.objects.exists()


def test_the_menu_offers_referrals_to_brokers_and_assessors_and_carers_ask_from_home(client_for, x, carer_a):
    for worker in (x.broker, x.assessor):
        response = client_for(worker).get(url("queue"))
        assert [item["label"] for item in response.context["nav_items"] if item["active"]] == ["Referrals"]
    carer = client_for(carer_a.user)
    assert f'href="{url("refer")}"' in carer.get(reverse("brokerage:carer_home")).content.decode()
    response = carer.get(url("your_referrals"))
    assert [item["label"] for item in response.context["nav_items"] if item["active"]] == ["Home"]
