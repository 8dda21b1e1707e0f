"""The Open Referral UK profile's own schemas (copied in schemas/, with their licence), resolved offline.

`check(name, data)` validates against one of them with formats checked too: uuid and email by jsonschema, and
date-time (RFC 3339, with a time zone) and uri (a scheme and a host) here, since jsonschema checks those only with
packages the project does not need. `check_against_document` validates a response against the feed's own OpenAPI
document, whose schemas are the profile's by their published addresses.
"""

import datetime
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent / "schemas"
UK = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
HSDS_31 = "https://raw.githubusercontent.com/openreferral/specification/3.1/schema/"
FILES = {
    UK + "compiled/service.json": "openreferral-uk-3.0/compiled/service.json",
    UK + "compiled/service_list.json": "openreferral-uk-3.0/compiled/service_list.json",
    UK + "compiled/service_at_location.json": "openreferral-uk-3.0/compiled/service_at_location.json",
    UK + "compiled/service_at_location_list.json": "openreferral-uk-3.0/compiled/service_at_location_list.json",
    UK + "taxonomy.json": "openreferral-uk-3.0/taxonomy.json",
    UK + "taxonomy_term.json": "openreferral-uk-3.0/taxonomy_term.json",
    HSDS_31 + "service_capacity.json": "hsds-3.1/service_capacity.json",
    HSDS_31 + "unit.json": "hsds-3.1/unit.json",
}
NAMES = {
    "service": UK + "compiled/service.json",
    "service_list": UK + "compiled/service_list.json",
    "service_at_location": UK + "compiled/service_at_location.json",
    "service_at_location_list": UK + "compiled/service_at_location_list.json",
    "taxonomy": UK + "taxonomy.json",
    "taxonomy_term": UK + "taxonomy_term.json",
    "service_capacity": HSDS_31 + "service_capacity.json",
}
PROFILE_OPENAPI = "urn:open-referral-uk:openapi"
FEED_OPENAPI = "urn:this-feed:openapi"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.datetime.fromisoformat(value.replace("z", "Z"))
    return True


@formats.checks("uri")
def _uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc) and " " not in value


def load(relative: str) -> dict:
    return json.loads((HERE / relative).read_text())


@cache
def _registry() -> Registry:
    resources = [(uri, DRAFT202012.create_resource(load(path))) for uri, path in FILES.items()]
    resources.append((PROFILE_OPENAPI, DRAFT202012.create_resource(load("openreferral-uk-3.0/openapi.json"))))
    return Registry().with_resources(resources)


def _validate(schema: dict, data, registry: Registry) -> None:
    validator = Draft202012Validator(schema, registry=registry, format_checker=formats)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise AssertionError(
            "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors[:10])
        )


def check(name: str, data) -> None:
    """Validate `data` against the profile's schema `name` (or "page": its Page envelope)."""
    schema = {"$ref": PROFILE_OPENAPI + "#/components/schemas/Page"} if name == "page" else {"$ref": NAMES[name]}
    _validate(schema, data, _registry())


def check_against_document(document: dict, path: str, data, status: str = "200") -> None:
    """Validate a response against the feed's own OpenAPI document (whose $refs are the profile's schemas)."""
    registry = _registry().with_resource(FEED_OPENAPI, Resource(contents=document, specification=DRAFT202012))
    pointer = path.replace("~", "~0").replace("/", "~1")
    response = document["paths"][path]["get"]["responses"][status]
    ref = response.get("$ref", f"#/paths/{pointer}/get/responses/{status}")
    _validate({"$ref": f"{FEED_OPENAPI}{ref}/content/application~1json/schema"}, data, registry)
