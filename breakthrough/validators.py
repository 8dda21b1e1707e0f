"""Validators every app shares."""

from django.core.exceptions import ValidationError

# Unicode's bidirectional controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the
# left-to-right and right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C). None is visible,
# and in a name they can make it read as something else on a staff screen ("Evil" shown as "livE", or a name
# that reorders the text after it).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
BIDI_MESSAGE = "Remove the hidden characters that change the direction of the text"


def refuse_bidi_controls(value) -> None:
    """Refuse a name with a bidirectional control character in it. Names in any script are welcome: a name
    written right to left needs no control characters, the browser lays it out from its letters."""
    if isinstance(value, str) and not BIDI_CONTROLS.isdisjoint(value):
        raise ValidationError(BIDI_MESSAGE, code="bidi_control")
