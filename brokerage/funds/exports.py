"""Exports for finance: the ledger's postings and the payments to providers for a period, as CSV or XLSX.

Safe to open in a spreadsheet. A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
could run as a formula (CSV injection), so it gets a single quote in front (`neutralise`), in the CSV and
in the XLSX alike; in the XLSX every text cell is also written as a string cell, never a formula. Amounts
are numbers, not text: pounds with two decimals, made from integer pence with Decimal (never a float), so a
refund's -12.50 stays a number a spreadsheet can add up.

The provider column names whoever is paid: a provider on the platform, or a supplier that is not (a personal
assistant, a driving school) whose invoice the hub recorded; an invoice against a support in a carer's plan
names the support and its number in the last two columns.

Every export is one query, however many rows (the legs, with their posting, fund and invoice joined), read
in chunks: the CSV streams as it is read, so a year of postings never sits in memory. Who may export:
brokers (their partnership's ledger) and admins (every partnership's); the view checks the role and the
rows come through the access choke point (`visible`).
"""

import csv
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from breakthrough.access import visible
from brokerage.models import FundAccount, Leg, Posting

UK = ZoneInfo(settings.TIME_ZONE)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def neutralise(value) -> str:
    """Text for a spreadsheet cell that can never start a formula: a leading =, +, -, @, tab or carriage
    return gets a single quote in front ('=1+1 -> "'=1+1")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def pounds(pence: int) -> Decimal:
    """Whole pence as pounds with exactly two decimals: 1250 -> Decimal('12.50'), -5 -> Decimal('-0.05')."""
    return Decimal(int(pence)).scaleb(-2)


# ----------------------------------------------------------------------------------------------
# What is exported
# ----------------------------------------------------------------------------------------------

TEXT, MONEY, WHEN, NUMBER = "text", "money", "when", "number"


@dataclass(frozen=True)
class Export:
    """An export's title, column headers and kinds, and its rows (an iterator: read it once)."""

    name: str
    title: str
    columns: list[tuple[str, str]]  # (header, kind)
    rows: Iterator[list]


def period_bounds(starts_on: datetime.date, ends_on: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) for a period of whole UK days, `starts_on` to `ends_on` inclusive."""
    start = datetime.datetime.combine(starts_on, datetime.time(), tzinfo=UK)
    end = datetime.datetime.combine(ends_on + datetime.timedelta(days=1), datetime.time(), tzinfo=UK)
    return start, end


def _legs(fetched_by, starts_on, ends_on):
    start, end = period_bounds(starts_on, ends_on)
    postings = visible(fetched_by, Posting).filter(created_at__gte=start, created_at__lt=end)
    return (
        Leg.objects.filter(posting__in=postings.values("pk"))
        .select_related(
            "account__fund",
            "posting__partnership",
            "posting__created_by",
            "posting__invoice__provider",
            "posting__invoice__plan_support__offer",
            "posting__invoice__plan_support__plan",
        )
        .order_by("posting__created_at", "posting_id", "pk")
    )


def _local(moment: datetime.datetime) -> datetime.datetime:
    """UK wall-clock time without a zone (spreadsheets have none)."""
    return timezone.localtime(moment, UK).replace(tzinfo=None)


def _who(user) -> str:
    return user.get_display_name() if user is not None else ""


def _support(invoice) -> list:
    """The "Plan support" and "Plan support number" cells: an invoice against a support in a carer's plan."""
    support = invoice.plan_support if invoice is not None else None
    if support is None:
        return ["", None]
    return [f"{support.name} (support plan version {support.plan.number})", support.pk]


def postings_export(*, fetched_by, starts_on: datetime.date, ends_on: datetime.date) -> Export:
    """Every leg of every posting made in the period (UK days, inclusive): one row per leg."""
    columns = [
        ("Posting", NUMBER),
        ("Date and time (UK)", WHEN),
        ("Type", TEXT),
        ("Partnership", TEXT),
        ("Fund", TEXT),
        ("Fund number", NUMBER),
        ("Fund type", TEXT),
        ("Account", TEXT),
        ("Amount (£)", MONEY),
        ("Memo", TEXT),
        ("Reference", TEXT),
        ("Booking", NUMBER),
        ("Provider", TEXT),
        ("Provider's invoice number", TEXT),
        ("Recorded by", TEXT),
        ("Plan support", TEXT),
        ("Plan support number", NUMBER),
    ]

    def rows():
        for leg in _legs(fetched_by, starts_on, ends_on).iterator(chunk_size=CHUNK):
            posting, fund, invoice = leg.posting, leg.account.fund, leg.posting.invoice
            yield [
                posting.pk,
                _local(posting.created_at),
                posting.get_kind_display(),
                posting.partnership.name,
                fund.name,
                fund.pk,
                fund.get_kind_display(),
                leg.account.get_kind_display(),
                pounds(leg.amount),
                posting.memo,
                posting.reference,
                posting.booking_id,
                invoice.payee if invoice else "",
                invoice.reference if invoice else "",
                _who(posting.created_by),
                *_support(invoice),
            ]

    return Export("postings", "Postings", columns, rows())


def payments_export(*, fetched_by, starts_on: datetime.date, ends_on: datetime.date) -> Export:
    """Money paid to providers in the period, and refunds from them (negative): one row per fund charged."""
    columns = [
        ("Date and time (UK)", WHEN),
        ("Type", TEXT),
        ("Provider", TEXT),
        ("Provider's invoice number", TEXT),
        ("Invoice", NUMBER),
        ("Invoice total (£)", MONEY),
        ("Fund", TEXT),
        ("Fund number", NUMBER),
        ("Fund type", TEXT),
        ("Amount (£)", MONEY),
        ("Booking", NUMBER),
        ("Paid by", TEXT),
        ("Posting", NUMBER),
        ("Partnership", TEXT),
        ("Plan support", TEXT),
        ("Plan support number", NUMBER),
    ]
    legs = _legs(fetched_by, starts_on, ends_on).filter(
        account__kind=FundAccount.Kind.PAID, posting__kind__in=[Posting.Kind.PAY, Posting.Kind.REFUND]
    )

    def rows():
        for leg in legs.iterator(chunk_size=CHUNK):
            posting, fund, invoice = leg.posting, leg.account.fund, leg.posting.invoice
            yield [
                _local(posting.created_at),
                "Payment" if posting.kind == Posting.Kind.PAY else "Refund",
                invoice.payee if invoice else "",
                invoice.reference if invoice else "",
                invoice.pk if invoice else None,
                pounds(invoice.amount_pence) if invoice else None,
                fund.name,
                fund.pk,
                fund.get_kind_display(),
                pounds(leg.amount),
                posting.booking_id,
                _who(posting.created_by),
                posting.pk,
                posting.partnership.name,
                *_support(invoice),
            ]

    return Export("payments", "Payments", columns, rows())


EXPORTS = {"postings": postings_export, "payments": payments_export}


# ----------------------------------------------------------------------------------------------
# Writing: CSV (streamed) and XLSX
# ----------------------------------------------------------------------------------------------


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return f"{value:.2f}"
    if kind == WHEN:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind == NUMBER:
        return str(int(value))
    return neutralise(value)


class _Line:
    """A file-like object whose write() hands back what it was given, so csv.writer makes one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(export: Export, *, preamble: Iterable[list[str]] = ()) -> Iterator[str]:
    """The export as CSV, line by line (for a StreamingHttpResponse). A byte-order mark first, so that a
    spreadsheet opens the pound signs as UTF-8."""
    writer = csv.writer(_Line())
    yield "\ufeff"
    for row in preamble:
        yield writer.writerow([neutralise(cell) for cell in row])
    yield writer.writerow([neutralise(header) for header, _ in export.columns])
    kinds = [kind for _, kind in export.columns]
    for row in export.rows:
        yield writer.writerow([_csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])


def xlsx_bytes(export: Export, *, preamble: Iterable[list[str]] = ()) -> bytes:
    """The export as an XLSX workbook (openpyxl, write-only: rows go to disk as they are written)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.title)
    bold = Font(bold=True)

    def text(value, **style):
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.data_type = "s"  # a string cell, whatever the text: never a formula
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    def cell(value, kind):
        if value is None:
            return None
        if kind == TEXT:
            return text(value)
        result = WriteOnlyCell(sheet, value=value)
        if kind == MONEY:
            result.number_format = "#,##0.00"
        elif kind == WHEN:
            result.number_format = "yyyy-mm-dd hh:mm:ss"
        return result

    for row in preamble:
        sheet.append([text(value) for value in row])
    sheet.append([text(header, font=bold) for header, _ in export.columns])
    kinds = [kind for _, kind in export.columns]
    for row in export.rows:
        sheet.append([cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
