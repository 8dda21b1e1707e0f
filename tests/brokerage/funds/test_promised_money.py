"""The money promised to requests is read under the fund's lock (issue 10, item 4), proven on PostgreSQL.

A request (a break the provider has still to confirm) does not commit its cost: it records a share of the fund,
and a new booking may spend only what is available less the shares of requests waiting. Two requests made at
once, on different sessions (so no session lock queues them), that together cost more than the fund holds:
with the fund's available account locked before the read, as a commit locks it, only one is promised and the
other is told what is left. The negative control runs the same race with that lock removed: both are promised
the same pounds, and the provider's second confirmation would then fail.
"""

import contextlib
import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from breakthrough.models import Role
from brokerage.bookings import services as bookings
from brokerage.funds import wiring
from brokerage.funds.checks import ledger_check
from brokerage.models import Booking, BookingMode, BookingShare, PaymentSource, PriceUnit
from tests.brokerage.funds.factories import personal_fund
from tests.factories import CarerFactory, OfferFactory, SessionFactory, UserFactory, cares_for, staff

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
REQUESTS = 3
FUND = 10_000  # £100
COST = 4_000  # £40 a request: three of them (£120) are more than the fund


@contextlib.contextmanager
def race_window(monkeypatch, *, lock: bool):
    """Hold each request briefly between reading what the fund can spend and promising it, so they overlap.
    With lock=False, the fund's account is not locked before the read (the negative control)."""
    readers = []
    guard = threading.Lock()

    def after_read():
        with guard:
            readers.append(threading.get_ident())
        time.sleep(0.3)

    monkeypatch.setattr(wiring, "_after_spendable_read", after_read)
    if not lock:
        monkeypatch.setattr(wiring, "_lock_spendable", lambda funds: None)
    yield readers


def _requests_at_once(carer, sessions):
    barrier = threading.Barrier(len(sessions), timeout=30)
    outcomes = []
    guard = threading.Lock()

    def attempt(session):
        try:
            barrier.wait()
            bookings.booking_create(
                carer=carer,
                offer=session.offer,
                session=session,
                includes_carer=False,
                cared_for=[carer.person],
                payment_source=PaymentSource.FUND,
                by=carer.user,
            )
            outcome = "promised"
        except ValidationError as error:
            outcome = " ".join(error.messages)
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def requests_setup(x):
    carer = CarerFactory(user=UserFactory(), locality=x.locality)
    carer.person = cares_for(carer)
    fund = personal_fund(x.broker, carer=carer, amount=FUND)
    offer = OfferFactory(price_pence=COST, price_unit=PriceUnit.PLACE, booking_mode=BookingMode.REQUEST)
    start = SessionFactory.starts_at.function()
    sessions = [SessionFactory(offer=offer, starts_at=start + datetime.timedelta(days=day)) for day in range(REQUESTS)]
    return carer, fund, sessions


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_requests_at_once_are_promised_only_what_the_fund_holds(monkeypatch, requests_setup):
    carer, fund, sessions = requests_setup
    with race_window(monkeypatch, lock=True):
        outcomes = _requests_at_once(carer, sessions)
    assert len(outcomes) == REQUESTS
    assert outcomes.count("promised") == FUND // COST == 2
    assert outcomes.count("Your fund has £20 left; this costs £40.") == 1
    promised = BookingShare.objects.filter(fund=fund, booking__state=Booking.State.REQUESTED)
    assert sum(promised.values_list("pence", flat=True)) == 8_000 <= FUND
    assert wiring.fund_spendable([fund])[fund.pk] == 2_000
    # The provider can confirm every request it was sent: the money is there for each.
    provider_user = staff(Role.PROVIDER, sessions[0].offer.provider, email="confirms@provider.example")
    for booking in Booking.objects.filter(state=Booking.State.REQUESTED):
        bookings.booking_confirm(booking=booking, by=provider_user)
    assert ledger_check().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_lock_the_same_pounds_are_promised_twice(monkeypatch, requests_setup):
    carer, fund, sessions = requests_setup
    with race_window(monkeypatch, lock=False) as readers:
        outcomes = _requests_at_once(carer, sessions)
    assert len(readers) == REQUESTS
    assert outcomes.count("promised") == REQUESTS  # every request was promised the same £100
    promised = BookingShare.objects.filter(fund=fund, booking__state=Booking.State.REQUESTED)
    assert sum(promised.values_list("pence", flat=True)) == REQUESTS * COST > FUND
    assert wiring.fund_spendable([fund])[fund.pk] < 0
