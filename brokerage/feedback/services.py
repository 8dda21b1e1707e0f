"""Writes for feedback: a partnership's question versions, asking the carer after a break, and the answers.

Twice is once: the form carries a submission key (breakthrough/submissions.py), so the same form sent twice
records once; two different sends for the same person and booking (two tabs) are refused by the database's
unique constraint (one response per booking per person) and answered "already told us".
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.models import Role
from breakthrough.submissions import create_once, earlier_submission
from breakthrough.tasks import send_email
from brokerage.models import (
    Booking,
    CaredForPerson,
    FeedbackAnswer,
    FeedbackQuestion,
    FeedbackQuestionSet,
    FeedbackResponse,
    FeedbackVersion,
    Respondent,
    WaitingListEntry,
)

ALREADY_ANSWERED = "You have already told us about this break. Thank you."


def _after_checks() -> None:
    """A no-op between the checks and the insert: tests/brokerage/feedback/test_concurrency.py holds two sends
    here so that both have passed every check in Python before either writes (only the database decides)."""


def _need_rank(level: str) -> int:
    return WaitingListEntry.NEED_RANK.get(level or "", 0)


@transaction.atomic
def feedback_version_publish(*, partnership, questions: list[tuple[str, str, str]], by) -> FeedbackVersion:
    """A new published version of the partnership's questions: (code, asked_of, text) each. Earlier versions and
    the answers given to them stay as they were."""
    carer_codes = [code for code, asked_of, _ in questions if asked_of == Respondent.CARER]
    if not carer_codes:
        raise ValidationError("Ask the carer at least one question.")
    seen = set()
    for code, asked_of, text in questions:
        if asked_of not in Respondent.values or not code or not text.strip():
            raise ValidationError(f"Each question needs a code, who it is asked of and its words ({code!r}).")
        if (asked_of, code) in seen:
            raise ValidationError(f"The code {code!r} is used twice.")
        seen.add((asked_of, code))
    question_set, _ = FeedbackQuestionSet.objects.get_or_create(partnership=partnership)
    question_set = FeedbackQuestionSet.objects.select_for_update().get(pk=question_set.pk)
    number = (question_set.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FeedbackVersion.objects.create(
        question_set=question_set, number=number, published_at=timezone.now(), published_by=by
    )
    positions = {Respondent.CARER: 0, Respondent.CARED_FOR: 0}
    rows = []
    for code, asked_of, text in questions:
        positions[asked_of] += 1
        rows.append(
            FeedbackQuestion(version=version, position=positions[asked_of], code=code, asked_of=asked_of, text=text)
        )
    FeedbackQuestion.objects.bulk_create(rows)
    log_action(version, "brokerage.feedback.version_published", user=by, data={"number": number})
    return version


@transaction.atomic
def feedback_draft_new(*, partnership, by) -> FeedbackVersion:
    """A draft version for the admin to edit, starting from the newest version's questions (or none)."""
    question_set, _ = FeedbackQuestionSet.objects.get_or_create(partnership=partnership)
    question_set = FeedbackQuestionSet.objects.select_for_update().get(pk=question_set.pk)
    newest = question_set.versions.order_by("-number").first()
    draft = FeedbackVersion.objects.create(question_set=question_set, number=(newest.number if newest else 0) + 1)
    if newest is not None:
        FeedbackQuestion.objects.bulk_create(
            FeedbackQuestion(version=draft, position=q.position, code=q.code, asked_of=q.asked_of, text=q.text)
            for q in newest.questions.all()
        )
    log_action(draft, "brokerage.feedback.version_drafted", user=by, data={"number": draft.number})
    return draft


@transaction.atomic
def feedback_draft_publish(*, version: FeedbackVersion, by) -> FeedbackVersion:
    """Publish a draft: from now on carers are asked its questions. A published version never changes."""
    version = FeedbackVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError("This version is already published: make a new draft to change the questions.")
    if not version.questions.filter(asked_of=Respondent.CARER).exists():
        raise ValidationError("Ask the carer at least one question.")
    version.published_at, version.published_by = timezone.now(), by
    version.save(update_fields=["published_at", "published_by"])
    log_action(version, "brokerage.feedback.version_published", user=by, data={"number": version.number})
    return version


def current_version(partnership_id) -> FeedbackVersion | None:
    """The partnership's newest published version: what a carer is asked now."""
    if partnership_id is None:
        return None
    return (
        FeedbackVersion.objects.published()
        .filter(question_set__partnership_id=partnership_id)
        .order_by("-number")
        .first()
    )


def feedback_ask(*, booking: Booking) -> bool:
    """After a break is marked attended: ask the carer once (an e-mail with a link; the home page shows the
    task). Corrections of attendance never ask twice. False when nothing was asked."""
    if booking.state != Booking.State.ATTENDED or current_version(booking.carer.partnership_id) is None:
        return False
    now = timezone.now()
    if not Booking.objects.filter(pk=booking.pk, feedback_asked_at__isnull=True).update(feedback_asked_at=now):
        return False
    booking.feedback_asked_at = now
    carer = booking.carer
    if carer.user_id is not None and carer.user.email:
        url = settings.SITE_URL.rstrip("/") + reverse("brokerage:feedback:give", kwargs={"pk": booking.pk})
        send_email.delay_on_commit(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}how was your break? {booking.offer.title}",
            body=render_to_string(
                "brokerage/email/feedback_asked.txt",
                {
                    "carer": carer,
                    "booking": booking,
                    "url": url,
                    "threshold": settings.SUPPRESSION_THRESHOLD,
                },
            ),
            to=[carer.user.email],
        )
    return True


def _may_answer(by, booking: Booking) -> bool:
    if by.role == Role.CARER:
        return booking.carer.user_id == by.pk
    if by.role in (Role.BROKER, Role.ASSESSOR):
        return by.partnership_id is not None and by.partnership_id == booking.carer.partnership_id
    return False


@transaction.atomic
def feedback_submit(
    *,
    booking: Booking,
    by,
    scores: dict[str, int | None],
    comment: str = "",
    share_comment: bool = False,
    cared_for: CaredForPerson | None = None,
    helped_by: str = "",
    submission_key: str | None = None,
) -> tuple[FeedbackResponse, bool]:
    """Record one person's answers about an attended break: (response, True), or the response the same form
    already recorded (response, False). `scores` maps each question's code to 1-5."""
    if not _may_answer(by, booking):
        raise ValidationError("You cannot give feedback on this break.")
    earlier = earlier_submission(FeedbackResponse, submission_key, booking=booking)
    if earlier is not None:
        return earlier, False
    if booking.state != Booking.State.ATTENDED:
        raise ValidationError("Feedback can be given once the provider has recorded that the break happened.")
    version = current_version(booking.carer.partnership_id)
    if version is None:
        raise ValidationError("There are no feedback questions for this break yet.")
    respondent = Respondent.CARED_FOR if cared_for is not None else Respondent.CARER
    people = list(booking.cared_for.all())
    errors = {}
    if cared_for is not None:
        if cared_for not in people:
            raise ValidationError("They were not on this break.")
        helped_by = helped_by.strip()
        if not helped_by:
            errors["helped_by"] = "Say who helped them answer"
        needs_level = cared_for.needs_level
    else:
        helped_by = ""
        needs_level = max((p.needs_level for p in people), key=_need_rank, default="")
    questions = list(version.questions.filter(asked_of=respondent))
    for question in questions:
        if scores.get(question.code) not in (1, 2, 3, 4, 5):
            errors[f"q_{question.code}"] = f"Choose how much you agree: {question.text}"
    if errors:
        raise ValidationError(errors)
    if FeedbackResponse.objects.filter(booking=booking, respondent=respondent, cared_for=cared_for).exists():
        raise ValidationError(ALREADY_ANSWERED)
    _after_checks()
    try:
        response, created = create_once(
            FeedbackResponse,
            key=submission_key,
            owner={"booking": booking},
            version=version,
            respondent=respondent,
            cared_for=cared_for,
            helped_by=helped_by,
            comment=comment.strip(),
            share_comment=share_comment and bool(comment.strip()),
            partnership_id=booking.carer.partnership_id,
            locality_id=booking.carer.locality_id,
            needs_level=needs_level,
            submitted_by=by,
        )
    except IntegrityError:
        # Another send for the same person, with another key, recorded first (one per booking per person).
        raise ValidationError(ALREADY_ANSWERED) from None
    if created:
        FeedbackAnswer.objects.bulk_create(
            FeedbackAnswer(response=response, question=question, score=scores[question.code]) for question in questions
        )
        log_action(
            response,
            "brokerage.feedback.given",
            user=by,
            data={"booking": booking.pk, "respondent": respondent, "version": version.number},
        )
    return response, created
