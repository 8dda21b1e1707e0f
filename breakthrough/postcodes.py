"""UK postcodes: their shape only. Whether one exists is the directory's business (geocoding)."""

import re

from django.core.exceptions import ValidationError

# Outward code, space optional, inward code.
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")


def normalise_postcode(value: str) -> str:
    """'eh11yz' -> 'EH1 1YZ'; raises ValidationError for anything that is not shaped like a UK postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not _POSTCODE.match(compact):
        raise ValidationError("Enter a real postcode, like EH1 1YZ", code="invalid")
    return f"{compact[:-3]} {compact[-3:]}"
