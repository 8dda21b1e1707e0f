"""The feed's OpenAPI document: the Open Referral UK profile 3.0's (schema/openapi.json), cut to what this feed
serves and saying what it adds (live capacity, distance, the 400 and 404 answers). Its schemas are the
profile's own, by the addresses the profile publishes them at, and HSDS 3.1's for capacity.

Derived from the Human Services Data Specification: an Open Referral resource (https://openreferral.org/),
under the Creative Commons Attribution-ShareAlike 4.0 licence; this document is shared under the same licence.
"""

from django.urls import reverse

UK = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
HSDS_31 = "https://raw.githubusercontent.com/openreferral/specification/3.1/schema/"
ATTRIBUTION = (
    "Derived from the Open Referral UK profile 3.0 (OpenReferralUK/uk-profile, schema/openapi.json) and HSDS 3.1's "
    "service_capacity: the Human Services Data Specification, an Open Referral resource (https://openreferral.org/), "
    "licensed CC BY-SA 4.0. This document is shared under the same licence."
)


def url() -> str:
    return reverse("openreferral:openapi")


def _param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PARAMETERS = {
    "page": _param(
        "page", "Page number of paginated result (from 1; past the last page is a 400).", {"type": "integer"}
    ),
    "per_page": _param(
        "per_page", "Number of results requested in a single page (1 to 100, default 20).", {"type": "integer"}
    ),
    "search": _param(
        "search",
        "Words to find (up to five): each must be in the service's name or description, or its provider's name.",
        {"type": "string"},
    ),
    "taxonomy_term_id": _param(
        "taxonomy_term_id", "Services with this taxonomy term (see /taxonomy_terms).", {"type": "string"}
    ),
    "taxonomy_id": _param(
        "taxonomy_id", "Services with any term of this taxonomy (see /taxonomies).", {"type": "string"}
    ),
    "minimum_age": _param(
        "minimum_age",
        "Services whose minimum age is at least this (a service with no minimum counts as 0).",
        {"type": "number"},
    ),
    "maximum_age": _param(
        "maximum_age",
        "Services whose maximum age is at or below this (a service with no maximum never is).",
        {"type": "number"},
    ),
    "day": _param(
        "day",
        "Services with a coming session on this day of the week (MO, TU, WE, TH, FR, SA, SU, or the day's name), "
        "or, for a bookable property, a night open on it.",
        {"type": "string"},
    ),
    "start_time": _param(
        "start_time",
        "Services with a coming session starting at or after this time (HH:MM, UK time).",
        {"type": "string"},
    ),
    "end_time": _param(
        "end_time", "Services with a coming session ending at or before this time (HH:MM, UK time).", {"type": "string"}
    ),
    "postcode": _param(
        "postcode",
        "A UK postcode: results come nearest first, measured between the centres of postcode districts.",
        {"type": "string"},
    ),
    "proximity": _param("proximity", "With postcode: only services within this many metres of it.", {"type": "string"}),
}
SERVICE_FILTERS = [
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
]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(items: dict) -> dict:
    return {"allOf": [_ref("schemas/Page")], "properties": {"contents": {"type": "array", "items": items}}}


def _with_capacity(schema_url: str) -> dict:
    return {"allOf": [{"$ref": schema_url}, _ref("schemas/Capacities")]}


def _get(operation_id: str, summary: str, parameters: list[str], ok: dict, *, by_id: str = "") -> dict:
    responses = {"200": ok, "400": _ref("responses/BadParameter")}
    if by_id:
        responses = {"200": ok, "404": _ref("responses/NotFound")}
    operation = {"operationId": operation_id, "summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = [_ref(f"parameters/{name}") for name in parameters]
    path = {"get": operation}
    if by_id:
        path["parameters"] = [
            {
                "in": "path",
                "name": "id",
                "required": True,
                "description": f"The id of the {by_id}.",
                "schema": {"type": "string"},
            }
        ]
    return path


def document(base: str) -> dict:
    service_list = _with_capacity(UK + "compiled/service_list.json")
    service = _with_capacity(UK + "compiled/service.json")
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Breakthrough short breaks directory: Open Referral UK",
            "version": "3.0",
            "description": (
                "The directory of short breaks for unpaid carers, read-only and public, with no key, following the "
                "Open Referral UK profile 3.0. Every service carries `capacities` (HSDS 3.1 service_capacity): the "
                "places or nights left to book now, read live. Every response may be read from any origin. "
                + ATTRIBUTION
            ),
            "license": {
                "name": "Creative Commons Attribution Share-Alike 4.0",
                "url": "https://creativecommons.org/licenses/by-sa/4.0/",
            },
        },
        "servers": [{"url": base + reverse("openreferral:index").rstrip("/")}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "getAPIMetaInformation",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["version", "profile", "openapi_url"],
                                "properties": {
                                    "version": {"type": "string", "const": "HSDS-UK-3.0"},
                                    "profile": {"type": "string", "format": "uri"},
                                    "openapi_url": {"type": "string", "format": "uri"},
                                },
                            },
                            "The HSDS version of this API, its profile and this document's address.",
                        )
                    },
                }
            },
            "/services": _get(
                "getPaginatedListOfServices",
                "Services, with their one-to-one fields, taxonomy terms and live capacity.",
                SERVICE_FILTERS,
                _json(_page_of(service_list), "A page of services."),
            ),
            "/services/{id}": _get(
                "getFullyNestedServiceById",
                "A service with everything nested in it, and its live capacity.",
                [],
                _json(service, "The service."),
                by_id="service",
            ),
            "/service_at_locations": _get(
                "getPaginatedListOfServiceAtLocation",
                "Services at their locations: nearest first from a postcode, within a proximity if given.",
                [*SERVICE_FILTERS, "postcode", "proximity"],
                _json(
                    _page_of(
                        {
                            "allOf": [
                                {"$ref": UK + "compiled/service_at_location_list.json"},
                                {
                                    "properties": {
                                        "service": _ref("schemas/Capacities"),
                                        "distance": {
                                            "type": "integer",
                                            "description": "Metres from the postcode (between district centres).",
                                        },
                                    }
                                },
                            ]
                        }
                    ),
                    "A page of services at locations.",
                ),
            ),
            "/service_at_locations/{id}": _get(
                "getServiceAtLocationWithNestedDataById",
                "A service at a location, with the location and the fully nested service.",
                [],
                _json(
                    {
                        "allOf": [
                            {"$ref": UK + "compiled/service_at_location.json"},
                            {"properties": {"service": _ref("schemas/Capacities")}},
                        ]
                    },
                    "The service at a location.",
                ),
                by_id="service at a location",
            ),
            "/taxonomies": _get(
                "getPaginatedListOfTaxonomies",
                "The kinds of break, who takes the break, and the levels of needs supported.",
                ["page", "per_page"],
                _json(_page_of({"$ref": UK + "taxonomy.json"}), "A page of taxonomies."),
            ),
            "/taxonomies/{id}": _get(
                "getTaxonomyById",
                "A taxonomy with its terms.",
                [],
                _json({"$ref": UK + "taxonomy.json"}, "The taxonomy."),
                by_id="taxonomy",
            ),
            "/taxonomy_terms": _get(
                "getPaginatedListOfTaxonomyTerms",
                "Every term of every taxonomy.",
                ["page", "per_page"],
                _json(_page_of({"$ref": UK + "taxonomy_term.json"}), "A page of taxonomy terms."),
            ),
            "/taxonomy_terms/{id}": _get(
                "getTaxonomyTermById",
                "A taxonomy term.",
                [],
                _json({"$ref": UK + "taxonomy_term.json"}, "The term."),
                by_id="taxonomy term",
            ),
        },
        "components": {
            "schemas": {
                "Page": {
                    "type": "object",
                    "required": [
                        "total_items",
                        "total_pages",
                        "page_number",
                        "size",
                        "first_page",
                        "last_page",
                        "empty",
                        "contents",
                    ],
                    "properties": {
                        "total_items": {
                            "type": "integer",
                            "description": "The number of items in every page together.",
                        },
                        "total_pages": {
                            "type": "integer",
                            "description": "Count of total pages (1 when there are no items).",
                        },
                        "page_number": {"type": "integer", "description": "The number of the current page."},
                        "size": {"type": "integer", "description": "The number of items in the current page."},
                        "first_page": {"type": "boolean", "description": "Whether this is the first page."},
                        "last_page": {"type": "boolean", "description": "Whether this is the last page."},
                        "empty": {"type": "boolean", "description": "Whether this page has no items."},
                        "contents": {"type": "array"},
                    },
                },
                "Capacities": {
                    "type": "object",
                    "required": ["capacities"],
                    "properties": {
                        "capacities": {
                            "type": "array",
                            "description": (
                                "An extension: the service's live capacity. Unit Place: places left on the coming "
                                "sessions that are not cancelled; unit Night: nights free at a property from tomorrow "
                                "on. `available` is what is left now, as requested and confirmed bookings (and places "
                                "offered from a waiting list) hold them; `maximum` is every place or night there is; "
                                "`updated` is when it was read, to the millisecond."
                            ),
                            "items": {"$ref": HSDS_31 + "service_capacity.json"},
                        }
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["parameter", "message"],
                                "properties": {"parameter": {"type": "string"}, "message": {"type": "string"}},
                            },
                        },
                    },
                },
            },
            "responses": {
                "BadParameter": _json(_ref("schemas/Error"), "A parameter is not right: each problem is named."),
                "NotFound": _json(_ref("schemas/Error"), "There is no record with that id."),
            },
            "parameters": PARAMETERS,
        },
    }
