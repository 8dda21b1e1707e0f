"""No overbooking, proven on PostgreSQL: many concurrent bookings at the last places take exactly the capacity.

The negative control runs the same race with the row lock replaced by a plain read: then more bookings
than there are places pass the capacity check (the race), and only the database constraint stops the
extra writes (IntegrityError). So the test would fail if the lock were removed from booking_create.
"""

import contextlib
import datetime
import random
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from brokerage.bookings import services
from brokerage.models import Booking, BreakFor, Night, OfferKind, PaymentSource, Session, WaitingListEntry
from tests.factories import CaredForPersonFactory, CarerFactory, SessionFactory, UserFactory, cares_for

THREADS = 12
PLACES_LEFT = 3

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@contextlib.contextmanager
def race_window(monkeypatch, *, lock: bool):
    """Count the threads that pass the capacity check and hold them there briefly so that they overlap.

    With lock=False the session is read without SELECT ... FOR UPDATE (the negative control)."""
    passed = []
    guard = threading.Lock()

    def after_check():
        with guard:
            passed.append(threading.get_ident())
        time.sleep(0.2)

    monkeypatch.setattr(services, "_after_capacity_check", after_check)
    if not lock:

        def no_lock(*, session=None, **kwargs):
            return [Session.objects.get(pk=session.pk)]

        monkeypatch.setattr(services, "_lock_places", no_lock)
    yield passed


def _households(n):
    carers = []
    for _ in range(n):
        carer = CarerFactory(user=UserFactory())
        carer.people = [cares_for(carer, CaredForPersonFactory())]
        carers.append(carer)
    return carers


def _race(session, carers):
    barrier = threading.Barrier(len(carers), timeout=30)
    outcomes = []
    guard = threading.Lock()

    def attempt(carer):
        try:
            barrier.wait()
            services.booking_create(
                carer=carer,
                offer=session.offer,
                session=session,
                includes_carer=False,
                cared_for=carer.people,
                payment_source=PaymentSource.FREE,
                by=carer.user,
            )
            outcome = "booked"
        except ValidationError:
            outcome = "full"
        except IntegrityError:
            outcome = "constraint"
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(carer,)) for carer in carers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_take_exactly_the_places_left(monkeypatch):
    session = SessionFactory(places=10, places_taken=10 - PLACES_LEFT)
    carers = _households(THREADS)
    with race_window(monkeypatch, lock=True) as passed:
        outcomes = _race(session, carers)
    session.refresh_from_db()
    assert len(outcomes) == THREADS
    assert outcomes.count("booked") == PLACES_LEFT
    assert outcomes.count("full") == THREADS - PLACES_LEFT
    assert outcomes.count("constraint") == 0  # the lock, not the constraint, turned the others away
    assert len(passed) == PLACES_LEFT  # each waited for the lock, then saw the true count
    assert Booking.objects.filter(session=session).count() == PLACES_LEFT
    assert session.places_taken == session.places == 10


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_lock_the_capacity_check_lets_too_many_through(monkeypatch):
    session = SessionFactory(places=10, places_taken=10 - PLACES_LEFT)
    carers = _households(THREADS)
    with race_window(monkeypatch, lock=False) as passed:
        outcomes = _race(session, carers)
    session.refresh_from_db()
    assert len(passed) > PLACES_LEFT, "without the lock more threads than places should pass the check"
    # Only the database constraint (the backstop) stopped the extra writes.
    assert outcomes.count("constraint") > 0
    assert outcomes.count("booked") == PLACES_LEFT
    assert session.places_taken == 10


# ----------------------------------------------------------------------------------------------
# Property-style: random book / cancel / waiting-list sequences keep the books balanced (any database)
# ----------------------------------------------------------------------------------------------

TAKING = Booking.TAKING


def _balanced(session):
    session.refresh_from_db()
    booked = sum(Booking.objects.filter(session=session, state__in=TAKING).values_list("places", flat=True))
    held = sum(
        WaitingListEntry.objects.filter(session=session, state=WaitingListEntry.State.OFFERED).values_list(
            "places", flat=True
        )
    )
    assert session.places_taken == booked + held
    assert 0 <= session.places_taken <= session.places
    # The directory's "has places" column agrees with the session: its start while a place is left, else none.
    session.offer.refresh_from_db(fields=["places_until"])
    assert session.offer.places_until == (session.starts_at if session.places_taken < session.places else None)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_random_book_cancel_sequences_keep_places_taken_equal_to_places_held(seed, x):
    rng = random.Random(seed)
    session = SessionFactory(places=rng.randint(1, 5))
    carers = []
    for _ in range(6):
        carer = CarerFactory(user=UserFactory(), locality=x.locality)
        carer.people = [cares_for(carer, CaredForPersonFactory()) for _ in range(rng.randint(1, 2))]
        carers.append(carer)
    for _ in range(40):
        carer = rng.choice(carers)
        action = rng.choice(["book", "book", "join", "cancel", "accept", "decline", "expire"])
        people = rng.sample(carer.people, rng.randint(1, len(carer.people)))
        kwargs = {
            "carer": carer,
            "offer": session.offer,
            "session": session,
            "includes_carer": False,
            "cared_for": people,
            "payment_source": PaymentSource.FREE,
            "by": carer.user,
        }
        with contextlib.suppress(ValidationError):
            if action == "book":
                services.booking_create(**kwargs)
            elif action == "join":
                services.waiting_list_join(**kwargs)
            elif action == "cancel":
                booking = Booking.objects.filter(session=session, state__in=Booking.HOLDING).order_by("?").first()
                if booking:
                    services.booking_cancel(booking=booking, by=booking.carer.user, reason="Plans changed")
            else:
                entry = WaitingListEntry.objects.filter(state=WaitingListEntry.State.OFFERED).first()
                if entry and action == "accept":
                    services.waiting_list_accept(entry=entry, by=entry.carer.user)
                elif entry and action == "decline":
                    services.waiting_list_decline(entry=entry, by=entry.carer.user)
                elif entry:
                    WaitingListEntry.objects.filter(pk=entry.pk).update(offer_expires_at=entry.offered_at)
                    services.waiting_list_expire_overdue()
        _balanced(session)


# ----------------------------------------------------------------------------------------------
# A bookable property, let as a whole: many households race for the same nights, one gets them
# ----------------------------------------------------------------------------------------------


def _cottage(nights=3):
    from tests.factories import NightFactory, OfferFactory

    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, sleeps=4)
    first = NightFactory(offer=offer).date
    for i in range(1, nights):
        NightFactory(offer=offer, date=first + datetime.timedelta(days=i))
    return offer, first


def _race_for_nights(offer, first, carers, nights, *, overlap=True):
    barrier = threading.Barrier(len(carers), timeout=30)
    outcomes = []
    guard = threading.Lock()

    def attempt(carer, start):
        try:
            barrier.wait()
            services.booking_create(
                carer=carer,
                offer=offer,
                first_night=start,
                nights=nights,
                includes_carer=True,  # a carer and the person they care for: two guests, one let
                cared_for=carer.people,
                payment_source=PaymentSource.FREE,
                by=carer.user,
            )
            outcome = "booked"
        except ValidationError:
            outcome = "taken"
        except IntegrityError:
            outcome = "constraint"
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    # Overlapping stays: every other household asks for the stay one night later, so the rows locked overlap.
    threads = [
        threading.Thread(target=attempt, args=(carer, first + datetime.timedelta(days=i % 2 if overlap else 0)))
        for i, carer in enumerate(carers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_stays_at_a_let_property_give_its_nights_to_one_household(monkeypatch):
    offer, first = _cottage(nights=3)
    carers = _households(THREADS)
    with race_window(monkeypatch, lock=True) as passed:
        outcomes = _race_for_nights(offer, first, carers, nights=2)
    assert len(outcomes) == THREADS
    assert outcomes.count("booked") == 1
    assert outcomes.count("constraint") == 0  # the lock, not the constraint, turned the others away
    assert len(passed) == 1
    [booking] = Booking.objects.filter(offer=offer)
    assert booking.places == 1
    assert booking.cared_for.count() == 1
    assert booking.includes_carer
    taken = {night.date: night.places_taken for night in Night.objects.filter(offer=offer)}
    held = {booking.first_night + datetime.timedelta(days=i) for i in range(booking.nights)}
    assert taken == {day: (1 if day in held else 0) for day in taken}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_lock_two_households_pass_the_check_for_the_same_nights(monkeypatch):
    offer, first = _cottage(nights=3)
    carers = _households(THREADS)

    def no_lock(*, session=None, offer=None, first_night=None, nights=None):
        last = first_night + datetime.timedelta(days=nights - 1)
        return list(Night.objects.filter(offer=offer, date__range=(first_night, last)).order_by("date"))

    with race_window(monkeypatch, lock=True) as passed:
        monkeypatch.setattr(services, "_lock_places", no_lock)
        outcomes = _race_for_nights(offer, first, carers, nights=2, overlap=False)
    assert len(passed) > 1, "without the lock more than one household should pass the check"
    assert outcomes.count("constraint") > 0  # only the database constraint stopped the extra lets
    assert max(Night.objects.filter(offer=offer).values_list("places_taken", flat=True)) == 1
