"""The feed's views: plain JSON, read-only, public, with `Access-Control-Allow-Origin: *` on every response.

No key and no cookies: anyone's browser or server may read it. Responses for visitors who are not signed in
may be kept for a minute (breakthrough/middleware.py lists these views as public); each capacity says when it
was read, to the millisecond.
"""

import functools

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from commissioning.openreferral import openapi, params, representations, selectors, taxonomies

VERSION = "HSDS-UK-3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile"
MAX_AGE = 60
ALLOWED = "GET, HEAD, OPTIONS"


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, message: str, problems=()) -> JsonResponse:
    data = {"status": status, "message": message}
    if problems:
        data["errors"] = [{"parameter": p.parameter, "message": p.message} for p in problems]
    return _json(data, status)


def endpoint(view):
    """GET and HEAD answer; OPTIONS answers a CORS preflight; anything else is 405. Bad parameters are a 400
    listing every problem. Every answer says any origin may read it."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = ALLOWED
            response["Access-Control-Allow-Headers"] = request.headers.get("Access-Control-Request-Headers", "*")
            response["Access-Control-Max-Age"] = "86400"
            response["Allow"] = ALLOWED
            return response
        if request.method not in ("GET", "HEAD"):
            response = _error(405, f"This feed is read-only: use {ALLOWED}.")
            response["Allow"] = ALLOWED
            return response
        try:
            response = view(request, *args, **kwargs)
        except params.BadParameter as bad:
            response = _error(400, "Some parameters are not right: see errors.", bad.problems)
        if response.status_code in (200, 400):
            response["Cache-Control"] = f"public, max-age={MAX_AGE}"
        return response

    # Nothing here writes, so there is no form to forge: a POST gets this feed's 405, with the CORS header, not the
    # CSRF check's HTML 403.
    return csrf_exempt(wrapped)


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@endpoint
def index(request):
    return _json(
        {
            "version": VERSION,
            "profile": PROFILE,
            "openapi_url": request.build_absolute_uri(openapi.url()),
        }
    )


@endpoint
def openapi_document(request):
    return _json(openapi.document(_base(request)))


@endpoint
def services(request):
    paging, filters = params.listing(request.GET, by_place=False)
    page = selectors.offer_page(filters, paging)
    base = _base(request)
    return _json(page.envelope([representations.service(offer, base) for offer in page.contents]))


@endpoint
def service(request, identifier):
    detail = selectors.offer_detail(identifier)
    if detail is None:
        return _error(404, "There is no service with that id.")
    return _json(representations.full_service(detail, _base(request)))


@endpoint
def service_at_locations(request):
    paging, filters = params.listing(request.GET, by_place=True)
    page = selectors.offer_page(filters, paging)
    base = _base(request)
    contents = [representations.service_at_location(offer, base, filters.position) for offer in page.contents]
    return _json(page.envelope(contents))


@endpoint
def service_at_location(request, identifier):
    detail = selectors.offer_detail(identifier, kind="service_at_location")
    if detail is None:
        return _error(404, "There is no service at a location with that id.")
    return _json(representations.full_service_at_location(detail, _base(request)))


def _listed(request, items: list, show) -> JsonResponse:
    paging = params.paging(request.GET)
    start, end = selectors.page_bounds(len(items), paging)
    page = selectors.Page(len(items), paging.page, paging.per_page, items[start:end])
    return _json(page.envelope([show(item) for item in page.contents]))


@endpoint
def taxonomy_list(request):
    base = _base(request)
    return _listed(request, list(taxonomies.TAXONOMIES), lambda item: representations.taxonomy(item, base))


@endpoint
def taxonomy(request, identifier):
    found = taxonomies.TAXONOMY_BY_ID.get(identifier.lower())
    if found is None:
        return _error(404, "There is no taxonomy with that id.")
    return _json(representations.taxonomy(found, _base(request)))


@endpoint
def taxonomy_term_list(request):
    return _listed(request, list(taxonomies.TERMS), representations.term)


@endpoint
def taxonomy_term(request, identifier):
    found = taxonomies.TERM_BY_ID.get(identifier.lower())
    if found is None:
        return _error(404, "There is no taxonomy term with that id.")
    return _json(representations.term(found))


@endpoint
def not_found(request, rest=""):
    return _error(404, "There is nothing at this address. The feed's paths are listed in its OpenAPI document.")
