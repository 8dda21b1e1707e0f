"""Builders for feedback tests and for the access table (tests/test_access.py): a partnership's questions and
attended bookings of the provider persona's offers."""

import datetime

from django.utils import timezone

from brokerage.bookings.services import booking_record_attendance
from brokerage.feedback.services import feedback_submit, feedback_version_publish
from brokerage.models import Booking, PaymentSource, Respondent
from tests.factories import OfferFactory, SessionFactory

QUESTIONS = [
    ("time_for_myself", Respondent.CARER, "I had time for myself"),
    ("less_isolated", Respondent.CARER, "I feel less isolated"),
    ("knew_safe", Respondent.CARER, "I know they were safe"),
    ("use_again", Respondent.CARER, "I'd use this break again"),
    ("enjoyed", Respondent.CARED_FOR, "I enjoyed my break"),
    ("felt_safe", Respondent.CARED_FOR, "I felt safe"),
]


def publish_questions(partnership, by, questions=QUESTIONS):
    return feedback_version_publish(partnership=partnership, questions=list(questions), by=by)


def attended_booking(carer, provider_user, *, offer=None, days_ago=1):
    """A confirmed booking of a session that started `days_ago` days ago, which the provider marks attended."""
    offer = offer or OfferFactory(provider=provider_user.organisation, locality=carer.locality)
    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(days=days_ago)
    session = SessionFactory(offer=offer, starts_at=starts, places_taken=1)
    booking = Booking.objects.create(
        carer=carer,
        offer=offer,
        session=session,
        places=1,
        payment_source=PaymentSource.FREE,
        state=Booking.State.CONFIRMED,
        requested_by=carer.user,
    )
    if hasattr(carer, "person"):
        booking.cared_for.add(carer.person)
    return booking_record_attendance(booking=booking, by=provider_user, attended=True)


def answer(booking, by, scores, **kwargs):
    response, _ = feedback_submit(booking=booking, by=by, scores=scores, **kwargs)
    return response


def access_booking_kwargs(w) -> dict:
    """An attended booking of carer A's, in a partnership with feedback questions."""
    publish_questions(w.carer_a.partnership, w.personas["broker_x"])
    return {"pk": attended_booking(w.carer_a, w.personas["provider"]).pk}


def access_person_kwargs(w) -> dict:
    kwargs = access_booking_kwargs(w)
    return {**kwargs, "person_pk": w.carer_a.person.pk}


def access_offer_kwargs(w) -> dict:
    return {"pk": OfferFactory(provider=w.personas["provider"].organisation).pk}
