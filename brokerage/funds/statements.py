"""A carer's fund in plain words, and its statement by month (the page, the PDF and the CSV read the same lines).

Reads only: every function takes the user who reads and goes through the access choke point. Months are
UK calendar months (Europe/London, the site's TIME_ZONE): a posting at 00:30 BST on 1 April belongs to April
even though it is 23:30 UTC on 31 March.

A statement line is one posting that touched the fund in the month, with what it did to the fund's three
figures a carer knows: *left to spend* (the available account), *booked* (committed) and *spent* (invoiced +
paid). "Money in" and "money out" are movements of the money left to spend; an invoice or a payment moves
booked money to spent, or spent money from "invoiced" to "paid", and leaves what is left to spend as it was.

Queries, whatever the number of postings: the fund (1), the opening balances (1, an aggregate over the legs
before the month), the month's legs with everything their words need (1).
"""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format

from breakthrough.access import get_visible_or_404, visible
from breakthrough.money import format_pence
from brokerage.funds.exports import MONEY, NUMBER, TEXT, WHEN, Export, csv_lines, pounds
from brokerage.funds.selectors import FundBalances
from brokerage.funds.wiring import PLAIN_MEMO_REFERENCES
from brokerage.models import Fund, FundAccount, Leg, Posting

Kind = FundAccount.Kind
UK = ZoneInfo(settings.TIME_ZONE)


def signed_pounds(pence: int) -> str:
    """format_pence for an amount that may be below zero (an overdrawn fund): -1250 -> '-£12.50'."""
    return f"-{format_pence(-pence)}" if pence < 0 else format_pence(pence)


# ----------------------------------------------------------------------------------------------
# Months
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime.datetime | datetime.date) -> "Month":
        if isinstance(moment, datetime.datetime):
            moment = timezone.localtime(moment, UK)
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, value: str) -> "Month":
        """'2025-03' -> Month(2025, 3); ValueError for anything else."""
        year, _, month = (value or "").partition("-")
        if len(year) != 4 or len(month) != 2 or not (year.isdigit() and month.isdigit()) or not 1 <= int(month) <= 12:
            raise ValueError(f"Not a month written as YYYY-MM: {value!r}")
        return cls(int(year), int(month))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next.first_day - datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        return date_format(self.first_day, "F Y")

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes: midnight UK time on the 1st of this month and of the next."""
        start = datetime.datetime(self.year, self.month, 1, tzinfo=UK)
        following = self.next
        return start, datetime.datetime(following.year, following.month, 1, tzinfo=UK)


def statement_months(fund: Fund, *, today: datetime.date | None = None) -> list[Month]:
    """The months a statement can be read for, newest first: from the month the fund opened to this month."""
    current = Month.of(today or timezone.localdate())
    month = min(Month.of(fund.opened_at), current)
    months = []
    while month <= current:
        months.append(month)
        month = month.next
    return months[::-1]


# ----------------------------------------------------------------------------------------------
# The carer's funds in plain words
# ----------------------------------------------------------------------------------------------

KIND_WORDS = {
    Fund.Kind.ISF: "Money {holder} looks after and pays out for you (an Individual Service Fund)",
    Fund.Kind.DIRECT_PAYMENT: "Money paid to you, which you manage yourself (a direct payment)",
    Fund.Kind.MICRO_GRANT: "A small grant for a break (a micro-grant), which {holder} looks after for you",
}


def kind_words(fund: Fund) -> str:
    """What kind of fund it is in plain words, then the term staff use: 'Money X Short Break Hub looks after and
    pays out for you (an Individual Service Fund)'."""
    words = KIND_WORDS.get(fund.kind, fund.get_kind_display())
    holder = fund.held_by.name if fund.held_by_id else "the Short Break Hub"
    return words.format(holder=holder)


@dataclass
class FundSummary:
    fund: Fund
    balances: FundBalances

    @property
    def kind_words(self) -> str:
        return kind_words(self.fund)

    @property
    def left_to_spend(self) -> str:
        return signed_pounds(self.balances.available)


def _balances(rows: dict[str, tuple[int, int]]) -> FundBalances:
    def balance(kind):
        return rows.get(kind, (0, 0))[0]

    return FundBalances(
        available=balance(Kind.AVAILABLE),
        committed=balance(Kind.COMMITTED),
        invoiced=balance(Kind.INVOICED),
        paid=balance(Kind.PAID),
        overdraft_limit=rows.get(Kind.AVAILABLE, (0, 0))[1],
    )


def personal_funds(*, fetched_by) -> list[FundSummary]:
    """The personal funds (ISF, direct payment, micro-grant) the user may see, each with its balances.

    Two queries, however many funds: the funds, and their account rows."""
    funds = list(
        visible(fetched_by, Fund)
        .filter(kind__in=Fund.PERSONAL)
        .select_related("held_by", "carer")
        .order_by("-starts_on", "kind", "name", "pk")
    )
    rows: dict[int, dict[str, tuple[int, int]]] = {fund.pk: {} for fund in funds}
    for fund_id, kind, balance, limit in FundAccount.objects.filter(fund__in=[f.pk for f in funds]).values_list(
        "fund_id", "kind", "balance", "overdraft_limit"
    ):
        rows[fund_id][kind] = (balance, limit)
    return [FundSummary(fund=fund, balances=_balances(rows[fund.pk])) for fund in funds]


def statement_fund_get(*, fetched_by, pk) -> Fund:
    """A personal fund the user may see (the carer whose it is, their partnership's brokers and assessors, an
    admin), or 404. Not audited here: the statement view logs what was read, and in which month."""
    source = Fund.objects.filter(kind__in=Fund.PERSONAL).select_related("carer", "held_by", "partnership")
    return get_visible_or_404(fetched_by, source, audit=False, pk=pk)


# ----------------------------------------------------------------------------------------------
# The statement
# ----------------------------------------------------------------------------------------------


@dataclass
class StatementLine:
    at: datetime.datetime  # UK time
    posting_id: int
    kind: str
    text: str
    available: int = 0  # change in the money left to spend (signed pence)
    committed: int = 0
    spent: int = 0  # invoiced + paid
    paid: int = 0  # of which paid to the provider
    available_after: int = 0
    committed_after: int = 0
    spent_after: int = 0

    @property
    def available_after_text(self) -> str:
        return signed_pounds(self.available_after)

    @property
    def money_in(self) -> int:
        return max(self.available, 0)

    @property
    def money_out(self) -> int:
        return max(-self.available, 0)

    @property
    def note(self) -> str:
        """What the line did to booked and spent money, in words ('' when nothing)."""
        parts = []
        if self.committed > 0:
            parts.append(f"{format_pence(self.committed)} booked")
        elif self.committed < 0:
            parts.append(f"{format_pence(-self.committed)} no longer booked")
        if self.spent > 0:
            parts.append(f"{format_pence(self.spent)} now spent")
        elif self.spent < 0:
            parts.append(f"{format_pence(-self.spent)} no longer spent")
        if self.paid > 0 and not self.spent:
            parts.append(f"{format_pence(self.paid)} paid to the provider")
        return "; ".join(parts).capitalize()


@dataclass
class Statement:
    fund: Fund
    month: Month
    opening_available: int
    opening_committed: int
    opening_spent: int
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing_available(self) -> int:
        return self.lines[-1].available_after if self.lines else self.opening_available

    @property
    def kind_words(self) -> str:
        return kind_words(self.fund)

    @property
    def opening_text(self) -> str:
        return signed_pounds(self.opening_available)

    @property
    def closing_text(self) -> str:
        return signed_pounds(self.closing_available)

    @property
    def closing_committed(self) -> int:
        return self.lines[-1].committed_after if self.lines else self.opening_committed

    @property
    def closing_spent(self) -> int:
        return self.lines[-1].spent_after if self.lines else self.opening_spent

    @property
    def money_in(self) -> int:
        return sum(line.money_in for line in self.lines)

    @property
    def money_out(self) -> int:
        return sum(line.money_out for line in self.lines)

    @property
    def filename(self) -> str:
        return f"statement-fund-{self.fund.pk}-{self.month}"


def _short_date(moment) -> str:
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment, UK)
    return date_format(moment, "j M Y")


def _booking_words(booking) -> str:
    if booking is None:
        return ""
    when = booking.session.starts_at if booking.session_id else booking.first_night
    return f"{booking.offer.title}, {_short_date(when)}" if when else booking.offer.title


def describe(posting: Posting, available: int) -> str:
    """What a posting was, in plain words, for the fund whose available money changed by `available` pence."""
    booking = _booking_words(posting.booking) if posting.booking_id else ""
    provider = posting.invoice.payee if posting.invoice_id else ""
    memo = posting.memo.strip()
    if booking and memo and posting.reference in PLAIN_MEMO_REFERENCES:
        return f"{memo}: {booking}"  # e.g. "Break missed, money back: Saturday art club, 7 Nov 2026"
    match posting.kind:
        case Posting.Kind.ALLOCATE:
            return f"Money added: {memo}" if memo else "Money added to your fund"
        case Posting.Kind.COMMIT:
            if booking:
                return f"Break booked: {booking}"
            return f"Money set aside: {memo}" if memo else "Money set aside"
        case Posting.Kind.RELEASE:
            if booking:
                return f"Booking cancelled, money back: {booking}"
            return f"Money set aside given back: {memo}" if memo else "Money set aside given back"
        case Posting.Kind.INVOICE:
            text = f"Invoice received: {provider}" if provider else "Invoice received"
            if booking:
                return f"{text}, for {booking}"
            support = posting.invoice.plan_support if posting.invoice_id else None
            return f"{text}, for {support.name} in your plan" if support is not None else text
        case Posting.Kind.PAY:
            return f"Invoice paid: {provider}" if provider else "Invoice paid"
        case Posting.Kind.REFUND:
            text = f"Refund from {provider}" if provider else "Refund"
            return f"{text}: {memo}" if memo else text
        case Posting.Kind.ADJUST:
            text = "Correction: money added" if available >= 0 else "Correction: money taken back"
            return f"{text} ({memo})" if memo else text
    label = Posting.Kind(posting.kind).label if posting.kind in Posting.Kind.values else posting.kind
    return f"{label}: {memo}" if memo else label


def _account_delta(kind: str) -> str | None:
    return {Kind.AVAILABLE: "available", Kind.COMMITTED: "committed", Kind.INVOICED: "spent", Kind.PAID: "spent"}.get(
        kind
    )


def statement_build(*, fund: Fund, month: Month) -> Statement:
    """The fund's statement for one UK month. The fund must come from `statement_fund_get` (access checked)."""
    start, end = month.bounds()
    before = Leg.objects.filter(account__fund=fund, posting__created_at__lt=start).aggregate(
        available=Sum("amount", filter=Q(account__kind=Kind.AVAILABLE), default=0),
        committed=Sum("amount", filter=Q(account__kind=Kind.COMMITTED), default=0),
        spent=Sum("amount", filter=Q(account__kind__in=[Kind.INVOICED, Kind.PAID]), default=0),
    )
    statement = Statement(
        fund=fund,
        month=month,
        opening_available=before["available"],
        opening_committed=before["committed"],
        opening_spent=before["spent"],
    )
    legs = (
        Leg.objects.filter(account__fund=fund, posting__created_at__gte=start, posting__created_at__lt=end)
        .select_related(
            "account",
            "posting__booking__offer",
            "posting__booking__session",
            "posting__invoice__provider",
            "posting__invoice__plan_support__offer",
        )
        .order_by("posting__created_at", "posting_id", "pk")
    )
    available, committed, spent = statement.opening_available, statement.opening_committed, statement.opening_spent
    lines: dict[int, StatementLine] = {}
    postings: dict[int, Posting] = {}
    for leg in legs:  # a pooled posting has legs on other funds too: only this fund's are read
        posting = postings.setdefault(leg.posting_id, leg.posting)
        line = lines.get(posting.pk)
        if line is None:
            line = lines[posting.pk] = StatementLine(
                at=timezone.localtime(posting.created_at, UK), posting_id=posting.pk, kind=posting.kind, text=""
            )
        target = _account_delta(leg.account.kind)
        if target is not None:
            setattr(line, target, getattr(line, target) + leg.amount)
        if leg.account.kind == Kind.PAID:
            line.paid += leg.amount
    for line in lines.values():
        available += line.available
        committed += line.committed
        spent += line.spent
        line.available_after, line.committed_after, line.spent_after = available, committed, spent
        line.text = describe(postings[line.posting_id], line.available)
    statement.lines = list(lines.values())
    return statement


# ----------------------------------------------------------------------------------------------
# The statement as CSV and PDF
# ----------------------------------------------------------------------------------------------


def statement_export(statement: Statement) -> Export:
    """The statement's lines as an export (exports.py writes it as CSV, safe from formula injection)."""
    columns = [
        ("Date and time (UK)", WHEN),
        ("What happened", TEXT),
        ("Money in (£)", MONEY),
        ("Money out (£)", MONEY),
        ("Left to spend after (£)", MONEY),
        ("Booked: change (£)", MONEY),
        ("Spent: change (£)", MONEY),
        ("Booked after (£)", MONEY),
        ("Spent after (£)", MONEY),
        ("Posting", NUMBER),
    ]

    def money(pence):
        return pounds(pence) if pence else None

    rows = (
        [
            line.at.replace(tzinfo=None),
            line.text,
            money(line.money_in),
            money(line.money_out),
            pounds(line.available_after),
            money(line.committed),
            money(line.spent),
            pounds(line.committed_after),
            pounds(line.spent_after),
            line.posting_id,
        ]
        for line in statement.lines
    )
    return Export("statement", "Statement", columns, rows)


def statement_csv_lines(statement: Statement):
    """The statement as CSV, line by line: a few lines about the month, then one row per posting."""
    preamble = [
        [f"Statement for {statement.fund.name}, {statement.month.label}"],
        [f"Left to spend at the start of the month: {signed_pounds(statement.opening_available)}"],
        [f"Left to spend at the end of the month: {signed_pounds(statement.closing_available)}"],
    ]
    return csv_lines(statement_export(statement), preamble=preamble)


def statement_pdf(statement: Statement) -> bytes:
    """The statement as a tagged PDF (PDF/UA-1), with only local resources (brokerage/plans/pdf.py)."""
    from brokerage.plans.pdf import render_html  # WeasyPrint loads only when a PDF is asked for

    html = render_to_string(
        "brokerage/funds/statement_pdf.html", {"statement": statement, "printed_at": timezone.localtime()}
    )
    return render_html(html)
