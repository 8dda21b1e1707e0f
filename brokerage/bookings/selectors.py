"""Reads for bookings. Every one takes the user who reads and goes through the access choke point."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from breakthrough.access import get_visible_or_404, visible
from breakthrough.models import Role
from brokerage.models import Booking, CaredForPerson, Carer, Night, Offer, Session, WaitingListEntry
from brokerage.selectors import carer_get, carer_of_user


def booking_carer(*, fetched_by, carer_pk: int | None = None) -> Carer:
    """The household a booking is for: the signed-in carer's own, or (for staff) one carer they may see."""
    if carer_pk is None:
        return carer_of_user(user=fetched_by)
    if fetched_by.role not in (Role.BROKER, Role.ASSESSOR, Role.ADMIN):
        raise Http404("Only staff book on someone's behalf.")
    return carer_get(fetched_by=fetched_by, pk=carer_pk)


def booking_submitted(*, carer: Carer, key: str | None, fetched_by) -> Booking | None:
    """The booking an earlier send of this check page (the same submission key) made for the carer, or None."""
    if not key:
        return None
    return visible(fetched_by, Booking).filter(carer=carer, submission_key=key).first()


def session_get(*, fetched_by, pk) -> Session:
    """A session the user may see, of a published offer (with its offer and provider)."""
    source = Session.objects.select_related("offer__provider").filter(offer__is_published=True)
    return get_visible_or_404(fetched_by, source, audit=False, pk=pk)


def offer_get(*, fetched_by, pk) -> Offer:
    return get_visible_or_404(
        fetched_by, Offer.objects.select_related("provider").filter(is_published=True), audit=False, pk=pk
    )


def stay_nights(*, offer: Offer, first_night, nights: int) -> list[Night]:
    import datetime

    last = first_night + datetime.timedelta(days=nights - 1)
    return list(Night.objects.filter(offer=offer, date__range=(first_night, last)).order_by("date"))


def open_nights(*, offer: Offer, first, days: int) -> list[Night]:
    """The nights the property has opened from `first` for `days` days, full ones too, by date."""
    import datetime

    last = first + datetime.timedelta(days=days - 1)
    return list(Night.objects.filter(offer=offer, date__range=(first, last)).order_by("date"))


def _bookings(fetched_by) -> QuerySet[Booking]:
    people = CaredForPerson.objects.order_by("first_name", "pk")
    if fetched_by.role == Role.CARER:
        # A pooled booking's lead carer sees who goes from their own household, not the other households' people.
        people = people.filter(relationships__carer__user=fetched_by)
    return (
        visible(fetched_by, Booking)
        .select_related("offer__provider", "session")
        .prefetch_related(Prefetch("cared_for", queryset=people))
    )


def carer_breaks(*, carer: Carer, fetched_by) -> dict[str, list[Booking]]:
    """A carer's bookings split into upcoming and past (three queries, whatever the number of bookings)."""
    bookings = list(_bookings(fetched_by).filter(carer=carer).order_by("-requested_at", "-pk"))
    now = timezone.now()
    today = timezone.localdate()

    def starts(b):
        return b.session.starts_at if b.session_id else None

    def is_upcoming(b):  # cancelled and declined bookings are listed under "Past and cancelled"
        return b.holds_places and ((b.session.starts_at > now) if b.session_id else (b.first_night >= today))

    upcoming = [b for b in bookings if is_upcoming(b)]
    upcoming.sort(key=lambda b: (timezone.localtime(starts(b)).date() if starts(b) else b.first_night, b.pk))
    return {"upcoming": upcoming, "past": [b for b in bookings if not is_upcoming(b)]}


def carer_waiting(*, carer: Carer, fetched_by) -> list[WaitingListEntry]:
    return list(
        visible(fetched_by, WaitingListEntry)
        .filter(carer=carer, state__in=(WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED))
        .select_related("offer", "session")
    )


def carer_summary(*, carer: Carer, fetched_by) -> dict:
    """What a carer's home page says about their breaks: the next confirmed one, requests waiting for the
    provider, and places offered from a waiting list to answer (four queries)."""
    breaks = carer_breaks(carer=carer, fetched_by=fetched_by)
    waiting = carer_waiting(carer=carer, fetched_by=fetched_by)
    confirmed = [b for b in breaks["upcoming"] if b.state == Booking.State.CONFIRMED]
    return {
        "next_break": confirmed[0] if confirmed else None,
        "requests": [b for b in breaks["upcoming"] if b.state == Booking.State.REQUESTED],
        "offers": [e for e in waiting if e.state == WaitingListEntry.State.OFFERED],
    }


def booking_get(*, fetched_by, pk) -> Booking:
    return get_visible_or_404(fetched_by, _bookings(fetched_by).select_related("carer"), pk=pk)


def waiting_entry_get(*, fetched_by, pk) -> WaitingListEntry:
    source = WaitingListEntry.objects.select_related("offer", "session", "carer").prefetch_related("cared_for")
    return get_visible_or_404(fetched_by, source, pk=pk)


def calendar_bookings(*, carer: Carer) -> list[Booking]:
    """The confirmed breaks for a carer's calendar feed (the token was checked by the caller)."""
    return list(
        Booking.objects.filter(carer=carer, state=Booking.State.CONFIRMED)
        .select_related("offer__provider", "session")
        .order_by("pk")
    )
