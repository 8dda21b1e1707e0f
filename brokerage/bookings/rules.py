"""The booking rules: the one place that decides whether a party may take a break.

Every way of booking goes through `check_booking` (or, for a group session shared by several households,
`check_pooled`, which runs the same checks for each household): a carer booking for their household, hub staff
booking for a carer, joining a waiting list, accepting a place from it, and a pooled booking. The pages ask the
same rules before they offer a choice (`person_problem`, `party_problem`, `smallest_party`, `places_for`), so no
step leads to a "Book" button that the booking would then refuse.

The rules:
- who may book: the carer themself, or hub staff (a broker or assessor) of the carer's partnership, or an admin;
  a pooled booking only hub staff;
- the break is published, and the session is to come and not cancelled (or every night of the stay is open);
- who is going: people of the carer's household, each once, as the offer's "who takes the break" says (the carer,
  the person cared for, or both together); each person cared for of an age and needs level the offer takes;
- a bookable property is let as a whole: a household's stay takes one place (the let) on each night, whatever
  the size of its party, and the party is at most the guests it sleeps;
- how it is paid fits the price;
- the provider holds every compliance document the offer needs, current over the whole break.

Places left are checked again, under the row lock, where they are taken (services.booking_create).
"""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from breakthrough.models import Role
from brokerage.models import (
    BreakFor,
    CaredForPerson,
    Carer,
    CaringRelationship,
    ComplianceDocument,
    Night,
    Offer,
    PaymentSource,
    Session,
)

HUB_STAFF = (Role.BROKER, Role.ASSESSOR)


@dataclasses.dataclass(frozen=True)
class Party:
    """Who goes from one household: the carer, and/or people they care for."""

    carer: Carer
    includes_carer: bool = False
    cared_for: tuple[CaredForPerson, ...] = ()

    @property
    def size(self) -> int:
        return (1 if self.includes_carer else 0) + len(self.cared_for)


# ----------------------------------------------------------------------------------------------
# Who may book
# ----------------------------------------------------------------------------------------------


def acts_for_carer(user, carer: Carer) -> bool:
    """The carer themself, or a broker or assessor of the carer's partnership (or a platform admin)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.CARER:
        return carer.user_id is not None and carer.user_id == user.pk
    if user.role in HUB_STAFF:
        return user.partnership_id is not None and user.partnership_id == carer.partnership_id
    return user.role == Role.ADMIN


# ----------------------------------------------------------------------------------------------
# What the pages ask before offering a choice (no exceptions: words, or "")
# ----------------------------------------------------------------------------------------------


def person_problem(offer: Offer, person: CaredForPerson, day: datetime.date) -> str:
    """Why `person` cannot take this break on `day` (age, needs level), or "" if they can."""
    if offer.min_age is not None or offer.max_age is not None:
        age = person.age_on(day)
        if age is None:
            return f"Add {person.first_name}'s date of birth before booking: this break is for some ages only"
        if offer.min_age is not None and age < offer.min_age:
            return f"{person.first_name} is {age}; this is for ages {offer.min_age} and over"
        if offer.max_age is not None and age > offer.max_age:
            return f"{person.first_name} is {age}; this is for ages up to {offer.max_age}"
    if person.needs_level and person.needs_level not in offer.needs_levels:
        return f"It does not support {person.get_needs_level_display().lower()} needs, which {person.first_name} has"
    return ""


def places_for(offer: Offer, *, includes_carer: bool, cared_for) -> int:
    """The places a party takes: one per person, or, at a bookable property (let as a whole), one let."""
    if offer.uses_nights:
        return 1
    return (1 if includes_carer else 0) + len(cared_for)


def smallest_party(offer: Offer) -> int:
    """The fewest people a booking of this break can have (a break for both together needs two)."""
    return 2 if offer.break_for == BreakFor.BOTH else 1


def party_problem(offer: Offer, *, includes_carer: bool, cared_for, you: bool = True) -> str:
    """Why this party cannot take the break as a party (who it is for, the guests a property sleeps), or ""."""
    people = list(cared_for)
    if not includes_carer and not people:
        return "Choose who is going on the break"
    if offer.break_for == BreakFor.CARER and (people or not includes_carer):
        return "This break is for the carer only"
    if offer.break_for == BreakFor.CARED_FOR and (includes_carer or not people):
        return (
            "This break is for the person you care for, not for you"
            if you
            else "This break is for the person cared for, not for the carer"
        )
    if offer.break_for == BreakFor.BOTH and not (includes_carer and people):
        return (
            "This break is for you and the person you care for together"
            if you
            else "This break is for the carer and the person they care for together"
        )
    size = (1 if includes_carer else 0) + len(people)
    if offer.uses_nights and offer.sleeps is not None and size > offer.sleeps:
        return f"The property sleeps {offer.sleeps}: choose {offer.sleeps} or fewer people"
    return ""


def missing_checks(offer: Offer, first_day: datetime.date, last_day: datetime.date) -> list[str]:
    """The required compliance checks the provider does NOT hold, current, from first_day to last_day."""
    held = set(
        ComplianceDocument.objects.filter(
            organisation_id=offer.provider_id, issued_on__lte=first_day, expires_on__gte=last_day
        ).values_list("kind", flat=True)
    )
    return [kind for kind in offer.required_checks if kind not in held]


# ----------------------------------------------------------------------------------------------
# The checks a booking must pass (each raises ValidationError with the field it is about)
# ----------------------------------------------------------------------------------------------


def _stay_dates(first_night: datetime.date, nights: int) -> list[datetime.date]:
    return [first_night + datetime.timedelta(days=i) for i in range(nights)]


def check_when(*, offer: Offer, session: Session | None, first_night, nights) -> tuple[datetime.date, datetime.date]:
    """The break is open and to come. Returns its first and last (UK) day."""
    if not offer.is_published:
        raise ValidationError("This break is not open for booking.")
    if session is not None:
        if first_night is not None or nights is not None:
            raise ValidationError("Book either a session or nights, not both.")
        if session.offer_id != offer.pk:
            raise ValidationError("That session belongs to another break.")
        if session.is_cancelled:
            raise ValidationError("This session has been cancelled.")
        if session.starts_at <= timezone.now():
            raise ValidationError("This session has already started, so it cannot be booked.")
        day = timezone.localtime(session.starts_at).date()
        return day, day
    if not offer.uses_nights:
        raise ValidationError("Choose a date and time for this break.")
    if first_night is None:
        raise ValidationError({"first_night": "Enter the date of the first night"})
    if not nights or nights < 1:
        raise ValidationError({"nights": "Enter how many nights, 1 or more"})
    if first_night <= timezone.localdate():
        raise ValidationError({"first_night": "The first night must be in the future"})
    dates = _stay_dates(first_night, nights)
    found = set(Night.objects.filter(offer=offer, date__in=dates).values_list("date", flat=True))
    if len(found) != len(dates):
        raise ValidationError({"nights": "The property is not available on every night of that stay"})
    return dates[0], dates[-1]


def check_party(
    *, carer: Carer, offer: Offer, includes_carer: bool, cared_for, day: datetime.date, you: bool = True
) -> int:
    """Who is going from one household may take the break on `day`. Returns the places the party takes."""
    people = list(cared_for)
    ids = {p.pk for p in people}
    if len(ids) != len(people):
        raise ValidationError({"cared_for": "Choose each person once"})
    in_household = set(
        CaringRelationship.objects.filter(carer=carer, cared_for_id__in=ids).values_list("cared_for_id", flat=True)
    )
    if in_household != ids:
        raise ValidationError({"cared_for": "You can only book for people in your household"})
    problem = party_problem(offer, includes_carer=includes_carer, cared_for=people, you=you)
    if problem:
        raise ValidationError({"cared_for": problem})
    for person in people:
        problem = person_problem(offer, person, day)
        if problem:
            raise ValidationError({"cared_for": problem})
    return places_for(offer, includes_carer=includes_carer, cared_for=people)


def check_payment(*, offer: Offer, payment_source: str) -> None:
    if offer.is_free and payment_source != PaymentSource.FREE:
        raise ValidationError({"payment_source": "This break is free"})
    if not offer.is_free and payment_source not in (PaymentSource.FUND, PaymentSource.SELF):
        raise ValidationError({"payment_source": "Choose how the break will be paid for"})


def check_provider(*, offer: Offer, first_day: datetime.date, last_day: datetime.date) -> None:
    if missing_checks(offer, first_day, last_day):
        raise ValidationError(
            "This break cannot be booked for that date because the provider's safety checks are not up to date."
        )


def check_booking(
    *,
    carer: Carer,
    offer: Offer,
    session: Session | None,
    first_night,
    nights,
    includes_carer: bool,
    cared_for,
    payment_source: str,
    by,
) -> int:
    """Every rule a booking of one household (or its waiting-list entry) must pass. Returns the places it takes."""
    if not acts_for_carer(by, carer):
        raise ValidationError("You cannot book for this carer.")
    first_day, last_day = check_when(offer=offer, session=session, first_night=first_night, nights=nights)
    places = check_party(
        carer=carer,
        offer=offer,
        includes_carer=includes_carer,
        cared_for=cared_for,
        day=first_day,
        you=by is not None and by.role == Role.CARER,
    )
    check_payment(offer=offer, payment_source=payment_source)
    check_provider(offer=offer, first_day=first_day, last_day=last_day)
    return places


def check_pooled(*, session: Session, parties: list[Party], by) -> list[int]:
    """Every rule a group session booked for several households must pass: hub staff of their partnership book,
    and each household's party passes the same checks as a booking of its own (paid from its fund).
    Returns the places each party takes."""
    if by is None or by.role not in (*HUB_STAFF, Role.ADMIN):
        raise ValidationError("You cannot book for these households.")
    if len(parties) < 2:
        raise ValidationError({"carers": "Choose at least two households to share the session"})
    if len({party.carer.pk for party in parties}) != len(parties):
        raise ValidationError({"carers": "Choose each household once"})
    if any(not acts_for_carer(by, party.carer) for party in parties):
        raise ValidationError("You cannot book for these households.")
    going = [person.pk for party in parties for person in party.cared_for]
    if len(set(going)) != len(going):
        raise ValidationError({"carers": "A person cared for by two of these households can go only once"})
    offer = session.offer
    first_day, last_day = check_when(offer=offer, session=session, first_night=None, nights=None)
    if offer.is_free:
        raise ValidationError("This break is free, so there is no cost to share.")
    places = []
    for party in parties:
        try:
            places.append(
                check_party(
                    carer=party.carer,
                    offer=offer,
                    includes_carer=party.includes_carer,
                    cared_for=party.cared_for,
                    day=first_day,
                    you=False,
                )
            )
        except ValidationError as error:
            name = f"{party.carer.first_name} {party.carer.last_name}".strip() or "one household"
            raise ValidationError({f"party_{party.carer.pk}": f"{name}: {' '.join(error.messages)}"}) from None
    check_provider(offer=offer, first_day=first_day, last_day=last_day)
    return places
