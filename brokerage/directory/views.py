"""The public directory of breaks: search, an offer's page, and the calendar of activity sessions."""

import calendar
import datetime

from django.http import QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from breakthrough.forms import month_or_none
from breakthrough.models import Role
from breakthrough.money import format_pence
from breakthrough.pagination import MOST_RESULTS, CappedPaginator
from brokerage.bookings import rules
from brokerage.directory import geo, selectors
from brokerage.directory.forms import DirectorySearchForm
from brokerage.funds.selectors import fund_affordability
from brokerage.models import PriceUnit

PER_PAGE = 20
# "this costs £40 a session: you can afford 3 sessions": the unit of an offer's price, in words.
UNIT_WORDS = {
    PriceUnit.HOUR: ("an hour", "hour"),
    PriceUnit.SESSION: ("a session", "session"),
    PriceUnit.NIGHT: ("a night", "night"),
    PriceUnit.PLACE: ("a place", "place"),
}


def price_text(offer) -> str:
    """'Free', or '£12.50 per session' from pence."""
    if offer.price_unit == PriceUnit.FREE or not offer.price_pence:
        return "Free"
    return f"{format_pence(offer.price_pence)} {offer.get_price_unit_display()}"


def book_url(name: str, **kwargs) -> str | None:
    """The booking page's URL, or None while the bookings part of the site does not have it."""
    try:
        return reverse(f"brokerage:bookings:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return None


def distance_text(miles: float | None) -> str:
    """'about 2.9 miles away' (from the centre of the postcode's area, so never more exact than that)."""
    if miles is None:
        return ""
    if miles < 1:
        return "less than a mile away"
    return f"about {miles:.1f} miles away" if miles < 10 else f"about {miles:,.0f} miles away"


def results_title(form: DirectorySearchForm, page, filters: dict) -> str:
    """The page's title, as GOV.UK search results title theirs: what was found for what was asked.

    "12 breaks near EH1 1YZ", "3 breaks matching ‘swim’ within 10 miles of EH1 1YZ", "5 breaks found
    (page 2 of 3)"; with no search, or a search with errors (base.html then adds "Error: "), "Find a break".
    """
    if page is None or not filters:
        return "Find a break"
    paginator = page.paginator
    found = f"More than {MOST_RESULTS:,} breaks" if paginator.capped else f"{paginator.count} break"
    found += "" if paginator.capped or paginator.count == 1 else "s"
    words, postcode, within = filters.get("q"), form.cleaned_data.get("postcode"), filters.get("within")
    if words:
        found += f" matching ‘{words}’"
    if postcode:
        found += f" within {within} miles of {postcode}" if within else f" near {postcode}"
    if not words and not postcode:
        found += " found"
    if paginator.num_pages > 1:
        found += f" (page {page.number} of {paginator.num_pages})"
    return f"{found} – Find a break"


def _search_form(request) -> tuple[DirectorySearchForm, dict]:
    form = DirectorySearchForm(request.GET or None)
    filters = form.filters if form.is_bound and form.is_valid() else {}
    return form, filters


@require_GET
def search(request):
    booking_for = selectors.booking_for(user=request.user, value=request.GET.get("for"))
    form, filters = _search_form(request)
    page = None
    if not form.errors:
        ids = selectors.offer_search(**filters).values_list("pk", flat=True)
        page = CappedPaginator(ids, PER_PAGE, most=MOST_RESULTS).get_page(request.GET.get("page"))
        page.object_list = selectors.offers_by_pk(pks=list(page.object_list))
        for offer in page.object_list:
            offer.price_text = price_text(offer)
            offer.distance = distance_text(selectors.miles(offer, filters.get("position")))
    return render(
        request,
        "brokerage/directory/search.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "title": results_title(form, page, filters),
            # On a phone the results come first after a search, the filters folded away behind "Filter results".
            "filters_open": bool(form.errors) or not filters,
            "querystring": form.querystring() if form.is_bound else "",
            "credit": geo.CREDIT,
            "most_results": MOST_RESULTS,
            "booking_for": booking_for,
            "for_query": f"?for={booking_for.pk}" if booking_for else "",
        },
    )


@require_GET
def offer_detail(request, pk):
    """An offer's page. A signed-in carer gets "Book" links to what their household can take; hub staff who
    came from a carer's record (?for=<carer>) get "Book for <name>" links and that household's reasons."""
    booking_for = selectors.booking_for(user=request.user, value=request.GET.get("for"))
    offer = selectors.offer_get(pk=pk)
    missing = selectors.missing_checks(offer=offer)
    sessions = [] if offer.uses_nights else selectors.next_sessions(offer=offer)
    nights = selectors.nights_ahead(offer=offer) if offer.uses_nights else []
    bookability = selectors.session_bookability(
        offer=offer, sessions=sessions, missing=missing, user=request.user, carer=booking_for
    )
    carer = request.user.is_authenticated and request.user.role == Role.CARER
    books = carer or booking_for is not None
    staff_kwargs = {"carer_pk": booking_for.pk} if booking_for else {}
    prefix = "staff_" if booking_for else ""
    rows = []
    for session in sessions:
        verdict = bookability[session.pk]
        url = waiting_url = None
        if verdict.bookable and books:
            url = book_url(f"{prefix}book_session", session_pk=session.pk, **staff_kwargs)
        elif books and not missing and session.places_left < rules.smallest_party(offer):
            # Full: the same booking page offers the waiting list instead.
            waiting_url = book_url(f"{prefix}book_session", session_pk=session.pk, **staff_kwargs)
        rows.append(
            {
                "session": session,
                "bookable": verdict.bookable,
                "reason": verdict.reason,
                "url": url,
                "waiting_url": waiting_url,
            }
        )
    nights_url = stay = None
    if offer.uses_nights:
        stay = selectors.stay_bookability(
            offer=offer, nights=nights, missing=missing, user=request.user, carer=booking_for
        )
        if stay.bookable and books:
            nights_url = book_url(f"{prefix}stay", offer_pk=offer.pk, **staff_kwargs)
    profile = getattr(offer.provider, "provider_profile", None)
    free = offer.price_unit == PriceUnit.FREE or not offer.price_pence
    # A carer sees what their fund has left against the price (one query; none for anyone else).
    affordability = None if free else fund_affordability(fetched_by=request.user, price_pence=offer.price_pence)
    return render(
        request,
        "brokerage/directory/offer.html",
        {
            "offer": offer,
            "profile": profile,
            "price": price_text(offer),
            "missing": missing,
            "rows": rows,
            "nights": nights,
            "nights_url": nights_url,
            "stay": stay,
            "signed_in_carer": carer,
            "affordability": affordability,
            "price_per": UNIT_WORDS.get(offer.price_unit, ("a time", "time"))[0],
            "price_unit": UNIT_WORDS.get(offer.price_unit, ("a time", "time"))[1],
            "booking_for": booking_for,
            "credit": geo.CREDIT,
        },
    )


def _month(value: str | None) -> datetime.date:
    """The month asked for (?month=YYYY-MM), or this month when there is none or it is not a month we show."""
    return month_or_none(value) or timezone.localdate().replace(day=1)


@require_GET
def month_calendar(request):
    params = request.GET.copy()
    month = _month(params.pop("month", [None])[-1])
    form, filters = _search_form(request) if params else (DirectorySearchForm(), {})
    first = month
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    weeks = []
    sessions = []
    if not form.errors:
        sessions = selectors.calendar_sessions(offers=selectors.offer_search(**filters), first=first, last=last)
    by_day: dict[datetime.date, list] = {}
    for session in sessions:
        by_day.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append(
            [{"date": day, "in_month": day.month == month.month, "sessions": by_day.get(day, [])} for day in week]
        )
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    filters_qs = form.querystring() if form.is_bound else ""
    return render(
        request,
        "brokerage/directory/calendar.html",
        {
            "form": form,
            "month": month,
            "weeks": weeks,
            "count": len(sessions),
            "limit": selectors.CALENDAR_LIMIT,
            "previous_qs": _with_month(filters_qs, previous),
            "next_qs": _with_month(filters_qs, following),
            "previous": previous,
            "next": following,
            "credit": geo.CREDIT,
        },
    )


def _with_month(querystring: str, month: datetime.date) -> str:
    params = QueryDict(querystring, mutable=True)
    params["month"] = f"{month:%Y-%m}"
    return params.urlencode()
