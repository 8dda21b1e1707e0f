"""The filters the profile names, on offers made for each case, with the answers worked out by hand; and every
bad parameter answered 400 with what is wrong, never a 500."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from brokerage.models import BreakFor, NeedsLevel, OfferKind, OutwardCode
from commissioning.openreferral import ids, taxonomies
from tests.factories import NightFactory, OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def names(page: dict) -> list[str]:
    return [item["name"] if "name" in item else item["service"]["name"] for item in page["contents"]]


def _next(weekday: int, clock: datetime.time) -> datetime.datetime:
    """The next `weekday` (0 = Monday) at least two days ahead, at `clock` UK time."""
    day = timezone.localdate() + datetime.timedelta(days=2)
    day += datetime.timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.datetime.combine(day, clock, tzinfo=LONDON)


def test_search_finds_words_in_the_name_description_or_provider(get):
    OfferFactory(title="Swimming club", summary="In the pool.")
    OfferFactory(title="Art afternoon", summary="Paint and swim after.")
    OfferFactory(title="Walk", summary="Out on the hills.")
    assert names(get("services", search="swim")) == ["Art afternoon", "Swimming club"]
    assert names(get("services", search="swim club")) == ["Swimming club"]
    assert get("services", search="nothing-like-it")["empty"] is True


def test_taxonomy_terms_and_taxonomies(get):
    OfferFactory(title="A", kind=OfferKind.DAY, break_for=BreakFor.CARER, supports_high=False)
    OfferFactory(title="B", kind=OfferKind.SITTER, break_for=BreakFor.CARED_FOR, supports_complex=True)
    OfferFactory(
        title="C",
        kind=OfferKind.DAY,
        break_for=BreakFor.BOTH,
        supports_low=False,
        supports_medium=False,
        supports_high=False,
    )
    day = taxonomies.term(taxonomies.KIND, OfferKind.DAY).id
    complex_needs = taxonomies.term(taxonomies.NEEDS_LEVEL, NeedsLevel.COMPLEX).id
    medium = taxonomies.term(taxonomies.NEEDS_LEVEL, NeedsLevel.MEDIUM).id
    assert names(get("services", taxonomy_term_id=day)) == ["A", "C"]
    assert names(get("services", taxonomy_term_id=complex_needs)) == ["B"]
    assert names(get("services", taxonomy_term_id=medium)) == ["A", "B"]
    assert names(get("services", taxonomy_id=taxonomies.KIND.id)) == ["A", "B", "C"]
    assert names(get("services", taxonomy_id=taxonomies.NEEDS_LEVEL.id)) == ["A", "B"]  # C supports no level
    assert get("services", taxonomy_term_id=ids.named("no such term"))["total_items"] == 0
    # An offer's terms are its attributes.
    [a] = get("services", taxonomy_term_id=day, per_page=1)["contents"]
    assert [attr["taxonomy_term"]["term"] for attr in a["attributes"]] == ["day", "carer", "low", "medium"]


def test_ages_as_the_profile_words_them(get):
    OfferFactory(title="Any age")
    OfferFactory(title="5 to 11", min_age=5, max_age=11)
    OfferFactory(title="12 to 17", min_age=12, max_age=17)
    OfferFactory(title="18 and over", min_age=18)
    # "a minimum age of at least": no minimum counts as 0.
    assert names(get("services", minimum_age="12")) == ["12 to 17", "18 and over"]
    assert names(get("services", minimum_age="0")) == ["12 to 17", "18 and over", "5 to 11", "Any age"]
    # "a maximum age at or below": no maximum never is.
    assert names(get("services", maximum_age="11")) == ["5 to 11"]
    assert names(get("services", maximum_age="17.5", minimum_age="6")) == ["12 to 17"]


def test_day_and_times_match_one_coming_session(get):
    saturday_morning = OfferFactory(title="Saturday morning")
    SessionFactory(offer=saturday_morning, starts_at=_next(5, datetime.time(10)), ends_at=_next(5, datetime.time(12)))
    tuesday_evening = OfferFactory(title="Tuesday evening")
    SessionFactory(
        offer=tuesday_evening, starts_at=_next(1, datetime.time(18, 30)), ends_at=_next(1, datetime.time(21))
    )
    cancelled = OfferFactory(title="Cancelled Saturday")
    SessionFactory(offer=cancelled, starts_at=_next(5, datetime.time(10)), is_cancelled=True)
    cottage = OfferFactory(title="Cottage", kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH)
    NightFactory(offer=cottage, date=_next(5, datetime.time(0)).date())
    assert names(get("services", day="SA")) == ["Cottage", "Saturday morning"]
    assert names(get("services", day="saturday", start_time="09:00")) == ["Saturday morning"]
    assert names(get("services", day="TU")) == ["Tuesday evening"]
    assert names(get("services", start_time="18:00")) == ["Tuesday evening"]
    assert names(get("services", end_time="12:00")) == ["Saturday morning"]
    assert names(get("services", start_time="10:30", end_time="12:00")) == []
    # Both times and the day must hold for the same session.
    assert names(get("services", day="TU", end_time="12:00")) == []


def test_postcode_puts_the_nearest_first_and_proximity_keeps_those_within(get):
    OutwardCode.objects.create(code="EH1", easting=325603, northing=673734)
    OutwardCode.objects.create(code="EH4", easting=321500, northing=675800)
    OutwardCode.objects.create(code="G1", easting=259300, northing=665300)
    OfferFactory(title="Glasgow", postcode="G1 1AA", easting=259300, northing=665300)
    OfferFactory(title="Edinburgh west", postcode="EH4 2AB", easting=321500, northing=675800)
    OfferFactory(title="Edinburgh", postcode="EH1 1YZ", easting=325603, northing=673734)
    OfferFactory(title="Nowhere known", postcode="ZZ1 1ZZ")
    page = get("service_at_locations", postcode="eh11yz")
    assert names(page) == ["Edinburgh", "Edinburgh west", "Glasgow"]
    # Metres between district centres: EH4 is sqrt(4103² + 2066²) = 4594 m away; G1 is 66,837 m.
    assert [item["distance"] for item in page["contents"]] == [0, 4594, 66837]
    assert names(get("service_at_locations", postcode="EH1 1YZ", proximity="5000")) == ["Edinburgh", "Edinburgh west"]
    assert names(get("service_at_locations", postcode="EH1 1YZ", proximity="4500")) == ["Edinburgh"]
    assert names(get("service_at_locations", postcode="EH1 1YZ", proximity="70000", search="west")) == [
        "Edinburgh west"
    ]
    location = page["contents"][0]["location"]
    assert location["external_identifier"] == "EH1 1YZ"
    assert location["external_identifier_type"] == "postcode"


def test_unpublished_offers_are_not_in_the_feed(get):
    hidden = OfferFactory(title="Hidden", is_published=False)
    OfferFactory(title="Shown")
    assert names(get("services")) == ["Shown"]
    get(f"services/{ids.of('service', hidden.pk)}", status=404)
    get(f"service_at_locations/{ids.of('service_at_location', hidden.pk)}", status=404)


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("services", {"page": "0"}, "page"),
        ("services", {"page": "two"}, "page"),
        ("services", {"page": "99999999999999999999"}, "page"),
        ("services", {"per_page": "101"}, "per_page"),
        ("services", {"per_page": "-1"}, "per_page"),
        ("services", {"page": "2"}, "page"),  # past the last page
        ("services", {"search": "x" * 101}, "search"),
        ("services", {"taxonomy_term_id": "not-a-uuid"}, "taxonomy_term_id"),
        ("services", {"taxonomy_id": "1d8c0850"}, "taxonomy_id"),
        ("services", {"minimum_age": "old"}, "minimum_age"),
        ("services", {"minimum_age": "NaN"}, "minimum_age"),
        ("services", {"maximum_age": "1e400"}, "maximum_age"),
        ("services", {"maximum_age": "-3"}, "maximum_age"),
        ("services", {"day": "Funday"}, "day"),
        ("services", {"start_time": "25:00"}, "start_time"),
        ("services", {"end_time": "9am"}, "end_time"),
        ("service_at_locations", {"postcode": "NOT A CODE"}, "postcode"),
        ("service_at_locations", {"postcode": "ZZ9 9ZZ"}, "postcode"),  # shaped right, not known
        ("service_at_locations", {"proximity": "1000"}, "proximity"),  # without a postcode
        ("service_at_locations", {"proximity": "far"}, "proximity"),
        ("service_at_locations", {"proximity": "inf"}, "proximity"),
        ("service_at_locations", {"proximity": "0"}, "proximity"),
        ("taxonomies", {"per_page": "x"}, "per_page"),
        ("taxonomy_terms", {"page": "3"}, "page"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(get, path, params, parameter):
    OfferFactory()
    answer = get(path, status=400, **params)
    assert answer["status"] == 400
    assert [error["parameter"] for error in answer["errors"]] == [parameter]
    assert answer["errors"][0]["message"]


def test_every_problem_is_named_at_once(get):
    answer = get("services", status=400, per_page="0", day="x", minimum_age="y")
    assert [error["parameter"] for error in answer["errors"]] == ["per_page", "minimum_age", "day"]


def test_an_id_that_is_not_ours_is_a_404(get):
    offer = OfferFactory()
    for path in (
        "services/not-a-uuid",
        f"services/{ids.of('organization', offer.pk)}",  # another kind's id
        f"services/{ids.named('service')}",
        f"service_at_locations/{ids.of('service', offer.pk)}",
        "taxonomies/1d8c0850-8db7-5e50-9a05-e356c5714976",
        f"taxonomy_terms/{taxonomies.KIND.id}",
        "no-such-thing",
    ):
        assert get(path, status=404)["status"] == 404
