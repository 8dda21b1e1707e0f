"""A page of the feed costs the same queries at 1x and 10x the offers: the count and the page's ids (one query
within a proximity), the page's offers with their provider and area, and its capacity (sessions, nights), plus
the postcode's look-up."""

import datetime

import pytest
from django.test import Client

from brokerage.models import OfferKind, OutwardCode
from commissioning.openreferral import ids
from tests.factories import NightFactory, OfferFactory, ProviderFactory, SessionFactory

pytestmark = pytest.mark.django_db
NEAR = {"postcode": "EH1 1YZ", "proximity": "20000"}
# The day of the week of the factories' sessions (a week from now) and nights (two weeks from now).
SESSION_DAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[(datetime.date.today() + datetime.timedelta(days=7)).weekday()]


def _add(count: int, providers) -> None:
    for n in range(count):
        kind = OfferKind.PROPERTY if n % 5 == 0 else OfferKind.DAY
        offer = OfferFactory(
            provider=providers[n % len(providers)], kind=kind, postcode="EH1 1YZ", easting=325603 + n, northing=673734
        )
        if kind == OfferKind.PROPERTY:
            NightFactory(offer=offer)
        else:
            SessionFactory(offer=offer, places_taken=n % 3)


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        ("services", {}, 5),
        ("services", {"per_page": "50", "taxonomy_id": "1d8c0850-8db7-5e50-9a05-e356c5714975"}, 5),
        ("service_at_locations", NEAR, 5),
        ("service_at_locations", {**NEAR, "per_page": "50", "day": SESSION_DAY}, 5),
    ],
)
def test_a_page_costs_the_same_queries_at_1x_and_10x_the_offers(django_assert_num_queries, path, params, queries):
    OutwardCode.objects.create(code="EH1", easting=325603, northing=673734)
    providers = [ProviderFactory() for _ in range(3)]
    client = Client()
    _add(10, providers)
    with django_assert_num_queries(queries):
        small = client.get(f"/openreferral/{path}", params)
    _add(90, providers)
    with django_assert_num_queries(queries):
        large = client.get(f"/openreferral/{path}", params)
    assert small.status_code == large.status_code == 200
    assert large.json()["size"] > small.json()["size"] or large.json()["total_items"] == 100


def test_a_service_by_id_costs_a_few_queries_however_many_sessions(django_assert_num_queries):
    offer = OfferFactory()
    SessionFactory(offer=offer)
    client = Client()
    path = f"/openreferral/services/{ids.of('service', offer.pk)}"
    # The offer with provider and area, its features, schedules, next sessions, and capacity (sessions, nights).
    with django_assert_num_queries(6):
        assert client.get(path).status_code == 200
    for _ in range(30):
        SessionFactory(offer=offer)
    with django_assert_num_queries(6):
        assert len(client.get(path).json()["schedules"]) == 20
