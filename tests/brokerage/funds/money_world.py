"""A carer's fund with a few months of real postings, made through the ledger's services at set UK times, for the
statement, export and page tests.

The ledger stamps a posting with the time it is made (`Posting.created_at` defaults to now) and refuses to
change it afterwards (postings are immutable, on PostgreSQL by trigger), so `posted_at` sets the clock the
posting and fund defaults read while a block runs.
"""

import datetime
from contextlib import contextmanager
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from brokerage.funds import services
from brokerage.models import Booking, Fund, Posting, PriceUnit
from brokerage.models.bookings import PaymentSource
from tests.brokerage.funds.factories import budget_line, personal_fund
from tests.factories import OfferFactory, ProviderFactory, SessionFactory

UK = ZoneInfo("Europe/London")


def uk(year, month, day, hour=12, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UK)


@contextmanager
def posted_at(moment: datetime.datetime):
    """Postings made (and funds opened) in this block carry `moment` as their time."""
    fields = [Posting._meta.get_field("created_at"), Fund._meta.get_field("opened_at")]
    saved = [field.__dict__.get("_get_default") for field in fields]
    for field in fields:
        field._get_default = lambda: moment  # Field caches its default's callable here
    try:
        yield
    finally:
        for field, old in zip(fields, saved, strict=True):
            if old is None:
                field.__dict__.pop("_get_default", None)
            else:
                field._get_default = old


def booking_for(carer, *, title: str, starts_at: datetime.datetime, cost: int, provider=None) -> Booking:
    offer = OfferFactory(
        title=title, provider=provider or ProviderFactory(), price_unit=PriceUnit.SESSION, price_pence=cost
    )
    session = SessionFactory(offer=offer, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2))
    return Booking.objects.create(
        carer=carer,
        offer=offer,
        session=session,
        places=1,
        cost_pence=cost,
        payment_source=PaymentSource.FUND,
        state=Booking.State.CONFIRMED,
        requested_by=carer.user,
    )


def march_2025(x, carer):
    """Carer's ISF: £500 in February 2025; in March a swim booked (£40), a sitter set aside and given back
    (£25), the swim invoiced and paid (at 23:30 BST on 31 March); in April (00:30 BST on 1 April, still
    31 March in UTC) a £10 refund, then a £5 correction taken back."""
    broker, assessor = x.broker, x.assessor
    crossroads = ProviderFactory(name="Crossroads Care")
    with posted_at(uk(2025, 2, 10, 9)):
        line = budget_line(broker, amount=1_000_000)
        fund = personal_fund(broker, carer=carer, line=line)
        services.ledger_allocate(fund=fund, amount=50_000, source=line, by=broker, memo="Support plan approved")
    swim = booking_for(carer, title="Swimming club", starts_at=uk(2025, 3, 22, 10), cost=4_000, provider=crossroads)
    with posted_at(uk(2025, 3, 5, 14)):
        services.ledger_commit(fund=fund, amount=4_000, booking=swim, by=broker)
    with posted_at(uk(2025, 3, 10, 11)):
        services.ledger_commit(fund=fund, amount=2_500, memo="Sitter, two evenings", by=broker)
    with posted_at(uk(2025, 3, 12, 16)):
        services.ledger_release(fund=fund, amount=2_500, memo="Sitter, two evenings", by=broker)
    with posted_at(uk(2025, 3, 24, 9)):
        invoice = services.ledger_invoice(
            provider=crossroads, reference="CC-0042", fund=fund, amount=4_000, booking=swim, by=broker
        )
    with posted_at(uk(2025, 3, 31, 23, 30)):
        services.invoice_pay(invoice=invoice, by=broker)
    with posted_at(uk(2025, 4, 1, 0, 30)):
        services.ledger_refund(invoice=invoice, amount=1_000, reason="Session cut short", by=broker)
    with posted_at(uk(2025, 4, 15, 10)):
        adjustment = services.ledger_adjust(fund=fund, amount=-500, reason="Duplicate allocation", requested_by=broker)
        services.adjustment_approve(adjustment=adjustment, by=assessor)
    return SimpleNamespace(fund=fund, line=line, swim=swim, invoice=invoice, provider=crossroads)
