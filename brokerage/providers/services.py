"""Writes for the provider portal: the profile, offers, availability and compliance documents.

Views call these; nothing here trusts a view to have checked access. Every change is audited.
Confirming, declining and attendance of bookings belong to brokerage/bookings, not here.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import Organisation
from breakthrough.postcodes import normalise_postcode
from brokerage.availability import offer_refresh_places_until
from brokerage.directory import geo
from brokerage.models import (
    AccessibilityFeature,
    Booking,
    BookingNight,
    ComplianceDocument,
    Night,
    Offer,
    OfferKind,
    OutwardCode,
    PriceUnit,
    ProviderProfile,
    Regulator,
    Schedule,
    Session,
)

LONGEST_SCHEDULE_DAYS = 366
LONGEST_NIGHTS_RANGE_DAYS = 366

PROFILE_FIELDS = ("summary", "regulator", "registration_number", "email", "phone", "website")
OFFER_FIELDS = (
    "title",
    "summary",
    "description",
    "kind",
    "break_for",
    "setting",
    "min_age",
    "max_age",
    "sleeps",
    "supports_low",
    "supports_medium",
    "supports_high",
    "supports_complex",
    "locality",
    "postcode",
    "price_pence",
    "price_unit",
    "booking_mode",
)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_datetime(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """An aware datetime for a wall-clock time on a day in the UK (GMT or BST as that day has it)."""
    return datetime.datetime.combine(day, at, tzinfo=local_zone())


def _span(day: datetime.date, starts: datetime.time, ends: datetime.time, ends_next_day: bool):
    start = local_datetime(day, starts)
    end = local_datetime(day + datetime.timedelta(days=1) if ends_next_day else day, ends)
    if end <= start:
        raise ValidationError({"ends_at": "The end time must be after the start time"})
    return start, end


def _changed(instance, data: dict) -> list[str]:
    return [name for name, value in data.items() if getattr(instance, name) != value]


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def provider_profile_update(*, organisation: Organisation, data: dict, localities, by) -> ProviderProfile:
    """Change what the directory shows about the provider. Localities must be in partnerships it serves."""
    data = {name: data[name] for name in PROFILE_FIELDS if name in data}
    if data.get("regulator", Regulator.NOT_REGULATED) != Regulator.NOT_REGULATED:
        if not (data.get("registration_number") or "").strip():
            raise ValidationError(
                {"registration_number": "Enter your registration number with the regulator, or choose 'Not registered'"}
            )
    else:
        data["registration_number"] = (data.get("registration_number") or "").strip()
    served = set(organisation.partnerships_served.values_list("pk", flat=True))
    localities = list(localities)
    if any(locality.partnership_id not in served for locality in localities):
        raise ValidationError({"localities": "Choose areas in the partnerships you serve"})
    profile, created = ProviderProfile.objects.select_for_update().get_or_create(organisation=organisation)
    changed = _changed(profile, data)
    for name in changed:
        setattr(profile, name, data[name])
    profile.full_clean(exclude=["localities"])
    profile.save()
    before = set(profile.localities.values_list("pk", flat=True))
    after = {locality.pk for locality in localities}
    if before != after:
        profile.localities.set(localities)
        changed.append("localities")
    log_action(
        profile,
        "brokerage.providerprofile.created" if created else "brokerage.providerprofile.updated",
        user=by,
        data={"fields": sorted(changed)},
    )
    return profile


# ---------------------------------------------------------------------------------------------
# Offers
# ---------------------------------------------------------------------------------------------


def _clean_offer_data(data: dict) -> dict:
    data = {name: data[name] for name in OFFER_FIELDS if name in data}
    if "postcode" in data:
        try:
            data["postcode"] = normalise_postcode(data["postcode"])
        except ValidationError as error:
            raise ValidationError({"postcode": error.messages}) from None
    unit, pence = data.get("price_unit"), data.get("price_pence")
    if unit == PriceUnit.FREE:
        data["price_pence"] = 0
    elif unit is not None and not pence:
        raise ValidationError({"price_pence": "Enter the price, or choose 'Free'"})
    low, high = data.get("min_age"), data.get("max_age")
    if low is not None and high is not None and low > high:
        raise ValidationError({"max_age": "The oldest age must be the same as or more than the youngest age"})
    if data.get("kind") == OfferKind.PROPERTY and not data.get("sleeps"):
        raise ValidationError({"sleeps": "Enter how many guests the property sleeps"})
    if "kind" in data and data["kind"] != OfferKind.PROPERTY:
        data["sleeps"] = None  # only a bookable property is let to guests
    if not any(data.get(f"supports_{level}") for level in ("low", "medium", "high", "complex")):
        raise ValidationError({"needs_levels": "Choose at least one level of need the offer supports"})
    return data


def _check_offer(offer: Offer) -> None:
    try:
        offer.full_clean(exclude=["provider", "features", "easting", "northing"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _place(offer: Offer, *, strict: bool = True) -> None:
    """Give an offer whose postcode is new its grid position now, so the directory finds it by distance at once.

    The position is its outward code's centroid (brokerage.directory.geo). An outward code we do not know is
    refused, but only once the centroids are loaded: with an empty table every postcode is accepted and the
    offer stays unplaced until the directory's geocoding job runs after the load. `strict=False` (an edit that
    did not touch the postcode) never refuses: it only places the offer if it can.
    """
    position = geo.locate(offer.postcode) if offer.postcode else None
    if position is None:
        offer.easting = offer.northing = None
        if strict and offer.postcode and OutwardCode.objects.exists():
            raise ValidationError({"postcode": "We could not find that postcode"})
        return
    offer.easting, offer.northing = position


@transaction.atomic
def offer_create(*, organisation: Organisation, data: dict, features, by) -> Offer:
    """A new offer; it stays unpublished until the provider publishes it."""
    data = _clean_offer_data(data)
    offer = Offer(provider=organisation, is_published=False, **data)
    _check_offer(offer)
    _place(offer)
    offer.save()
    offer.features.set(features)
    log_action(offer, "brokerage.offer.created", user=by, data={"fields": sorted(data)})
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, data: dict, features, by) -> Offer:
    data = _clean_offer_data(data)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    changed = _changed(offer, data)
    for name in changed:
        setattr(offer, name, data[name])
    _check_offer(offer)
    if "postcode" in changed or offer.easting is None:
        _place(offer, strict="postcode" in changed)
    offer.save()
    features = list(features)
    if {f.pk for f in features} != set(offer.features.values_list("pk", flat=True)):
        offer.features.set(features)
        changed.append("features")
    log_action(offer, "brokerage.offer.updated", user=by, data={"fields": sorted(changed)})
    return offer


@transaction.atomic
def offer_set_published(*, offer: Offer, published: bool, by) -> Offer:
    """Show the offer in the directory, or take it out. Existing bookings are not affected."""
    updated = Offer.objects.filter(pk=offer.pk).exclude(is_published=published).update(is_published=published)
    offer.is_published = published
    if updated:
        log_action(offer, "brokerage.offer.published" if published else "brokerage.offer.unpublished", user=by)
    return offer


def accessibility_features():
    return AccessibilityFeature.objects.all()


# ---------------------------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------------------------


def _require_sessions(offer: Offer) -> None:
    if offer.uses_nights:
        raise ValidationError("A bookable property is booked by the night: open nights for it instead of sessions")


@transaction.atomic
def session_create(
    *,
    offer: Offer,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    places: int,
    ends_next_day: bool = False,
    by,
) -> Session:
    """One dated session of an offer."""
    _require_sessions(offer)
    if places < 1:
        raise ValidationError({"places": "A session needs at least 1 place"})
    if date < timezone.localdate():
        raise ValidationError({"date": "The date must be today or in the future"})
    start, end = _span(date, starts_at, ends_at, ends_next_day)
    session = Session.objects.create(offer=offer, starts_at=start, ends_at=end, places=places)
    offer_refresh_places_until(offer_id=offer.pk)
    log_action(session, "brokerage.session.created", user=by, data={"places": places})
    return session


@transaction.atomic
def schedule_create(
    *,
    offer: Offer,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
    places: int,
    first_date: datetime.date,
    last_date: datetime.date,
    ends_next_day: bool = False,
    by,
) -> Schedule:
    """A repeating weekly slot, and its sessions."""
    _require_sessions(offer)
    if places < 1:
        raise ValidationError({"places": "A schedule needs at least 1 place"})
    if first_date < timezone.localdate():
        raise ValidationError({"first_date": "The first date must be today or in the future"})
    if last_date < first_date:
        raise ValidationError({"last_date": "The last date must be the same as or after the first date"})
    if (last_date - first_date).days > LONGEST_SCHEDULE_DAYS:
        raise ValidationError({"last_date": "A schedule can run for at most a year: choose an earlier last date"})
    _span(first_date, starts_at, ends_at, ends_next_day)  # the times make sense
    if ends_next_day and ends_at >= starts_at:
        raise ValidationError(
            {"ends_at": "A session that ends the next day must end earlier in the day than it starts"}
        )
    schedule = Schedule.objects.create(
        offer=offer,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at,
        places=places,
        first_date=first_date,
        last_date=last_date,
    )
    log_action(schedule, "brokerage.schedule.created", user=by)
    schedule_generate_sessions(schedule=schedule, by=by)
    return schedule


@transaction.atomic
def schedule_generate_sessions(*, schedule: Schedule, by) -> int:
    """Create the schedule's missing sessions (one per matching weekday in its dates). Safe to run again.

    Times are wall-clock UK times, so a 10:00 session is at 10:00 whether that day is GMT or BST.
    Returns how many sessions were created.
    """
    day = schedule.first_date + datetime.timedelta(days=(schedule.weekday - schedule.first_date.weekday()) % 7)
    next_day = schedule.ends_at <= schedule.starts_at  # an overnight slot
    wanted = []
    while day <= schedule.last_date:
        start, end = _span(day, schedule.starts_at, schedule.ends_at, next_day)
        wanted.append((start, end))
        day += datetime.timedelta(days=7)
    existing = set(Session.objects.filter(schedule=schedule).values_list("starts_at", flat=True))
    missing = [
        Session(offer_id=schedule.offer_id, schedule=schedule, starts_at=start, ends_at=end, places=schedule.places)
        for start, end in wanted
        if start not in existing
    ]
    if missing:
        try:
            with transaction.atomic():
                Session.objects.bulk_create(missing)
        except IntegrityError:  # someone generated the same slots at the same moment: take theirs
            existing = set(Session.objects.filter(schedule=schedule).values_list("starts_at", flat=True))
            missing = [s for s in missing if s.starts_at not in existing]
            Session.objects.bulk_create(missing)
        offer_refresh_places_until(offer_id=schedule.offer_id)
        log_action(schedule, "brokerage.schedule.sessions_generated", user=by, data={"created": len(missing)})
    return len(missing)


@locking_transaction
def session_change_places(*, session: Session, places: int, by) -> Session:
    """Change how many places a session has; never fewer than are already taken."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if places < 1:
        raise ValidationError({"places": "A session needs at least 1 place. To stop it running, cancel it"})
    if places < session.places_taken:
        raise ValidationError(
            {
                "places": f"{session.places_taken} place{'s are' if session.places_taken != 1 else ' is'} already "
                f"taken: the session needs at least {session.places_taken}"
            }
        )
    if places != session.places:
        before = session.places
        session.places = places
        session.save(update_fields=["places"])
        offer_refresh_places_until(offer_id=session.offer_id)
        log_action(session, "brokerage.session.places_changed", user=by, data={"from": before, "to": places})
    return session


@locking_transaction
def session_cancel(*, session: Session, by) -> Session:
    """Cancel a session nobody holds places on. Sessions with bookings need those dealt with first."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.is_cancelled:
        return session
    holding = Booking.objects.filter(session=session, state__in=Booking.HOLDING).count()
    if holding:
        raise ValidationError(
            f"{holding} booking{'s hold' if holding != 1 else ' holds'} places on this session. "
            "Decline or cancel them before cancelling the session"
        )
    session.is_cancelled = True
    session.save(update_fields=["is_cancelled"])
    offer_refresh_places_until(offer_id=session.offer_id)
    log_action(session, "brokerage.session.cancelled", user=by)
    return session


def _long_date(day: datetime.date) -> str:
    return f"{day:%A %-d %B %Y}"


def _local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(local_zone()).date()


@locking_transaction
def schedule_end(*, schedule: Schedule, last_date: datetime.date, by) -> int:
    """Bring a repeating session's last date forward, cancelling its sessions after that date.

    Refused, naming the first such date, if any later session has bookings holding places: those need
    declining or cancelling first (as for one session). Returns how many sessions were cancelled.
    """
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if last_date < timezone.localdate():
        raise ValidationError({"last_date": "The new last date must be today or in the future"})
    if last_date >= schedule.last_date:
        raise ValidationError(
            {"last_date": f"It already ends on {schedule.last_date:%-d %B %Y}: choose an earlier date"}
        )
    if last_date < schedule.first_date:
        raise ValidationError(
            {
                "last_date": f"It starts on {schedule.first_date:%-d %B %Y}: choose that date or later. "
                "To stop it before then, cancel its sessions one by one"
            }
        )
    # Lock the later sessions before looking at their bookings, so a booking cannot slip in between.
    after = local_datetime(last_date + datetime.timedelta(days=1), datetime.time.min)
    later = list(
        Session.objects.select_for_update(no_key=True)
        .filter(schedule=schedule, starts_at__gte=after, is_cancelled=False)
        .order_by("starts_at", "pk")
    )
    booked = (
        Booking.objects.filter(session__in=[s.pk for s in later], state__in=Booking.HOLDING)
        .order_by("session__starts_at")
        .values_list("session__starts_at", flat=True)
        .first()
    )
    if booked is not None:
        raise ValidationError(
            {
                "last_date": f"The session on {_long_date(_local_day(booked))} has bookings holding places. "
                "Choose that date or later, or decline or cancel those bookings first"
            }
        )
    cancelled = Session.objects.filter(pk__in=[s.pk for s in later]).update(is_cancelled=True)
    before = schedule.last_date
    schedule.last_date = last_date
    schedule.save(update_fields=["last_date"])
    offer_refresh_places_until(offer_id=schedule.offer_id)
    log_action(
        schedule,
        "brokerage.schedule.ended",
        user=by,
        data={"from": before.isoformat(), "to": last_date.isoformat(), "cancelled": cancelled},
    )
    return cancelled


@locking_transaction
def schedule_change_places(*, schedule: Schedule, places: int, by) -> int:
    """Give every coming session of a schedule (and those it makes later) `places` places.

    Never fewer than are taken on any of them: refused naming the session with the most taken.
    Returns how many sessions changed.
    """
    if places < 1:
        raise ValidationError(
            {"places": "A session needs at least 1 place. To stop the sessions running, end the repeating session"}
        )
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    coming = list(
        Session.objects.select_for_update(no_key=True)
        .filter(schedule=schedule, starts_at__gt=timezone.now(), is_cancelled=False)
        .order_by("starts_at", "pk")
    )
    busiest = max(coming, key=lambda s: s.places_taken, default=None)  # the first of the busiest, as sorted
    if busiest is not None and busiest.places_taken > places:
        taken = busiest.places_taken
        raise ValidationError(
            {
                "places": f"The session on {_long_date(_local_day(busiest.starts_at))} already has {taken} "
                f"place{'s' if taken != 1 else ''} taken: choose at least {taken}"
            }
        )
    changed = [s for s in coming if s.places != places]
    for session in changed:
        session.places = places
    Session.objects.bulk_update(changed, ["places"])
    before = schedule.places
    if before != places:
        schedule.places = places
        schedule.save(update_fields=["places"])
    if changed:
        offer_refresh_places_until(offer_id=schedule.offer_id)
    if changed or before != places:
        log_action(
            schedule,
            "brokerage.schedule.places_changed",
            user=by,
            data={"from": before, "to": places, "sessions": len(changed)},
        )
    return len(changed)


@locking_transaction
def nights_open(*, offer: Offer, first_date: datetime.date, last_date: datetime.date, places: int, by) -> int:
    """Make every night from first_date to last_date (inclusive) available with `places` places. Safe to repeat.

    Nights already open get the new number of places unless that is fewer than are taken.
    Returns how many nights were opened or changed.
    """
    if not offer.uses_nights:
        raise ValidationError("Only a bookable property has nights. Add sessions for this offer instead")
    if places < 1:
        raise ValidationError({"places": "Each night needs at least 1 place"})
    if first_date < timezone.localdate():
        raise ValidationError({"first_date": "The first night must be today or in the future"})
    if last_date < first_date:
        raise ValidationError({"last_date": "The last night must be the same as or after the first night"})
    if (last_date - first_date).days > LONGEST_NIGHTS_RANGE_DAYS:
        raise ValidationError({"last_date": "Open at most a year of nights at a time"})
    existing = {
        n.date: n for n in Night.objects.select_for_update().filter(offer=offer, date__range=(first_date, last_date))
    }
    too_few = sorted(n.date for n in existing.values() if n.places_taken > places)
    if too_few:
        raise ValidationError(
            {
                "places": f"The night of {too_few[0]:%-d %B %Y} already has {existing[too_few[0]].places_taken} "
                f"places taken: choose at least that many"
            }
        )
    changed = [n for n in existing.values() if n.places != places]
    for night in changed:
        night.places = places
    Night.objects.bulk_update(changed, ["places"])
    new = []
    day = first_date
    while day <= last_date:
        if day not in existing:
            new.append(Night(offer=offer, date=day, places=places))
        day += datetime.timedelta(days=1)
    Night.objects.bulk_create(new, ignore_conflicts=True)
    if new or changed:
        offer_refresh_places_until(offer_id=offer.pk)
        log_action(
            offer,
            "brokerage.offer.nights_opened",
            user=by,
            data={
                "from": first_date.isoformat(),
                "to": last_date.isoformat(),
                "opened": len(new),
                "changed": len(changed),
            },
        )
    return len(new) + len(changed)


@locking_transaction
def nights_close(*, offer: Offer, first_date: datetime.date, last_date: datetime.date, by) -> int:
    """Take every open night from first_date to last_date (inclusive) away, so nobody can book them.

    All or nothing: refused, naming the first such night, if any night in the range has places taken.
    Returns how many nights were closed (0 if none were open: safe to repeat).
    """
    if not offer.uses_nights:
        raise ValidationError("Only a bookable property has nights. Cancel its sessions instead")
    if first_date < timezone.localdate():
        raise ValidationError({"first_date": "The first night must be today or in the future"})
    if last_date < first_date:
        raise ValidationError({"last_date": "The last night must be the same as or after the first night"})
    if (last_date - first_date).days > LONGEST_NIGHTS_RANGE_DAYS:
        raise ValidationError({"last_date": "Close at most a year of nights at a time"})
    # FOR UPDATE (not NO KEY UPDATE, as bookings take): these rows are deleted. A booking of any of them waits,
    # then finds its nights gone and is refused.
    nights = list(
        Night.objects.select_for_update().filter(offer=offer, date__range=(first_date, last_date)).order_by("date")
    )
    if not nights:
        return 0
    # A booking that still takes places names its nights (BookingNight); its places_taken says so too.
    held = set(
        BookingNight.objects.filter(night__in=nights, booking__state__in=Booking.TAKING).values_list("night", flat=True)
    )
    taken = next((n for n in nights if n.places_taken or n.pk in held), None)
    if taken is not None:
        raise ValidationError(
            {
                "first_date": f"The night of {_long_date(taken.date)} has places taken. Close nights before "
                "or after it, or decline or cancel its bookings first"
            }
        )
    ids = [n.pk for n in nights]
    # A stay that was cancelled or declined still names the nights it once held (BookingNight, protected).
    # Those bookings hold nothing now and keep their dates, so the link is let go with the night.
    BookingNight.objects.filter(night_id__in=ids).delete()
    Night.objects.filter(pk__in=ids).delete()
    offer_refresh_places_until(offer_id=offer.pk)
    log_action(
        offer,
        "brokerage.offer.nights_closed",
        user=by,
        data={"from": first_date.isoformat(), "to": last_date.isoformat(), "closed": len(ids)},
    )
    return len(ids)


# ---------------------------------------------------------------------------------------------
# Compliance documents
# ---------------------------------------------------------------------------------------------

COMPLIANCE_FIELDS = ("kind", "reference", "holder", "issued_on", "expires_on")


def _check_dates(data: dict) -> None:
    if data["expires_on"] <= data["issued_on"]:
        raise ValidationError({"expires_on": "The expiry date must be after the date it was issued"})


@transaction.atomic
def compliance_add(*, organisation: Organisation, data: dict, file=None, by) -> ComplianceDocument:
    data = {name: data[name] for name in COMPLIANCE_FIELDS if name in data}
    _check_dates(data)
    document = ComplianceDocument(organisation=organisation, recorded_by=by, **data)
    if file:
        document.file.save(file.name, file, save=False)
    document.save()
    log_action(document, "brokerage.compliancedocument.added", user=by, data={"kind": document.kind})
    return document


@transaction.atomic
def compliance_replace(*, document: ComplianceDocument, data: dict, file=None, by) -> ComplianceDocument:
    """A renewed document takes the old one's place: new reference, dates and (optionally) file."""
    data = {name: data[name] for name in COMPLIANCE_FIELDS if name in data and name != "kind"}
    document = ComplianceDocument.objects.select_for_update().get(pk=document.pk)
    _check_dates(
        {
            "issued_on": data.get("issued_on", document.issued_on),
            "expires_on": data.get("expires_on", document.expires_on),
        }
    )
    changed = _changed(document, data)
    for name in changed:
        setattr(document, name, data[name])
    old_file = document.file.name if file and document.file else None
    if file:
        document.file.save(file.name, file, save=False)
        changed.append("file")
    document.expiry_warned_on = None  # warn again before the new expiry
    document.recorded_by = by
    document.recorded_at = timezone.now()
    document.save()
    if old_file:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    log_action(document, "brokerage.compliancedocument.replaced", user=by, data={"fields": sorted(changed)})
    return document
