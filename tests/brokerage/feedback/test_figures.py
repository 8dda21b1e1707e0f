"""The outcome figures, each checked against values worked out by hand on a small dataset with several
responses in every group: the audit's selectors (feedback and plan reviews) and the provider's page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.feedback import selectors
from brokerage.models import FeedbackResponse, NeedsLevel, OfferKind, Plan, PlanOutcome, PlanReview, PlanReviewOutcome
from tests.brokerage.feedback.helpers import answer, attended_booking, publish_questions
from tests.factories import CaredForPersonFactory, CarerFactory, LocalityFactory, OfferFactory, UserFactory, cares_for

pytestmark = pytest.mark.django_db

OTHERS = {"less_isolated": 3, "knew_safe": 4, "use_again": 5}

# (offer, locality, needs level, score for "I had time for myself", comment, share it)
ROWS = [
    ("A", "north", NeedsLevel.HIGH, 5, "Zoe the worker was kind", True),
    ("A", "north", NeedsLevel.HIGH, 4, "", False),
    ("A", "north", NeedsLevel.LOW, 4, "Kept private", False),
    ("A", "south", NeedsLevel.LOW, 2, "Bus was late", True),
    ("A", "south", NeedsLevel.MEDIUM, 3, "", True),
    ("A", "south", NeedsLevel.COMPLEX, 5, "A real rest", True),
    ("B", "north", NeedsLevel.HIGH, 1, "", False),
    ("B", "north", NeedsLevel.LOW, 2, "", False),
    ("B", "south", NeedsLevel.COMPLEX, 5, "", False),
    ("B", "south", NeedsLevel.COMPLEX, 4, "", False),
]


@pytest.fixture
def data(x, y, provider_user):
    publish_questions(x.partnership, x.broker)
    publish_questions(y.partnership, y.broker)
    places = {"north": x.locality, "south": LocalityFactory(partnership=x.partnership, name="X South")}
    offers = {
        "A": OfferFactory(provider=provider_user.organisation, locality=x.locality, kind=OfferKind.DAY, title="Club A"),
        "B": OfferFactory(
            provider=provider_user.organisation, locality=x.locality, kind=OfferKind.OVERNIGHT, title="Stay B"
        ),
    }
    carers = []
    for offer, place, need, score, comment, share in ROWS:
        carer = CarerFactory(user=UserFactory(), locality=places[place])
        carer.person = cares_for(carer, CaredForPersonFactory(needs_level=need))
        booking = attended_booking(carer, provider_user, offer=offers[offer])
        answer(booking, carer.user, {"time_for_myself": score, **OTHERS}, comment=comment, share_comment=share)
        carers.append((carer, booking))
    # two cared-for people answer about club A (fewer than 5 on their questions)
    for carer, booking in carers[:2]:
        answer(booking, carer.user, {"enjoyed": 5, "felt_safe": 4}, cared_for=carer.person, helped_by="Dad")
    # outside the period: a year ago; outside the partnership: Y
    old_carer = CarerFactory(user=UserFactory(), locality=places["north"])
    old_carer.person = cares_for(old_carer, CaredForPersonFactory(needs_level=NeedsLevel.HIGH))
    old = answer(
        attended_booking(old_carer, provider_user, offer=offers["A"]), old_carer.user, {"time_for_myself": 1, **OTHERS}
    )
    FeedbackResponse.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=365))
    y_carer = CarerFactory(user=UserFactory(), locality=y.locality)
    y_carer.person = cares_for(y_carer, CaredForPersonFactory(needs_level=NeedsLevel.HIGH))
    answer(attended_booking(y_carer, provider_user, offer=offers["A"]), y_carer.user, {"time_for_myself": 1, **OTHERS})
    return {"x": x, "y": y, "offers": offers, "carers": carers, "places": places}


def _period():
    today = timezone.localdate()
    return {"start": today - datetime.timedelta(days=30), "end": today + datetime.timedelta(days=1)}


def _time_for_myself(rows, key):
    return {row[key]: row for row in rows if row["question_code"] == "time_for_myself"}


def test_feedback_by_locality_matches_the_hand_count(data):
    summary = selectors.outcome_summary(partnership_id=data["x"].partnership.pk, by=("locality",), **_period())
    rows = _time_for_myself(summary["feedback"], "locality_id")
    north, south = rows[data["places"]["north"].pk], rows[data["places"]["south"].pk]
    # north: 5, 4, 4 (A) and 1, 2 (B); south: 2, 3, 5 (A) and 5, 4 (B)
    assert (north["answers"], north["agree"], north["neither"], north["disagree"], north["score_total"]) == (
        5,
        3,
        0,
        2,
        16,
    )
    assert (north["s1"], north["s2"], north["s3"], north["s4"], north["s5"]) == (1, 1, 0, 2, 1)
    assert (south["answers"], south["agree"], south["neither"], south["disagree"], south["score_total"]) == (
        5,
        3,
        1,
        1,
        19,
    )
    assert len(rows) == 2  # the answer from a year ago and the one in partnership Y are not counted


def test_feedback_by_kind_and_by_needs_level_match_the_hand_count(data):
    period = _period()
    partnership_id = data["x"].partnership.pk
    by_kind = _time_for_myself(
        selectors.outcome_summary(partnership_id=partnership_id, by=("kind",), **period)["feedback"], "kind"
    )
    assert {kind: (r["answers"], r["agree"], r["disagree"], r["score_total"]) for kind, r in by_kind.items()} == {
        OfferKind.DAY: (6, 4, 1, 23),
        OfferKind.OVERNIGHT: (4, 2, 2, 12),
    }
    by_need = _time_for_myself(
        selectors.outcome_summary(partnership_id=partnership_id, by=("needs_level",), **period)["feedback"],
        "needs_level",
    )
    assert {
        need: (r["answers"], r["agree"], r["neither"], r["disagree"], r["score_total"]) for need, r in by_need.items()
    } == {
        NeedsLevel.HIGH: (3, 2, 0, 1, 10),
        NeedsLevel.LOW: (3, 1, 0, 2, 8),
        NeedsLevel.MEDIUM: (1, 0, 1, 0, 3),
        NeedsLevel.COMPLEX: (3, 3, 0, 0, 14),
    }


def test_feedback_by_partnership_counts_every_partnership_apart(data):
    rows = _time_for_myself(selectors.outcome_summary(by=("partnership",), **_period())["feedback"], "partnership_id")
    assert rows[data["x"].partnership.pk]["answers"] == 10
    assert rows[data["y"].partnership.pk]["answers"] == 1
    everything = _time_for_myself(selectors.outcome_summary(by=("partnership",))["feedback"], "partnership_id")
    assert everything[data["x"].partnership.pk]["answers"] == 11  # with the one from a year ago


def _reviewed_plan(carer, by, results, *, number=1):
    plan = Plan.objects.create(
        carer=carer,
        partnership_id=carer.partnership_id,
        number=number,
        state=Plan.State.REVIEWED,
        created_by=by,
        approved_by=UserFactory(),
        approved_at=timezone.now(),
    )
    review = PlanReview.objects.create(plan=plan, what_changed="Things are easier.", reviewed_by=by)
    for position, result in enumerate(results, start=1):
        outcome = PlanOutcome.objects.create(plan=plan, position=position, text=f"Outcome {position}")
        PlanReviewOutcome.objects.create(review=review, outcome=outcome, result=result)
    return review


def test_review_outcomes_by_locality_and_needs_level_match_the_hand_count(data):
    x, y = data["x"], data["y"]
    north_carer, south_carer = data["carers"][0][0], data["carers"][5][0]  # high need in the north; complex south
    cares_for(north_carer, CaredForPersonFactory(needs_level=NeedsLevel.LOW), relationship="Son")  # highest stays high
    _reviewed_plan(north_carer, x.broker, ["met", "met", "partly"])
    _reviewed_plan(south_carer, x.broker, ["not_met", "met"])
    y_carer = CarerFactory(user=UserFactory(), locality=y.locality)
    _reviewed_plan(y_carer, y.broker, ["met"])
    old = _reviewed_plan(data["carers"][1][0], x.broker, ["not_met"])
    PlanReview.objects.filter(pk=old.pk).update(reviewed_at=timezone.now() - datetime.timedelta(days=365))

    summary = selectors.outcome_summary(partnership_id=x.partnership.pk, by=("locality",), **_period())
    by_place = {row["locality_id"]: row for row in summary["reviews"]}
    assert {pk: (r["outcomes"], r["met"], r["partly"], r["not_met"]) for pk, r in by_place.items()} == {
        data["places"]["north"].pk: (3, 2, 1, 0),
        data["places"]["south"].pk: (2, 1, 0, 1),
    }
    by_need = {
        row["needs_level"]: row
        for row in selectors.outcome_summary(partnership_id=x.partnership.pk, by=("needs_level",), **_period())[
            "reviews"
        ]
    }
    assert {need: (r["outcomes"], r["met"]) for need, r in by_need.items()} == {
        NeedsLevel.HIGH: (3, 2),
        NeedsLevel.COMPLEX: (2, 1),
    }
    assert list(
        selectors.review_results(partnership_id=x.partnership.pk).values_list("kind", flat=True).distinct()
    ) == [None]


def test_the_provider_sees_each_questions_spread_once_five_have_answered(client_for, provider_user, data):
    page = client_for(provider_user).get(
        reverse("brokerage:providers:offer_feedback", kwargs={"pk": data["offers"]["A"].pk})
    )
    feedback = page.context["feedback"]
    assert feedback["enough"] is True
    # club A: 6 carers and 2 cared-for people this year, 1 a year ago, 1 in partnership Y
    assert feedback["responses"] == 10
    time_for_myself = next(q for q in feedback["carer"] if q["code"] == "time_for_myself")
    # 5, 4, 4, 2, 3, 5 (this year's six), 1 (a year ago), 1 (partnership Y): n = 8
    assert time_for_myself["n"] == 8
    # 8 carers and 2 cared-for people, with no total beside them (10 less 8 would give the 2 away); each point of
    # the scale (2, 1, 1, 2, 2) is fewer than 5, and none is pinned by the 8 answers (four at most each).
    assert [str(s) for _, s in feedback["who_rows"]] == ["8", "fewer than 5"]
    assert feedback["who"].column_totals is None
    assert str(time_for_myself["n_shown"]) == "8"
    assert [(p["label"], str(p["count"]), p["percent"]) for p in time_for_myself["scale"]] == [
        ("Strongly disagree", "fewer than 5", None),
        ("Disagree", "fewer than 5", None),
        ("Neither agree nor disagree", "fewer than 5", None),
        ("Agree", "fewer than 5", None),
        ("Strongly agree", "fewer than 5", None),
    ]
    assert [q["code"] for q in feedback["carer"]] == ["time_for_myself", "less_isolated", "knew_safe", "use_again"]
    # the cared-for people's questions have 2 answers each: no spread
    assert [(q["scale"] is not None, q["n"]) for q in feedback["cared_for"]] == [(False, 2), (False, 2)]
    assert feedback["comments"] == ["A real rest", "Bus was late", "Zoe the worker was kind"]
    html = page.content.decode()
    assert "Kept private" not in html
    assert "fewer than 5 answers so far" in html
    for carer, _ in data["carers"]:
        assert carer.last_name not in html
        assert carer.user.email not in html


def test_below_five_responses_the_provider_sees_only_fewer_than_five(client_for, provider_user, data):
    client = client_for(provider_user)
    offer_b = data["offers"]["B"]
    page = client.get(reverse("brokerage:providers:offer_feedback", kwargs={"pk": offer_b.pk}))
    assert page.context["feedback"] == {"enough": False, "threshold": 5}
    assert "Fewer than 5 people" in page.content.decode()
    listing = client.get(reverse("brokerage:providers:feedback_list"))
    assert {
        row["title"]: (row["enough"], str(row["carers"]), str(row["cared_for"])) for row in listing.context["offers"]
    } == {"Club A": (True, "8", "fewer than 5"), "Stay B": (False, "fewer than 5", "0")}
    assert "Fewer than 5" in listing.content.decode()


def test_the_threshold_is_a_setting(client_for, provider_user, data, settings):
    settings.SUPPRESSION_THRESHOLD = 11
    page = client_for(provider_user).get(
        reverse("brokerage:providers:offer_feedback", kwargs={"pk": data["offers"]["A"].pk})
    )
    assert page.context["feedback"]["enough"] is False


def test_another_providers_offer_feedback_is_not_found(client_for, data):
    from breakthrough.models import Role
    from tests.factories import ProviderFactory, staff

    rival = staff(Role.PROVIDER, ProviderFactory(name="Rival"), email="rival@example.org")
    url = reverse("brokerage:providers:offer_feedback", kwargs={"pk": data["offers"]["A"].pk})
    assert client_for(rival).get(url).status_code == 404
    assert client_for(rival).get(reverse("brokerage:providers:feedback_list")).context["offers"] == []


def test_the_provider_page_costs_the_same_queries_with_more_responses(client_for, provider_user, data):
    client = client_for(provider_user)
    url = reverse("brokerage:providers:offer_feedback", kwargs={"pk": data["offers"]["A"].pk})
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(6):
        carer = CarerFactory(user=UserFactory(), locality=data["places"]["north"])
        answer(
            attended_booking(carer, provider_user, offer=data["offers"]["A"]),
            carer.user,
            {"time_for_myself": 3, **OTHERS},
            comment="More",
            share_comment=True,
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_the_provider_list_costs_the_same_queries_with_more_offers(client_for, provider_user, data):
    client = client_for(provider_user)
    url = reverse("brokerage:providers:feedback_list")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(3):
        offer = OfferFactory(provider=provider_user.organisation, locality=data["places"]["north"], title=f"More {n}")
        carer = CarerFactory(user=UserFactory(), locality=data["places"]["north"])
        answer(attended_booking(carer, provider_user, offer=offer), carer.user, {"time_for_myself": 3, **OTHERS})
    with CaptureQueriesContext(connection) as after:
        assert len(client.get(url).context["offers"]) == 5
    assert len(after) == len(before)


def test_every_kind_of_outcome_has_a_definition():
    assert set(selectors.DEFINITIONS) == set(selectors.outcome_summary())
