"""A break the carer did not attend (a no-show) paid from a fund: its money does not stay committed for ever.

A provider who does not charge for no-shows (the default): recording the no-show gives the money back at once, in
the same transaction, under the booking's release key. A correction to attended commits it again (under a key of
its own, so the rounds never collide), unless the fund no longer has it; no correction once the break is invoiced.
A provider who charges: the money stays so they can invoice, and the daily job gives it back if no invoice came
within 28 days of the break. After every test the ledger check finds no difference."""

import datetime
import os
from urllib.parse import urlparse

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.bookings import services as booking_services
from brokerage.bookings.tasks import release_uninvoiced_no_shows
from brokerage.funds import services as ledger
from brokerage.funds import wiring
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.funds.statements import Month, statement_build
from brokerage.models import Booking, BookingShare, ComplianceKind, Invoice, PaymentSource, Posting
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.wiring_helpers import book_from_fund, on_day, paid_session, party
from tests.celery_worker import celery_worker
from tests.factories import ComplianceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


@pytest.fixture
def provider(provider_user):
    ComplianceDocumentFactory(organisation=provider_user.organisation, kind=ComplianceKind.INSURANCE)
    return provider_user


@pytest.fixture
def isf(x, carer_a):
    return personal_fund(x.broker, carer=carer_a, amount=10_000)


@pytest.fixture
def booking(carer_a, isf, provider):
    """A £25 break booked from carer A's fund (committed), which began four hours ago."""
    booking = book_from_fund(carer_a, paid_session(price=2_500, provider=provider.organisation, title="Art club"))
    return on_day(booking, days_ago=0)


def record(booking, provider, *, attended: bool):
    return booking_services.booking_record_attendance(booking=booking, by=provider, attended=attended)


def money(fund, x):
    b = fund_balances(fund=fund, fetched_by=x.broker)
    return {"available": b.available, "committed": b.committed, "spent": b.spent}


def charges_for_no_shows(x, provider, charges: bool = True):
    wiring.provider_agreement_set(
        partnership=x.partnership,
        provider=provider.organisation,
        payment_terms="arrears",
        charges_no_show=charges,
        by=x.broker,
    )


def keys(booking) -> list[tuple[str, str]]:
    postings = Posting.objects.filter(booking=booking).order_by("pk")
    return [(posting.kind, posting.idempotency_key) for posting in postings]


# ----------------------------------------------------------------------------------------------
# A provider who does not charge for no-shows (the default)
# ----------------------------------------------------------------------------------------------


def test_a_no_show_gives_the_money_back_at_once_when_the_provider_does_not_charge(x, isf, booking, provider):
    assert money(isf, x) == {"available": 7_500, "committed": 2_500, "spent": 0}
    record(booking, provider, attended=False)
    assert money(isf, x) == {"available": 10_000, "committed": 0, "spent": 0}
    release = Posting.objects.get(booking=booking, kind=Posting.Kind.RELEASE)
    assert release.idempotency_key == f"booking:{booking.pk}:release"
    assert (release.reference, release.created_by) == (wiring.NO_SHOW_REFERENCE, provider)
    assert release.memo == "Break missed, money back"
    assert AuditEvent.objects.filter(action="brokerage.posting.release", object_id=str(release.pk)).exists()


def test_recording_the_no_show_twice_gives_the_money_back_once(x, isf, booking, provider):
    record(booking, provider, attended=False)
    record(booking, provider, attended=False)
    assert Posting.objects.filter(booking=booking, kind=Posting.Kind.RELEASE).count() == 1
    assert money(isf, x)["available"] == 10_000


def test_the_release_is_written_with_the_attendance_or_not_at_all(x, isf, booking, provider, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the audit trail is down")

    monkeypatch.setattr(booking_services, "log_action", fail)  # fails after the wiring, in the same transaction
    with pytest.raises(RuntimeError):
        record(booking, provider, attended=False)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert not Posting.objects.filter(booking=booking, kind=Posting.Kind.RELEASE).exists()
    assert money(isf, x) == {"available": 7_500, "committed": 2_500, "spent": 0}


def test_the_carers_statement_says_in_plain_words_that_the_money_came_back(x, carer_a, isf, booking, provider):
    record(booking, provider, attended=False)
    statement = statement_build(fund=isf, month=Month.of(timezone.now()))
    day = timezone.localtime(booking.session.starts_at)
    assert statement.lines[-1].text == f"Break missed, money back: Art club, {day.day} {day:%b %Y}"
    assert statement.lines[-1].money_in == 2_500


def test_a_no_show_of_a_break_the_carer_paid_for_themself_moves_no_money(carer_a, provider):
    session = paid_session(price=2_500, provider=provider.organisation)
    booking = booking_services.booking_create(
        carer=carer_a,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=[carer_a.person],
        payment_source=PaymentSource.SELF,
        by=carer_a.user,
    )
    record(on_day(booking, days_ago=0), provider, attended=False)
    assert not Posting.objects.filter(booking=booking).exists()


def test_a_pooled_no_show_gives_each_fund_its_share_back(x, carer_a, carer_b_in_x, provider):
    first = personal_fund(x.broker, carer=carer_a, amount=10_000)
    second = personal_fund(x.broker, carer=carer_b_in_x, amount=10_000)
    session = paid_session(price=2_000, provider=provider.organisation)
    booking = wiring.pooled_booking_create(
        session=session, parties=[party(carer_a, 1), party(carer_b_in_x, 2)], rule=BookingShare.Rule.PLACES, by=x.broker
    )
    record(on_day(booking, days_ago=0), provider, attended=False)
    assert money(first, x) == money(second, x) == {"available": 10_000, "committed": 0, "spent": 0}
    [release] = Posting.objects.filter(booking=booking, kind=Posting.Kind.RELEASE)
    assert release.legs.count() == 4


# ----------------------------------------------------------------------------------------------
# Corrections
# ----------------------------------------------------------------------------------------------


def test_a_no_show_corrected_to_attended_commits_the_money_again_and_the_provider_can_invoice(
    x, isf, booking, provider
):
    record(booking, provider, attended=False)
    record(booking, provider, attended=True)
    assert money(isf, x) == {"available": 7_500, "committed": 2_500, "spent": 0}
    again = Posting.objects.filter(booking=booking, kind=Posting.Kind.COMMIT).order_by("pk").last()
    assert again.idempotency_key == f"booking:{booking.pk}:commit:1"
    assert (again.reference, again.memo) == ("attended-after-all", "Break attended after all, money set aside again")
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="AC-1")
    assert money(isf, x) == {"available": 7_500, "committed": 0, "spent": 2_500}
    assert not invoice.for_no_show


def test_attendance_corrected_back_and_forth_posts_each_round_once_under_its_own_key(x, isf, booking, provider):
    for attended in (False, True, False, True, True):
        record(booking, provider, attended=attended)
    assert keys(booking) == [
        ("commit", f"booking:{booking.pk}:commit"),
        ("release", f"booking:{booking.pk}:release"),
        ("commit", f"booking:{booking.pk}:commit:1"),
        ("release", f"booking:{booking.pk}:release:1"),
        ("commit", f"booking:{booking.pk}:commit:2"),
    ]
    assert money(isf, x) == {"available": 7_500, "committed": 2_500, "spent": 0}


def test_a_correction_is_refused_in_words_when_the_fund_no_longer_has_the_money(x, isf, booking, provider):
    record(booking, provider, attended=False)
    ledger.ledger_commit(fund=isf, amount=9_000, by=x.broker)  # the money went on something else
    with pytest.raises(ValidationError, match="the fund no longer has it. Ask the Short Break Hub"):
        record(booking, provider, attended=True)
    booking.refresh_from_db()
    assert booking.state == Booking.State.NO_SHOW
    assert money(isf, x) == {"available": 1_000, "committed": 9_000, "spent": 0}


def test_attendance_cannot_be_changed_once_the_break_is_invoiced(x, isf, booking, provider):
    record(booking, provider, attended=True)
    wiring.invoice_submit(booking=booking, by=provider, reference="AC-2")
    with pytest.raises(ValidationError, match="has been invoiced, so its attendance cannot be changed"):
        record(booking, provider, attended=False)
    booking.refresh_from_db()
    assert booking.state == Booking.State.ATTENDED
    record(booking, provider, attended=True)  # saying the same again is fine


def test_the_attendance_page_shows_the_refusal_beside_the_row(client_for, x, isf, booking, provider):
    record(booking, provider, attended=True)
    wiring.invoice_submit(booking=booking, by=provider, reference="AC-3")
    page = reverse("brokerage:providers:session_attendance", kwargs={"pk": booking.session_id})
    response = client_for(provider).post(page, {f"attendance-{booking.pk}": "no_show"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="attendance-{booking.pk}-error"' in html
    assert "has been invoiced, so its attendance cannot be changed" in html


# ----------------------------------------------------------------------------------------------
# A provider who charges for no-shows: 28 days to invoice, then the daily job gives the money back
# ----------------------------------------------------------------------------------------------


def test_a_provider_who_charges_keeps_the_money_committed_and_invoices_the_no_show(x, isf, booking, provider):
    charges_for_no_shows(x, provider)
    record(booking, provider, attended=False)
    assert money(isf, x) == {"available": 7_500, "committed": 2_500, "spent": 0}
    invoice = wiring.invoice_submit(booking=booking, by=provider, reference="NS-1")
    assert (invoice.for_no_show, invoice.payment_terms) == (True, "arrears")
    assert wiring.invoice_payable(invoice)  # in arrears, and the missed break is what is charged
    paid, now = wiring.invoice_pay_from_hub(invoice=invoice, by=x.broker)
    assert now
    assert paid.state == Invoice.State.PAID
    assert money(isf, x) == {"available": 7_500, "committed": 0, "spent": 2_500}


def test_a_provider_who_does_not_charge_cannot_invoice_a_no_show(x, isf, booking, provider):
    record(booking, provider, attended=False)
    with pytest.raises(ValidationError, match="not to charge for missed breaks"):
        wiring.invoice_submit(booking=booking, by=provider, reference="NS-2")
    assert not wiring.invoiceable(booking, "arrears", False)


def test_a_no_show_can_be_invoiced_until_28_days_after_the_break_and_not_after(x, isf, booking, provider):
    charges_for_no_shows(x, provider)
    record(booking, provider, attended=False)
    assert wiring.no_show_invoice_deadline(booking) == timezone.localdate() + datetime.timedelta(days=28)
    assert wiring.invoiceable(on_day(booking, days_ago=28), "arrears", True)
    assert not wiring.invoiceable(on_day(booking, days_ago=29), "arrears", True)
    with pytest.raises(ValidationError, match="up to 28 days after the break"):
        wiring.invoice_submit(booking=booking, by=provider, reference="NS-3")


def test_the_daily_job_gives_back_an_uninvoiced_no_show_after_28_days_once(x, carer_a, isf, booking, provider):
    charges_for_no_shows(x, provider)
    record(booking, provider, attended=False)
    invoiced = book_from_fund(carer_a, paid_session(price=1_000, provider=provider.organisation))
    record(on_day(invoiced, days_ago=0), provider, attended=False)
    wiring.invoice_submit(booking=invoiced, by=provider, reference="NS-4")

    on_day(booking, days_ago=28)
    on_day(invoiced, days_ago=40)
    assert release_uninvoiced_no_shows.delay().get() == 0  # the 28th day is still within the time to invoice
    on_day(booking, days_ago=29)
    assert release_uninvoiced_no_shows.delay().get() == 1
    assert release_uninvoiced_no_shows.delay().get() == 0  # a second run posts nothing
    assert money(isf, x) == {"available": 9_000, "committed": 0, "spent": 1_000}
    release = Posting.objects.get(booking=booking, kind=Posting.Kind.RELEASE)
    assert release.created_by is None  # the platform
    assert (release.idempotency_key, release.reference) == (f"booking:{booking.pk}:release", "no-show-not-invoiced")
    assert AuditEvent.objects.filter(action="brokerage.booking.no_show_released", object_id=str(booking.pk)).exists()
    line = statement_build(fund=isf, month=Month.of(timezone.now())).lines[-1]
    assert line.text.startswith("Break missed and not invoiced within 28 days, money back: Art club, ")
    assert not Posting.objects.filter(booking=invoiced, kind=Posting.Kind.RELEASE).exists()


def test_the_job_finds_a_stay_by_its_last_night():
    stay = Booking(first_night=datetime.date(2026, 3, 1), nights=3)
    assert wiring.break_last_day(stay) == datetime.date(2026, 3, 3)
    assert wiring.no_show_invoice_deadline(stay) == datetime.date(2026, 3, 31)


def test_the_no_show_job_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["release-uninvoiced-no-shows"]
    assert entry["task"] == release_uninvoiced_no_shows.name
    assert isinstance(entry["schedule"], crontab)


# ----------------------------------------------------------------------------------------------
# The job through a real Celery worker and Redis, against this test's PostgreSQL database
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def worker_on_test_database():
    """A real worker whose database is this test's."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and Redis: export DATABASE_URL and REDIS_URL (CI does)")
    # The same server and user as DATABASE_URL, but the database pytest-django made for this test (test_<name>).
    url = urlparse(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()
    with celery_worker(DATABASE_URL=url) as queue:
        yield queue


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_gives_back_an_overdue_no_show_once(worker_on_test_database, x, isf, booking, provider):
    charges_for_no_shows(x, provider)
    record(booking, provider, attended=False)
    on_day(booking, days_ago=30)
    first = release_uninvoiced_no_shows.apply_async(queue=worker_on_test_database)
    assert first.get(timeout=30, disable_sync_subtasks=False) == 1
    second = release_uninvoiced_no_shows.apply_async(queue=worker_on_test_database)
    assert second.get(timeout=30, disable_sync_subtasks=False) == 0
    assert Posting.objects.filter(booking=booking, kind=Posting.Kind.RELEASE).count() == 1
    assert money(isf, x) == {"available": 10_000, "committed": 0, "spent": 0}
