"""The demo's feedback after a break: each partnership's question set (version 1), and, on a break of the provider
with a demo login, a past session whose households told the hub how it went: enough answers on the Glenmorven break
that the provider sees them (at least SUPPRESSION_THRESHOLD), too few on the Eastwick one. Morag's household went
too, and has not answered yet: her home page asks her. Found again by the question set, so a second run creates
nothing. The session is a week before the seed runs, as the directory's sessions follow the week it runs."""

from __future__ import annotations

import datetime
from collections import Counter

from django.utils import timezone

from breakthrough.models import Partnership, User
from brokerage.models import Booking, Carer, FeedbackQuestionSet, Offer, OfferKind, PaymentSource, Respondent, Session

QUESTIONS = [
    ("time_for_myself", Respondent.CARER, "I had time for myself"),
    ("less_isolated", Respondent.CARER, "I feel less isolated"),
    ("knew_safe", Respondent.CARER, "I know they were safe"),
    ("use_again", Respondent.CARER, "I'd use this break again"),
    ("enjoyed", Respondent.CARED_FOR, "I enjoyed my break"),
    ("felt_safe", Respondent.CARED_FOR, "I felt safe"),
]

# Each household's answers to the four carer questions, and words it shares with the provider (if any).
ANSWERS = {
    "glenmorven": [
        ((5, 4, 5, 5), "The staff knew my son by name by the end of the day."),
        ((4, 3, 5, 5), ""),
        ((4, 4, 4, 4), "I slept all afternoon. I had forgotten what that felt like."),
        ((2, 2, 3, 3), "The minibus was an hour late collecting."),
        ((5, 5, 5, 5), ""),
        ((3, 4, 4, 5), "More Saturdays, please."),
    ],
    "eastwick": [((4, 4, 5, 5), ""), ((5, 3, 4, 4), "")],
}
HUB_STAFF = {"glenmorven": "broker@glenmorven.example", "eastwick": "broker@eastwick.example"}
ASKED_CARERS = {"glenmorven": "carer@glenmorven.example"}  # attended, not yet answered


def _break_of_the_provider_with_a_login(partnership: Partnership) -> Offer | None:
    return (
        Offer.objects.filter(is_published=True, locality__partnership=partnership, provider__members__role="provider")
        .exclude(kind=OfferKind.PROPERTY)
        .order_by("title", "pk")
        .first()
    )


def _attended(carer: Carer, session: Session, asked_at, booked_by: User) -> Booking:
    booking = Booking.objects.create(
        carer=carer,
        offer=session.offer,
        session=session,
        places=1,
        payment_source=PaymentSource.FREE,
        state=Booking.State.ATTENDED,
        requested_by=carer.user or booked_by,
        requested_at=session.starts_at - datetime.timedelta(days=10),
        attendance_recorded_at=session.ends_at,
        feedback_asked_at=asked_at,
    )
    person = carer.relationships.order_by("pk").first()
    if person is not None:
        booking.cared_for.add(person.cared_for_id)
    return booking


def ensure_feedback(users: dict[str, User], counter: Counter) -> None:
    from brokerage.feedback.services import feedback_submit, feedback_version_publish

    for slug, answers in ANSWERS.items():
        partnership = Partnership.objects.get(slug=slug)
        if FeedbackQuestionSet.objects.filter(partnership=partnership).exists():
            continue
        staff = users[HUB_STAFF[slug]]
        feedback_version_publish(partnership=partnership, questions=QUESTIONS, by=staff)
        counter["feedback question versions"] += 1
        offer = _break_of_the_provider_with_a_login(partnership)
        if offer is None:
            continue
        starts = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(days=7)
        households = list(
            Carer.objects.filter(partnership=partnership, user__isnull=True, relationships__isnull=False)
            .distinct()
            .order_by("last_name", "first_name", "pk")[: len(answers)]
        )
        asked = Carer.objects.filter(user__email=ASKED_CARERS.get(slug, "")).first()
        session = Session.objects.create(
            offer=offer,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=5),
            places=12,
            places_taken=len(households) + (asked is not None),
        )
        counter["sessions"] += 1
        for carer, (scores, words) in zip(households, answers, strict=False):
            booking = _attended(carer, session, session.ends_at, staff)
            feedback_submit(
                booking=booking,
                by=staff,  # gathered by the hub on the phone: these households have no login
                scores=dict(zip(("time_for_myself", "less_isolated", "knew_safe", "use_again"), scores, strict=True)),
                comment=words,
                share_comment=bool(words),
            )
            counter["bookings"] += 1
            counter["feedback responses"] += 1
        if asked is not None:
            _attended(asked, session, session.ends_at, staff)
            counter["bookings"] += 1
