"""The provider's tables of feedback through disclosure control (breakthrough/disclosure.py): a count of 1 to 4 is
"fewer than 5", and no hidden count can be worked out from what the page shows, a table at a time or across the
tables (a question asked of every carer has as many answers as there are carers who answered)."""

import itertools

import pytest
from django.urls import reverse

from breakthrough import disclosure
from brokerage.feedback import selectors
from tests.brokerage.feedback.helpers import answer, attended_booking, publish_questions
from tests.factories import CaredForPersonFactory, CarerFactory, OfferFactory, UserFactory, cares_for

pytestmark = pytest.mark.django_db

OTHERS = {"less_isolated": 5, "knew_safe": 5, "use_again": 5}


def _answers(x, provider_user, offer, scores, *, cared_for=0):
    """One carer response per score for "I had time for myself"; the first `cared_for` carers' people answer too."""
    for n, score in enumerate(scores):
        carer = CarerFactory(user=UserFactory(), locality=x.locality)
        carer.person = cares_for(carer, CaredForPersonFactory())
        booking = attended_booking(carer, provider_user, offer=offer)
        answer(booking, carer.user, {"time_for_myself": score, **OTHERS})
        if n < cared_for:
            answer(booking, carer.user, {"enjoyed": 5, "felt_safe": 5}, cared_for=carer.person, helped_by="Mum")


@pytest.fixture
def offer(x, provider_user):
    publish_questions(x.partnership, x.broker)
    return OfferFactory(provider=provider_user.organisation, locality=x.locality, title="Club C")


def _feedback(provider_user, offer):
    return selectors.provider_offer_feedback(offer=offer, fetched_by=provider_user)


def _time(feedback):
    return next(q for q in feedback["carer"] if q["code"] == "time_for_myself")


def test_a_small_point_of_the_scale_is_hidden_and_protected(x, provider_user, offer):
    # 14 carers: strongly agree 7, agree 5, neither 2. The 2 is fewer than 5; with the 14 answers shown, the 5
    # beside it is hidden too (14 - 7 - 0 - 0 would give 2 + 5 = 7 only, not either).
    _answers(x, provider_user, offer, [5] * 7 + [4] * 5 + [3] * 2)
    time = _time(_feedback(provider_user, offer))
    assert str(time["n_shown"]) == "14"
    assert [(str(p["count"]), p["percent"]) for p in time["scale"]] == [
        ("0", 0),
        ("0", 0),
        ("fewer than 5", None),
        ("hidden", None),
        ("7", 50),
    ]
    assert disclosure.determined_cells(time["table"], [[0], [0], [2], [5], [7]]) == []


def test_no_hidden_count_of_the_scale_can_be_worked_out_from_the_total(x, provider_user, offer):
    """The attacker: every table the page shows, with the truth behind it; none of its hidden cells is pinned."""
    _answers(x, provider_user, offer, [5] * 6 + [4] * 1 + [3] * 6 + [2] * 3 + [1] * 5)
    feedback = _feedback(provider_user, offer)
    time = _time(feedback)
    truth = [[5], [3], [6], [1], [6]]
    # Two small counts (3 and 1): from the 21 answers less those shown they add up to 4, which they could as
    # 1 + 3, 2 + 2 or 3 + 1, so neither is pinned and nothing more need be hidden.
    assert [str(p["count"]) for p in time["scale"]] == ["5", "fewer than 5", "6", "fewer than 5", "6"]
    assert disclosure.determined_cells(time["table"], truth) == []
    for question in feedback["carer"][1:]:  # every other question: 21 strongly agree, nothing hidden
        assert [str(p["count"]) for p in question["scale"]] == ["0", "0", "0", "0", "21"]


def _consistent(truth, feedback):
    """Every assignment of the hidden counts that agrees with everything the page shows (the who-answered table,
    and each question's scale with its total, each question answered by every carer who answered): an
    attacker's search, by brute force, over (carers, people cared for, then each question's five points)."""
    carer_questions = [q for q in feedback["carer"] if q["scale"] is not None]

    def options(shown, ceiling):
        if shown.hidden is None:
            return [shown.count]
        low, high = {disclosure.Hidden.SMALL: (1, 4), disclosure.Hidden.SECONDARY: (5, ceiling)}.get(
            shown.hidden, (0, ceiling)
        )
        return range(low, high + 1)

    solutions = []
    for carers, people in itertools.product(*(options(row[0], 40) for row in feedback["who"].cells)):
        spreads = []
        for question in carer_questions:
            n = question["n_shown"]
            fits = [
                points
                for points in itertools.product(*(options(p["count"], 40) for p in question["scale"]))
                if sum(points) == carers and (n.hidden is not None or n.count == carers)
            ]
            spreads.append(fits)
        for combination in itertools.product(*spreads):
            solutions.append((carers, people, *itertools.chain(*combination)))
    assert truth in solutions
    return solutions


def test_no_count_can_be_recomputed_across_the_tables(x, provider_user, offer):
    # 9 carers (strongly agree 6, agree 3) and 3 of the people they care for. The 3 is fewer than 5 and there is
    # no total beside it, so the 9 carers (and each question's 9 answers) can be shown; the agree 3 is hidden,
    # and with the total of 9 the 6 beside it too.
    _answers(x, provider_user, offer, [5] * 6 + [4] * 3, cared_for=3)
    feedback = _feedback(provider_user, offer)
    assert [str(s) for _, s in feedback["who_rows"]] == ["9", "fewer than 5"]
    assert feedback["who"].column_totals is None
    time = _time(feedback)
    assert str(time["n_shown"]) == "9"
    assert [(str(p["count"]), p["percent"]) for p in time["scale"]] == [
        ("0", 0),
        ("0", 0),
        ("0", 0),
        ("fewer than 5", None),
        ("hidden", None),
    ]
    others = [0, 0, 0, 0, 9]
    truth = (9, 3, 0, 0, 0, 3, 6, *others, *others, *others)
    solutions = _consistent(truth, feedback)
    hidden = [i for i, value in enumerate(truth) if len({s[i] for s in solutions}) > 1]
    assert hidden == [1, 5, 6]  # the people cared for, agree and strongly agree: each could be another count
    assert disclosure.determined_cells(feedback["who"], [[9], [3]]) == []
    assert disclosure.determined_cells(time["table"], [[0], [0], [0], [3], [6]]) == []


def test_the_old_way_gave_the_small_group_away(x, provider_user, offer):
    """Negative control: the total beside the carers' number (as the page showed it before) pins the 3."""
    shown = disclosure.PublishedTable(
        rows=["Carers", "People cared for"],
        columns=["People who answered"],
        cells=[[disclosure.Shown(9)], [disclosure.Shown(None, disclosure.Hidden.SMALL)]],
        row_totals=None,
        column_totals=[disclosure.Shown(12)],
        grand_total=None,
    )
    assert disclosure.determined_cells(shown, [[9], [3]]) == [(1, 0)]


def test_the_page_shows_the_words_not_the_small_counts(client_for, x, provider_user, offer):
    _answers(x, provider_user, offer, [5] * 6 + [4] * 3, cared_for=3)
    html = (
        client_for(provider_user)
        .get(reverse("brokerage:providers:offer_feedback", kwargs={"pk": offer.pk}))
        .content.decode()
    )
    assert "fewer than 5" in html
    assert ">hidden<" in html
    assert ">3<" not in html
    assert ">6<" not in html
    assert ">12<" not in html
    listing = client_for(provider_user).get(reverse("brokerage:providers:feedback_list")).content.decode()
    assert ">12<" not in listing
    assert ">9<" in listing
    assert "Fewer than 5" in listing
