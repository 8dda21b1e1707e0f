"""The statement's live parts, against a directory built by hand: which breaks count as local and which as national,
who provides each kind, prices, replacement care for emergencies, the hub's criteria and the outcomes carers
report; and that no count from 1 to 4 appears anywhere in it."""

import datetime
import re

import pytest
from django.utils import timezone

from breakthrough import disclosure
from breakthrough.disclosure import Hidden, PublishedTable, Shown
from breakthrough.models import Organisation
from brokerage.models import BookingMode, BreakFor, EligibilityCriteria, OfferKind, PriceUnit, Respondent
from brokerage.models.plans import sds_option_choices
from commissioning.statement.content import statement_content
from tests.brokerage.feedback.helpers import answer, attended_booking, publish_questions
from tests.factories import CarerFactory, LocalityFactory, OfferFactory, PartnershipFactory, ProviderFactory, cares_for

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)


def provider(name, *partnerships):
    organisation = ProviderFactory(name=name)
    organisation.partnerships_served.set(partnerships)
    return organisation


def offers(n, **fields):
    return [OfferFactory(**fields) for _ in range(n)]


@pytest.fixture
def directory(x, y):
    """Partnership X (X North, X South), Y (Y North) and Z (Z North), worked by hand.

    In X: 6 day breaks (Day Club 4 in X North, Fun Club 2 in X South; 5 free, 1 at £7.50 a session) and 5 sitter
    services (Local Sitters: 3 in X North, 2 in X South, £12 to £16 an hour; one on request). 11 in all.
    Elsewhere: Scotland Respite (serves X and Y) has 3 residential breaks in Y North and 2 in Z North; Island
    Holidays (serves Y and Z, not X) 7 holidays in Z North: 12 in all. Not counted: Y Club (serves Y only) with a
    day break in Y North, and an unpublished day break of Day Club in X North.
    """
    south = LocalityFactory(partnership=x.partnership, name="X South")
    z = PartnershipFactory(name="Partnership Z", slug="partnership-z")
    z_north = LocalityFactory(partnership=z, name="Z North")
    day_club = provider("Day Club", x.partnership)
    fun_club = provider("Fun Club", x.partnership)
    sitters = provider("Local Sitters", x.partnership)
    respite = provider("Scotland Respite", x.partnership, y.partnership)
    holidays = provider("Island Holidays", y.partnership, z)
    y_club = provider("Y Club", y.partnership)
    offers(4, provider=day_club, locality=x.locality, kind=OfferKind.DAY)
    offers(1, provider=fun_club, locality=south, kind=OfferKind.DAY, break_for=BreakFor.BOTH)
    OfferFactory(provider=fun_club, locality=south, kind=OfferKind.DAY, price_pence=750, price_unit=PriceUnit.SESSION)
    for i, (locality, mode) in enumerate(
        [(x.locality, BookingMode.INSTANT)] * 3 + [(south, BookingMode.INSTANT), (south, BookingMode.REQUEST)]
    ):
        OfferFactory(
            provider=sitters,
            locality=locality,
            kind=OfferKind.SITTER,
            break_for=BreakFor.CARER,
            title=f"Sitter {i + 1}",
            price_pence=1200 + 100 * i,
            price_unit=PriceUnit.HOUR,
            booking_mode=mode,
        )
    offers(3, provider=respite, locality=y.locality, kind=OfferKind.RESIDENTIAL, break_for=BreakFor.CARED_FOR)
    offers(2, provider=respite, locality=z_north, kind=OfferKind.RESIDENTIAL, break_for=BreakFor.CARED_FOR)
    offers(7, provider=holidays, locality=z_north, kind=OfferKind.HOLIDAY, break_for=BreakFor.BOTH)
    OfferFactory(provider=y_club, locality=y.locality, kind=OfferKind.DAY)
    OfferFactory(provider=day_club, locality=x.locality, kind=OfferKind.DAY, is_published=False)
    return {"south": south, "z": z}


def content_of(partnership, **kwargs):
    return statement_content(
        partnership=partnership, draft=None, on=TODAY, next_review_on=TODAY + datetime.timedelta(days=365), **kwargs
    )


def test_the_kinds_of_break_are_counted_locally_and_nationally(x, directory):
    table = content_of(x.partnership)["directory"]
    rows = {row["kind"]: (row["local"], row["national"], row["total"]) for row in table["rows"]}
    assert rows[OfferKind.DAY] == ("6", "0", "6")
    assert rows[OfferKind.SITTER] == ("5", "0", "5")
    assert rows[OfferKind.RESIDENTIAL] == ("0", "5", "5")
    assert rows[OfferKind.HOLIDAY] == ("0", "7", "7")
    others = set(OfferKind) - {OfferKind.DAY, OfferKind.SITTER, OfferKind.RESIDENTIAL, OfferKind.HOLIDAY}
    assert {rows[kind] for kind in others} == {("0", "0", "0")}
    assert table["columns"] == ["In Partnership X", "Elsewhere in Scotland"]
    assert table["totals"] == ["11", "12", "23"]
    assert not table["any_hidden"]


def test_who_provides_each_kind_locally_and_elsewhere(x, directory):
    table = content_of(x.partnership)["directory"]
    local = {kind["kind"]: kind["providers"] for kind in table["local"]}
    assert list(local) == [OfferKind.SITTER, OfferKind.DAY]  # in the order kinds are listed everywhere
    assert local[OfferKind.DAY] == [
        {"name": "Day Club", "areas": ["X North"], "for": ["The person cared for"]},
        {
            "name": "Fun Club",
            "areas": ["X South"],
            "for": ["The person cared for", "The carer and the person they care for, together"],
        },
    ]
    assert local[OfferKind.SITTER] == [{"name": "Local Sitters", "areas": ["X North", "X South"], "for": ["The carer"]}]
    national = {kind["kind"]: kind["providers"] for kind in table["national"]}
    assert national == {
        OfferKind.RESIDENTIAL: [
            {"name": "Scotland Respite", "areas": ["Partnership Y", "Partnership Z"], "for": ["The person cared for"]}
        ],
        OfferKind.HOLIDAY: [
            {
                "name": "Island Holidays",
                "areas": ["Partnership Z"],
                "for": ["The carer and the person they care for, together"],
            }
        ],
    }
    assert "Residential respite" in table["missing_locally"]
    assert "Day break" not in table["missing_locally"]


def test_another_partnerships_statement_sees_the_same_directory_from_its_side(y, x, directory):
    """From Y: Y Club's day break (1) and the 3 residential breaks in Y North are local (4 in all); Scotland
    Respite's 2 in Z and the 7 holidays are national (9); X's own providers serve X only, so they are not in Y's
    statement at all. The local total, 4, is small; with the grand total of 13 shown, the national total would give
    it away, so it is hidden, and with it the holidays' 7, which is the whole of the holiday row and would give
    the national total away in turn."""
    table = content_of(y.partnership)["directory"]
    rows = {row["kind"]: (row["local"], row["national"], row["total"]) for row in table["rows"]}
    assert rows[OfferKind.DAY] == ("fewer than 5", "0", "fewer than 5")
    assert rows[OfferKind.RESIDENTIAL] == ("fewer than 5", "fewer than 5", "5")
    assert rows[OfferKind.HOLIDAY] == ("0", "hidden", "hidden")
    assert table["totals"] == ["fewer than 5", "hidden", "13"]
    others = set(OfferKind) - {OfferKind.DAY, OfferKind.RESIDENTIAL, OfferKind.HOLIDAY}
    assert {rows[kind] for kind in others} == {("0", "0", "0")}
    truth = [
        [1, 0]
        if k == OfferKind.DAY
        else [3, 2]
        if k == OfferKind.RESIDENTIAL
        else [0, 7]
        if k == OfferKind.HOLIDAY
        else [0, 0]
        for k in OfferKind
    ]
    assert disclosure.determined_cells(_published(table), truth) == []
    local = {p["name"] for kind in table["local"] for p in kind["providers"]}
    national = {p["name"] for kind in table["national"] for p in kind["providers"]}
    assert (local, national) == ({"Y Club", "Scotland Respite"}, {"Scotland Respite", "Island Holidays"})


def test_costs_count_free_and_charged_local_breaks_and_give_the_price_ranges(x, directory):
    costs = content_of(x.partnership)["costs"]
    assert (costs["listed"], costs["free"], costs["paid"]) == ("11", "5", "6")
    assert costs["ranges"] == [
        {"unit": "per hour", "from": "£12", "to": "£16", "same": False},
        {"unit": "per session", "from": "£7.50", "to": "£7.50", "same": True},
    ]


def test_emergencies_list_local_replacement_care_and_sitters_and_whether_they_book_at_once(x, directory):
    OfferFactory(
        provider=Organisation.objects.get(name="Local Sitters"),
        locality=x.locality,
        kind=OfferKind.REPLACEMENT_CARE,
        title="Home cover",
        booking_mode=BookingMode.REQUEST,
    )
    emergency = content_of(x.partnership)["emergency"]
    assert [(e["title"], e["kind"], e["instant"]) for e in emergency] == [
        ("Home cover", "Replacement care at home", False),
        ("Sitter 1", "Sitter service", True),
        ("Sitter 2", "Sitter service", True),
        ("Sitter 3", "Sitter service", True),
        ("Sitter 4", "Sitter service", True),
        ("Sitter 5", "Sitter service", False),
    ]
    assert {e["provider"] for e in emergency} == {"Local Sitters"}
    assert [e["area"] for e in emergency] == ["X North", "X North", "X North", "X North", "X South", "X South"]


def test_the_hubs_newest_eligibility_criteria_are_shown_with_their_date(x, y):
    assert content_of(x.partnership)["eligibility"] is None
    older = timezone.make_aware(datetime.datetime(2026, 1, 5, 9))
    EligibilityCriteria.objects.create(partnership=x.partnership, text="Old words.", effective_from=older)
    EligibilityCriteria.objects.create(
        partnership=x.partnership, text="Carers caring 20 hours a week.", effective_from=older.replace(month=4)
    )
    EligibilityCriteria.objects.create(partnership=y.partnership, text="Y's words.")
    assert content_of(x.partnership)["eligibility"] == {
        "text": "Carers caring 20 hours a week.",
        "from": "2026-04-05",
        "from_text": "5 April 2026",
    }


def test_contacts_name_the_partnerships_hub_and_the_four_sds_options_as_brokerage_names_them(x, y):
    content = content_of(x.partnership)
    assert content["hubs"] == ["X Short Break Hub"]
    labels = [option["label"] for option in content["sds"]]
    assert labels == [label for _, label in sds_option_choices()]
    assert labels[0] == "Option 1: a direct payment"
    assert len(labels) == 4


QUESTIONS = [
    ("time_for_myself", Respondent.CARER, "I had time for myself"),
    ("less_isolated", Respondent.CARER, "I feel less isolated"),
    ("enjoyed", Respondent.CARED_FOR, "I enjoyed my break"),
]


def test_outcomes_count_carers_answers_in_the_last_12_months_with_small_counts_hidden(x, y, provider_user):
    """10 carers of X answered after a break: "I had time for myself" 5 agreed (4, 5, 5, 4, 5) and 5 neither; "I
    feel less isolated" 7 agreed and 3 disagreed. The 3 is "fewer than 5"; with the row's total of 10 beside it,
    the 7 would give it away, so the 7 is hidden too. An answer from 13 months ago and Y's answers do not count."""
    publish_questions(x.partnership, x.broker, QUESTIONS)
    publish_questions(y.partnership, y.broker, QUESTIONS)
    first = [4, 5, 5, 4, 5, 3, 3, 3, 3, 3]
    second = [5, 4, 4, 5, 5, 4, 4, 1, 2, 2]
    for i in range(10):
        carer = CarerFactory(locality=x.locality)
        carer.person = cares_for(carer)
        booking = attended_booking(carer, provider_user)
        answer(booking, x.broker, {"time_for_myself": first[i], "less_isolated": second[i]})
    old = attended_booking(CarerFactory(locality=x.locality), provider_user, days_ago=400)
    answer(old, x.broker, {"time_for_myself": 1, "less_isolated": 1})
    old.feedback.update(submitted_at=timezone.now() - datetime.timedelta(days=400))
    in_y = attended_booking(CarerFactory(locality=y.locality), provider_user)
    answer(in_y, y.broker, {"time_for_myself": 1, "less_isolated": 1})

    today = timezone.localdate()
    outcomes = statement_content(partnership=x.partnership, draft=None, on=today, next_review_on=None)["outcomes"]
    assert outcomes["questions"] == [
        {"question": "I had time for myself", "cells": ["5", "5", "0"], "total": "10"},
        {"question": "I feel less isolated", "cells": ["hidden", "0", "fewer than 5"], "total": "10"},
    ]
    assert outcomes["answered"]


def _shown(text: str) -> Shown:
    hidden = {"fewer than 5": Hidden.SMALL, "hidden": Hidden.SECONDARY, "not shown": Hidden.WITHHELD}
    return Shown(None, hidden[text]) if text in hidden else Shown(int(text.replace(",", "")))


def _published(table) -> PublishedTable:
    """The directory's table as the statement shows it, read back for the attacker's question."""
    return PublishedTable(
        rows=[row["label"] for row in table["rows"]],
        columns=table["columns"],
        cells=[[_shown(row["local"]), _shown(row["national"])] for row in table["rows"]],
        row_totals=[_shown(row["total"]) for row in table["rows"]],
        column_totals=[_shown(t) for t in table["totals"][:2]],
        grand_total=_shown(table["totals"][2]),
    )


def test_no_count_from_1_to_4_appears_and_none_hidden_can_be_worked_out(x, y):
    """A small directory: 2 sitters and 1 residential break in X, 5 day breaks; 1 residential break elsewhere from
    a provider serving X and Y."""
    local = provider("Small Local", x.partnership)
    national = provider("Small National", x.partnership, y.partnership)
    offers(2, provider=local, locality=x.locality, kind=OfferKind.SITTER, price_pence=1000, price_unit=PriceUnit.HOUR)
    offers(1, provider=local, locality=x.locality, kind=OfferKind.RESIDENTIAL)
    offers(5, provider=local, locality=x.locality, kind=OfferKind.DAY)
    offers(1, provider=national, locality=y.locality, kind=OfferKind.RESIDENTIAL)
    content = content_of(x.partnership)
    table = content["directory"]
    texts = [t for row in table["rows"] for t in (row["local"], row["national"], row["total"])] + table["totals"]
    texts += [content["costs"][name] for name in ("listed", "free", "paid")]
    assert not [t for t in texts if re.fullmatch(r"[1-4]", t)]
    rows = {row["kind"]: row for row in table["rows"]}
    assert rows[OfferKind.SITTER]["local"] == "fewer than 5"
    assert rows[OfferKind.DAY]["local"] in ("5", "hidden")
    # The attacker's question, asked of the table as published: no hidden count can take only one value.
    kinds = list(OfferKind)
    truth = [
        [
            2 if k == OfferKind.SITTER else 1 if k == OfferKind.RESIDENTIAL else 5 if k == OfferKind.DAY else 0,
            1 if k == OfferKind.RESIDENTIAL else 0,
        ]
        for k in kinds
    ]
    assert disclosure.determined_cells(_published(table), truth) == []
    assert table["any_hidden"]
