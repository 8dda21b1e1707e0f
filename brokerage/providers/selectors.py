"""Reads for the provider portal. Every one takes the user who reads and goes through the access choke point."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from breakthrough.access import get_visible_or_404, visible
from breakthrough.models import Locality, Organisation, Role
from brokerage.models import (
    Booking,
    CaredForPerson,
    ComplianceDocument,
    ComplianceKind,
    Night,
    Offer,
    ProviderProfile,
    Schedule,
    Session,
)

EXPIRING_SOON_DAYS = ComplianceDocument.WARN_DAYS


def organisation_for_portal(*, user) -> Organisation:
    """The provider organisation the signed-in member of staff works for (404 for anyone else)."""
    if user.role != Role.PROVIDER or not user.organisation_id:
        raise Http404("Only provider staff have a portal.")
    return user.organisation


def profile_get(*, fetched_by) -> ProviderProfile:
    """The provider's directory profile; an unsaved blank one if it has never been filled in."""
    organisation = organisation_for_portal(user=fetched_by)
    profile = visible(fetched_by, ProviderProfile).filter(organisation=organisation).first()
    return profile or ProviderProfile(organisation=organisation)


def localities_served(*, organisation: Organisation) -> QuerySet[Locality]:
    """The localities of the partnerships the organisation serves: the choices for 'areas served'."""
    return Locality.objects.filter(partnership__in=organisation.partnerships_served.all()).select_related("partnership")


# ---------------------------------------------------------------------------------------------
# Offers and availability
# ---------------------------------------------------------------------------------------------


def offer_list(*, fetched_by) -> QuerySet[Offer]:
    """The offers the user's organisation runs, with counts of upcoming sessions (one query)."""
    now = timezone.now()
    return (
        visible(fetched_by, Offer)
        .filter(provider_id=fetched_by.organisation_id)
        .select_related("locality")
        .annotate(
            upcoming_sessions=Count(
                "sessions", filter=Q(sessions__starts_at__gte=now, sessions__is_cancelled=False), distinct=True
            )
        )
        .order_by("title", "pk")
    )


def offer_get(*, fetched_by, pk) -> Offer:
    source = Offer.objects.select_related("locality", "provider").prefetch_related("features")
    if fetched_by.role == Role.PROVIDER:
        source = source.filter(provider_id=fetched_by.organisation_id)
    return get_visible_or_404(fetched_by, source, pk=pk)


def offer_sessions(*, offer: Offer, fetched_by, upcoming_only: bool = True) -> QuerySet[Session]:
    sessions = visible(fetched_by, Session).filter(offer=offer)
    if upcoming_only:
        sessions = sessions.filter(ends_at__gte=timezone.now())
    return sessions.order_by("starts_at", "pk")


def offer_schedules(*, offer: Offer, fetched_by) -> QuerySet[Schedule]:
    return visible(fetched_by, Schedule).filter(offer=offer).order_by("weekday", "starts_at")


def offer_nights(*, offer: Offer, fetched_by) -> QuerySet[Night]:
    return visible(fetched_by, Night).filter(offer=offer, date__gte=timezone.localdate()).order_by("date")


def session_get(*, fetched_by, pk) -> Session:
    source = Session.objects.select_related("offer")
    if fetched_by.role == Role.PROVIDER:
        source = source.filter(offer__provider_id=fetched_by.organisation_id)
    return get_visible_or_404(fetched_by, source, pk=pk)


def schedule_get(*, fetched_by, pk) -> Schedule:
    source = Schedule.objects.select_related("offer")
    if fetched_by.role == Role.PROVIDER:
        source = source.filter(offer__provider_id=fetched_by.organisation_id)
    return get_visible_or_404(fetched_by, source, pk=pk)


def schedule_coming_summary(*, schedule: Schedule, fetched_by) -> dict[str, int]:
    """How many of the schedule's sessions are still to start (not cancelled), and the most places taken on
    one of them: {"count", "most_taken"}. One query."""
    totals = (
        visible(fetched_by, Session)
        .filter(schedule=schedule, starts_at__gt=timezone.now(), is_cancelled=False)
        .aggregate(count=Count("pk"), most_taken=Max("places_taken"))
    )
    return {"count": totals["count"], "most_taken": totals["most_taken"] or 0}


def upcoming_sessions(*, fetched_by, limit: int = 10) -> list[Session]:
    """The organisation's next sessions, soonest first, with the offer (one query)."""
    return list(
        visible(fetched_by, Session)
        .filter(offer__provider_id=fetched_by.organisation_id, ends_at__gte=timezone.now(), is_cancelled=False)
        .select_related("offer")
        .order_by("starts_at", "pk")[:limit]
    )


def requests_waiting(*, fetched_by, limit: int = 10) -> QuerySet[Booking]:
    """Bookings of the organisation's offers waiting for the provider to confirm or decline (read only here)."""
    return (
        visible(fetched_by, Booking)
        .filter(offer__provider_id=fetched_by.organisation_id, state=Booking.State.REQUESTED)
        .select_related("offer", "session")
        .order_by("requested_at", "pk")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# Compliance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryStatus:
    label: str
    tag: str  # GOV.UK tag colour modifier ("" for the default)
    days_left: int


def expiry_status(document: ComplianceDocument, today: datetime.date | None = None) -> ExpiryStatus:
    today = today or timezone.localdate()
    days = (document.expires_on - today).days
    if days < 0:
        return ExpiryStatus("Expired", "govuk-tag--red", days)
    if days <= EXPIRING_SOON_DAYS:
        if days == 0:
            return ExpiryStatus("Expires today", "govuk-tag--orange", days)
        return ExpiryStatus(f"Expires in {days} day{'s' if days != 1 else ''}", "govuk-tag--yellow", days)
    if document.issued_on > today:
        return ExpiryStatus("Not yet in force", "govuk-tag--grey", days)
    return ExpiryStatus("Current", "govuk-tag--green", days)


def compliance_list(*, fetched_by) -> list[ComplianceDocument]:
    """The organisation's compliance documents, soonest expiry first, each with its `status`."""
    documents = list(
        visible(fetched_by, ComplianceDocument)
        .filter(organisation_id=fetched_by.organisation_id)
        .order_by("expires_on", "pk")
    )
    today = timezone.localdate()
    for document in documents:
        document.status = expiry_status(document, today)
    return documents


def compliance_expiring_soon(*, fetched_by) -> list[ComplianceDocument]:
    """Documents that have expired or expire within the warning period."""
    horizon = timezone.localdate() + datetime.timedelta(days=EXPIRING_SOON_DAYS)
    today = timezone.localdate()
    documents = list(
        visible(fetched_by, ComplianceDocument)
        .filter(organisation_id=fetched_by.organisation_id, expires_on__lte=horizon)
        .order_by("expires_on", "pk")
    )
    # A document that has been replaced (a newer one of the same kind runs later) is not worth a warning.
    later = set(
        visible(fetched_by, ComplianceDocument)
        .filter(organisation_id=fetched_by.organisation_id, expires_on__gt=horizon)
        .values_list("kind", flat=True)
    )
    documents = [d for d in documents if d.kind not in later]
    for document in documents:
        document.status = expiry_status(document, today)
    return documents


def compliance_get(*, fetched_by, pk) -> ComplianceDocument:
    source = ComplianceDocument.objects.all()
    if fetched_by.role == Role.PROVIDER:
        source = source.filter(organisation_id=fetched_by.organisation_id)
    return get_visible_or_404(fetched_by, source, pk=pk)


def offer_bookable_checks(offer: Offer, on_date: datetime.date) -> list[dict]:
    """Which of the offer's required checks the provider does not hold, current, on `on_date`.

    Returns one entry per missing check: {"kind", "label", "reason"} where reason is "missing" (never
    recorded) or "expired" (recorded, but none current on that date). An empty list means bookable.
    Not user-scoped: it reads compliance status, never a personal record. One query.
    """
    required = list(offer.required_checks)
    documents = ComplianceDocument.objects.filter(organisation_id=offer.provider_id, kind__in=required).only(
        "kind", "issued_on", "expires_on"
    )
    held: set[str] = set()
    current: set[str] = set()
    for document in documents:
        held.add(document.kind)
        if document.is_current_on(on_date):
            current.add(document.kind)
    missing = []
    for kind in required:
        if kind in current:
            continue
        missing.append(
            {
                "kind": str(kind),
                "label": ComplianceKind(kind).label,
                "reason": "expired" if kind in held else "missing",
            }
        )
    return missing


# ---------------------------------------------------------------------------------------------
# Bookings of the organisation's offers (confirming, declining and attendance are bookings services)
# ---------------------------------------------------------------------------------------------


def _who_is_going() -> Prefetch:
    """The cared-for people on a booking, with only what the provider needs: first name and needs level."""
    people = CaredForPerson.objects.only("pk", "first_name", "needs_level").order_by("first_name", "pk")
    return Prefetch("cared_for", queryset=people)


def _organisation_bookings(fetched_by) -> QuerySet[Booking]:
    return (
        visible(fetched_by, Booking)
        .filter(offer__provider_id=fetched_by.organisation_id)
        .select_related("offer", "session")
        .prefetch_related(_who_is_going())
    )


def _starts(booking: Booking):
    if booking.session_id:
        return booking.session.starts_at
    return timezone.make_aware(datetime.datetime.combine(booking.first_night, datetime.time.min))


def waited(since: datetime.datetime, now: datetime.datetime) -> str:
    """How long a request has waited: whole hours up to two days, then whole days ("5 hours", "3 days")."""
    hours = int((now - since).total_seconds() // 3600)
    if hours < 1:
        return "Under an hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def provider_bookings(*, fetched_by, limit: int = 200) -> dict[str, list[Booking]]:
    """Requests waiting for the provider (oldest first, each with how long it has `waited`) and upcoming
    confirmed bookings (soonest first).

    Requests carry no carer: until the provider confirms, they see who is going (first names and needs
    level) but not who the family is. Four queries, whatever the number of bookings.
    """
    now = timezone.now()
    upcoming_filter = Q(session__starts_at__gte=now) | Q(session__isnull=True, first_night__gte=timezone.localdate())
    requests = list(
        _organisation_bookings(fetched_by)
        .filter(state=Booking.State.REQUESTED)
        .filter(upcoming_filter)
        .order_by("requested_at", "pk")[:limit]
    )
    confirmed = list(
        _organisation_bookings(fetched_by)
        .filter(state=Booking.State.CONFIRMED)
        .filter(upcoming_filter)
        .select_related("carer__user")[:limit]
    )
    confirmed.sort(key=lambda b: (_starts(b), b.pk))
    for booking in requests:
        booking.waited = waited(booking.requested_at, now)
    return {"requests": requests, "confirmed": confirmed}


def booking_get(*, fetched_by, pk) -> Booking:
    """One booking of the organisation's offers (404 for anyone else's), logged as viewed."""
    source = Booking.objects.select_related("offer", "session", "carer__user").prefetch_related(_who_is_going())
    if fetched_by.role == Role.PROVIDER:
        source = source.filter(offer__provider_id=fetched_by.organisation_id)
    return get_visible_or_404(fetched_by, source, pk=pk)


def session_attendance(*, session: Session, fetched_by) -> list[Booking]:
    """The confirmed bookings of a session, and those whose attendance is already recorded (two queries)."""
    states = (Booking.State.CONFIRMED, Booking.State.ATTENDED, Booking.State.NO_SHOW)
    return list(
        _organisation_bookings(fetched_by)
        .filter(session=session, state__in=states)
        .select_related("carer")
        .order_by("requested_at", "pk")
    )


STAY_ATTENDANCE_DAYS = 28


def offer_stay_attendance(*, offer: Offer, fetched_by, days: int = STAY_ATTENDANCE_DAYS) -> list[Booking]:
    """Confirmed stays at a property that began in the last `days` days (first night today or before), and
    those whose attendance is already recorded; earliest first. Two queries, whatever the number."""
    today = timezone.localdate()
    states = (Booking.State.CONFIRMED, Booking.State.ATTENDED, Booking.State.NO_SHOW)
    return list(
        _organisation_bookings(fetched_by)
        .filter(
            offer=offer,
            session__isnull=True,
            state__in=states,
            first_night__lte=today,
            first_night__gte=today - datetime.timedelta(days=days),
        )
        .select_related("carer")
        .order_by("first_night", "requested_at", "pk")
    )


def stay_in_attendance_window(booking: Booking, today: datetime.date | None = None) -> bool:
    """Whether a stay is one offer_stay_attendance lists (it has begun, within the window, and was confirmed)."""
    today = today or timezone.localdate()
    return (
        booking.session_id is None
        and booking.state in (Booking.State.CONFIRMED, Booking.State.ATTENDED, Booking.State.NO_SHOW)
        and today - datetime.timedelta(days=STAY_ATTENDANCE_DAYS) <= booking.first_night <= today
    )


def offer_recent_sessions(*, offer: Offer, fetched_by, days: int = 28) -> QuerySet[Session]:
    """Sessions that have ended within the last `days` days, latest first: for recording attendance."""
    now = timezone.now()
    return (
        visible(fetched_by, Session)
        .filter(offer=offer, is_cancelled=False, ends_at__lt=now, ends_at__gte=now - datetime.timedelta(days=days))
        .order_by("-starts_at", "-pk")
    )
