"""Referral services: intake, the allowed moves between states, reasons, workers of the same hub, case
notes, the criteria's history, the audit trail and the e-mails to the carer."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from breakthrough.models import AuditEvent, Role
from brokerage.models import CaseNote, EligibilityCriteria, NeedsLevel, Referral, Urgency
from brokerage.referrals import services
from tests.brokerage.referrals.factories import EligibilityCriteriaFactory, ReferralFactory
from tests.factories import CarerFactory, cares_for, staff

pytestmark = pytest.mark.django_db

State = Referral.State


def actions(obj) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(obj.pk)).order_by("at", "pk").values_list("action", flat=True))


def intake(**overrides) -> dict:
    return {
        "needs_level": NeedsLevel.HIGH,
        "happening_now": "My son has stopped sleeping and I am exhausted.",
        "urgency": Urgency.SOON,
        "crisis": False,
        **overrides,
    }


# --- intake --------------------------------------------------------------------------------------


def test_a_carer_refers_themself_and_the_criteria_shown_are_kept(carer_a, criteria_x):
    referral = services.referral_create(carer=carer_a, cared_for=[carer_a.person], by=carer_a.user, **intake())
    assert referral.state == State.NEW
    assert referral.source == Referral.Source.SELF
    assert referral.partnership_id == carer_a.partnership_id
    assert referral.criteria == criteria_x
    assert list(referral.cared_for.all()) == [carer_a.person]
    assert actions(referral) == ["brokerage.referral.created"]


def test_staff_record_a_professionals_referral_who_must_be_named(x, carer_a):
    with pytest.raises(ValidationError) as error:
        services.referral_create(carer=carer_a, cared_for=[carer_a.person], by=x.broker, **intake())
    assert error.value.message_dict == {
        "referrer_name": ["Enter the name of the person making the referral"],
        "referrer_role": ["Enter their role and organisation"],
    }
    referral = services.referral_create(
        carer=carer_a,
        cared_for=[carer_a.person],
        by=x.assessor,
        referrer_name="Dr Ann Bell",
        referrer_role="GP, Glen Surgery",
        referrer_contact="01632 960 000",
        **intake(crisis=True),
    )
    assert referral.source == Referral.Source.PROFESSIONAL
    assert (referral.referrer_name, referral.submitted_by) == ("Dr Ann Bell", x.assessor)
    assert referral.criteria is None  # partnership X wrote none down


def test_nobody_refers_a_household_they_do_not_act_for(y, carer_a, carer_b):
    with pytest.raises(ValidationError):
        services.referral_create(carer=carer_a, cared_for=[carer_a.person], by=carer_b.user, **intake())
    with pytest.raises(ValidationError):
        services.referral_create(
            carer=carer_a, cared_for=[carer_a.person], by=y.broker, referrer_name="A", referrer_role="B", **intake()
        )
    assert not Referral.objects.exists()


def test_the_people_must_be_from_the_carers_household(carer_a, carer_b):
    with pytest.raises(ValidationError) as error:
        services.referral_create(carer=carer_a, cared_for=[carer_b.person], by=carer_a.user, **intake())
    assert "cared_for" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.referral_create(carer=carer_a, cared_for=[], by=carer_a.user, **intake())
    assert "cared_for" in error.value.message_dict


def test_a_carer_with_no_partnership_is_asked_where_they_live(db):
    carer = CarerFactory(locality=None, partnership=None)
    person = cares_for(carer)
    with pytest.raises(ValidationError, match="where you live"):
        services.referral_create(carer=carer, cared_for=[person], by=carer.user, **intake())


def test_one_open_referral_per_household_checked_and_enforced_by_the_database(x, carer_a, referral):
    with pytest.raises(ValidationError, match="already an open referral"):
        services.referral_create(carer=carer_a, cared_for=[carer_a.person], by=carer_a.user, **intake())
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory(carer=carer_a)
    services.referral_close(referral=referral, reason="Moved away.", by=x.broker)
    again = services.referral_create(carer=carer_a, cared_for=[carer_a.person], by=carer_a.user, **intake())
    assert again.state == State.NEW


def test_too_long_a_story_is_refused_with_a_field_message(carer_a):
    with pytest.raises(ValidationError) as error:
        services.referral_create(
            carer=carer_a, cared_for=[carer_a.person], by=carer_a.user, **intake(happening_now="x" * 2001)
        )
    assert "happening_now" in error.value.message_dict


# --- moving between states -----------------------------------------------------------------------


def test_new_to_triage_to_assigned_to_closed_is_logged_at_each_step(x, referral, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_triage(referral=referral, by=x.broker)
        services.referral_assign(referral=referral, worker=x.assessor, by=x.broker)
        referral = services.referral_close(referral=referral, reason="They have a break booked now.", by=x.assessor)
    assert referral.state == State.CLOSED
    assert referral.ended_by == x.assessor
    assert actions(referral) == [  # the fixture was made by a factory, so there is no "created"
        "brokerage.referral.triaged",
        "brokerage.referral.assigned",
        "brokerage.referral.closed",
    ]
    assigned = AuditEvent.objects.get(action="brokerage.referral.assigned")
    assert assigned.data == {"worker_id": x.assessor.pk, "previous_worker_id": None}
    assert assigned.actor == x.broker


@pytest.mark.parametrize("ended", [State.CLOSED, State.REDIRECTED], ids=["closed", "redirected"])
def test_an_ended_referral_cannot_move_again(x, referral, ended):
    if ended == State.CLOSED:
        services.referral_close(referral=referral, reason="No longer caring.", by=x.broker)
    else:
        services.referral_redirect(
            referral=referral, redirected_to="Carers Centre", reason="Better placed.", by=x.broker
        )
    for attempt in (
        lambda: services.referral_triage(referral=referral, by=x.broker),
        lambda: services.referral_assign(referral=referral, worker=x.assessor, by=x.broker),
        lambda: services.referral_close(referral=referral, reason="Again.", by=x.broker),
        lambda: services.referral_redirect(referral=referral, redirected_to="Other", reason="Again.", by=x.broker),
    ):
        with pytest.raises(ValidationError):
            attempt()
    referral.refresh_from_db()
    assert referral.state == ended


def test_only_a_new_referral_moves_to_triage(x, referral):
    services.referral_assign(referral=referral, worker=x.broker, by=x.broker)
    with pytest.raises(ValidationError, match="Only a new referral"):
        services.referral_triage(referral=referral, by=x.broker)


def test_closing_and_redirecting_need_reasons(x, referral):
    with pytest.raises(ValidationError) as error:
        services.referral_close(referral=referral, reason="  ", by=x.broker)
    assert error.value.message_dict == {"reason": ["Say why the referral is being closed"]}
    with pytest.raises(ValidationError) as error:
        services.referral_redirect(referral=referral, redirected_to="", reason="", by=x.broker)
    assert set(error.value.message_dict) == {"reason", "redirected_to"}
    referral.refresh_from_db()
    assert referral.state == State.NEW
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a closed one without a reason
        Referral.objects.filter(pk=referral.pk).update(state=State.CLOSED, ended_at=timezone.now())


def test_a_redirect_names_the_service(x, referral):
    referral = services.referral_redirect(
        referral=referral, redirected_to="Glen Carers Centre", reason="They run a sitter service.", by=x.broker
    )
    assert (referral.state, referral.redirected_to) == (State.REDIRECTED, "Glen Carers Centre")
    event = AuditEvent.objects.get(action="brokerage.referral.redirected")
    assert event.data == {"redirected_to": "Glen Carers Centre"}


def test_only_staff_of_the_referrals_hub_change_it(y, carer_a, referral, provider_user):
    for outsider in (y.broker, y.assessor, carer_a.user, provider_user):
        with pytest.raises(ValidationError):
            services.referral_triage(referral=referral, by=outsider)
        with pytest.raises(ValidationError):
            services.referral_close(referral=referral, reason="Not mine.", by=outsider)
    referral.refresh_from_db()
    assert referral.state == State.NEW


# --- workers -------------------------------------------------------------------------------------


def test_the_worker_is_a_broker_or_assessor_of_the_same_partnership(x, y, referral, provider_user):
    for wrong in (y.broker, y.assessor, x.commissioner, provider_user, referral.carer.user):
        with pytest.raises(ValidationError) as error:
            services.referral_assign(referral=referral, worker=wrong, by=x.broker)
        assert "worker" in error.value.message_dict
    gone = staff(Role.ASSESSOR, x.hub, is_active=False)
    with pytest.raises(ValidationError):
        services.referral_assign(referral=referral, worker=gone, by=x.broker)
    referral.refresh_from_db()
    assert (referral.state, referral.worker) == (State.NEW, None)


def test_a_referral_can_be_reassigned_but_not_to_the_same_worker(x, referral):
    services.referral_assign(referral=referral, worker=x.broker, by=x.broker)
    with pytest.raises(ValidationError, match="already the worker"):
        services.referral_assign(referral=referral, worker=x.broker, by=x.broker)
    referral = services.referral_assign(referral=referral, worker=x.assessor, by=x.broker)
    assert referral.worker == x.assessor
    last = AuditEvent.objects.filter(action="brokerage.referral.assigned").order_by("-pk").first()
    assert last.data == {"worker_id": x.assessor.pk, "previous_worker_id": x.broker.pk}


# --- e-mail --------------------------------------------------------------------------------------


def test_the_carer_is_emailed_when_assigned_closed_or_redirected(
    x, carer_a, referral, django_capture_on_commit_callbacks
):
    x.assessor.first_name = "Fiona"
    x.assessor.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_triage(referral=referral, by=x.broker)
    assert mail.outbox == []  # triage is the hub's own business
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_assign(referral=referral, worker=x.assessor, by=x.broker)
    assigned = mail.outbox[-1]
    assert assigned.to == ["carer.a@example.org"]
    assert assigned.subject == "Breakthrough: your Short Break Hub worker"
    assert "Fiona from the Short Break Hub is now your worker" in assigned.body
    assert f"/carer/referrals/{referral.pk}/" in assigned.body
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_close(referral=referral, reason="You told us things are better now.", by=x.assessor)
    assert "closed" in mail.outbox[-1].subject
    assert "You told us things are better now." in mail.outbox[-1].body

    again = services.referral_create(carer=carer_a, cared_for=[carer_a.person], by=carer_a.user, **intake())
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_redirect(referral=again, redirected_to="Glen Carers Centre", reason="Sitters.", by=x.broker)
    assert "Glen Carers Centre" in mail.outbox[-1].body
    assert len(mail.outbox) == 3


def test_no_email_for_a_carer_without_an_account(x, django_capture_on_commit_callbacks):
    carer = CarerFactory(user=None, locality=x.locality)
    cares_for(carer)
    referral = ReferralFactory(
        carer=carer, source=Referral.Source.PROFESSIONAL, referrer_name="GP", submitted_by=x.broker
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_assign(referral=referral, worker=x.broker, by=x.broker)
    assert mail.outbox == []


def test_a_refused_change_sends_nothing(x, y, referral, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.referral_assign(referral=referral, worker=y.broker, by=x.broker)
    assert mail.outbox == []


# --- case notes ----------------------------------------------------------------------------------


def test_case_notes_are_recorded_with_who_and_when(x, referral):
    note = services.case_note_add(
        referral=referral,
        contacted_on=timezone.localdate(),
        kind=CaseNote.Kind.VISIT,
        text=" Home visit. ",
        by=x.broker,
    )
    assert (note.text, note.recorded_by, note.kind) == ("Home visit.", x.broker, "visit")
    event = AuditEvent.objects.get(action="brokerage.referral.case_note_added")
    assert event.data == {"case_note_id": note.pk, "kind": "visit"}
    assert event.partnership_id == x.partnership.pk


def test_a_case_note_needs_a_past_date_and_text_and_the_referrals_hub(x, y, referral):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.case_note_add(referral=referral, contacted_on=tomorrow, kind="phone", text="", by=x.broker)
    assert set(error.value.message_dict) == {"contacted_on", "text"}
    with pytest.raises(ValidationError):
        services.case_note_add(
            referral=referral, contacted_on=timezone.localdate(), kind="phone", text="Hi", by=y.broker
        )
    with pytest.raises(ValidationError) as error:
        services.case_note_add(referral=referral, contacted_on=timezone.localdate(), kind="fax", text="Hi", by=x.broker)
    assert "kind" in error.value.message_dict
    assert not CaseNote.objects.exists()


# --- eligibility criteria ------------------------------------------------------------------------


def test_each_edit_of_the_criteria_is_a_new_row_and_the_newest_applies(x, y, admin_user):
    first = services.criteria_record(partnership=x.partnership, text="Version one.", by=x.broker)
    second = services.criteria_record(partnership=x.partnership, text="Version two.", by=admin_user)
    assert services.criteria_current(partnership_id=x.partnership.pk) == second
    assert list(EligibilityCriteria.objects.filter(partnership=x.partnership)) == [second, first]
    assert services.criteria_current(partnership_id=y.partnership.pk) is None
    with pytest.raises(ValidationError) as error:
        services.criteria_record(partnership=x.partnership, text="Version two.", by=x.broker)
    assert "text" in error.value.message_dict


def test_only_the_partnerships_brokers_and_admins_change_the_criteria(x, y):
    EligibilityCriteriaFactory(partnership=x.partnership, text="Original.")
    for user in (x.assessor, y.broker, x.commissioner):
        with pytest.raises(ValidationError):
            services.criteria_record(partnership=x.partnership, text="Changed.", by=user)
    assert services.criteria_current(partnership_id=x.partnership.pk).text == "Original."
