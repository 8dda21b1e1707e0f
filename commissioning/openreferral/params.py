"""The query parameters of the feed, checked. Anything wrong is a `BadParameter` naming the parameter and saying,
in plain words, what it should be; the view answers 400 with every problem found. Parameters the feed does not
know are ignored, as HTTP APIs do.
"""

import datetime
import math
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from breakthrough.postcodes import normalise_postcode
from brokerage.directory import geo

PER_PAGE = 20
MOST_PER_PAGE = 100
LAST_PAGE = 100_000
MOST_SEARCH = 100
MOST_PROXIMITY = 1_000_000  # metres: Great Britain is about 1,000 km from end to end
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545's BYDAY, as HSDS schedules write days
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EXAMPLE_ID = "1d8c0850-8db7-5e50-9a05-e356c5714975"  # the kinds of break
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


@dataclass
class Problem:
    parameter: str
    message: str


class BadParameter(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.parameter}: {p.message}" for p in problems))
        self.problems = problems


@dataclass
class Paging:
    page: int = 1
    per_page: int = PER_PAGE


@dataclass
class ServiceFilters:
    search: str = ""
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    minimum_age: Decimal | None = None
    maximum_age: Decimal | None = None
    day: int | None = None  # ISO weekday, 1 (Monday) to 7
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    postcode: str = ""
    position: tuple[int, int] | None = None
    proximity: float | None = None  # metres
    problems: list[Problem] = field(default_factory=list)


def _whole(query, name: str, default: int, lowest: int, highest: int, problems: list[Problem]) -> int:
    raw = query.get(name, "").strip()
    if raw == "":
        return default
    if not re.fullmatch(r"\d{1,7}", raw) or not lowest <= int(raw) <= highest:
        problems.append(Problem(name, f"{name} must be a whole number from {lowest:,} to {highest:,}"))
        return default
    return int(raw)


def paging(query) -> Paging:
    problems: list[Problem] = []
    page = _whole(query, "page", 1, 1, LAST_PAGE, problems)
    per_page = _whole(query, "per_page", PER_PAGE, 1, MOST_PER_PAGE, problems)
    if problems:
        raise BadParameter(problems)
    return Paging(page, per_page)


def _uuid(query, name: str, problems: list[Problem]) -> str:
    """A UUID in its usual hyphenated form, lower-cased (the feed's own ids are), or "" if none was given."""
    raw = query.get(name, "").strip()
    if not raw:
        return ""
    try:
        value = uuid.UUID(raw) if len(raw) == 36 else None
    except ValueError:
        value = None
    if value is None:
        problems.append(Problem(name, f"{name} must be an id from this feed: a UUID like {EXAMPLE_ID}"))
        return ""
    return str(value)


def _age(query, name: str, problems: list[Problem]) -> Decimal | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 120:
        problems.append(Problem(name, f"{name} must be an age in years from 0 to 120, like 12"))
        return None
    return value


def _day(query, problems: list[Problem]) -> int | None:
    raw = query.get("day", "").strip()
    if not raw:
        return None
    if raw.upper() in DAYS:
        return DAYS.index(raw.upper()) + 1
    if raw.lower() in DAY_NAMES:
        return DAY_NAMES.index(raw.lower()) + 1
    problems.append(Problem("day", "day must be a day of the week: MO, TU, WE, TH, FR, SA or SU (or its name)"))
    return None


def _time(query, name: str, problems: list[Problem]) -> datetime.time | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    found = _TIME.match(raw)
    if not found:
        problems.append(Problem(name, f"{name} must be a time of day as HH:MM on the 24-hour clock, like 09:30"))
        return None
    return datetime.time(int(found[1]), int(found[2]), int(found[3] or 0))


def _postcode(query, filters: ServiceFilters) -> None:
    raw = query.get("postcode", "").strip()
    if not raw:
        return
    try:
        filters.postcode = normalise_postcode(raw)
    except ValidationError:
        filters.problems.append(Problem("postcode", "postcode must be a real UK postcode, like EH1 1YZ"))
        return
    filters.position = geo.locate(filters.postcode)
    if filters.position is None:
        filters.problems.append(
            Problem("postcode", f"We could not find the postcode {filters.postcode} (Northern Ireland is not covered)")
        )


def _proximity(query, filters: ServiceFilters) -> None:
    raw = query.get("proximity", "").strip()
    if not raw:
        return
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= MOST_PROXIMITY:
        filters.problems.append(
            Problem("proximity", f"proximity must be a distance in metres, more than 0 and at most {MOST_PROXIMITY:,}")
        )
        return
    if not query.get("postcode", "").strip():
        filters.problems.append(Problem("proximity", "proximity needs a postcode to measure from"))
        return
    filters.proximity = value


def service_filters(query, *, by_place: bool) -> ServiceFilters:
    """The filters of /services (and, with `by_place`, the postcode and proximity of /service_at_locations)."""
    filters = ServiceFilters()
    problems = filters.problems
    search = query.get("search", "").strip()
    if len(search) > MOST_SEARCH:
        problems.append(Problem("search", f"search must be {MOST_SEARCH} characters or fewer"))
    else:
        filters.search = search
    filters.taxonomy_term_id = _uuid(query, "taxonomy_term_id", problems)
    filters.taxonomy_id = _uuid(query, "taxonomy_id", problems)
    filters.minimum_age = _age(query, "minimum_age", problems)
    filters.maximum_age = _age(query, "maximum_age", problems)
    filters.day = _day(query, problems)
    filters.start_time = _time(query, "start_time", problems)
    filters.end_time = _time(query, "end_time", problems)
    if by_place:
        _postcode(query, filters)
        _proximity(query, filters)
    if problems:
        raise BadParameter(problems)
    return filters


def listing(query, *, by_place: bool) -> tuple[Paging, ServiceFilters]:
    """The paging and filters of a list of services, with every problem of both in one BadParameter."""
    problems: list[Problem] = []
    found = []
    for read in (lambda: paging(query), lambda: service_filters(query, by_place=by_place)):
        try:
            found.append(read())
        except BadParameter as bad:
            problems += bad.problems
    if problems:
        raise BadParameter(problems)
    return found[0], found[1]
