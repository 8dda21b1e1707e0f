"""Personas every test can ask for: two households, staff in partnerships X and Y, a provider, an outsider.

Staff personas have set up their authenticator app already (so they pass the two-factor rule);
use `client_for(user)` to get a signed-in test client.
"""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client

from breakthrough.models import Organisation, Role
from tests.factories import (
    CarerFactory,
    LocalityFactory,
    OrganisationFactory,
    PartnershipFactory,
    UserFactory,
    cares_for,
    staff,
)
from tests.page_checks import _pages_are_well_formed  # noqa: F401 (an autouse fixture: every page's title and inputs)


def _clear_cache():
    """Empty the cache. On Redis only the cache's own keys go: FLUSHDB would also empty Celery's queues."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"):
            client.delete(key)
    else:
        backend.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps rate-limit counters and used TOTP codes in the cache (Redis in CI): start each test clean."""
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _media_in_a_folder_of_its_own(settings, tmp_path):
    """Uploaded and generated files (receipts, plan PDFs) go to the test's own temporary folder, never into the
    developer's media/ (a real Celery worker started by a test is told the same folder)."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _partnership_staff(slug: str):
    partnership = PartnershipFactory(name=f"Partnership {slug.upper()}", slug=f"partnership-{slug}")
    locality = LocalityFactory(partnership=partnership, name=f"{slug.upper()} North")
    hub = OrganisationFactory(
        name=f"{slug.upper()} Short Break Hub", kind=Organisation.Kind.HUB, partnership=partnership
    )
    body = OrganisationFactory(
        name=f"{slug.upper()} Commissioning", kind=Organisation.Kind.PARTNERSHIP_BODY, partnership=partnership
    )
    return SimpleNamespace(
        partnership=partnership,
        locality=locality,
        hub=hub,
        broker=staff(Role.BROKER, hub, email=f"broker@{slug}.example"),
        assessor=staff(Role.ASSESSOR, hub, email=f"assessor@{slug}.example"),
        commissioner=staff(Role.COMMISSIONER, body, email=f"commissioner@{slug}.example"),
    )


@pytest.fixture
def x(db):
    """Partnership X and its staff."""
    return _partnership_staff("x")


@pytest.fixture
def y(db):
    """Partnership Y and its staff."""
    return _partnership_staff("y")


@pytest.fixture
def carer_a(x):
    """A carer in partnership X who cares for one person."""
    carer = CarerFactory(user=UserFactory(email="carer.a@example.org"), locality=x.locality, first_name="Ailsa")
    carer.person = cares_for(carer, relationship="Daughter")
    return carer


@pytest.fixture
def carer_b(y):
    """A carer in another household, in partnership Y."""
    carer = CarerFactory(user=UserFactory(email="carer.b@example.org"), locality=y.locality, first_name="Bryn")
    carer.person = cares_for(carer, relationship="Father")
    return carer


@pytest.fixture
def carer_b_in_x(x):
    """Another household in the same partnership as carer A."""
    carer = CarerFactory(user=UserFactory(email="carer.bx@example.org"), locality=x.locality, first_name="Beth")
    carer.person = cares_for(carer)
    return carer


@pytest.fixture
def provider_user(x, y):
    organisation = OrganisationFactory(name="Sunny Breaks", kind=Organisation.Kind.PROVIDER, partnership=None)
    organisation.partnerships_served.set([x.partnership, y.partnership])
    return staff(Role.PROVIDER, organisation, email="provider@sunny.example")


@pytest.fixture
def admin_user(db):
    platform = OrganisationFactory(name="Platform", kind=Organisation.Kind.PLATFORM, partnership=None)
    return staff(Role.ADMIN, platform, email="admin@platform.example", is_staff=True, is_superuser=True)


@pytest.fixture
def national_user(db):
    body = OrganisationFactory(name="National Body", kind=Organisation.Kind.NATIONAL_BODY, partnership=None)
    return staff(Role.NATIONAL, body, email="national@national.example")


@pytest.fixture
def outsider(db):
    """Signed in, with a verified e-mail, but a carer with no household anywhere near anyone else's."""
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
