"""The feed's fixtures: the demo data once per module (seeded inside a transaction that is rolled back at the
end, so no other test sees it), and `get`, which fetches a feed URL and checks what every response must have."""

import pytest
from django.db import transaction
from django.test import Client

from brokerage.models import OutwardCode

BASE = "/openreferral/"
# Real Code-Point Open centroids of two of the demo's postcode districts (metres on the British National Grid).
DEMO_CENTROIDS = {"PA34": (184903, 727875), "PA31": (184755, 689783), "PA35": (200955, 728229)}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from breakthrough.demo import seed_demo
    from brokerage.directory import geo

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        for code, (easting, northing) in DEMO_CENTROIDS.items():
            OutwardCode.objects.create(code=code, easting=easting, northing=northing, postcodes=1)
        geo.geocode_offers()
        yield
        transaction.set_rollback(True)


def fetch(path: str, status: int = 200, client: Client | None = None, **params):
    response = (client or Client()).get(path if path.startswith("/") else BASE + path, params)
    assert response.status_code == status, (path, params, response.content[:500])
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def get():
    return fetch
