"""Reads for feedback, and the one source of the outcome figures.

Two kinds of outcome count, and both are read here so that the audit, the dashboards and the provider portal
count them alike:

- **feedback**: each answer a carer (or a cared-for person, with help) gave after a break, on the five-point
  scale (1 strongly disagree ... 5 strongly agree), by question code (one code is one question across versions);
- **review**: each personal outcome of a support plan at its review: met, partly met or not met.

`feedback_answers` and `review_results` return querysets with the same grouping columns (`partnership_id`,
`locality_id`, `kind`, `needs_level`, `at`), so a caller groups either with `.values(...).annotate(...)` in the
database. `outcome_summary` does that for both kinds at once. For a review, `kind` is NULL: a plan's outcome
belongs to the plan, not to one kind of break; `needs_level` is the highest needs level among the people the
carer cares for (at the time of reading), and for feedback the one recorded with the answer (services.py).
Periods are half-open: `start` <= at < `end` (dates, in the site's time zone).

These aggregates carry no names and no free text. Who may read them is the caller's check (the audit scopes
by the commissioner's partnership); `provider_offer_feedback` applies the disclosure threshold for providers.
"""

import datetime

from django.conf import settings
from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from breakthrough import disclosure
from breakthrough.access import get_visible_or_404
from breakthrough.models import Role
from brokerage.feedback.services import current_version
from brokerage.models import (
    Agreement,
    Booking,
    Carer,
    CaringRelationship,
    FeedbackAnswer,
    FeedbackQuestion,
    FeedbackResponse,
    OutcomeResult,
    PlanReviewOutcome,
    Respondent,
    WaitingListEntry,
)

# How long after a break the carer's home page keeps asking how it went.
ASK_FOR_DAYS = 60
SCALE = [(value, label) for value, label in Agreement.choices]


# ----------------------------------------------------------------------------------------------
# The carer's side: which breaks to answer about, and the booking a form is for
# ----------------------------------------------------------------------------------------------


def feedback_booking_get(*, fetched_by, pk) -> Booking:
    """An attended booking the user may answer about (its carer, or hub staff of its partnership), or 404."""
    if fetched_by.role not in (Role.CARER, Role.BROKER, Role.ASSESSOR):
        raise Http404("Not available to this account.")
    source = Booking.objects.filter(state=Booking.State.ATTENDED).select_related(
        "offer", "session", "carer", "carer__user"
    )
    booking = get_visible_or_404(fetched_by, source, pk=pk)
    if current_version(booking.carer.partnership_id) is None:
        raise Http404("No feedback questions for this break.")
    return booking


def booking_answers(*, booking: Booking) -> dict:
    """Who has answered about this booking: {"carer": bool, "people": [(person, answered)]}."""
    answered = set(FeedbackResponse.objects.filter(booking=booking).values_list("respondent", "cared_for_id"))
    return {
        "carer": (Respondent.CARER, None) in answered,
        "people": [(p, (Respondent.CARED_FOR, p.pk) in answered) for p in booking.cared_for.order_by("first_name")],
    }


def carer_feedback_tasks(*, carer: Carer, fetched_by) -> QuerySet[Booking]:
    """The carer's recent attended breaks they were asked about and have not answered yet, newest first."""
    if fetched_by.role != Role.CARER or carer.user_id != fetched_by.pk:
        return Booking.objects.none()
    since = timezone.now() - datetime.timedelta(days=ASK_FOR_DAYS)
    return (
        Booking.objects.filter(carer=carer, state=Booking.State.ATTENDED, feedback_asked_at__gte=since)
        .exclude(feedback__respondent=Respondent.CARER)
        .select_related("offer", "session")
        .order_by("-feedback_asked_at", "-pk")
    )


# ----------------------------------------------------------------------------------------------
# The outcome figures (the audit's "outcomes" step and the dashboards read these)
# ----------------------------------------------------------------------------------------------


def _period(queryset, field: str, start: datetime.date | None, end: datetime.date | None):
    zone = timezone.get_current_timezone()
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": datetime.datetime.combine(start, datetime.time(), zone)})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lt": datetime.datetime.combine(end, datetime.time(), zone)})
    return queryset


def feedback_answers(*, partnership_id=None, start=None, end=None) -> QuerySet[FeedbackAnswer]:
    """Every feedback answer, with its grouping columns: partnership_id, locality_id, kind, needs_level,
    question_code, respondent, provider_id, offer_id, at; and `score` (1-5)."""
    answers = FeedbackAnswer.objects.order_by().annotate(
        partnership_id=F("response__partnership_id"),
        locality_id=F("response__locality_id"),
        kind=F("response__booking__offer__kind"),
        needs_level=F("response__needs_level"),
        question_code=F("question__code"),
        respondent=F("response__respondent"),
        provider_id=F("response__booking__offer__provider_id"),
        offer_id=F("response__booking__offer_id"),
        at=F("response__submitted_at"),
    )
    if partnership_id is not None:
        answers = answers.filter(response__partnership_id=partnership_id)
    return _period(answers, "response__submitted_at", start, end)


def _highest_need_of_carer(carer_ref: str):
    rank = Case(
        *(When(cared_for__needs_level=level, then=Value(n)) for level, n in WaitingListEntry.NEED_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    people = (
        CaringRelationship.objects.filter(carer_id=OuterRef(carer_ref))
        .annotate(rank=rank)
        .order_by("-rank", "pk")
        .values("cared_for__needs_level")[:1]
    )
    return Subquery(people, output_field=CharField())


def review_results(*, partnership_id=None, start=None, end=None) -> QuerySet[PlanReviewOutcome]:
    """Every plan review's result for each outcome (met, partly, not_met), with the same grouping columns as
    `feedback_answers` (kind is NULL) and `result`."""
    results = PlanReviewOutcome.objects.order_by().annotate(
        partnership_id=F("review__plan__partnership_id"),
        locality_id=F("review__plan__carer__locality_id"),
        kind=Value(None, output_field=CharField()),
        needs_level=_highest_need_of_carer("review__plan__carer_id"),
        at=F("review__reviewed_at"),
    )
    if partnership_id is not None:
        results = results.filter(review__plan__partnership_id=partnership_id)
    return _period(results, "review__reviewed_at", start, end)


# The plain-English definition of each kind of outcome, for "how we count this" wherever the figures are shown.
DEFINITIONS = {
    "feedback": (
        "After a break the provider has marked attended, the carer (and, with help, the person cared for) is asked "
        'how much they agree with a few sentences, such as "I had time for myself", from strongly disagree (1) '
        'to strongly agree (5). Each answer counts once, in the period it was given; "agree" counts agree and '
        "strongly agree. The same question keeps its code when its words change in a new version."
    ),
    "reviews": (
        "When a support plan is reviewed, each personal outcome in it is recorded as met, partly met or not met. "
        "Each outcome counts once, in the period of its review, where the carer lives now."
    ),
}

DIMENSIONS = {"partnership": "partnership_id", "locality": "locality_id", "kind": "kind", "needs_level": "needs_level"}


def outcome_summary(*, partnership_id=None, start=None, end=None, by: tuple[str, ...] = ()) -> dict:
    """Both kinds of outcome counted in the database, grouped by any of DIMENSIONS.

    {"feedback": [{...group, "question_code", "respondent", "answers", "agree", "neither", "disagree",
    "score_total", "s1".."s5"}], "reviews": [{...group, "outcomes", "met", "partly", "not_met"}]}.
    "agree" counts 4 and 5, "disagree" 1 and 2; the mean score is score_total / answers.
    """
    columns = [DIMENSIONS[name] for name in by]
    feedback = (
        feedback_answers(partnership_id=partnership_id, start=start, end=end)
        .order_by()
        .values(*columns, "question_code", "respondent")
        .annotate(
            answers=Count("pk"),
            agree=Count("pk", filter=Q(score__gte=4)),
            neither=Count("pk", filter=Q(score=3)),
            disagree=Count("pk", filter=Q(score__lte=2)),
            score_total=Sum("score"),
            **{f"s{value}": Count("pk", filter=Q(score=value)) for value in Agreement.values},
        )
        .order_by(*columns, "respondent", "question_code")
    )
    reviews = (
        review_results(partnership_id=partnership_id, start=start, end=end)
        .order_by()
        .values(*columns)
        .annotate(
            outcomes=Count("pk"),
            **{value: Count("pk", filter=Q(result=value)) for value in OutcomeResult.values},
        )
        .order_by(*columns)
    )
    return {"feedback": list(feedback), "reviews": list(reviews)}


# ----------------------------------------------------------------------------------------------
# The provider's view: their own offers, aggregates only, none below the threshold
# ----------------------------------------------------------------------------------------------


def _percent(count: int, total: int) -> int:
    """A whole percentage, halves rounded up, in integers (no float)."""
    return (count * 200 + total) // (2 * total) if total else 0


def provider_feedback_counts(*, fetched_by) -> list[dict]:
    """Each of the provider's offers with how many carers and how many of the people they care for answered
    about it, through disclosure control: a count of 1 to SUPPRESSION_THRESHOLD - 1 is "fewer than 5". No total is
    shown (a total less the carers would give the people cared for away), so nothing else need be hidden.
    `responses` (all of them) decides only whether the offer's page has anything to show."""
    if fetched_by.role != Role.PROVIDER or fetched_by.organisation_id is None:
        return []
    rows = list(
        FeedbackResponse.objects.order_by()
        .filter(booking__offer__provider_id=fetched_by.organisation_id)
        .values("booking__offer_id", "booking__offer__title")
        .annotate(
            n=Count("pk"),
            **{value: Count("pk", filter=Q(respondent=value)) for value in Respondent.values},
        )
        .order_by("booking__offer__title", "booking__offer_id")
    )
    if not rows:
        return []
    table = disclosure.publish(
        [[row[value] for value in WHO] for row in rows],
        rows=[row["booking__offer__title"] for row in rows],
        columns=list(WHO.values()),
        row_totals=False,
        column_totals=False,
    )
    threshold = settings.SUPPRESSION_THRESHOLD
    return [
        {
            "offer_id": row["booking__offer_id"],
            "title": row["booking__offer__title"],
            "enough": row["n"] >= threshold,
            "carers": cells[0],
            "cared_for": cells[1],
        }
        for row, cells in zip(rows, table.cells, strict=True)
    ]


WHO = {Respondent.CARER: "Carers", Respondent.CARED_FOR: "The people they care for"}


def _scale(counts: list[int]) -> dict:
    """One question's answers on the scale, through disclosure control: `table` (rows the points of the scale,
    the column total the question's answers), and each point's Shown count with its share of the answers where
    the count is shown (a hidden count's share would give it away)."""
    table = disclosure.publish(
        [[n] for n in counts], rows=[label for _, label in SCALE], columns=["People"], row_totals=False
    )
    n = sum(counts)
    points = []
    for (_, label), cells, count in zip(SCALE, table.cells, counts, strict=True):
        shown = cells[0]
        percent = _percent(count, n) if shown.hidden is None else None
        points.append({"label": label, "count": shown, "percent": percent})
    return {"table": table, "scale": points, "n_shown": table.column_totals[0]}


def provider_offer_feedback(*, offer, fetched_by) -> dict:
    """What the provider may see of the feedback on one of their offers (`offer` from providers' offer_get).

    Nothing but "fewer than 5" until the offer has at least SUPPRESSION_THRESHOLD responses. Then every count
    goes through disclosure control (breakthrough/disclosure.py), so that a count of 1 to 4 shows as "fewer than
    5" and none can be worked out from a total or from the difference of two figures:

    - `who`: how many carers and how many of the people they care for answered, with no total beside them (the
      total less the carers would give the people cared for away; a hidden carers' number would not do, since
      a question every carer answered has as many answers as there are carers);
    - for each question with at least the threshold of answers, how many chose each point of the scale, with the
      question's answers as the table's total (secondary suppression inside it), and the share of each point
      that is shown.

    The comments people agreed to share, with no name, date or booking, in alphabetical order so that their
    order says nothing about who wrote them or when."""
    if fetched_by.role != Role.PROVIDER or offer.provider_id != fetched_by.organisation_id:
        raise Http404("Not your offer.")
    threshold = settings.SUPPRESSION_THRESHOLD
    responses = FeedbackResponse.objects.filter(booking__offer=offer)
    people = dict(responses.order_by().values_list("respondent").annotate(n=Count("pk")).values_list("respondent", "n"))
    total = sum(people.values())
    if total < threshold:
        return {"enough": False, "threshold": threshold}
    who = disclosure.publish(
        [[people.get(value, 0)] for value in WHO],
        rows=list(WHO.values()),
        columns=["People who answered"],
        row_totals=False,
        column_totals=False,
    )
    counts = (
        feedback_answers()
        .filter(response__booking__offer=offer)
        .order_by()
        .values("respondent", "question_code")
        .annotate(n=Count("pk"), **{f"s{value}": Count("pk", filter=Q(score=value)) for value in Agreement.values})
        .order_by()
    )
    # A question's words and place as its newest version asks it (one code is one question across versions).
    asked = {}
    for asked_of, code, text, position in (
        FeedbackQuestion.objects.filter(answers__response__booking__offer=offer)
        .order_by("asked_of", "code", "-version__number")
        .values_list("asked_of", "code", "text", "position")
        .distinct()
    ):
        asked.setdefault((asked_of, code), (text, position))
    groups = {Respondent.CARER: [], Respondent.CARED_FOR: []}
    for row in counts:
        n = row["n"]
        text, position = asked[(row["respondent"], row["question_code"])]
        question = {"code": row["question_code"], "text": text, "position": position, "n": n, "scale": None}
        if n >= threshold:
            question.update(_scale([row[f"s{value}"] for value, _ in SCALE]))
        groups[row["respondent"]].append(question)
    for questions in groups.values():
        questions.sort(key=lambda q: (q["position"], q["code"]))
    comments = list(
        responses.filter(share_comment=True).exclude(comment="").order_by("comment").values_list("comment", flat=True)
    )
    return {
        "enough": True,
        "threshold": threshold,
        "responses": total,
        "who": who,
        "who_rows": [(name, cells[0]) for name, cells in zip(WHO.values(), who.cells, strict=True)],
        "carer": groups[Respondent.CARER],
        "cared_for": groups[Respondent.CARED_FOR],
        "comments": comments,
    }
