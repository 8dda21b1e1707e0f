"""Feedback after a break: asking once, answering once, versions that never alter old answers."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from brokerage.bookings.services import booking_record_attendance
from brokerage.feedback.services import feedback_submit
from brokerage.models import FeedbackAnswer, FeedbackResponse, NeedsLevel, Respondent
from tests.brokerage.feedback.helpers import QUESTIONS, answer, attended_booking, publish_questions
from tests.factories import CaredForPersonFactory, cares_for

pytestmark = pytest.mark.django_db

ALL_AGREE = {"time_for_myself": 4, "less_isolated": 4, "knew_safe": 5, "use_again": 5}


@pytest.fixture
def questions(x):
    return publish_questions(x.partnership, x.broker)


def test_marking_a_break_attended_asks_the_carer_once_by_email(
    questions, carer_a, provider_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = attended_booking(carer_a, provider_user)
    assert booking.feedback_asked_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carer.a@example.org"]
    assert "how was your break" in mail.outbox[0].subject
    assert f"/carer/breaks/{booking.pk}/feedback/" in mail.outbox[0].body
    # the provider corrects attendance twice: the carer is not asked again
    with django_capture_on_commit_callbacks(execute=True):
        booking_record_attendance(booking=booking, by=provider_user, attended=False)
        booking_record_attendance(booking=booking, by=provider_user, attended=True)
    assert len(mail.outbox) == 1


def test_without_questions_nobody_is_asked(carer_a, provider_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = attended_booking(carer_a, provider_user)
    assert booking.feedback_asked_at is None
    assert mail.outbox == []


def test_the_carer_answers_and_the_response_records_its_version_place_and_need(questions, carer_a, provider_user):
    carer_a.person.needs_level = NeedsLevel.HIGH
    carer_a.person.save()
    booking = attended_booking(carer_a, provider_user)
    response = answer(booking, carer_a.user, ALL_AGREE, comment="  A real rest.  ", share_comment=True)
    assert response.version == questions
    assert (response.respondent, response.partnership_id, response.locality_id) == (
        Respondent.CARER,
        carer_a.partnership_id,
        carer_a.locality_id,
    )
    assert response.needs_level == NeedsLevel.HIGH
    assert response.comment == "A real rest."
    assert dict(response.answers.values_list("question__code", "score")) == ALL_AGREE


def test_the_highest_need_on_the_booking_is_recorded_with_the_carers_answer(questions, carer_a, provider_user):
    carer_a.person.needs_level = NeedsLevel.LOW
    carer_a.person.save()
    brother = cares_for(carer_a, CaredForPersonFactory(needs_level=NeedsLevel.COMPLEX), relationship="Son")
    booking = attended_booking(carer_a, provider_user)
    booking.cared_for.add(brother)
    assert answer(booking, carer_a.user, ALL_AGREE).needs_level == NeedsLevel.COMPLEX


def test_a_missing_or_odd_score_gets_a_message_by_its_question(questions, carer_a, provider_user):
    booking = attended_booking(carer_a, provider_user)
    with pytest.raises(ValidationError) as caught:
        feedback_submit(booking=booking, by=carer_a.user, scores={**ALL_AGREE, "knew_safe": 9, "use_again": None})
    assert set(caught.value.message_dict) == {"q_knew_safe", "q_use_again"}
    assert "I know they were safe" in caught.value.message_dict["q_knew_safe"][0]
    assert not FeedbackResponse.objects.exists()


def test_the_same_form_sent_twice_records_once(questions, carer_a, provider_user):
    booking = attended_booking(carer_a, provider_user)
    first, created = feedback_submit(booking=booking, by=carer_a.user, scores=ALL_AGREE, submission_key="k1")
    again, created_again = feedback_submit(booking=booking, by=carer_a.user, scores=ALL_AGREE, submission_key="k1")
    assert (created, created_again) == (True, False)
    assert again == first
    assert FeedbackResponse.objects.count() == 1
    assert FeedbackAnswer.objects.count() == 4


def test_a_second_form_for_the_same_person_is_refused(questions, carer_a, provider_user):
    booking = attended_booking(carer_a, provider_user)
    feedback_submit(booking=booking, by=carer_a.user, scores=ALL_AGREE, submission_key="tab-1")
    with pytest.raises(ValidationError, match="already told us"):
        feedback_submit(booking=booking, by=carer_a.user, scores=ALL_AGREE, submission_key="tab-2")
    assert FeedbackResponse.objects.count() == 1


def test_the_database_allows_one_carer_response_per_booking(questions, carer_a, provider_user):
    booking = attended_booking(carer_a, provider_user)
    first = answer(booking, carer_a.user, ALL_AGREE)
    with pytest.raises(IntegrityError):
        FeedbackResponse.objects.create(
            booking=booking,
            version=first.version,
            respondent=Respondent.CARER,
            partnership_id=first.partnership_id,
            submitted_by=carer_a.user,
        )


def test_the_cared_for_person_answers_too_saying_who_helped(questions, carer_a, provider_user):
    booking = attended_booking(carer_a, provider_user)
    with pytest.raises(ValidationError) as caught:
        feedback_submit(
            booking=booking, by=carer_a.user, scores={"enjoyed": 5, "felt_safe": 4}, cared_for=carer_a.person
        )
    assert "helped_by" in caught.value.message_dict
    response = answer(
        booking, carer_a.user, {"enjoyed": 5, "felt_safe": 4}, cared_for=carer_a.person, helped_by="Their mum"
    )
    assert (response.respondent, response.cared_for, response.helped_by) == (
        Respondent.CARED_FOR,
        carer_a.person,
        "Their mum",
    )
    # the carer's own answer is a second response, not a replacement
    answer(booking, carer_a.user, ALL_AGREE)
    assert FeedbackResponse.objects.filter(booking=booking).count() == 2


def test_only_people_on_the_break_can_be_answered_for(questions, carer_a, carer_b_in_x, provider_user):
    booking = attended_booking(carer_a, provider_user)
    with pytest.raises(ValidationError, match="not on this break"):
        feedback_submit(
            booking=booking,
            by=carer_a.user,
            scores={"enjoyed": 5, "felt_safe": 4},
            cared_for=carer_b_in_x.person,
            helped_by="Me",
        )


def test_hub_staff_of_the_partnership_may_answer_for_the_carer_and_others_may_not(
    questions, x, y, carer_a, carer_b_in_x, provider_user
):
    booking = attended_booking(carer_a, provider_user)
    for stranger in (carer_b_in_x.user, y.broker, x.commissioner, provider_user):
        with pytest.raises(ValidationError, match="cannot give feedback"):
            feedback_submit(booking=booking, by=stranger, scores=ALL_AGREE)
    response = answer(booking, x.broker, ALL_AGREE)
    assert response.submitted_by == x.broker


def test_a_new_version_does_not_alter_old_answers(questions, x, carer_a, provider_user):
    old_booking = attended_booking(carer_a, provider_user)
    old = answer(old_booking, carer_a.user, ALL_AGREE)
    reworded = [("time_for_myself", Respondent.CARER, "I had some time that was mine"), *QUESTIONS[1:]]
    second = publish_questions(x.partnership, x.broker, reworded + [("sleep", Respondent.CARER, "I slept well")])
    assert second.number == 2
    new = answer(attended_booking(carer_a, provider_user), carer_a.user, {**ALL_AGREE, "sleep": 3})
    assert new.version == second
    old.refresh_from_db()
    assert old.version == questions
    assert old.answers.count() == 4
    assert old.answers.get(question__code="time_for_myself").question.text == "I had time for myself"


def test_a_booking_not_attended_cannot_be_answered(questions, carer_a, provider_user):
    booking = attended_booking(carer_a, provider_user)
    booking_record_attendance(booking=booking, by=provider_user, attended=False)
    booking.refresh_from_db()
    with pytest.raises(ValidationError, match="recorded that the break happened"):
        feedback_submit(booking=booking, by=carer_a.user, scores=ALL_AGREE)
