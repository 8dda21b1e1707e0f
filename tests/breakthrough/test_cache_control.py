"""Cache-Control: nothing personal is kept by the browser or a cache (the back button after signing out on a
shared computer), and public pages stay cacheable. The rule lives in breakthrough/middleware.py."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from breakthrough.middleware import NO_STORE, PUBLIC_PAGES, may_be_stored
from tests.factories import PASSWORD
from tests.test_access import PAGES, PUBLIC, world  # noqa: F401  (the access table's world of personas)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_sent_to_someone_signed_in_says_no_store(client_for, world, name):  # noqa: F811
    kwargs, allowed = PAGES[name]
    persona = sorted(allowed)[0] if isinstance(allowed, set) else "carer_a"
    response = client_for(world.personas[persona]).get(reverse(name, kwargs=kwargs(world)))
    assert response.status_code in (200, 302, 404)
    assert response["Cache-Control"] == NO_STORE


def test_a_signed_in_persons_404_and_redirects_are_not_stored_either(client_for, carer_a):
    client = client_for(carer_a.user)
    assert client.get("/no-such-page/")["Cache-Control"] == NO_STORE
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Cache-Control"] == NO_STORE


def test_public_pages_stay_cacheable_for_visitors_who_are_not_signed_in(client, world):  # noqa: F811
    public = sorted(name for name, (_, allowed) in PAGES.items() if allowed == PUBLIC and name in PUBLIC_PAGES)
    assert set(public) == PUBLIC_PAGES
    for name in public:
        response = client.get(reverse(name, kwargs=PAGES[name][0](world)))
        assert response.status_code == 200, name
        if name != "healthz":  # the load balancer's probe says never_cache itself
            assert "no-store" not in response.get("Cache-Control", ""), name
        assert not response.cookies, name


def _converters() -> dict[str, dict]:
    """{url name: {argument: converter}} for the project's own named URLs."""
    found = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, inner or None)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern.pattern.converters

    walk(get_resolver().url_patterns, None)
    return found


def _url_with_made_up_arguments(name: str) -> str:
    """A visitor who is not signed in is turned away before any record is read, so any arguments will do."""
    made_up = {"IntConverter": 999999, "SlugConverter": "made-up", "StringConverter": "made-up"}
    converters = _converters()[name]
    return reverse(name, kwargs={arg: made_up[type(conv).__name__] for arg, conv in converters.items()})


@pytest.mark.parametrize(
    "name", sorted(name for name in PAGES if name not in PUBLIC_PAGES and name != "brokerage:bookings:calendar")
)
def test_every_other_page_for_a_visitor_who_is_not_signed_in_says_no_store(client, name):
    response = client.get(_url_with_made_up_arguments(name))
    assert response.status_code in (302, 404)
    assert response["Cache-Control"] == NO_STORE


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_the_account_pages_say_no_store(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_the_calendar_feed_at_its_secret_address_keeps_its_own_private_rule(client, world):  # noqa: F811
    kwargs, _ = PAGES["brokerage:bookings:calendar"]
    response = client.get(reverse("brokerage:bookings:calendar", kwargs=kwargs(world)))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=900"


def test_after_signing_out_the_pages_seen_were_never_stored(client, carer_a):
    signed_in = client.post(reverse("account_login"), {"login": carer_a.user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Cache-Control"] == NO_STORE
    page = client.get(reverse("brokerage:carer_home"))
    assert page.status_code == 200
    assert page["Cache-Control"] == NO_STORE
    signed_out = client.post(reverse("account_logout"))
    assert signed_out["Cache-Control"] == NO_STORE
    again = client.get(reverse("brokerage:carer_home"))
    assert again.status_code == 302
    assert again.url.startswith(reverse("account_login"))


def test_a_public_page_that_sets_a_cookie_is_not_stored():
    request = RequestFactory().get("/breaks/")
    request.resolver_match = resolve("/breaks/")
    plain = HttpResponse("ok")
    assert may_be_stored(request, plain)
    with_cookie = HttpResponse("ok")
    with_cookie.set_cookie("messages", "x")
    assert not may_be_stored(request, with_cookie)
    marked_public = HttpResponse("ok")
    marked_public["Cache-Control"] = "public, max-age=600"
    request.resolver_match = resolve(reverse("account_login"))
    assert not may_be_stored(request, marked_public)
