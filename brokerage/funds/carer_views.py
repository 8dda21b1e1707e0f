"""The carer's money: their funds in plain words, and a statement by month as a page, a PDF and a CSV.

The carer reads under /carer/money/, their partnership's brokers and assessors (and admins) read the same
statement under /hub/funds/<pk>/statement/; the role is checked in carer_urls.py, and the fund comes through
`statement_fund_get`, which answers 404 for a fund the user may not see. Every statement read (page, PDF or
CSV) is written to the audit trail with the month.
"""

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from breakthrough.audit import log_action
from brokerage.funds import statements
from brokerage.funds.money_forms import StatementMonthForm
from brokerage.selectors import carer_of_user


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def money(request):
    """ "Your money": each of the carer's funds, what is left, booked and spent, and its statements."""
    carer_of_user(user=request.user)  # 404 for an account with no household, as every carer page
    summaries = statements.personal_funds(fetched_by=request.user)
    for summary in summaries:
        summary.statement_url = reverse("brokerage:funds_carer:carer_statement", kwargs={"pk": summary.fund.pk})
    return render(request, "brokerage/funds/carer_money.html", {"summaries": summaries})


class StatementUrls:
    """The statement's addresses on the side (the carer's or the hub's) the user is on."""

    def __init__(self, side: str, pk: int, month: statements.Month | None):
        self.side, self.pk, self.query = side, pk, f"?month={month}" if month else ""

    def _url(self, name: str) -> str:
        return reverse(f"brokerage:funds_carer:{self.side}_{name}", kwargs={"pk": self.pk})

    @property
    def page(self) -> str:
        return self._url("statement")

    @property
    def pdf(self) -> str:
        return self._url("statement_pdf") + self.query

    @property
    def csv(self) -> str:
        return self._url("statement_csv") + self.query


def _statement(request, pk, side):
    """The fund, the month form, and the statement (None when the month asked for is not one of the fund's)."""
    fund = statements.statement_fund_get(fetched_by=request.user, pk=pk)
    months = statements.statement_months(fund)
    form = StatementMonthForm(request.GET if "month" in request.GET else None, months=months)
    month = form.chosen if form.is_bound else months[0]
    statement = statements.statement_build(fund=fund, month=month) if month else None
    return fund, form, statement


def _log(request, statement, what: str) -> None:
    log_action(
        statement.fund,
        "brokerage.fund.statement_viewed",
        user=request.user,
        data={"month": str(statement.month), "as": what},
    )


def _page(request, fund, form, statement, side):
    if statement is not None:
        _log(request, statement, "page")
    back = reverse("brokerage:funds_carer:money") if side == "carer" else None
    context = {
        "fund": fund,
        "form": form,
        "statement": statement,
        "urls": StatementUrls(side, fund.pk, statement.month if statement else None),
        "staff": side == "staff",
        "back_url": back,
    }
    return render(request, "brokerage/funds/carer_statement.html", context)


@require_GET
def statement_page(request, pk, side="carer"):
    fund, form, statement = _statement(request, pk, side)
    return _page(request, fund, form, statement, side)


@require_GET
def statement_pdf(request, pk, side="carer"):
    fund, form, statement = _statement(request, pk, side)
    if statement is None:  # a month that is not the fund's: the page says so beside the field
        return _page(request, fund, form, statement, side)
    _log(request, statement, "pdf")
    response = HttpResponse(statements.statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement.filename}.pdf"'
    return _no_store(response)


@require_GET
def statement_csv(request, pk, side="carer"):
    fund, form, statement = _statement(request, pk, side)
    if statement is None:
        return _page(request, fund, form, statement, side)
    _log(request, statement, "csv")
    response = StreamingHttpResponse(statements.statement_csv_lines(statement), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{statement.filename}.csv"'
    return _no_store(response)
