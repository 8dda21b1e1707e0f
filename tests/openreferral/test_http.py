"""Every answer of the feed may be read from any origin (CORS), a preflight is answered, the feed is read-only,
and a visitor's answers may be cached briefly while a signed-in person's are never stored. Identifiers never
change."""

import pytest
from django.test import Client
from django.urls import reverse

from breakthrough.middleware import NO_STORE
from commissioning.openreferral import ids, taxonomies
from tests.factories import OfferFactory
from tests.openreferral.schemas import check

pytestmark = pytest.mark.django_db
PATHS = ["", "openapi.json", "services", "service_at_locations", "taxonomies", "taxonomy_terms"]


@pytest.mark.parametrize("path", PATHS)
def test_visitors_get_json_any_origin_may_read_and_caches_may_keep_a_minute(client, path):
    response = client.get(f"/openreferral/{path}", HTTP_ORIGIN="https://referrals.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=60"
    assert not response.cookies


def test_a_signed_in_person_gets_the_same_feed_but_never_stored(client_for, carer_a, x):
    for user in (carer_a.user, x.broker):
        response = client_for(user).get("/openreferral/services")
        assert response.status_code == 200  # staff need no authenticator app for the public feed
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Cache-Control"] == NO_STORE


def test_a_preflight_is_answered_for_any_origin(client):
    response = client.options(
        "/openreferral/services",
        HTTP_ORIGIN="https://referrals.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept, x-requested-with",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "accept, x-requested-with"


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_the_feed_is_read_only(method):
    response = getattr(Client(enforce_csrf_checks=True), method)("/openreferral/services")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_errors_too_may_be_read_from_any_origin(client):
    for path, status in (("services?page=x", 400), ("services/nope", 404), ("no/such/path", 404)):
        response = client.get(f"/openreferral/{path}")
        assert response.status_code == status
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response.json()["status"] == status


def test_identifiers_are_fixed_for_ever():
    # These are published: if this test fails, every referrer's saved links break.
    assert ids.of("service", 1) == "2d7b1a98-ca09-8591-8000-000000000001"
    assert ids.of("service", 123456789) == "2d7b1a98-ca09-8591-8000-0000075bcd15"
    assert taxonomies.KIND.id == "1d8c0850-8db7-5e50-9a05-e356c5714975"
    assert taxonomies.term(taxonomies.KIND, "day").id == ids.named("taxonomy_term:kind:day")
    assert ids.pk_of("service", ids.of("service", 42)) == 42
    assert ids.pk_of("organization", ids.of("service", 42)) is None
    assert ids.pk_of("service", "2d7b1a98ca0985918000000000000001") is None  # not the hyphenated form
    kinds = ["service", "organization", "location", "service_at_location", "service_capacity", "session"]
    assert len({ids.of(kind, 7) for kind in kinds}) == len(kinds)
    assert len({term.id for term in taxonomies.TERMS}) == 19


def test_an_offers_ids_follow_it_from_page_to_page(client):
    offer = OfferFactory()
    [listed] = client.get("/openreferral/services").json()["contents"]
    assert listed["id"] == ids.of("service", offer.pk)
    assert client.get(f"/openreferral/services/{listed['id']}").json()["id"] == listed["id"]
    assert listed["url"] == "http://testserver" + reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})


def test_the_schema_checks_can_fail():
    with pytest.raises(AssertionError, match="'status' is a required property"):
        check("service", {"id": ids.of("service", 1), "name": "A"})
    with pytest.raises(AssertionError, match="is not a 'uuid'"):
        check("service_list", {"id": "12", "name": "A", "status": "active"})
    with pytest.raises(AssertionError, match="is not a 'date-time'"):
        check(
            "service_capacity",
            {
                "id": ids.of("service_capacity", 1),
                "unit": {"id": ids.named("u"), "name": "P"},
                "available": 1,
                "updated": "yesterday",
            },
        )
    with pytest.raises(AssertionError, match="is not one of"):
        check("service_list", {"id": ids.of("service", 1), "name": "A", "status": "open"})


def test_head_answers_like_get(client):
    assert client.head("/openreferral/services").status_code == 200
