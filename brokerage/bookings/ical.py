"""The iCalendar (RFC 5545) feed of a carer's confirmed breaks, written with the standard library.

The feed lives at a secret URL (a token derived from the carer and their link version with the site's secret
key), so calendar apps can read it without signing in; a new version ends every older link.
Lines end CRLF and are folded at 75 octets; text escapes \\ ; , and newlines.
"""

import datetime
import hmac

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

SALT = "brokerage.bookings.ical"
STAMP = "%Y%m%dT%H%M%SZ"


def carer_token(carer) -> str:
    return salted_hmac(SALT, f"carer:{carer.pk}:{carer.calendar_link_version}").hexdigest()[:32]


def token_matches(carer, token: str) -> bool:
    return hmac.compare_digest(carer_token(carer), token or "")


def escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets; continuation lines start with a space."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not pieces else 74):
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return [pieces[0]] + [" " + p for p in pieces[1:]]


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime(STAMP)


def _span(booking) -> tuple[str, str]:
    if booking.session_id:
        return _utc(booking.session.starts_at), _utc(booking.session.ends_at)
    # A stay: from 3pm on the first night to 11am the day after the last, local time.
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(booking.first_night, datetime.time(15), tzinfo=zone)
    end = datetime.datetime.combine(
        booking.first_night + datetime.timedelta(days=booking.nights), datetime.time(11), tzinfo=zone
    )
    return _utc(start), _utc(end)


def calendar(bookings, *, name: str = "My breaks") -> str:
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "breakthrough"
    now = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Breakthrough//Short breaks//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for booking in bookings:
        start, end = _span(booking)
        lines += [
            "BEGIN:VEVENT",
            f"UID:booking-{booking.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            f"SUMMARY:{escape(booking.offer.title)}",
            f"DESCRIPTION:{escape(booking.offer.summary)}",
            f"LOCATION:{escape(booking.offer.postcode)}",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line))
