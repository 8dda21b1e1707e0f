"""The fixed reference data: the seed and dates every plan starts from, the two fictional partnerships with
their localities and organisations, the providers, and a login per role (sharing the demo password)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from breakthrough.models import Partnership, Role

DEFAULT_SEED = 2026
DEMO_PASSWORD = "breakthrough-demo"

# Fixed dates, so the same seed gives the same rows whenever it runs.
REFERENCE_DATE = datetime.date(2026, 9, 1)
REFERENCE_TIME = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class LocalitySpec:
    name: str
    districts: tuple[str, ...]  # postcode districts; carers there get postcodes in them
    weight: int  # how many of the partnership's carers live here, relatively


@dataclass(frozen=True)
class PartnershipSpec:
    slug: str
    name: str
    kind: str
    localities: tuple[LocalitySpec, ...]
    hub: str
    body: str
    names: str  # which name lists its people are drawn from
    weight: int  # share of the scale carers


PARTNERSHIPS = (
    PartnershipSpec(
        slug="glenmorven",
        name="Glenmorven Health and Social Care Partnership",
        kind=Partnership.Kind.HSCP,
        localities=(
            LocalitySpec("Glenmorven North", ("PA34", "PA35"), 4),
            LocalitySpec("Glenmorven South", ("PA31", "PA32"), 4),
            LocalitySpec("Isle of Carra", ("PA78",), 1),
            LocalitySpec("Kilbride", ("PA37", "PA38"), 3),
        ),
        hub="Glenmorven Short Break Hub",
        body="Glenmorven HSCP Commissioning Team",
        names="scottish",
        weight=45,
    ),
    PartnershipSpec(
        slug="eastwick",
        name="Eastwick Council",
        kind=Partnership.Kind.COUNCIL,
        localities=(
            LocalitySpec("Eastwick Central", ("ME14",), 5),
            LocalitySpec("Eastwick Riverside", ("ME15", "ME16"), 4),
            LocalitySpec("Marsh End", ("ME3",), 2),
        ),
        hub="Eastwick Short Break Hub",
        body="Eastwick Council Commissioning",
        names="english",
        weight=55,
    ),
)
PARTNERSHIP_BY_SLUG = {spec.slug: spec for spec in PARTNERSHIPS}

# name -> partnerships served
PROVIDERS = {
    "Sunrise Short Breaks": ("glenmorven", "eastwick"),
    "Carra Respite Care": ("glenmorven",),
    "Heatherbank House": ("glenmorven",),
    "Riverside Sitters": ("eastwick",),
    "Marsh End Adventure Club": ("eastwick",),
    "Open Road Holidays": ("glenmorven", "eastwick"),
}
NATIONAL_BODY = "Breakthrough National"
PLATFORM = "Breakthrough Platform"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    first_name: str
    last_name: str
    organisation: str | None  # None for carers


DEMO_LOGINS = (
    DemoLogin(Role.CARER, "carer@glenmorven.example", "Morag", "MacLeod", None),
    DemoLogin(Role.CARER, "carer2@eastwick.example", "Sarah", "Thompson", None),
    DemoLogin(Role.BROKER, "broker@glenmorven.example", "Iain", "Campbell", "Glenmorven Short Break Hub"),
    DemoLogin(Role.ASSESSOR, "assessor@glenmorven.example", "Fiona", "Mackay", "Glenmorven Short Break Hub"),
    DemoLogin(
        Role.COMMISSIONER, "commissioner@glenmorven.example", "Alasdair", "Grant", "Glenmorven HSCP Commissioning Team"
    ),
    DemoLogin(Role.BROKER, "broker@eastwick.example", "Priya", "Shah", "Eastwick Short Break Hub"),
    DemoLogin(Role.PROVIDER, "provider@sunrise-breaks.example", "Tom", "Baxter", "Sunrise Short Breaks"),
    DemoLogin(Role.VOLUNTEER, "volunteer@glenmorven.example", "Ewan", "Stewart", "Glenmorven Short Break Hub"),
    DemoLogin(Role.NATIONAL, "national@breakthrough-national.example", "Grace", "Adeyemi", NATIONAL_BODY),
    DemoLogin(Role.ADMIN, "admin@breakthrough.example", "Sam", "Okoro", PLATFORM),
)
