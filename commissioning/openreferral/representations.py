"""Records as the profile's objects (Open Referral UK 3.0), plus live capacity as HSDS 3.1's `service_capacity`.

The UK profile allows properties of one's own (no schema sets additionalProperties: false): every service here
carries `capacities`, read live from its coming sessions or nights (brokerage.availability.coming_places), and a
service at a location found from a postcode carries `distance` in metres. Money is integer pence everywhere in
the platform; only here, at the edge, is it written in pounds as the profile's `amount` asks.
"""

import datetime
import math

from django.urls import reverse
from django.utils import timezone

from brokerage.directory.geo import CREDIT
from brokerage.directory.views import price_text
from brokerage.models import Offer, PriceUnit
from commissioning.openreferral import ids, taxonomies

PLACE = ("place", "Place", "A place on a session: one person going")
NIGHT = ("night", "Night", "A night at a property, which is let as a whole")


def when(moment: datetime.datetime) -> str:
    """RFC 3339 in UTC, to the millisecond."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _without_blanks(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "")}


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def unit(offer: Offer) -> dict:
    code, name, _ = NIGHT if offer.uses_nights else PLACE
    return {"id": ids.named(f"unit:{code}"), "name": name}


def capacities(offer: Offer) -> list[dict]:
    """The offer's live capacity (HSDS 3.1 service_capacity): places left now on what can still be booked."""
    left, places, occasions = offer.capacity
    if offer.uses_nights:
        words = f"Nights free to book at the property, of the {_count(occasions, 'night')} open from tomorrow on"
    else:
        words = f"Places left to book, on the {_count(occasions, 'coming session')} that are not cancelled"
    return [
        {
            "id": ids.of("service_capacity", offer.pk),
            "service_id": ids.of("service", offer.pk),
            "unit": unit(offer),
            "available": left,
            "maximum": places,
            "description": words,
            "updated": when(offer.capacity_read_at),
        }
    ]


def term(item: taxonomies.Term) -> dict:
    return {
        "id": item.id,
        "name": item.name,
        "description": item.description,
        "taxonomy": item.taxonomy.name,
        "taxonomy_id": item.taxonomy.id,
        "term": item.code,
    }


def taxonomy(item: taxonomies.Taxonomy, base: str) -> dict:
    return {
        "id": item.id,
        "name": item.name,
        "description": item.description,
        "uri": base + reverse("openreferral:taxonomy", kwargs={"identifier": item.id}),
        "version": taxonomies.VERSION,
        "taxonomy_terms": [term(t) for t in item.terms],
    }


def attributes(offer: Offer) -> list[dict]:
    service_id = ids.of("service", offer.pk)
    return [
        {
            "id": ids.of(f"attribute:{t.taxonomy.code}:{t.code}", offer.pk),
            "link_id": service_id,
            "link_type": "service",
            "taxonomy_term_id": t.id,
            "taxonomy_term": term(t),
        }
        for t in taxonomies.terms_of(offer)
    ]


def organization(offer: Offer, *, full: bool = False) -> dict:
    provider = offer.provider
    profile = getattr(provider, "provider_profile", None)
    data = _without_blanks(
        {
            "id": ids.of("organization", provider.pk),
            "name": provider.name,
            "description": (profile.summary if profile else "") or f"{provider.name}: a provider of short breaks.",
            "email": profile.email if profile else "",
            "website": profile.website if profile else "",
        }
    )
    if full and profile is not None and profile.registration_number:
        data["organization_identifiers"] = [
            {
                "id": ids.of("organization_identifier", provider.pk),
                "organization_id": data["id"],
                "identifier_scheme": profile.regulator,
                "identifier_type": f"Registration number with the {profile.get_regulator_display()}",
                "identifier": profile.registration_number,
            }
        ]
    return data


def _description(offer: Offer) -> str:
    return f"{offer.summary}\n\n{offer.description}" if offer.description else offer.summary


def service(offer: Offer, base: str) -> dict:
    """A service with its one-to-one fields (the profile's service_list), its taxonomy terms and live capacity."""
    profile = getattr(offer.provider, "provider_profile", None)
    data = _without_blanks(
        {
            "id": ids.of("service", offer.pk),
            "organization_id": ids.of("organization", offer.provider_id),
            "name": offer.title,
            "description": _description(offer),
            "url": base + reverse("brokerage:directory:offer", kwargs={"pk": offer.pk}),
            "email": profile.email if profile else "",
            "status": "active",
            "fees": price_text(offer),
            "minimum_age": offer.min_age,
            "maximum_age": offer.max_age,
            "last_modified": when(offer.updated_at),
        }
    )
    data["organization"] = organization(offer)
    data["attributes"] = attributes(offer)
    data["capacities"] = capacities(offer)
    return data


def location(offer: Offer, *, full: bool = False) -> dict:
    locality = offer.locality
    district = offer.postcode.rsplit(" ", 1)[0]
    data = {
        "id": ids.of("location", offer.pk),
        "location_type": "physical",
        "name": f"{locality.name} ({district})",
        "description": (
            f"In {locality.name}, {locality.partnership.name}, postcode district {district}. Distances are measured "
            f"from the centre of the postcode district. {CREDIT}."
        ),
        "external_identifier": offer.postcode,
        "external_identifier_type": "postcode",
    }
    if full:
        data["accessibility"] = [
            {
                "id": ids.of(f"accessibility:{feature.pk}", offer.pk),
                "location_id": data["id"],
                "description": feature.name,
            }
            for feature in offer.features.all()
        ]
    return data


def service_at_location(offer: Offer, base: str, position: tuple[int, int] | None = None) -> dict:
    data = {
        "id": ids.of("service_at_location", offer.pk),
        "service_id": ids.of("service", offer.pk),
        "location_id": ids.of("location", offer.pk),
        "location": location(offer),
        "service": service(offer, base),
    }
    if position is not None and offer.easting is not None and offer.northing is not None:
        data["distance"] = round(math.dist((offer.easting, offer.northing), position))
    return data


def _clock(moment: datetime.datetime | datetime.time) -> str:
    return f"{moment:%H:%M}"


def schedules(detail) -> list[dict]:
    """The weekly schedules still running, then the next dated sessions, each with its places left."""
    offer = detail.offer
    service_id = ids.of("service", offer.pk)
    found = []
    for row in detail.schedules:
        day = row.get_weekday_display()
        found.append(
            {
                "id": ids.of("schedule", row.pk),
                "service_id": service_id,
                "valid_from": row.first_date.isoformat(),
                "valid_to": row.last_date.isoformat(),
                "dtstart": row.first_date.isoformat(),
                "freq": "WEEKLY",
                "interval": 1,
                "byday": day[:2].upper(),
                "opens_at": _clock(row.starts_at),
                "closes_at": _clock(row.ends_at),
                "description": f"Every {day}, {_clock(row.starts_at)} to {_clock(row.ends_at)}, {row.places} places",
            }
        )
    for session in detail.sessions:
        starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        found.append(
            {
                "id": ids.of("session", session.pk),
                "service_id": service_id,
                "valid_from": starts.date().isoformat(),
                "valid_to": ends.date().isoformat(),
                "dtstart": starts.isoformat(),
                "opens_at": _clock(starts),
                "closes_at": _clock(ends),
                "description": (
                    f"{starts:%A} {starts.day} {starts:%B %Y}, {_clock(starts)} to {_clock(ends)}: "
                    f"{session.places_left} of {session.places} places left"
                ),
            }
        )
    return found


def full_service(detail, base: str) -> dict:
    """A service with everything the profile nests in it (the profile's compiled service)."""
    offer = detail.offer
    data = service(offer, base)
    service_id = data["id"]
    data["organization"] = organization(offer, full=True)
    data["schedules"] = schedules(detail)
    data["service_areas"] = [
        {
            "id": ids.of("service_area", offer.pk),
            "service_id": service_id,
            "name": offer.locality.name,
            "service_area": f"{offer.locality.name}, {offer.locality.partnership.name}",
        }
    ]
    data["service_at_locations"] = [
        {
            "id": ids.of("service_at_location", offer.pk),
            "service_id": service_id,
            "location_id": ids.of("location", offer.pk),
            "location": location(offer, full=True),
        }
    ]
    data["cost_options"] = [
        {
            "id": ids.of("cost_option", offer.pk),
            "service_id": service_id,
            "option": "Free" if offer.price_unit == PriceUnit.FREE else offer.get_price_unit_display(),
            # Pounds, as the profile asks: integer pence / 100 prints the exact pounds and pence (12.5, 0.99).
            "amount": offer.price_pence / 100,
            "amount_description": price_text(offer),
        }
    ]
    return data


def full_service_at_location(detail, base: str) -> dict:
    offer = detail.offer
    return {
        "id": ids.of("service_at_location", offer.pk),
        "service_id": ids.of("service", offer.pk),
        "location_id": ids.of("location", offer.pk),
        "location": location(offer, full=True),
        "service": full_service(detail, base),
    }
