"""The feed over the demo data, validated against the Open Referral UK profile's own schemas (and HSDS 3.1's for
capacity), as the official validator reads it: the first, a middle and the last page of every list, and every
`{id}` form of every service. Each response is also checked against the feed's own OpenAPI document."""

import re

import pytest

from brokerage.models import Offer
from commissioning.openreferral import ids
from tests.openreferral.conftest import fetch
from tests.openreferral.schemas import check, check_against_document

pytestmark = pytest.mark.django_db
MILLISECONDS = re.compile(r"T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LISTS = {
    "services": ("service_list", {}),
    "service_at_locations": ("service_at_location_list", {}),
    "service_at_locations?near": (
        "service_at_location_list",
        {"postcode": "PA34 4AA", "proximity": "40000", "per_page": 1},
    ),
    "taxonomies": ("taxonomy", {"per_page": 1}),
    "taxonomy_terms": ("taxonomy_term", {}),
}


@pytest.fixture(scope="module")
def document(demo, django_db_blocker):
    with django_db_blocker.unblock():
        return fetch("openapi.json")


def _check_capacities(service: dict) -> None:
    assert service["capacities"], service["name"]
    for capacity in service["capacities"]:
        check("service_capacity", capacity)
        assert MILLISECONDS.search(capacity["updated"]), capacity["updated"]
        assert 0 <= capacity["available"] <= capacity["maximum"]


def _pages(total_pages: int) -> list[int]:
    return sorted({1, max(1, total_pages // 2), total_pages})


def test_the_root_names_the_version_the_validator_chooses_its_rules_by(demo, get, document):
    root = get("")
    assert root["version"] == "HSDS-UK-3.0"
    assert root["profile"].startswith("https://")
    assert root["openapi_url"] == "http://testserver/openreferral/openapi.json"
    check_against_document(document, "/", root)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_first_middle_and_last_page_of_every_list_pass_the_profiles_schemas(demo, get, document, name):
    schema, params = LISTS[name]
    path = name.split("?")[0]
    params = {"per_page": 2, **params}
    first = get(path, **params)
    assert first["total_pages"] >= 3, "the demo has enough for three pages"
    seen = []
    for number in _pages(first["total_pages"]):
        page = get(path, page=number, **params)
        check("page", page)
        check_against_document(document, f"/{path}", page)
        assert set(page) == {
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents",
        }
        assert page["page_number"] == number
        assert page["first_page"] is (number == 1)
        assert page["last_page"] is (number == first["total_pages"])
        assert page["size"] == len(page["contents"])
        if number < first["total_pages"]:
            assert page["size"] == params["per_page"]
        assert page["empty"] is False
        for item in page["contents"]:
            check(schema, item)
            if name.startswith("service_at_locations"):
                check("service_list", item["service"])
                _check_capacities(item["service"])
            elif name == "services":
                _check_capacities(item)
            seen.append(item["id"])
    assert len(seen) == len(set(seen))


def test_every_list_counts_what_it_holds(demo, get):
    published = Offer.objects.filter(is_published=True).count()
    assert published == 13
    assert get("services")["total_items"] == 13
    assert get("service_at_locations")["total_items"] == 13
    assert get("taxonomies")["total_items"] == 3
    assert get("taxonomy_terms")["total_items"] == 12 + 3 + 4
    # All of them on one page each, with no id twice.
    every = get("services", per_page=100)["contents"]
    assert len({service["id"] for service in every}) == 13


def test_every_id_form_of_every_demo_service_passes_the_profiles_schemas(demo, get, document):
    offers = list(Offer.objects.filter(is_published=True).order_by("pk"))
    assert len(offers) == 13
    for offer in offers:
        service = get(f"services/{ids.of('service', offer.pk)}")
        check("service", service)
        check_against_document(document, "/services/{id}", service)
        _check_capacities(service)
        assert service["name"] == offer.title
        assert [sal["id"] for sal in service["service_at_locations"]] == [ids.of("service_at_location", offer.pk)]
        at_location = get(f"service_at_locations/{ids.of('service_at_location', offer.pk)}")
        check("service_at_location", at_location)
        check_against_document(document, "/service_at_locations/{id}", at_location)
        check("service", at_location["service"])
        _check_capacities(at_location["service"])
        assert at_location["service"]["id"] == service["id"]


def test_every_taxonomy_and_term_by_id_passes_the_profiles_schemas(demo, get, document):
    taxonomies = get("taxonomies", per_page=100)["contents"]
    terms = get("taxonomy_terms", per_page=100)["contents"]
    assert [t["name"] for t in taxonomies] == ["Kinds of break", "Who takes the break", "Levels of needs supported"]
    for taxonomy in taxonomies:
        one = get(f"taxonomies/{taxonomy['id']}")
        check("taxonomy", one)
        check_against_document(document, "/taxonomies/{id}", one)
        assert one == taxonomy
    for term in terms:
        one = get(f"taxonomy_terms/{term['id']}")
        check("taxonomy_term", one)
        check_against_document(document, "/taxonomy_terms/{id}", one)
        assert one == term


def test_the_openapi_document_says_what_the_feed_serves(demo, document):
    assert document["info"]["license"]["url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert "openreferral.org" in document["info"]["description"]
    assert set(document["paths"]) == {
        "/",
        "/services",
        "/services/{id}",
        "/service_at_locations",
        "/service_at_locations/{id}",
        "/taxonomies",
        "/taxonomies/{id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{id}",
    }
    names = {p["$ref"].rsplit("/", 1)[-1] for p in document["paths"]["/service_at_locations"]["get"]["parameters"]}
    assert names == {
        "search",
        "page",
        "per_page",
        "taxonomy_term_id",
        "taxonomy_id",
        "minimum_age",
        "maximum_age",
        "start_time",
        "end_time",
        "day",
        "postcode",
        "proximity",
    }
