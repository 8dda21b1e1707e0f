"""Stable identifiers: UUID strings, as the profile requires, that never change for a record.

A record kept in a table (an offer, a provider, a session) gets a UUID version 8 (RFC 9562's layout for
identifiers of one's own) holding a tag for what kind of record it is and the record's primary key. Primary
keys never change, so neither does the UUID, and `/services/{id}` finds the offer from the identifier alone:
no table of identifiers to keep in step. The tag is the first 60 bits of the UUID 5 of the kind's name in our
namespace, so identifiers of different kinds never meet.

Records that are not rows (taxonomies, their terms, capacity units) get a plain UUID 5 of their name.
"""

import functools
import uuid

# Fixed for ever: changing it would change every identifier the feed has published.
NAMESPACE = uuid.UUID("6f1d4b1e-3c52-4a8e-9d0b-7b8f2a6c5e01")
_PK_BITS = 62
_VARIANT = 0b10 << 62  # RFC 4122/9562 variant
_VERSION = 8 << 76


def named(name: str) -> str:
    """The UUID 5 of `name` in our namespace (taxonomies, terms, units)."""
    return str(uuid.uuid5(NAMESPACE, name))


@functools.lru_cache(maxsize=256)
def _tag(kind: str) -> int:
    return uuid.uuid5(NAMESPACE, f"kind:{kind}").int >> 68  # 60 bits


def of(kind: str, pk: int) -> str:
    """The identifier of row `pk` of `kind` ("service", "organization", ...)."""
    if not 0 < pk < 1 << _PK_BITS:
        raise ValueError(f"A primary key the identifiers cannot hold: {pk}")
    tag = _tag(kind)
    value = ((tag >> 12) << 80) | _VERSION | ((tag & 0xFFF) << 64) | _VARIANT | pk
    return str(uuid.UUID(int=value))


def pk_of(kind: str, identifier: str) -> int | None:
    """The primary key inside an identifier of `kind`, or None if it is not one (any other string)."""
    try:
        value = uuid.UUID(identifier)
    except (ValueError, TypeError, AttributeError):
        return None
    if len(identifier) != 36 or value.version != 8:
        return None
    number = value.int
    tag = ((number >> 80) << 12) | ((number >> 64) & 0xFFF)
    pk = number & ((1 << _PK_BITS) - 1)
    if tag != _tag(kind) or pk == 0:
        return None
    return pk
