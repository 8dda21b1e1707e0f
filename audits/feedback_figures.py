"""The audit's outcome figures from feedback after a break (AuditsConfig.ready imports this module, which
registers them; plan-review outcomes are in audits/figures.py as "outcomes.plan_reviews"). They live in the
audit app, which reads brokerage's records, because brokerage may not import the audit (.importlinter).

Each figure counts in the database, grouped (never a loop over rows), and the populations it counts are
functions of a partnership (or of every partnership, for the programme's outcomes, commissioning/outcomes.py)
and a period, so that one definition serves the audit, the dashboards and the outcomes chain alike:

- a **response** is one person's feedback about one break: the carer's, or a cared-for person's given with help;
- an **answer** is one response's score for one question (1 strongly disagree ... 5 strongly agree);
- "agree" counts 4 and 5, "neither" 3, "disagree" 1 and 2; a question is its code (one question across
  versions), shown in the words of its newest published version.

Values are exact: counts as ints, shares and means as Decimal strings to two places (audits.figures.plain).
"""

import datetime
from decimal import Decimal

from django.db.models import Case, CharField, Count, Q, Sum, Value, When

from audits.figures import LABELS, NO_LOCALITY, Figure, Period, Result, grouped, plain, register, share
from brokerage.models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse, Respondent

RESPONDENT = {
    Respondent.CARER: "The carer",
    Respondent.CARED_FOR: "The person cared for, with help",
}
AGREEMENT = {
    "agree": "Agree or strongly agree (4 or 5)",
    "neither": "Neither agree nor disagree (3)",
    "disagree": "Disagree or strongly disagree (1 or 2)",
}
ASKED_OF = {Respondent.CARER: "Carers", Respondent.CARED_FOR: "People cared for"}


def responses_in(partnership_id: int | None, start_at: datetime.datetime, end_at: datetime.datetime):
    """Feedback responses given in [start_at, end_at) about breaks of the partnership's carers (every
    partnership's when `partnership_id` is None). The partnership, locality and needs level are the ones
    recorded with the response when it was given."""
    responses = FeedbackResponse.objects.filter(submitted_at__gte=start_at, submitted_at__lt=end_at)
    if partnership_id is not None:
        responses = responses.filter(partnership_id=partnership_id)
    return responses


def answers_in(partnership_id: int | None, start_at: datetime.datetime, end_at: datetime.datetime):
    """The answers of those responses, each with its `agreement` (agree, neither, disagree)."""
    answers = FeedbackAnswer.objects.filter(
        response__submitted_at__gte=start_at, response__submitted_at__lt=end_at
    ).annotate(
        agreement=Case(
            When(score__gte=4, then=Value("agree")),
            When(score=3, then=Value("neither")),
            default=Value("disagree"),
            output_field=CharField(),
        )
    )
    if partnership_id is not None:
        answers = answers.filter(response__partnership_id=partnership_id)
    return answers


def _responses(p: Period):
    return responses_in(p.partnership_id, p.start_at, p.end_at)


def _answers(p: Period):
    return answers_in(p.partnership_id, p.start_at, p.end_at)


def _relabel(rows: list[dict], name: str, words: dict, order: list | None = None) -> list[dict]:
    for row in rows:
        row["by"][name] = words.get(row["by"][name], row["by"][name])
    if order is not None:
        rank = {words[key]: n for n, key in enumerate(order)}
        rows.sort(key=lambda row: rank.get(row["by"][name], len(rank)))
    return rows


def question_words(partnership_id: int) -> dict[tuple[str, str], tuple[str, int]]:
    """{(asked of, code): (words shown, position)}: each question as its newest published version asks it.
    One query, whatever the number of versions."""
    words: dict[tuple[str, str], tuple[str, int]] = {}
    rows = (
        FeedbackQuestion.objects.filter(
            version__question_set__partnership_id=partnership_id, version__published_at__isnull=False
        )
        .order_by("asked_of", "code", "-version__number")
        .values_list("asked_of", "code", "text", "position")
    )
    for asked_of, code, text, position in rows:
        words.setdefault((asked_of, code), (f"{ASKED_OF[asked_of]}: {text}", position))
    return words


def _by_question(p: Period, rows, extra: tuple[str, ...], value) -> list[dict]:
    """Rows of (asked of, code, *extra) with `value(row)`, labelled by the question's words and ordered as the
    questions are asked (carers' first), then by the other groups."""
    words = question_words(p.partnership_id)
    result = []
    for row in rows:
        key = (row["question__asked_of"], row["question__code"])
        text, position = words.get(key, (f"{ASKED_OF.get(key[0], key[0])}: {key[1]}", 0))
        by = {"question": text, **{name: row[name] for name in extra}}
        result.append((key[0] != Respondent.CARER, position, key[1], *[row[n] or "" for n in extra], by, value(row)))
    result.sort(key=lambda item: item[:-2])
    return [{"by": item[-2], "value": item[-1]} for item in result]


QUESTION = ("question__asked_of", "question__code")


def _feedback_responses(p):
    responses = _responses(p)
    return Result(
        responses.count(),
        grouped(responses, {"locality": "locality__name", "kind": "booking__offer__kind"}, Count("pk")),
    )


def _feedback_by_respondent(p):
    responses = _responses(p)
    rows = grouped(responses, {"respondent": "respondent", "needs": "needs_level"}, Count("pk"))
    return Result(responses.count(), _relabel(rows, "respondent", RESPONDENT, list(RESPONDENT)))


def _feedback_answers(p):
    answers = _answers(p)
    rows = answers.order_by().values(*QUESTION).annotate(n=Count("pk")).order_by(*QUESTION)
    return Result(answers.count(), _by_question(p, rows, (), lambda row: row["n"]))


def _feedback_agreement(p):
    answers = _answers(p)
    rows = grouped(answers, {"kind": "response__booking__offer__kind", "agreement": "agreement"}, Count("pk"))
    rows.sort(key=lambda row: (row["by"]["kind"], list(AGREEMENT).index(row["by"]["agreement"])))
    return Result(answers.count(), _relabel(rows, "agreement", AGREEMENT))


def _feedback_agree_share(p):
    answers = _answers(p)
    counts = {"n": Count("pk"), "agree": Count("pk", filter=Q(score__gte=4))}
    total = answers.aggregate(**counts)
    rows = (
        answers.order_by()
        .values(*QUESTION, "response__locality__name")
        .annotate(**counts)
        .order_by(*QUESTION, "response__locality__name")
    )
    rows = [{**row, "locality": row["response__locality__name"] or NO_LOCALITY} for row in rows]
    return Result(
        share(total["agree"], total["n"]),
        _by_question(p, rows, ("locality",), lambda row: share(row["agree"], row["n"])),
    )


def mean(score_total: int | None, n: int) -> str | None:
    """The mean of `n` scores adding up to `score_total`, to two places, in Decimal (never a float)."""
    if not n:
        return None
    return plain(Decimal(score_total) / Decimal(n))


def _feedback_mean_score(p):
    answers = _answers(p)
    counts = {"n": Count("pk"), "score_total": Sum("score")}
    total = answers.aggregate(**counts)
    rows = (
        answers.order_by()
        .values(*QUESTION, "response__booking__offer__kind")
        .annotate(**counts)
        .order_by(*QUESTION, "response__booking__offer__kind")
    )
    rows = [{**row, "kind": LABELS["kind"].get(row["response__booking__offer__kind"])} for row in rows]
    return Result(
        mean(total["score_total"], total["n"]),
        _by_question(p, rows, ("kind",), lambda row: mean(row["score_total"], row["n"])),
    )


ANSWERS_WORDS = (
    "Each answer counts once, in the period it was given; a question keeps its code when its words change in a "
    "new version, and is shown in the words of the newest. "
)

FEEDBACK_FIGURES = [
    Figure(
        "outcomes.feedback_responses",
        "outcomes",
        "People who gave feedback after a break",
        "After a break the provider recorded as attended, the carer is asked how it went, and the people they care "
        "for can answer too, with help. Each person's answers about one break are one response, counted in the "
        "period it was given, by the carer's locality and the kind of break, as they were when it was given.",
        "count",
        _feedback_responses,
        breakdown=("locality", "kind"),
    ),
    Figure(
        "outcomes.feedback_by_respondent",
        "outcomes",
        "Who gave feedback",
        "The same responses, by who answered (the carer, or the person cared for with someone's help) and the "
        "needs level recorded with the response: for a carer's answers, the highest needs level of the people on "
        "the break; for a cared-for person's, their own.",
        "count",
        _feedback_by_respondent,
        breakdown=("respondent", "needs"),
    ),
    Figure(
        "outcomes.feedback_answers",
        "outcomes",
        "Answers to each feedback question",
        "How many answers each question had, from strongly disagree (1) to strongly agree (5). " + ANSWERS_WORDS,
        "count",
        _feedback_answers,
        breakdown=("question",),
    ),
    Figure(
        "outcomes.feedback_agreement",
        "outcomes",
        "How far people agreed",
        "All answers to every question, by the kind of break and how far the person agreed: agree counts agree "
        "(4) and strongly agree (5), disagree counts disagree (2) and strongly disagree (1). " + ANSWERS_WORDS,
        "count",
        _feedback_agreement,
        breakdown=("kind", "agreement"),
    ),
    Figure(
        "outcomes.feedback_agree_share",
        "outcomes",
        "Share of answers agreeing, by question",
        "For each question, the answers of agree (4) or strongly agree (5) as a percentage of all its answers, to "
        "one decimal place, by the carer's locality; the total is across every answer to every question. "
        + ANSWERS_WORDS,
        "percent",
        _feedback_agree_share,
        breakdown=("question", "locality"),
    ),
    Figure(
        "outcomes.feedback_mean_score",
        "outcomes",
        "Mean score, by question",
        "For each question, its answers' scores (1 strongly disagree to 5 strongly agree) added up and divided "
        "by the number of answers, to two decimal places, by the kind of break; the total is across every answer "
        "to every question. " + ANSWERS_WORDS,
        "score",
        _feedback_mean_score,
        breakdown=("question", "kind"),
    ),
]

for _figure in FEEDBACK_FIGURES:
    register(_figure)
