"""A fund's statement by month: lines in plain words, running balances that agree with the ledger, UK months,
and the same statement as a tagged PDF and as a CSV."""

import csv
import datetime
import io

import pypdf
import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from brokerage.funds import services, statements
from brokerage.funds.selectors import fund_balances
from brokerage.funds.statements import Month
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.money_world import march_2025, posted_at, uk

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(x, carer_a):
    return march_2025(x, carer_a)


def rows(statement):
    return [
        (line.at.strftime("%d %H:%M"), line.text, line.money_in, line.money_out, line.available_after, line.note)
        for line in statement.lines
    ]


# ----------------------------------------------------------------------------------------------
# Months
# ----------------------------------------------------------------------------------------------


def test_a_month_starts_at_midnight_uk_time_in_summer_and_winter():
    start, end = Month(2025, 3).bounds()
    assert start.astimezone(datetime.UTC) == datetime.datetime(2025, 3, 1, 0, 0, tzinfo=datetime.UTC)  # GMT
    assert end.astimezone(datetime.UTC) == datetime.datetime(2025, 3, 31, 23, 0, tzinfo=datetime.UTC)  # BST
    assert Month(2024, 12).next == Month(2025, 1)
    assert Month(2025, 1).previous == Month(2024, 12)
    assert Month(2025, 2).last_day == datetime.date(2025, 2, 28)
    assert Month(2025, 3).label == "March 2025"


@pytest.mark.parametrize("value", ["", "2025", "2025-13", "2025-00", "25-03", "2025-3", "march", "2025-03-01", None])
def test_a_month_that_is_not_yyyy_mm_is_refused(value):
    with pytest.raises(ValueError, match="Not a month written as YYYY-MM"):
        Month.parse(value)


def test_statements_run_from_the_month_the_fund_opened_to_this_month(world):
    months = statements.statement_months(world.fund, today=datetime.date(2025, 5, 3))
    assert months == [Month(2025, 5), Month(2025, 4), Month(2025, 3), Month(2025, 2)]


# ----------------------------------------------------------------------------------------------
# Lines and balances
# ----------------------------------------------------------------------------------------------


def test_the_months_postings_in_plain_words_with_the_running_balance(world):
    statement = statements.statement_build(fund=world.fund, month=Month(2025, 3))
    assert (statement.opening_available, statement.opening_committed, statement.opening_spent) == (50_000, 0, 0)
    assert rows(statement) == [
        ("05 14:00", "Break booked: Swimming club, 22 Mar 2025", 0, 4_000, 46_000, "£40 booked"),
        ("10 11:00", "Money set aside: Sitter, two evenings", 0, 2_500, 43_500, "£25 booked"),
        ("12 16:00", "Money set aside given back: Sitter, two evenings", 2_500, 0, 46_000, "£25 no longer booked"),
        (
            "24 09:00",
            "Invoice received: Crossroads Care, for Swimming club, 22 Mar 2025",
            0,
            0,
            46_000,
            "£40 no longer booked; £40 now spent",
        ),
        ("31 23:30", "Invoice paid: Crossroads Care", 0, 0, 46_000, "£40 paid to the provider"),
    ]
    assert (statement.money_in, statement.money_out) == (2_500, 6_500)
    assert (statement.closing_available, statement.closing_committed, statement.closing_spent) == (46_000, 0, 4_000)


def test_a_posting_at_half_past_midnight_bst_on_1_april_is_in_april_not_march(world):
    """00:30 BST on 1 April is 23:30 UTC on 31 March: the statement follows the UK calendar."""
    april = statements.statement_build(fund=world.fund, month=Month(2025, 4))
    assert rows(april) == [
        ("01 00:30", "Refund from Crossroads Care: Session cut short", 1_000, 0, 47_000, "£10 no longer spent"),
        ("15 10:00", "Correction: money taken back (Duplicate allocation)", 0, 500, 46_500, ""),
    ]
    assert april.opening_available == 46_000  # March's closing balance
    assert (april.closing_committed, april.closing_spent) == (0, 3_000)


def test_a_month_without_postings_carries_the_balance_over(world):
    statement = statements.statement_build(fund=world.fund, month=Month(2025, 6))
    assert statement.lines == []
    assert (statement.opening_available, statement.closing_available, statement.closing_spent) == (
        46_500,
        46_500,
        3_000,
    )


def test_the_last_months_closing_figures_equal_the_funds_balances(x, world):
    """The statement, recomputed from the legs, agrees with the balances the ledger keeps on the accounts."""
    with posted_at(uk(2025, 5, 2)):
        services.ledger_commit(fund=world.fund, amount=1_234, by=x.broker)
    statement = statements.statement_build(fund=world.fund, month=Month(2025, 5))
    balances = fund_balances(fund=world.fund, fetched_by=x.broker)
    assert (statement.closing_available, statement.closing_committed, statement.closing_spent) == (
        balances.available,
        balances.committed,
        balances.spent,
    )


def test_a_pooled_cost_shows_only_this_funds_share(x, carer_a, carer_b_in_x, world):
    other = personal_fund(x.broker, carer=carer_b_in_x, amount=10_000, line=world.line)
    with posted_at(uk(2025, 5, 9, 18)):
        services.ledger_commit(shares={world.fund: 1_500, other: 2_500}, memo="Overnight trip to Oban", by=x.broker)
    [line] = statements.statement_build(fund=world.fund, month=Month(2025, 5)).lines
    assert (line.text, line.money_out, line.committed) == ("Money set aside: Overnight trip to Oban", 1_500, 1_500)


def test_the_statement_reads_in_two_queries_however_many_postings(x, world):
    month = Month(2025, 5)
    with posted_at(uk(2025, 5, 2)):
        services.ledger_commit(fund=world.fund, amount=100, by=x.broker)
    with CaptureQueriesContext(connection) as few:
        statements.statement_build(fund=world.fund, month=month)
    with posted_at(uk(2025, 5, 3)):
        for _ in range(25):
            services.ledger_commit(fund=world.fund, amount=100, booking=world.swim, by=x.broker)
            services.ledger_release(fund=world.fund, amount=50, by=x.broker)
    with CaptureQueriesContext(connection) as many:
        statement = statements.statement_build(fund=world.fund, month=month)
        texts = [line.text for line in statement.lines]
    assert len(texts) == 51
    assert len(few) == len(many) == 2


# ----------------------------------------------------------------------------------------------
# Who may read it
# ----------------------------------------------------------------------------------------------


def test_the_carer_their_partnerships_staff_and_admins_may_read_the_statement(x, carer_a, admin_user, world):
    for user in (carer_a.user, x.broker, x.assessor, admin_user):
        assert statements.statement_fund_get(fetched_by=user, pk=world.fund.pk) == world.fund


@pytest.mark.parametrize(
    "who", ["another household", "broker of another partnership", "commissioner", "provider", "outsider"]
)
def test_anyone_else_gets_404(x, y, carer_b_in_x, provider_user, outsider, world, who):
    user = {
        "another household": carer_b_in_x.user,
        "broker of another partnership": y.broker,
        "commissioner": x.commissioner,
        "provider": provider_user,
        "outsider": outsider,
    }[who]
    with pytest.raises(Http404):
        statements.statement_fund_get(fetched_by=user, pk=world.fund.pk)


def test_a_budget_line_has_no_statement_here(x, world):
    with pytest.raises(Http404):
        statements.statement_fund_get(fetched_by=x.broker, pk=world.line.pk)


# ----------------------------------------------------------------------------------------------
# PDF and CSV
# ----------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_pdf_is_tagged_and_reads_back_with_every_line(world):
    statement = statements.statement_build(fund=world.fund, month=Month(2025, 3))
    data = statements.statement_pdf(statement)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in (
        "Statement for March 2025",
        world.fund.name,
        "Left to spend on 1 March 2025 £500",
        "Break booked: Swimming club, 22 Mar 2025",
        "Money set aside given back: Sitter, two evenings",
        "Invoice received: Crossroads Care, for Swimming club, 22 Mar 2025",
        "Invoice paid: Crossroads Care",
        "£40 paid to the provider",
        "Left to spend at the end of March 2025 £460",
        "Spent by the end of the month £40",
    ):
        assert expected in text, expected
    assert "Refund from Crossroads Care" not in text  # April's
    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == f"Statement for {world.fund.name}, March 2025"


def test_the_pdf_passes_the_pdfua_checker_with_no_findings(world):
    from tests.pdf_checks import pdfua_findings

    data = statements.statement_pdf(statements.statement_build(fund=world.fund, month=Month(2025, 3)))
    assert pdfua_findings(data) == []


def test_the_csv_has_the_months_lines_with_amounts_in_pounds(world):
    statement = statements.statement_build(fund=world.fund, month=Month(2025, 4))
    text = "".join(statements.statement_csv_lines(statement))
    assert text.startswith("\ufeff")
    got = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert got[0] == [f"Statement for {world.fund.name}, April 2025"]
    assert got[1:3] == [
        ["Left to spend at the start of the month: £460"],
        ["Left to spend at the end of the month: £465"],
    ]
    assert got[3][:5] == [
        "Date and time (UK)",
        "What happened",
        "Money in (£)",
        "Money out (£)",
        "Left to spend after (£)",
    ]
    assert [row[:9] for row in got[4:]] == [
        [
            "2025-04-01 00:30:00",
            "Refund from Crossroads Care: Session cut short",
            "10.00",
            "",
            "470.00",
            "",
            "-10.00",
            "0.00",
            "30.00",
        ],
        [
            "2025-04-15 10:00:00",
            "Correction: money taken back (Duplicate allocation)",
            "",
            "5.00",
            "465.00",
            "",
            "",
            "0.00",
            "30.00",
        ],
    ]


def test_an_overdrawn_balance_reads_with_a_minus_sign(x, carer_a):
    fund = personal_fund(x.broker, carer=carer_a, amount=1_000)
    request = services.overdraft_request(
        fund=fund, limit=5_000, reason="Respite before the plan", requested_by=x.broker
    )
    services.overdraft_approve(overdraft=request, by=x.assessor)
    services.ledger_commit(fund=fund, amount=1_250 + 1_000, by=x.broker)
    statement = statements.statement_build(fund=fund, month=Month.of(datetime.datetime.now(tz=statements.UK)))
    assert statement.closing_text == "-£12.50"
    assert "-£12.50" in pdf_text(statements.statement_pdf(statement))
