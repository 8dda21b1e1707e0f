"""Lock waits end (issue 10, item 3): a real second PostgreSQL connection holds a row lock (SELECT ... FOR
UPDATE on a session, a fund's account, an invoice) and the booking or payment waits at most LOCK_TIMEOUT_MS,
then answers "This is busy at the moment. Try again.": the service raises `Busy` having written nothing, and
the page shows the message with everything entered still there (status 200), never a 500 or a wait without end.

Each call runs in a thread joined with a deadline, so that before the fix (no lock timeout: the call waits
until the holder lets go, which is at the end of the test) the test fails on the deadline instead of hanging.
"""

import threading
import time

import psycopg
import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from breakthrough.locking import BUSY_MESSAGE, Busy, set_lock_timeout
from brokerage.bookings import services as bookings
from brokerage.funds import services as ledger
from brokerage.models import Booking, FundAccount, Invoice, PaymentSource, Posting, PriceUnit
from tests.brokerage.funds.factories import budget_line, personal_fund, provider
from tests.factories import CarerFactory, OfferFactory, SessionFactory, UserFactory, cares_for

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
TIMEOUT_MS = 400
DEADLINE = 8  # seconds: far longer than the timeout, far shorter than "until the worker is killed"


class Holder:
    """Another PostgreSQL connection that takes row locks in an open transaction and keeps them until released."""

    def __init__(self):
        self.connection = psycopg.connect(**connection.get_connection_params())

    def lock(self, sql: str, params) -> None:
        rows = self.connection.execute(sql + " FOR UPDATE", params).fetchall()
        assert rows, "the holder found nothing to lock (is the data committed?)"

    def release(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def holder():
    held = Holder()
    yield held
    held.close()


@pytest.fixture
def short_timeout(settings):
    settings.LOCK_TIMEOUT_MS = TIMEOUT_MS


def run_while_held(holder, call):
    """Run `call` in a thread (its own database connection) while the holder keeps its locks. Returns (what it
    returned or raised, seconds taken). The holder lets go after the deadline either way."""
    outcome = {}

    def attempt():
        started = time.monotonic()
        try:
            outcome["value"] = call()
        except Exception as error:  # noqa: BLE001 (the test asserts what it was)
            outcome["value"] = error
        finally:
            outcome["seconds"] = time.monotonic() - started
            connection.close()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(timeout=DEADLINE)
    finished = not thread.is_alive()
    holder.release()
    thread.join(timeout=60)
    assert finished, f"still waiting for the lock after {DEADLINE}s: no lock timeout"
    return outcome["value"], outcome["seconds"]


def _household(x):
    carer = CarerFactory(user=UserFactory(), locality=x.locality)
    carer.person = cares_for(carer)
    return carer


def _book(carer, session, payment_source=PaymentSource.FREE, key=None):
    return bookings.booking_create(
        carer=carer,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=[carer.person],
        payment_source=payment_source,
        by=carer.user,
        submission_key=key,
    )


def _to_check_page(client, session, carer, payment_source="free") -> str:
    who = reverse("brokerage:bookings:book_session", kwargs={"session_pk": session.pk})
    response = client.post(who, {"people": [str(carer.person.pk)], "payment_source": payment_source})
    assert response.status_code == 302
    return response.url


# ----------------------------------------------------------------------------------------------
# The setting, and nothing on SQLite
# ----------------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db
def test_the_lock_timeout_is_three_seconds_by_default_and_lasts_for_the_transaction():
    from django.conf import settings

    assert settings.LOCK_TIMEOUT_MS == 3000
    with transaction.atomic():
        set_lock_timeout()
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == "3s"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite path")
@pytest.mark.django_db
def test_on_sqlite_no_lock_timeout_is_set():
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        set_lock_timeout()
    assert len(queries) == 0


# ----------------------------------------------------------------------------------------------
# A session's row held by another connection
# ----------------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_booking_a_session_whose_row_is_locked_elsewhere_is_busy_and_writes_nothing(x, holder, short_timeout):
    carer = _household(x)
    session = SessionFactory()
    holder.lock("SELECT id FROM brokerage_session WHERE id = %s", [session.pk])

    error, seconds = run_while_held(holder, lambda: _book(carer, session, key="first-try"))

    assert isinstance(error, Busy), error
    assert error.messages == [BUSY_MESSAGE]
    assert TIMEOUT_MS / 1000 <= seconds < DEADLINE
    assert not Booking.objects.exists()
    session.refresh_from_db()
    assert session.places_taken == 0
    booking = _book(carer, session, key="first-try")  # once it is free, trying again books
    assert booking.state == Booking.State.CONFIRMED


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_check_page_says_busy_and_keeps_the_answers_when_the_session_is_locked(x, holder, short_timeout):
    carer = _household(x)
    session = SessionFactory()
    client = Client()
    client.force_login(carer.user)
    check = _to_check_page(client, session, carer)
    key = client.get(check).context["submission_key"]
    holder.lock("SELECT id FROM brokerage_session WHERE id = %s", [session.pk])

    response, _ = run_while_held(holder, lambda: client.post(check, {"submission_key": key}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert BUSY_MESSAGE in page
    assert "Check your booking" in page  # the answers are still there
    assert carer.person.full_name in page
    assert f'name="submission_key" value="{key}"' in page  # the same page, so trying again is still once
    assert not Booking.objects.exists()
    done = client.post(check, {"submission_key": key})
    assert done.status_code == 302
    assert Booking.objects.get().carer == carer


# ----------------------------------------------------------------------------------------------
# A fund's account held by another connection
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def paid_session(db):
    return SessionFactory(offer=OfferFactory(price_pence=2_500, price_unit=PriceUnit.PLACE))


def _lock_available(holder, fund):
    holder.lock("SELECT id FROM brokerage_fundaccount WHERE fund_id = %s AND kind = 'available'", [fund.pk])


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_booking_from_a_fund_whose_account_is_locked_elsewhere_is_busy(x, holder, short_timeout, paid_session):
    carer = _household(x)
    fund = personal_fund(x.broker, carer=carer, amount=10_000)
    _lock_available(holder, fund)

    error, _ = run_while_held(holder, lambda: _book(carer, paid_session, PaymentSource.FUND))

    assert isinstance(error, Busy), error
    assert not Booking.objects.exists()
    assert not Posting.objects.filter(kind=Posting.Kind.COMMIT).exists()
    paid_session.refresh_from_db()
    assert paid_session.places_taken == 0  # the place taken before the fund was reached went back too


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_check_page_says_busy_when_the_fund_is_locked(x, holder, short_timeout, paid_session):
    carer = _household(x)
    fund = personal_fund(x.broker, carer=carer, amount=10_000)
    client = Client()
    client.force_login(carer.user)
    check = _to_check_page(client, paid_session, carer, payment_source="fund")
    key = client.get(check).context["submission_key"]
    _lock_available(holder, fund)

    response, _ = run_while_held(holder, lambda: client.post(check, {"submission_key": key}))

    assert response.status_code == 200
    page = response.content.decode()
    assert BUSY_MESSAGE in page
    assert "£25" in page  # the cost and the rest of the answers are still shown
    assert not Booking.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_moving_money_in_a_locked_account_is_busy(x, holder, short_timeout):
    fund = personal_fund(x.broker, amount=10_000)
    line = budget_line(x.broker)
    _lock_available(holder, fund)

    error, _ = run_while_held(holder, lambda: ledger.ledger_allocate(fund=fund, amount=500, source=line, by=x.broker))

    assert isinstance(error, Busy), error
    assert FundAccount.objects.get(fund=fund, kind=FundAccount.Kind.AVAILABLE).balance == 10_000


# ----------------------------------------------------------------------------------------------
# An invoice held by another connection: the hub's payment page
# ----------------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_paying_an_invoice_locked_elsewhere_says_busy_on_the_invoice_page(x, holder, short_timeout):
    fund = personal_fund(x.broker, amount=50_000)
    ledger.ledger_commit(fund=fund, amount=8_000, by=x.broker)
    invoice = ledger.ledger_invoice(provider=provider(), reference="BUSY-1", fund=fund, amount=8_000, by=x.broker)
    client = Client()
    client.force_login(x.broker)
    url = reverse("brokerage:funds:invoice_detail", kwargs={"pk": invoice.pk})
    holder.lock("SELECT id FROM brokerage_invoice WHERE id = %s", [invoice.pk])

    response, _ = run_while_held(holder, lambda: client.post(url))

    assert response.status_code == 200
    assert BUSY_MESSAGE in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.SUBMITTED
    assert client.post(url).status_code == 302  # free again: paid
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
