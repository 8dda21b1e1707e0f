"""Finance exports: postings and payments for a period, as CSV and XLSX, safe from formula injection, amounts
as numbers from whole pence, the period in UK days, only the broker's own partnership, bad input answered
beside the field, and a query count that does not grow with the rows."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.funds import exports, services
from tests.brokerage.funds.factories import budget_line, personal_fund
from tests.brokerage.funds.money_world import march_2025, posted_at, uk
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

URL = reverse("brokerage:funds_carer:finance_exports")
INJECTIONS = ["=1+1", "+44 7700 900123", "-2", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def period(start: str, end: str, *, what="postings", format="csv") -> dict:
    (d1, m1, y1), (d2, m2, y2) = start.split("/"), end.split("/")
    return {
        "what": what,
        "starts_on_0": d1,
        "starts_on_1": m1,
        "starts_on_2": y1,
        "ends_on_0": d2,
        "ends_on_1": m2,
        "ends_on_2": y2,
        "format": format,
    }


def today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def xlsx_sheet(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def world(x, carer_a):
    return march_2025(x, carer_a)


# ----------------------------------------------------------------------------------------------
# The pieces
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_text_that_could_start_a_formula_gets_a_single_quote(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Crossroads Care", "", "1+1", "a=b", " =1", "'=1", "£40"])
def test_other_text_is_left_as_it_is(text):
    assert exports.neutralise(text) == text


@pytest.mark.parametrize(
    ("pence", "pounds"),
    [(1250, "12.50"), (1200, "12.00"), (5, "0.05"), (-5, "-0.05"), (0, "0.00"), (123_456_789_01, "123456789.01")],
)
def test_pence_become_pounds_with_two_decimals_through_decimal(pence, pounds):
    value = exports.pounds(pence)
    assert isinstance(value, Decimal)
    assert str(value) == pounds


# ----------------------------------------------------------------------------------------------
# Postings
# ----------------------------------------------------------------------------------------------


def test_postings_as_csv_one_row_per_leg_with_amounts_in_pounds(client_for, x, world):
    rows = csv_rows(client_for(x.broker).get(URL, period("1/3/2025", "31/3/2025")))
    header, body = rows[0], rows[1:]
    assert header == [
        "Posting",
        "Date and time (UK)",
        "Type",
        "Partnership",
        "Fund",
        "Fund number",
        "Fund type",
        "Account",
        "Amount (£)",
        "Memo",
        "Reference",
        "Booking",
        "Provider",
        "Provider's invoice number",
        "Recorded by",
        "Plan support",
        "Plan support number",
    ]
    assert len(body) == 10  # five postings in March, two legs each
    assert sum(Decimal(row[8]) for row in body) == 0  # every posting balances
    first, invoice_leg = body[0], body[6]
    assert first[1:4] == ["2025-03-05 14:00:00", "Commit", "Partnership X"]
    assert (first[4], first[7], first[8]) == (world.fund.name, "Available", "-40.00")  # a number, no quote
    assert first[11] == str(world.swim.pk)
    assert invoice_leg[2] == "Invoice"
    assert invoice_leg[12:14] == ["Crossroads Care", "CC-0042"]
    assert body[-1][1] == "2025-03-31 23:30:00"  # 22:30 UTC, 23:30 in the UK
    assert all(row[14] == x.broker.get_display_name() for row in body)


def test_the_period_is_whole_uk_days(client_for, x, world):
    """The refund at 00:30 BST on 1 April (23:30 UTC on 31 March) is April's, not March's."""
    client = client_for(x.broker)
    march = [row[2] for row in csv_rows(client.get(URL, period("31/3/2025", "31/3/2025")))[1:]]
    april = [row[2] for row in csv_rows(client.get(URL, period("1/4/2025", "1/4/2025")))[1:]]
    assert march == ["Pay", "Pay"]
    assert april == ["Refund", "Refund"]


def test_a_broker_exports_only_their_own_partnerships_ledger(client_for, x, y, carer_b, admin_user, world):
    with posted_at(uk(2025, 3, 6)):
        personal_fund(y.broker, carer=carer_b, amount=7_700)
    theirs = csv_rows(client_for(y.broker).get(URL, period("1/3/2025", "31/3/2025")))[1:]
    assert {row[3] for row in theirs} == {"Partnership Y"}
    ours = csv_rows(client_for(x.broker).get(URL, period("1/3/2025", "31/3/2025")))[1:]
    assert {row[3] for row in ours} == {"Partnership X"}
    everyone = csv_rows(client_for(admin_user).get(URL, period("1/3/2025", "31/3/2025")))[1:]
    assert {row[3] for row in everyone} == {"Partnership X", "Partnership Y"}


@pytest.mark.parametrize("who", ["assessor", "carer", "commissioner", "provider"])
def test_only_brokers_and_admins_may_export(client_for, x, carer_a, provider_user, world, who):
    user = {"assessor": x.assessor, "carer": carer_a.user, "commissioner": x.commissioner, "provider": provider_user}
    assert client_for(user[who]).get(URL, period("1/3/2025", "31/3/2025")).status_code == 404


@pytest.fixture
def injected(x, carer_a):
    """Postings whose memos, and a provider whose name, try to start a formula."""
    line = budget_line(x.broker, amount=100_000)
    fund = personal_fund(x.broker, carer=carer_a, line=line)
    for memo in INJECTIONS:
        services.ledger_allocate(fund=fund, amount=1_000, source=line, by=x.broker, memo=memo)
    provider = ProviderFactory(name='=HYPERLINK("http://evil.example")')
    services.ledger_commit(fund=fund, amount=500, by=x.broker)
    invoice = services.ledger_invoice(provider=provider, reference="-1", fund=fund, amount=500, by=x.broker)
    services.invoice_pay(invoice=invoice, by=x.broker)
    return fund


def test_the_csv_neutralises_formulas_in_every_text_cell(client_for, x, injected):
    day = today()
    rows = csv_rows(client_for(x.broker).get(URL, period(day, day)))[1:]
    memos = [row[9] for row in rows if row[2] == "Allocate" and row[4] == injected.name]
    assert memos == ["'" + text for text in INJECTIONS]
    invoice_rows = [row for row in rows if row[2] == "Invoice"]
    assert {(row[12], row[13]) for row in invoice_rows} == {('\'=HYPERLINK("http://evil.example")', "'-1")}
    assert {row[8] for row in invoice_rows} == {"-5.00", "5.00"}  # amounts stay numbers


def test_the_xlsx_writes_text_as_string_cells_and_amounts_as_numbers(client_for, x, injected):
    day = today()
    sheet = xlsx_sheet(client_for(x.broker).get(URL, period(day, day, format="xlsx")))
    rows = list(sheet.iter_rows(min_row=2))
    assert [cell.value for cell in next(sheet.iter_rows(max_row=1))][8] == "Amount (£)"
    memos = [row[9] for row in rows if row[2].value == "Allocate" and row[4].value == injected.name]
    # Python's XML parser reads a carriage return back as a line feed, lxml (when installed) keeps it; the quote in
    # front is what matters.
    assert [cell.value.replace("\r", "\n") for cell in memos] == ["'" + text.replace("\r", "\n") for text in INJECTIONS]
    assert {cell.data_type for cell in memos} == {"s"}
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value  # no formula anywhere
    provider_cells = {row[12].value for row in rows if row[2].value == "Invoice"}
    assert provider_cells == {'\'=HYPERLINK("http://evil.example")'}
    amount = next(row[8] for row in rows if row[2].value == "Invoice" and row[7].value == "Committed")
    assert (amount.data_type, amount.value, amount.number_format) == ("n", -5, "#,##0.00")
    assert rows[0][1].is_date


# ----------------------------------------------------------------------------------------------
# Payments
# ----------------------------------------------------------------------------------------------


def test_payments_and_refunds_one_row_per_fund_charged(client_for, x, carer_b_in_x, world):
    other = personal_fund(x.broker, carer=carer_b_in_x, amount=10_000, line=world.line)
    trip = ProviderFactory(name="Oban Trips")
    with posted_at(uk(2025, 4, 20)):
        shares = {world.fund: 1_500, other: 2_500}
        services.ledger_commit(shares=shares, by=x.broker)
        invoice = services.ledger_invoice(provider=trip, reference="OT-7", shares=shares, by=x.broker)
        services.invoice_pay(invoice=invoice, by=x.broker)
    rows = csv_rows(client_for(x.broker).get(URL, period("1/3/2025", "30/4/2025", what="payments")))
    assert rows[0][:4] == ["Date and time (UK)", "Type", "Provider", "Provider's invoice number"]
    got = [(row[1], row[2], row[3], row[5], row[6], row[9]) for row in rows[1:]]
    assert got == [
        ("Payment", "Crossroads Care", "CC-0042", "40.00", world.fund.name, "40.00"),
        ("Refund", "Crossroads Care", "CC-0042", "40.00", world.fund.name, "-10.00"),
        ("Payment", "Oban Trips", "OT-7", "40.00", world.fund.name, "15.00"),
        ("Payment", "Oban Trips", "OT-7", "40.00", other.name, "25.00"),
    ]


def test_payments_as_xlsx(client_for, x, world):
    sheet = xlsx_sheet(client_for(x.broker).get(URL, period("1/3/2025", "30/4/2025", what="payments", format="xlsx")))
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [(row[1], row[9]) for row in values] == [("Payment", 40), ("Refund", -10)]
    assert sheet.title == "Payments"


# ----------------------------------------------------------------------------------------------
# The form: bad input, and what is kept
# ----------------------------------------------------------------------------------------------


def test_the_page_shows_the_form_with_no_errors(client_for, x):
    response = client_for(x.broker).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Finance exports – Breakthrough</title>" in html
    assert "Download spreadsheet (XLSX)" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"starts_on_0": "", "starts_on_1": "", "starts_on_2": ""}, "starts_on", "Enter the first day of the period"),
        (
            {"starts_on_0": "31", "starts_on_1": "2", "starts_on_2": ""},
            "starts_on",
            "Enter the first day of the period as a day, month and year, like 27 3 2027",
        ),
        ({"starts_on_0": "31", "starts_on_1": "2", "starts_on_2": "2025"}, "starts_on", "must be a real date"),
        ({"starts_on_0": "x", "starts_on_1": "2", "starts_on_2": "2025"}, "starts_on", "must be a real date"),
        (
            {"starts_on_0": "1", "starts_on_1": "3", "starts_on_2": "99999999999999999999"},
            "starts_on",
            "The first day of the period must have a year with 4 numbers, like 2027",
        ),
        ({"ends_on_0": "", "ends_on_1": "", "ends_on_2": ""}, "ends_on", "Enter the last day of the period"),
        ({"ends_on_0": "28", "ends_on_1": "2", "ends_on_2": "2025"}, "ends_on", "same as or after the first day"),
        ({"ends_on_2": "2040"}, "ends_on", "at most 10 years"),
        ({"what": "everything"}, "what", "Select what to export"),
        ({"format": "pdf"}, "format", "Choose a CSV or an XLSX file"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_keeps_what_was_typed(client_for, x, data, field, message):
    query = {**period("1/3/2025", "31/3/2025"), **data}
    response = client_for(x.broker).get(URL, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert "<title>Error: Finance exports – Breakthrough</title>" in html
    assert "There is a problem" in html
    for key, value in query.items():
        if key.startswith(("starts_on", "ends_on")) and value:
            assert f'name="{key}"' in html, key
            assert f'value="{value}"' in html, key
    assert not AuditEvent.objects.filter(action="brokerage.finance_export.downloaded").exists()


def test_an_export_is_audited(client_for, x, world):
    client_for(x.broker).get(URL, period("1/3/2025", "31/3/2025", format="xlsx"))
    event = AuditEvent.objects.get(action="brokerage.finance_export.downloaded")
    assert event.actor == x.broker
    assert event.partnership_id == x.partnership.pk
    assert event.data == {"what": "postings", "from": "2025-03-01", "to": "2025-03-31", "format": "xlsx"}


# ----------------------------------------------------------------------------------------------
# Queries: the same at 10 rows and at 200
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("what", "format"), [("postings", "csv"), ("postings", "xlsx"), ("payments", "csv")])
def test_an_export_costs_the_same_queries_however_many_rows(client_for, x, carer_a, what, format):
    client = client_for(x.broker)
    line = budget_line(x.broker, amount=10_000_000)
    fund = personal_fund(x.broker, carer=carer_a, amount=1_000_000, line=line)
    provider = ProviderFactory()

    def add(n):
        for i in range(n):
            services.ledger_commit(fund=fund, amount=100, by=x.broker)
            invoice = services.ledger_invoice(
                provider=provider, reference=f"R{n}-{i}", fund=fund, amount=100, by=x.broker
            )
            services.invoice_pay(invoice=invoice, by=x.broker)

    day = today()

    def run():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, period(day, day, what=what, format=format))
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body
        return len(queries)

    add(2)
    run()  # warms the caches (content types for the audit trail)
    few = run()
    add(40)
    many = run()
    assert few == many
