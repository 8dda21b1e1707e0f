import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.directory import selectors
from brokerage.models import BreakFor, OfferKind, PriceUnit
from tests.brokerage.directory.conftest import CENTROIDS, at
from tests.factories import LocalityFactory, NightFactory, OfferFactory, ProviderFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = reverse("brokerage:directory:search")


def titles(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.context["page"]
    return None if page is None else [offer.title for offer in page.object_list]


def test_anyone_can_browse_published_offers_by_title(client):
    OfferFactory(title="Swimming")
    OfferFactory(title="Art club")
    OfferFactory(title="Hidden", is_published=False)
    response = client.get(URL)
    assert [o.title for o in response.context["page"].object_list] == ["Art club", "Swimming"]
    assert "2 breaks found" in response.content.decode()
    assert "Contains OS data © Crown copyright and database right" in response.content.decode()


def test_words_match_title_summary_description_and_provider(client):
    OfferFactory(title="Swimming", summary="In the pool")
    OfferFactory(title="Art", summary="Painting", description="Bring an apron")
    OfferFactory(title="Sitters", provider=ProviderFactory(name="Crossroads Care"))
    assert titles(client, q="swim") == ["Swimming"]
    assert titles(client, q="APRON") == ["Art"]
    assert titles(client, q="crossroads") == ["Sitters"]
    assert titles(client, q="art apron") == ["Art"]
    assert titles(client, q="art pool") == []


def test_percent_and_underscore_in_words_are_plain_characters(client):
    OfferFactory(title="Half price swim", summary="50% off for carers")
    OfferFactory(title="Art", summary="Painting")
    assert titles(client, q="50%") == ["Half price swim"]
    assert titles(client, q="%") == ["Half price swim"]
    assert titles(client, q="_") == []


def test_kind_and_who_takes_the_break(client):
    OfferFactory(title="Club", kind=OfferKind.ACTIVITY, break_for=BreakFor.CARED_FOR)
    OfferFactory(title="Sitter", kind=OfferKind.SITTER, break_for=BreakFor.CARER)
    OfferFactory(title="Holiday", kind=OfferKind.HOLIDAY, break_for=BreakFor.BOTH)
    assert titles(client, kind=["activity", "holiday"]) == ["Club", "Holiday"]
    assert titles(client, break_for="carer") == ["Sitter"]
    assert titles(client, break_for=["carer", "both"]) == ["Holiday", "Sitter"]


def test_area(client):
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    OfferFactory(title="Up", locality=north)
    OfferFactory(title="Down", locality=south)
    assert titles(client, locality=north.pk) == ["Up"]


def test_age_needs_and_cost(client):
    OfferFactory(title="Kids", min_age=5, max_age=11, supports_high=False)
    OfferFactory(title="Teens", min_age=12, max_age=18, supports_high=True, price_unit="session", price_pence=1250)
    OfferFactory(title="All ages", supports_complex=True, price_unit=PriceUnit.HOUR, price_pence=2000)
    assert titles(client, age=11) == ["All ages", "Kids"]
    assert titles(client, age=12) == ["All ages", "Teens"]
    assert titles(client, needs="complex") == ["All ages"]
    assert titles(client, needs="high") == ["All ages", "Teens"]
    assert titles(client, max_cost="12.50") == ["Kids", "Teens"]
    assert titles(client, max_cost="12.49") == ["Kids"]
    assert titles(client, free="on") == ["Kids"]


def test_date_means_a_session_that_day_or_a_night_free(client):
    day = timezone.localdate() + datetime.timedelta(days=10)
    noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    SessionFactory(offer=OfferFactory(title="That day"), starts_at=noon)
    SessionFactory(offer=OfferFactory(title="Full that day"), starts_at=noon, places=2, places_taken=2)
    SessionFactory(offer=OfferFactory(title="Next day"), starts_at=noon + datetime.timedelta(days=1))
    SessionFactory(offer=OfferFactory(title="Cancelled"), starts_at=noon, is_cancelled=True)
    NightFactory(offer=OfferFactory(title="Cottage", kind=OfferKind.PROPERTY), date=day)
    NightFactory(offer=OfferFactory(title="Booked cottage", kind=OfferKind.PROPERTY), date=day, places_taken=1)
    params = {"date_0": day.day, "date_1": day.month, "date_2": day.year}
    assert titles(client, **params) == ["Cottage", "That day"]


def test_has_places(client):
    SessionFactory(offer=OfferFactory(title="Open"))
    SessionFactory(offer=OfferFactory(title="Full"), places=3, places_taken=3)
    SessionFactory(offer=OfferFactory(title="Past"), starts_at=timezone.now() - datetime.timedelta(days=3))
    NightFactory(offer=OfferFactory(title="Cottage", kind=OfferKind.PROPERTY))
    OfferFactory(title="No dates")
    assert titles(client, has_places="on") == ["Cottage", "Open"]


@pytest.fixture(params=["point index", "distance_sq"])
def nearest_first_by(request, monkeypatch):
    """Both ways of ordering nearest first: PostgreSQL's point index, and distance_sq, which SQLite uses (and
    which runs on PostgreSQL too, so a PostgreSQL run tests both)."""
    if request.param == "point index":
        if connection.vendor != "postgresql":
            pytest.skip("the point index is PostgreSQL's")
    else:
        monkeypatch.setattr(selectors, "uses_point_index", lambda: False)
    return request.param


def test_a_postcode_sorts_nearest_first_and_a_distance_limits(client, outward_codes, nearest_first_by):
    OfferFactory(title="Aberdeen", **at("AB10"))
    OfferFactory(title="Glasgow", **at("G1"))
    OfferFactory(title="Leith walk", **at("EH1"))
    OfferFactory(title="Corstorphine", **at("EH4"))
    OfferFactory(title="Nowhere known", postcode="ZE1 0AA")  # no position: left out of a distance search
    assert titles(client, postcode="eh11yz") == ["Leith walk", "Corstorphine", "Glasgow", "Aberdeen"]
    assert titles(client, postcode="EH1 1YZ", within=5) == ["Leith walk", "Corstorphine"]
    assert titles(client, postcode="EH1 1YZ", within=2) == ["Leith walk"]
    assert titles(client, postcode="EH1 1YZ", within=50) == ["Leith walk", "Corstorphine", "Glasgow"]
    page = client.get(URL, {"postcode": "EH1 1YZ", "within": 50}).content.decode()
    assert "About 2.9 miles away" in page
    assert "3 breaks found within 50 miles. <strong>Nearest first to EH1 1YZ</strong>." in page


def test_nearest_first_holds_across_pages_whatever_the_titles(client, outward_codes, nearest_first_by):
    """25 offers whose titles run the other way from their distances: page 1 is the 20 nearest, page 2 the rest."""
    east, north = CENTROIDS["EH1"]
    for n in range(25):  # Offer 24 is nearest (240 m away), Offer 00 farthest (about 15 miles)
        OfferFactory(title=f"Offer {n:02d}", postcode="EH1 1YZ", easting=east + (25 - n) * 1000 - 760, northing=north)
    first = titles(client, postcode="EH1 1YZ")
    second = titles(client, postcode="EH1 1YZ", page=2)
    assert first == [f"Offer {n:02d}" for n in range(24, 4, -1)]
    assert second == [f"Offer {n:02d}" for n in range(4, -1, -1)]


def test_every_result_says_how_far_away_it_is(client, outward_codes):
    OfferFactory(title="Leith walk", **at("EH1"))
    OfferFactory(title="Corstorphine", **at("EH4"))
    OfferFactory(title="Glasgow", **at("G1"))
    OfferFactory(title="Aberdeen", **at("AB10"))
    response = client.get(URL, {"postcode": "EH1 1YZ"})
    assert [o.distance for o in response.context["page"].object_list] == [
        "less than a mile away",  # the same postcode area: its centre is all we know
        "about 2.9 miles away",
        "about 42 miles away",
        "about 92 miles away",
    ]
    html = response.content.decode()
    assert "4 breaks found. <strong>Nearest first to EH1 1YZ</strong>." in html
    for distance in ("Less than a mile away", "About 2.9 miles away", "About 42 miles away", "About 92 miles away"):
        assert f"<strong>{distance}</strong>" in html
    # Without a postcode: by title, and no distances.
    html = client.get(URL, {"q": "a"}).content.decode()
    assert "Nearest first" not in html
    assert "miles away" not in html


def _filters(html: str) -> str:
    """The <details> the filters are in."""
    return re.search(r'<details class="govuk-details app-filter"[^>]*>', html).group(0)


def test_after_a_search_the_filters_fold_away_so_the_results_come_first(client, outward_codes):
    """On a phone the filters (a page and a half of them) came before the results. Now, once something is
    searched, they are folded behind "Filter results" (a <details>, so without JavaScript too), and the results
    follow straight after it. Before a search, or with a mistake to correct, they are open."""
    OfferFactory(title="Leith walk", **at("EH1"))
    before = client.get(URL).content.decode()
    assert " open>" in _filters(before)

    after = client.get(URL, {"postcode": "EH1 1YZ", "kind": "day"}).content.decode()
    assert " open" not in _filters(after)
    assert "Filter results</span></summary>" in after
    assert after.index("app-filter") < after.index("Results</h2>") < after.index("Leith walk")

    mistake = client.get(URL, {"postcode": "EH1 1YZ", "age": "twelve"}).content.decode()
    assert " open>" in _filters(mistake)
    # Only a page number: nothing searched yet.
    assert " open>" in _filters(client.get(URL, {"page": "2"}).content.decode())


def test_a_malformed_postcode_gets_a_message_beside_the_field_and_keeps_what_was_entered(client, outward_codes):
    response = client.get(URL, {"postcode": "not a postcode", "q": "swimming", "kind": "activity"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["page"] is None
    assert response.context["form"].errors == {"postcode": ["Enter a real postcode, like EH1 1YZ"]}
    assert html.count("Enter a real postcode, like EH1 1YZ") == 2  # the summary and beside the field
    assert 'value="not a postcode"' in html
    assert 'value="swimming"' in html
    assert response.context["form"]["kind"].value() == ["activity"]
    assert 'checked="checked"' in html
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Error: Find a break" in html


def test_an_unknown_postcode_says_so(client, outward_codes):
    response = client.get(URL, {"postcode": "BT1 1AA"})
    assert response.context["form"].errors == {"postcode": ["We could not find that postcode. Check it and try again"]}
    assert 'value="BT1 1AA"' in response.content.decode()


def test_a_distance_needs_a_postcode_and_bad_numbers_get_messages(client):
    response = client.get(URL, {"within": 5, "age": "twelve", "max_cost": "lots", "date_0": "31", "date_1": "2"})
    assert response.context["form"].errors == {
        "postcode": ["Enter a postcode to search within a distance"],
        "age": ["Enter the age as a whole number, like 12"],
        "max_cost": ["Enter an amount in pounds, like 12.50"],
        "date": ["Enter the date as a day, month and year, like 27 3 2027"],
    }


def test_no_results_suggests_removing_filters(client):
    OfferFactory(title="Swimming")
    html = client.get(URL, {"q": "zzz"}).content.decode()
    assert "0 breaks found" in html
    assert "No breaks match your search" in html
    assert "remove some filters" in html


def test_twenty_a_page_and_the_search_is_kept_between_pages(client):
    for n in range(45):
        OfferFactory(title=f"Club {n:02d}", kind=OfferKind.ACTIVITY)
    OfferFactory(title="Other", kind=OfferKind.SITTER)
    first = client.get(URL, {"kind": "activity"})
    assert len(first.context["page"].object_list) == 20
    assert "45 breaks found" in first.content.decode()
    assert "?kind=activity&amp;page=2" in first.content.decode()
    last = client.get(URL, {"kind": "activity", "page": 3})
    assert [o.title for o in last.context["page"].object_list] == [
        "Club 40",
        "Club 41",
        "Club 42",
        "Club 43",
        "Club 44",
    ]
    assert client.get(URL, {"page": "999"}).status_code == 200


def _queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


SEARCHES = [
    {},
    {"q": "club", "kind": ["activity", "day"], "has_places": "on"},
    {"postcode": "EH1 1YZ", "within": 50, "age": 12, "needs": "high", "max_cost": "20"},
    {"break_for": "cared_for", "date_0": "1", "date_1": "1", "date_2": "2030", "page": 2},
]


def _add_offers(count):
    locality = LocalityFactory()
    provider = ProviderFactory()
    for n in range(count):
        offer = OfferFactory(title=f"Club {n}", provider=provider, locality=locality, **at("EH4"))
        SessionFactory(offer=offer)


@pytest.mark.parametrize("params", SEARCHES)
def test_the_number_of_queries_does_not_grow_with_the_data(client, outward_codes, params):
    _add_offers(25)
    small = _queries(client, params)
    _add_offers(225)
    assert _queries(client, params) == small
    assert small <= 5


def test_past_the_cap_the_count_says_more_than(client, monkeypatch):
    from brokerage.directory import views

    monkeypatch.setattr(views, "MOST_RESULTS", 30)
    for n in range(35):
        OfferFactory(title=f"Club {n:02d}")
    response = client.get(URL)
    html = response.content.decode()
    assert "More than 30 breaks found" in html
    assert response.context["page"].paginator.num_pages == 2
    assert [o.title for o in client.get(URL, {"page": 5}).context["page"].object_list][-1] == "Club 29"
