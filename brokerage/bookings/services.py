"""Writes for bookings and waiting lists. Places are only ever taken or returned here, under a row lock.

The rule that must never break: two people can never hold the last place. Every change to
`places_taken` happens inside one transaction that first locks the rows it changes
(`_lock_places`: the session row, or every night of a stay in date order so that two stays never
deadlock), then checks places left, then writes with an F() expression. The database's
CheckConstraint (places_taken <= places) backs it up. A waiting-list offer *holds* its places
(they count in places_taken) until it is accepted, declined or expires. Every service here that locks
runs in `locking_transaction` (breakthrough/locking.py): a lock held elsewhere for longer than
LOCK_TIMEOUT_MS is answered "This is busy at the moment. Try again." instead of a wait without end.

Test hooks (used ONLY by tests/brokerage/bookings/test_concurrency.py, never set in production):
`_lock_places` is the one function that locks, so the negative-control test replaces it with a
version that does not lock; `_after_capacity_check` is a no-op called between the capacity check and
the write, so the test can widen the race window deterministically.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction, unless_busy
from breakthrough.models import Role
from breakthrough.submissions import create_once, earlier_submission
from breakthrough.tasks import send_email
from brokerage.availability import offer_refresh_places_until
from brokerage.bookings import rules
from brokerage.feedback import services as feedback_services
from brokerage.funds import wiring as funds_wiring
from brokerage.models import (
    Booking,
    BookingMode,
    BookingNight,
    CaredForPerson,
    Carer,
    Night,
    Offer,
    PaymentSource,
    PriceUnit,
    ProviderProfile,
    Session,
    WaitingListEntry,
)

# ----------------------------------------------------------------------------------------------
# Locking (the only place rows are locked) and the test hook
# ----------------------------------------------------------------------------------------------


def _lock_places(*, session: Session | None = None, offer: Offer | None = None, first_night=None, nights=None):
    """Lock and return the rows whose places change: [session], or every night of the stay in date order.

    FOR NO KEY UPDATE: lockers still queue behind each other, but a booking row being inserted (whose foreign
    key takes a KEY SHARE lock on the same session) neither waits for the lock nor deadlocks with it.
    """
    if session is not None:
        return [Session.objects.select_for_update(no_key=True).get(pk=session.pk)]
    last = first_night + datetime.timedelta(days=nights - 1)
    nights_in_stay = Night.objects.select_for_update(no_key=True).filter(offer=offer, date__range=(first_night, last))
    return list(nights_in_stay.order_by("date"))


def _after_capacity_check() -> None:
    """Called between the capacity check and the write. A no-op; the concurrency test widens the race here."""


def _rows_for(obj) -> dict:
    """The keyword arguments that name the places a booking or waiting-list entry holds."""
    if obj.session_id is not None:
        return {"session": obj.session}
    return {"offer": obj.offer, "first_night": obj.first_night, "nights": obj.nights}


def _model_of(rows):
    return Session if isinstance(rows[0], Session) else Night


def _take(rows, places: int) -> None:
    """Take places on locked rows (and on the objects, so they stay true). Filling one can end the offer's places."""
    _model_of(rows).objects.filter(pk__in=[r.pk for r in rows]).update(places_taken=F("places_taken") + places)
    filled = any(row.places_taken + places >= row.places for row in rows)
    for row in rows:
        row.places_taken += places
    if filled:
        offer_refresh_places_until(offer_id=rows[0].offer_id)


def _release(rows, places: int) -> None:
    """Give places back on locked rows (and the objects). Freeing a full one can give the offer places again."""
    _model_of(rows).objects.filter(pk__in=[r.pk for r in rows]).update(places_taken=F("places_taken") - places)
    was_full = any(row.places_taken >= row.places for row in rows)
    for row in rows:
        row.places_taken -= places
    if was_full:
        offer_refresh_places_until(offer_id=rows[0].offer_id)


# ----------------------------------------------------------------------------------------------
# Who may do what
# ----------------------------------------------------------------------------------------------


_acts_for_carer = rules.acts_for_carer


def _acts_for_provider(user, offer: Offer) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.PROVIDER:
        return user.organisation_id is not None and user.organisation_id == offer.provider_id
    return user.role == Role.ADMIN


def _is_staff_for(user, carer: Carer) -> bool:
    return _acts_for_carer(user, carer) and user.role != Role.CARER


# ----------------------------------------------------------------------------------------------
# The booking rules live in rules.py: every path (booking, waiting list, accepting a place, pooled) checks them
# ----------------------------------------------------------------------------------------------

_validate = rules.check_booking


def booking_cost(*, offer: Offer, session: Session | None, nights: int | None, places: int) -> int:
    """Integer pence. Hour: price x session length (rounded to the nearest penny); session, place: per place;
    night: per night per place; free: 0. Property stays priced per session or place count once per place."""
    price = offer.price_pence
    if offer.price_unit == PriceUnit.FREE:
        return 0
    if offer.price_unit == PriceUnit.HOUR:
        if session is None:
            raise ValidationError("This break is priced by the hour, so it must be booked by the session.")
        minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
        return (price * minutes + 30) // 60
    if offer.price_unit == PriceUnit.NIGHT:
        return price * (nights or 1) * places
    return price * places


# ----------------------------------------------------------------------------------------------
# E-mail
# ----------------------------------------------------------------------------------------------


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(f"brokerage:bookings:{name}", kwargs=kwargs)


def _email_carer(carer: Carer, template: str, subject: str, context: dict) -> None:
    if carer.user_id is None or not carer.user.email:
        return
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string(f"brokerage/email/{template}.txt", {"carer": carer, **context}),
        to=[carer.user.email],
    )


def _email_booking(booking: Booking, template: str, subject: str, **extra) -> None:
    _email_carer(
        booking.carer,
        template,
        subject,
        {"booking": booking, "url": _url("booking_detail", pk=booking.pk), **extra},
    )


def _email_state(booking: Booking) -> None:
    if booking.state == Booking.State.CONFIRMED:
        _email_booking(booking, "booking_confirmed", f"your break is booked: {booking.offer.title}")
    else:
        _email_booking(booking, "booking_requested", f"you have asked for a break: {booking.offer.title}")
        _email_provider_of_request(booking)


def _email_provider_of_request(booking: Booking) -> None:
    """Tell the provider a request is waiting for them (no personal details: they sign in to see it)."""
    profile = ProviderProfile.objects.filter(organisation_id=booking.offer.provider_id).first()
    if profile is None or not profile.email:
        return
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}a booking request for {booking.offer.title}",
        body=render_to_string("brokerage/email/booking_request_to_provider.txt", {"booking": booking}),
        to=[profile.email],
    )


# ----------------------------------------------------------------------------------------------
# Bookings
# ----------------------------------------------------------------------------------------------


@locking_transaction
def booking_create(
    *,
    carer: Carer,
    offer: Offer,
    session: Session | None = None,
    first_night: datetime.date | None = None,
    nights: int | None = None,
    includes_carer: bool,
    cared_for: Iterable[CaredForPerson],
    payment_source: str,
    by,
    submission_key: str | None = None,
) -> Booking:
    """Book places for the carer and/or cared-for people as one unit: all places are held, or none.

    The check page's `submission_key` makes it idempotent: the same page sent again (a double click, a retry)
    returns the booking it made (breakthrough/submissions.py). A second live booking of the same person on the
    session (or on overlapping nights) is refused once the places are locked (`_refuse_a_second_booking`)."""
    people = list(cared_for)
    if _acts_for_carer(by, carer):
        existing = earlier_submission(Booking, submission_key, carer=carer)
        if existing is not None:
            return existing
    places = _validate(
        carer=carer,
        offer=offer,
        session=session,
        first_night=first_night,
        nights=nights,
        includes_carer=includes_carer,
        cared_for=people,
        payment_source=payment_source,
        by=by,
    )
    cost = booking_cost(offer=offer, session=session, nights=nights, places=places)
    state = Booking.State.CONFIRMED if offer.booking_mode == BookingMode.INSTANT else Booking.State.REQUESTED
    now = timezone.now()
    # Everything that does not touch places is written first, so the lock below is held only for the
    # capacity check, the update and the commit. A refusal there rolls all of it back (e-mails included:
    # they are sent on commit).
    booking, made = create_once(
        Booking,
        key=submission_key,
        owner={"carer": carer},
        offer=offer,
        session=session,
        first_night=first_night,
        nights=nights,
        includes_carer=includes_carer,
        places=places,
        cost_pence=cost,
        payment_source=payment_source,
        state=state,
        requested_by=by,
        requested_at=now,
        decided_at=now if state == Booking.State.CONFIRMED else None,
    )
    if not made:
        return booking  # the same page, sent at the same moment, booked it
    booking.cared_for.set(people)
    log_action(
        booking,
        f"brokerage.booking.{state}",
        user=by,
        data={"places": places, "cost_pence": cost, "payment_source": payment_source},
    )
    _email_state(booking)

    rows = _lock_places(session=session, offer=offer, first_night=first_night, nights=nights)
    if session is None and len(rows) != nights:
        raise ValidationError({"nights": "The property is not available on every night of that stay"})
    if session is not None and (rows[0].is_cancelled or rows[0].starts_at <= timezone.now()):
        raise ValidationError("This session can no longer be booked.")
    _refuse_a_second_booking(booking, rows, people, by)
    if min(row.places_left for row in rows) < places:
        raise ValidationError(
            "There are not enough places left. You can join the waiting list instead."
            if session is not None
            else "The property has just been taken for some of those nights. Choose other nights."
        )
    _after_capacity_check()
    _take(rows, places)
    if session is None:
        BookingNight.objects.bulk_create([BookingNight(booking=booking, night=row) for row in rows])
    funds_wiring.booking_fund_choose(booking=booking, by=by)  # funds wiring: which fund pays; commit if confirmed
    return booking


def _refuse_a_second_booking(booking, rows, people: list[CaredForPerson], by) -> None:
    """Nobody holds two live (requested or confirmed) bookings of one session, or of nights that overlap at one
    property: not the carer, not any person cared for (whoever books them). `booking` is the booking being made
    (or the waiting-list entry that would become one). Called with the places locked, so two bookings at once
    queue on the lock and the second sees the first."""
    live = Booking.objects.filter(state__in=Booking.HOLDING)
    if isinstance(booking, Booking):
        live = live.exclude(pk=booking.pk)
    if booking.session_id is not None:
        live = live.filter(session_id=booking.session_id)
    else:
        live = live.filter(booked_nights__night__in=rows)
    names = []
    if booking.includes_carer and live.filter(carer_id=booking.carer_id, includes_carer=True).exists():
        names.append("You" if by is not None and by.pk == booking.carer.user_id else booking.carer.full_name)
    taken = set(live.filter(cared_for__in=people).values_list("cared_for", flat=True))
    names += [person.full_name for person in people if person.pk in taken]
    if not names:
        return
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "are" if len(names) > 1 or names == ["You"] else "is"
    where = "on this session" if booking.session_id is not None else "at this property on some of those nights"
    raise ValidationError(f"{who} {verb} already booked {where}.")


def booking_refusal(
    *,
    carer: Carer,
    offer: Offer,
    session: Session | None = None,
    first_night: datetime.date | None = None,
    nights: int | None = None,
    includes_carer: bool,
    cared_for: Iterable[CaredForPerson],
    payment_source: str,
    by,
) -> str:
    """Why booking_create would refuse this booking now, in its words, or "": the booking rules, the places
    left and the fund. A read (nothing locked or written), so the check page shows the reason instead of a
    "Book" button; booking_create checks it all again, under the lock."""
    people = list(cared_for)
    try:
        places = _validate(
            carer=carer,
            offer=offer,
            session=session,
            first_night=first_night,
            nights=nights,
            includes_carer=includes_carer,
            cared_for=people,
            payment_source=payment_source,
            by=by,
        )
        if session is not None:
            left, day = Session.objects.get(pk=session.pk).places_left, timezone.localtime(session.starts_at).date()
        else:
            last = first_night + datetime.timedelta(days=nights - 1)
            rows = Night.objects.filter(offer=offer, date__range=(first_night, last))
            left, day = min(row.places_left for row in rows), first_night
        if left < places:
            raise ValidationError(
                "There are not enough places left. You can join the waiting list instead."
                if session is not None
                else "The property is taken on some of those nights. Choose other nights."
            )
        if payment_source == PaymentSource.FUND:
            cost = booking_cost(offer=offer, session=session, nights=nights, places=places)
            funds_wiring.booking_fund_check(carer=carer, day=day, pence=cost, by=by)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _locked_booking(booking: Booking) -> tuple[Booking, list]:
    """Lock the places a booking holds, then re-read the booking (always in that order: no deadlocks)."""
    rows = _lock_places(**_rows_for(booking))
    fresh = Booking.objects.select_for_update(of=("self",)).select_related("offer", "carer__user").get(pk=booking.pk)
    return fresh, rows


@locking_transaction
def booking_confirm(*, booking: Booking, by) -> Booking:
    if not _acts_for_provider(by, booking.offer):
        raise ValidationError("Only the provider can confirm this booking.")
    booking = Booking.objects.select_for_update(of=("self",)).select_related("offer", "carer__user").get(pk=booking.pk)
    if booking.state != Booking.State.REQUESTED:
        raise ValidationError("Only a requested booking can be confirmed.")
    booking.state = Booking.State.CONFIRMED
    booking.decided_by = by
    booking.decided_at = timezone.now()
    booking.save(update_fields=["state", "decided_by", "decided_at"])
    funds_wiring.booking_fund_commit(booking=booking, by=by)  # funds wiring: commit its cost
    log_action(booking, "brokerage.booking.confirmed", user=by)
    _email_booking(booking, "booking_confirmed", f"your break is booked: {booking.offer.title}")
    return booking


@locking_transaction
def booking_decline(*, booking: Booking, by, reason: str) -> Booking:
    if not _acts_for_provider(by, booking.offer):
        raise ValidationError("Only the provider can decline this booking.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you are declining, so the carer knows"})
    booking, rows = _locked_booking(booking)
    if booking.state != Booking.State.REQUESTED:
        raise ValidationError("Only a requested booking can be declined.")
    _release(rows, booking.places)
    booking.state = Booking.State.DECLINED
    booking.decided_by = by
    booking.decided_at = timezone.now()
    booking.decline_reason = reason
    booking.save(update_fields=["state", "decided_by", "decided_at", "decline_reason"])
    funds_wiring.booking_fund_release(booking=booking, by=by)  # funds wiring: give back what was committed
    log_action(booking, "brokerage.booking.declined", user=by)
    _email_booking(booking, "booking_declined", f"your request was declined: {booking.offer.title}", reason=reason)
    _offer_freed(booking)
    return booking


UNANSWERED_REASON = "The provider did not answer your request before the break began."


@locking_transaction
def booking_lapse(*, booking: Booking) -> bool:
    """A request still unanswered when its break begins is declined, so it never waits for ever.

    Its places go back (too late for the waiting list) and the carer is told. False if nothing to do."""
    booking, rows = _locked_booking(booking)
    began = (
        booking.session.starts_at <= timezone.now()
        if booking.session_id
        else booking.first_night <= timezone.localdate()
    )
    if booking.state != Booking.State.REQUESTED or not began:
        return False
    _release(rows, booking.places)
    booking.state = Booking.State.DECLINED
    booking.decided_at = timezone.now()
    booking.decline_reason = UNANSWERED_REASON
    booking.save(update_fields=["state", "decided_at", "decline_reason"])
    funds_wiring.booking_fund_release(booking=booking, by=None)  # funds wiring: give back what was committed
    log_action(booking, "brokerage.booking.lapsed", user=None)
    reason = UNANSWERED_REASON
    _email_booking(booking, "booking_declined", f"your request was not answered: {booking.offer.title}", reason=reason)
    return True


def booking_lapse_unanswered() -> int:
    """Decline every request whose break has begun without an answer, each in its own transaction."""
    requested = Booking.objects.filter(state=Booking.State.REQUESTED)
    began = requested.filter(
        Q(session__starts_at__lte=timezone.now()) | Q(first_night__lte=timezone.localdate())
    ).order_by("pk")
    return sum(1 for booking in began if unless_busy(booking_lapse, booking=booking))


@locking_transaction
def booking_cancel(*, booking: Booking, by, reason: str) -> Booking:
    """Cancel by the carer, their broker or the provider: the places go back and the waiting list is offered them."""
    if not (_acts_for_carer(by, booking.carer) or _acts_for_provider(by, booking.offer)):
        raise ValidationError("You cannot cancel this booking.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the booking is being cancelled"})
    booking, rows = _locked_booking(booking)
    if booking.state not in Booking.HOLDING:
        raise ValidationError("This booking cannot be cancelled now.")
    _release(rows, booking.places)
    booking.state = Booking.State.CANCELLED
    booking.cancelled_by = by
    booking.cancelled_at = timezone.now()
    booking.cancel_reason = reason
    booking.save(update_fields=["state", "cancelled_by", "cancelled_at", "cancel_reason"])
    funds_wiring.booking_fund_release(booking=booking, by=by)  # funds wiring: give back what was committed
    log_action(booking, "brokerage.booking.cancelled", user=by, data={"by_role": by.role})
    _email_booking(booking, "booking_cancelled", f"your break is cancelled: {booking.offer.title}", reason=reason)
    _offer_freed(booking)
    return booking


@locking_transaction
def booking_record_attendance(*, booking: Booking, by, attended: bool) -> Booking:
    """The provider records (or corrects) whether the break happened; the fund's money follows (wiring.py)."""
    if not _acts_for_provider(by, booking.offer):
        raise ValidationError("Only the provider can record attendance.")
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("offer", "session", "carer").get(pk=booking.pk)
    )
    if booking.state not in (Booking.State.CONFIRMED, Booking.State.ATTENDED, Booking.State.NO_SHOW):
        raise ValidationError("Attendance can only be recorded for a confirmed booking.")
    started = (
        booking.session.starts_at <= timezone.now()
        if booking.session_id
        else booking.first_night <= timezone.localdate()
    )
    if not started:
        raise ValidationError("Attendance can be recorded once the break has started.")
    previous = booking.state
    booking.state = Booking.State.ATTENDED if attended else Booking.State.NO_SHOW
    booking.attendance_recorded_at = timezone.now()
    booking.save(update_fields=["state", "attendance_recorded_at"])
    # funds wiring: a no-show gives its money back unless the provider charges; a correction commits it again
    funds_wiring.booking_fund_attendance(booking=booking, previous=previous, by=by)
    log_action(booking, f"brokerage.booking.{booking.state}", user=by, data={"was": previous})
    # the carer is asked how the break went (once, however often attendance is corrected)
    feedback_services.feedback_ask(booking=booking)
    return booking


@transaction.atomic
def calendar_link_renew(*, carer: Carer, by) -> Carer:
    """A new secret calendar address for the carer; the old one stops working at once."""
    if not _acts_for_carer(by, carer):
        raise ValidationError("You cannot change this carer's calendar address.")
    Carer.objects.filter(pk=carer.pk).update(calendar_link_version=F("calendar_link_version") + 1)
    carer.refresh_from_db(fields=["calendar_link_version"])
    log_action(carer, "brokerage.carer.calendar_link_renewed", user=by)
    return carer


def _offer_freed(booking: Booking) -> None:
    if booking.session_id is not None:
        waiting_list_offer_next(session=booking.session)
    else:
        waiting_list_offer_next_nights(offer=booking.offer)


# ----------------------------------------------------------------------------------------------
# Waiting lists
# ----------------------------------------------------------------------------------------------


@locking_transaction
def waiting_list_join(
    *,
    carer: Carer,
    offer: Offer,
    session: Session | None = None,
    first_night: datetime.date | None = None,
    nights: int | None = None,
    includes_carer: bool,
    cared_for: Iterable[CaredForPerson],
    payment_source: str,
    by,
    crisis: bool = False,
) -> WaitingListEntry:
    """Join the waiting list of a full session (or stay). Crisis can only be set by hub staff."""
    people = list(cared_for)
    places = _validate(
        carer=carer,
        offer=offer,
        session=session,
        first_night=first_night,
        nights=nights,
        includes_carer=includes_carer,
        cared_for=people,
        payment_source=payment_source,
        by=by,
    )
    if crisis and not _is_staff_for(by, carer):
        raise ValidationError({"crisis": "Only the Short Break Hub can mark a crisis"})
    rows = _lock_places(session=session, offer=offer, first_night=first_night, nights=nights)
    if min(row.places_left for row in rows) >= places:
        raise ValidationError("There are places left, so you can book straight away.")
    waiting = WaitingListEntry(carer=carer, session=session, includes_carer=includes_carer)
    _refuse_a_second_booking(waiting, rows, people, by)
    active = WaitingListEntry.objects.filter(
        carer=carer, offer=offer, state__in=(WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED)
    )
    active = active.filter(session=session) if session else active.filter(first_night=first_night, nights=nights)
    if active.exists():
        raise ValidationError("You are already on the waiting list for this.")
    need_rank = max((WaitingListEntry.NEED_RANK.get(p.needs_level, 0) for p in people), default=0)
    entry = WaitingListEntry.objects.create(
        carer=carer,
        offer=offer,
        session=session,
        first_night=first_night,
        nights=nights,
        includes_carer=includes_carer,
        places=places,
        payment_source=payment_source,
        crisis=crisis,
        need_rank=need_rank,
        joined_by=by,
    )
    entry.cared_for.set(people)
    log_action(entry, "brokerage.booking.waiting_list_joined", user=by, data={"places": places, "crisis": crisis})
    return entry


def _offer_entry(entry: WaitingListEntry, rows) -> None:
    _take(rows, entry.places)
    now = timezone.now()
    entry.state = WaitingListEntry.State.OFFERED
    entry.offered_at = now
    entry.offer_expires_at = now + datetime.timedelta(hours=settings.WAITING_LIST_OFFER_HOURS)
    entry.save(update_fields=["state", "offered_at", "offer_expires_at"])
    log_action(entry, "brokerage.booking.place_offered", user=None, data={"places": entry.places})
    _email_carer(
        entry.carer,
        "booking_place_offered",
        f"a place has come up: {entry.offer.title}",
        {
            "entry": entry,
            "accept_url": _url("waiting_accept", pk=entry.pk),
            "decline_url": _url("waiting_decline", pk=entry.pk),
        },
    )


@locking_transaction
def waiting_list_offer_next(*, session: Session) -> list[WaitingListEntry]:
    """Offer freed places on a session to waiting entries in order (crisis, need, time waited), each that fits.

    The offered places are held (counted in places_taken) until the offer is accepted, declined or expires.
    """
    (row,) = _lock_places(session=session)
    if row.is_cancelled or row.starts_at <= timezone.now():
        return []
    offered = []
    left = row.places_left
    waiting = (
        WaitingListEntry.objects.select_for_update(of=("self",))
        .filter(session=row, state=WaitingListEntry.State.WAITING)
        .select_related("carer__user", "offer")
        .order_by(*WaitingListEntry._meta.ordering)
    )
    for entry in waiting:
        if left <= 0:
            break
        if entry.places <= left:
            _offer_entry(entry, [row])
            left -= entry.places
            offered.append(entry)
    return offered


@locking_transaction
def waiting_list_offer_next_nights(*, offer: Offer) -> list[WaitingListEntry]:
    """The same for stays at a property: each waiting stay whose every night now has room is offered."""
    offered = []
    waiting = list(
        WaitingListEntry.objects.filter(
            offer=offer,
            session__isnull=True,
            state=WaitingListEntry.State.WAITING,
            first_night__gt=timezone.localdate(),
        )
        .select_related("carer__user", "offer")
        .order_by(*WaitingListEntry._meta.ordering)
    )
    for entry in waiting:
        rows = _lock_places(offer=offer, first_night=entry.first_night, nights=entry.nights)
        if len(rows) == entry.nights and min(r.places_left for r in rows) >= entry.places:
            _offer_entry(entry, rows)
            offered.append(entry)
    return offered


def _locked_entry(entry: WaitingListEntry) -> tuple[WaitingListEntry, list]:
    rows = _lock_places(**_rows_for(entry))
    fresh = (
        WaitingListEntry.objects.select_for_update(of=("self",)).select_related("offer", "carer__user").get(pk=entry.pk)
    )
    return fresh, rows


@locking_transaction
def waiting_list_accept(*, entry: WaitingListEntry, by) -> Booking:
    """Turn a held offer into a booking. The places are already held, so they are not taken again."""
    if not _acts_for_carer(by, entry.carer):
        raise ValidationError("You cannot answer this offer.")
    entry, rows = _locked_entry(entry)
    if entry.state != WaitingListEntry.State.OFFERED:
        raise ValidationError("This place is no longer on offer.")
    if entry.offer_expires_at <= timezone.now():
        raise ValidationError("Sorry, the time to accept this place has run out.")
    offer = entry.offer
    # The same rules as a booking: the break, the provider's checks or the people may have changed since joining.
    _validate(
        carer=entry.carer,
        offer=offer,
        session=entry.session,
        first_night=entry.first_night,
        nights=entry.nights,
        includes_carer=entry.includes_carer,
        cared_for=list(entry.cared_for.all()),
        payment_source=entry.payment_source,
        by=by,
    )
    state = Booking.State.CONFIRMED if offer.booking_mode == BookingMode.INSTANT else Booking.State.REQUESTED
    now = timezone.now()
    booking = Booking.objects.create(
        carer=entry.carer,
        offer=offer,
        session_id=entry.session_id,
        first_night=entry.first_night,
        nights=entry.nights,
        includes_carer=entry.includes_carer,
        places=entry.places,
        cost_pence=booking_cost(offer=offer, session=entry.session, nights=entry.nights, places=entry.places),
        payment_source=entry.payment_source,
        state=state,
        requested_by=by,
        requested_at=now,
        decided_at=now if state == Booking.State.CONFIRMED else None,
    )
    people = list(entry.cared_for.all())
    booking.cared_for.set(people)
    _refuse_a_second_booking(booking, rows, people, by)
    if entry.session_id is None:
        BookingNight.objects.bulk_create([BookingNight(booking=booking, night=row) for row in rows])
    funds_wiring.booking_fund_choose(booking=booking, by=by)  # funds wiring: which fund pays; commit if confirmed
    entry.state = WaitingListEntry.State.ACCEPTED
    entry.booking = booking
    entry.save(update_fields=["state", "booking"])
    log_action(entry, "brokerage.booking.place_accepted", user=by, data={"booking": booking.pk})
    log_action(
        booking, f"brokerage.booking.{state}", user=by, data={"places": booking.places, "from_waiting_list": True}
    )
    _email_state(booking)
    return booking


def _let_go(entry: WaitingListEntry, rows, state: str, by) -> None:
    _release(rows, entry.places)
    entry.state = state
    entry.save(update_fields=["state"])
    verb = {
        WaitingListEntry.State.DECLINED: "place_declined",
        WaitingListEntry.State.EXPIRED: "place_expired",
        WaitingListEntry.State.WITHDRAWN: "waiting_list_left",
    }[state]
    log_action(entry, f"brokerage.booking.{verb}", user=by)
    if entry.session_id is not None:
        waiting_list_offer_next(session=entry.session)
    else:
        waiting_list_offer_next_nights(offer=entry.offer)


@locking_transaction
def waiting_list_decline(*, entry: WaitingListEntry, by) -> WaitingListEntry:
    if not _acts_for_carer(by, entry.carer):
        raise ValidationError("You cannot answer this offer.")
    entry, rows = _locked_entry(entry)
    if entry.state != WaitingListEntry.State.OFFERED:
        raise ValidationError("This place is no longer on offer.")
    _let_go(entry, rows, WaitingListEntry.State.DECLINED, by)
    return entry


@locking_transaction
def waiting_list_leave(*, entry: WaitingListEntry, by) -> WaitingListEntry:
    """Leave the waiting list (releasing a held place if one was on offer)."""
    if not _acts_for_carer(by, entry.carer):
        raise ValidationError("You cannot change this waiting list entry.")
    entry, rows = _locked_entry(entry)
    if entry.state == WaitingListEntry.State.WAITING:
        entry.state = WaitingListEntry.State.WITHDRAWN
        entry.save(update_fields=["state"])
        log_action(entry, "brokerage.booking.waiting_list_left", user=by)
    elif entry.state == WaitingListEntry.State.OFFERED:
        _let_go(entry, rows, WaitingListEntry.State.WITHDRAWN, by)
    else:
        raise ValidationError("You are no longer on this waiting list.")
    return entry


@locking_transaction
def waiting_list_expire(*, entry: WaitingListEntry) -> bool:
    """Expire one overdue offer: release its held places and offer them to the next. False if nothing to do."""
    entry, rows = _locked_entry(entry)
    if entry.state != WaitingListEntry.State.OFFERED or entry.offer_expires_at > timezone.now():
        return False
    _let_go(entry, rows, WaitingListEntry.State.EXPIRED, None)
    _email_carer(
        entry.carer,
        "booking_offer_expired",
        f"the place you were offered has gone: {entry.offer.title}",
        {"entry": entry},
    )
    return True


def waiting_list_expire_overdue() -> int:
    """Expire every overdue offer, each in its own transaction. Returns how many expired."""
    overdue = WaitingListEntry.objects.filter(
        state=WaitingListEntry.State.OFFERED, offer_expires_at__lte=timezone.now()
    ).order_by("offer_expires_at", "pk")
    return sum(1 for entry in overdue if unless_busy(waiting_list_expire, entry=entry))
