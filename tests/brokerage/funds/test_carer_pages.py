"""The carer's money pages: their funds in plain words, the statement by month (page, PDF, CSV) for the carer and
their partnership's staff, 404 for anyone else, bad months answered beside the field, audited reads, pinned
query counts; and on an offer's page, what the carer's fund can still pay for."""

import datetime
import io

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from breakthrough.models import AuditEvent
from brokerage.funds import services
from brokerage.models import Fund, PriceUnit
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.money_world import march_2025, posted_at, uk
from tests.factories import OfferFactory, SessionFactory
from tests.plain_words import what_happens_next

pytestmark = pytest.mark.django_db

MONEY = reverse("brokerage:funds_carer:money")


def statement_url(fund, name="statement", side="carer", month=None) -> str:
    url = reverse(f"brokerage:funds_carer:{side}_{name}", kwargs={"pk": fund.pk})
    return f"{url}?month={month}" if month else url


@pytest.fixture
def world(x, carer_a):
    return march_2025(x, carer_a)


# ----------------------------------------------------------------------------------------------
# Your money
# ----------------------------------------------------------------------------------------------


def test_your_money_says_what_is_left_booked_and_spent(client_for, x, carer_a, world):
    Fund.objects.filter(pk=world.fund.pk).update(
        starts_on=datetime.date(2025, 2, 1), ends_on=datetime.date(2026, 1, 31)
    )
    services.ledger_commit(fund=world.fund, amount=2_000, by=x.broker)
    response = client_for(carer_a.user).get(MONEY)
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    for text in (
        "<title>Your money – Breakthrough</title>",
        "You have <strong>£445</strong> left to spend.",
        "Set aside for breaks you have booked</dt>",
        '<p class="govuk-body govuk-!-font-weight-bold">£20</p>',
        "Spent</dt>",
        '<p class="govuk-body govuk-!-font-weight-bold">£30</p>',
        "1 February 2025 to 31 January 2026",
        "Money X Short Break Hub looks after and pays out for you (an Individual Service Fund)",
        statement_url(world.fund),
    ):
        assert text in html, text
    assert "You can book a break now." in what_happens_next(html)


def test_your_money_says_nothing_is_set_aside_rather_than_pounds_nought(client_for, x, carer_a):
    personal_fund(x.broker, carer=carer_a, amount=10_000)
    html = " ".join(client_for(carer_a.user).get(MONEY).content.decode().split())
    assert "£0 is booked" not in html
    assert "Booked for breaks coming up" not in html
    assert "Nothing at the moment. When you book a break, its cost is set aside here" in html
    assert "Nothing yet. Money counts as spent when a provider sends the bill (invoice)" in html


def test_a_carer_without_a_fund_is_told_what_will_appear(client_for, carer_a):
    html = " ".join(client_for(carer_a.user).get(MONEY).content.decode().split())
    assert "You do not have any money for breaks set up yet." in html
    assert "Individual Service Fund" not in html
    assert "Ask for a small grant for a break</a> (a micro-grant)" in html
    assert "When your support plan is agreed, or you are given a grant, the money for your breaks is set aside" in (
        what_happens_next(html)
    )


def test_a_carer_sees_only_their_own_funds(client_for, x, carer_a, carer_b_in_x, world):
    other = personal_fund(x.broker, carer=carer_b_in_x, amount=9_900)
    html = client_for(carer_a.user).get(MONEY).content.decode()
    assert escape(world.fund.name) in html
    assert escape(other.name) not in html


def test_your_money_reads_in_the_same_queries_however_many_funds(client_for, x, carer_a):
    client = client_for(carer_a.user)
    personal_fund(x.broker, carer=carer_a, amount=1_000)
    client.get(MONEY)
    with CaptureQueriesContext(connection) as one:
        client.get(MONEY)
    for kind in (Fund.Kind.DIRECT_PAYMENT, Fund.Kind.MICRO_GRANT, Fund.Kind.ISF):
        personal_fund(x.broker, carer=carer_a, kind=kind, amount=500)
    with CaptureQueriesContext(connection) as four:
        response = client.get(MONEY)
    assert len(response.context["summaries"]) == 4
    assert len(one) == len(four)


# ----------------------------------------------------------------------------------------------
# The statement page
# ----------------------------------------------------------------------------------------------


def test_the_statement_page_lists_the_months_lines(client_for, carer_a, world):
    response = client_for(carer_a.user).get(statement_url(world.fund, month="2025-03"))
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    for text in (
        "<title>Statement for March 2025 – Breakthrough</title>",
        "Break booked: Swimming club, 22 Mar 2025",
        "Invoice paid: Crossroads Care",
        'Left to spend at the end of March 2025</dt> <dd class="govuk-summary-list__value">£460',
        statement_url(world.fund, "statement_pdf", month="2025-03"),
        statement_url(world.fund, "statement_csv", month="2025-03"),
        '<option value="2025-03" selected>March 2025</option>',
    ):
        assert text in html, text
    assert "Refund from Crossroads Care" not in html


def test_the_statement_opens_on_this_month(client_for, carer_a, world):
    response = client_for(carer_a.user).get(statement_url(world.fund))
    today = datetime.date.today()
    assert response.context["statement"].month.first_day == today.replace(day=1)
    assert "No money came in or went out" in response.content.decode()


@pytest.mark.parametrize("month", ["2024-12", "2099-01", "2025-13", "March", "", "2025-03'><script>"])
def test_a_month_that_is_not_the_funds_gets_a_message_beside_the_field(client_for, carer_a, world, month):
    for name in ("statement", "statement_pdf", "statement_csv"):
        response = client_for(carer_a.user).get(statement_url(world.fund, name) + f"?month={month}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "<title>Error: Statement – Breakthrough</title>" in html
        assert response.context["form"].errors["month"] in (
            ["Select a month from the list"],
            ["Select the month of the statement"],
        )
        assert '<a href="#id_month">' in html
        assert "<script>" not in html.split("</title>")[1].split("<script")[0]
    assert not AuditEvent.objects.filter(action="brokerage.fund.statement_viewed").exists()


def test_the_pdf_downloads_with_the_months_lines(client_for, carer_a, world):
    response = client_for(carer_a.user).get(statement_url(world.fund, "statement_pdf", month="2025-03"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="statement-fund-{world.fund.pk}-2025-03.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Invoice received: Crossroads Care, for Swimming club, 22 Mar 2025" in text


def test_the_csv_downloads_with_the_months_lines(client_for, carer_a, world):
    response = client_for(carer_a.user).get(statement_url(world.fund, "statement_csv", month="2025-04"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="statement-fund-{world.fund.pk}-2025-04.csv"'
    text = b"".join(response.streaming_content).decode()
    assert "Refund from Crossroads Care: Session cut short,10.00,,470.00" in text


def test_every_statement_read_is_audited_with_its_month(client_for, x, carer_a, world):
    client_for(carer_a.user).get(statement_url(world.fund, month="2025-03"))
    client_for(x.broker).get(statement_url(world.fund, "statement_csv", side="staff", month="2025-04"))
    events = AuditEvent.objects.filter(action="brokerage.fund.statement_viewed").order_by("pk")
    assert [(e.actor, e.object_id, e.data) for e in events] == [
        (carer_a.user, str(world.fund.pk), {"month": "2025-03", "as": "page"}),
        (x.broker, str(world.fund.pk), {"month": "2025-04", "as": "csv"}),
    ]
    assert {e.partnership_id for e in events} == {x.partnership.pk}


def test_the_statement_page_costs_the_same_queries_however_many_postings(client_for, x, carer_a, world):
    client = client_for(carer_a.user)
    url = statement_url(world.fund, month="2025-05")
    with posted_at(uk(2025, 5, 1)):
        services.ledger_commit(fund=world.fund, amount=100, by=x.broker)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with posted_at(uk(2025, 5, 2)):
        for _ in range(20):
            services.ledger_commit(fund=world.fund, amount=100, booking=world.swim, by=x.broker)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["statement"].lines) == 21
    assert len(few) == len(many)


# ----------------------------------------------------------------------------------------------
# Who may read it
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["statement", "statement_pdf", "statement_csv"])
def test_another_household_gets_404(client_for, carer_b_in_x, world, name):
    assert client_for(carer_b_in_x.user).get(statement_url(world.fund, name)).status_code == 404


@pytest.mark.parametrize("name", ["statement", "statement_pdf", "statement_csv"])
def test_the_carers_partnership_staff_read_it_on_the_hub_side(client_for, x, world, name):
    for user in (x.broker, x.assessor):
        assert client_for(user).get(statement_url(world.fund, name, side="staff")).status_code == 200


@pytest.mark.parametrize("name", ["statement", "statement_pdf", "statement_csv"])
def test_another_partnerships_staff_get_404(client_for, y, world, name):
    for user in (y.broker, y.assessor):
        assert client_for(user).get(statement_url(world.fund, name, side="staff")).status_code == 404


def test_staff_use_the_hub_address_and_carers_their_own(client_for, x, carer_a, world):
    assert client_for(x.broker).get(statement_url(world.fund)).status_code == 404
    assert client_for(carer_a.user).get(statement_url(world.fund, side="staff")).status_code == 404


def test_a_budget_line_has_no_statement_page(client_for, x, world):
    assert client_for(x.broker).get(statement_url(world.line, side="staff")).status_code == 404


# ----------------------------------------------------------------------------------------------
# What the carer can afford, on an offer's page
# ----------------------------------------------------------------------------------------------


def offer_url(offer) -> str:
    return reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})


@pytest.fixture
def swim_offer():
    offer = OfferFactory(title="Saturday swim", price_unit=PriceUnit.SESSION, price_pence=4_000)
    SessionFactory(offer=offer)
    return offer


def test_a_carer_with_a_fund_sees_how_many_sessions_it_pays_for(client_for, x, carer_a, swim_offer):
    fund = personal_fund(x.broker, carer=carer_a, amount=50_000)
    services.ledger_commit(fund=fund, amount=2_000, by=x.broker)
    html = " ".join(client_for(carer_a.user).get(offer_url(swim_offer)).content.decode().split())
    assert "Your fund has £480 left to spend; this costs £40 a session: you can afford 12 sessions." in html
    assert MONEY in html


def test_two_funds_are_added_together_and_an_hourly_price_counts_hours(client_for, x, carer_a):
    personal_fund(x.broker, carer=carer_a, amount=3_000)
    personal_fund(x.broker, carer=carer_a, kind=Fund.Kind.DIRECT_PAYMENT, amount=1_000)
    offer = OfferFactory(price_unit=PriceUnit.HOUR, price_pence=2_000)
    html = " ".join(client_for(carer_a.user).get(offer_url(offer)).content.decode().split())
    assert "Your funds have £40 left to spend; this costs £20 an hour: you can afford 2 hours." in html


def test_a_price_above_what_is_left_says_so(client_for, x, carer_a, swim_offer):
    personal_fund(x.broker, carer=carer_a, amount=3_999)
    html = " ".join(client_for(carer_a.user).get(offer_url(swim_offer)).content.decode().split())
    assert "Your fund has £39.99 left to spend; this costs £40 a session: that is more than you have left." in html


def test_no_line_for_a_free_break_a_carer_without_a_fund_staff_or_the_public(client, client_for, x, carer_a):
    free = OfferFactory(price_unit=PriceUnit.FREE, price_pence=0)
    priced = OfferFactory(price_unit=PriceUnit.SESSION, price_pence=1_000)
    assert client_for(carer_a.user).get(offer_url(priced)).context["affordability"] is None  # no fund yet
    personal_fund(x.broker, carer=carer_a, amount=5_000)
    assert client_for(carer_a.user).get(offer_url(free)).context["affordability"] is None
    assert client_for(x.broker).get(offer_url(priced)).context["affordability"] is None
    assert client.get(offer_url(priced)).context["affordability"] is None
    assert client_for(carer_a.user).get(offer_url(priced)).context["affordability"].times == 5


def test_the_line_costs_the_offer_page_one_query(client_for, x, carer_a, swim_offer, monkeypatch):
    """One query, however many funds and postings (an aggregate over the carer's available accounts)."""
    from brokerage.directory import views

    client = client_for(carer_a.user)
    fund = personal_fund(x.broker, carer=carer_a, amount=50_000)
    client.get(offer_url(swim_offer))
    with CaptureQueriesContext(connection) as with_line:
        client.get(offer_url(swim_offer))
    for _ in range(10):
        services.ledger_commit(fund=fund, amount=100, by=x.broker)
    personal_fund(x.broker, carer=carer_a, kind=Fund.Kind.MICRO_GRANT, amount=2_000)
    with CaptureQueriesContext(connection) as more_postings:
        client.get(offer_url(swim_offer))
    monkeypatch.setattr(views, "fund_affordability", lambda **kwargs: None)
    with CaptureQueriesContext(connection) as without_line:
        client.get(offer_url(swim_offer))
    assert len(with_line) == len(more_postings) == len(without_line) + 1
