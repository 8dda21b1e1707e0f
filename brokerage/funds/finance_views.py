"""Finance exports for the hub: the ledger's postings, or the payments to providers, for a period, as CSV
(streamed) or XLSX. Brokers export their partnership's ledger, admins every partnership's (carer_urls.py
checks the role; exports.py reads through the access choke point). A bad period gets a message beside the
field and keeps what was typed; every export is written to the audit trail."""

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from breakthrough.audit import log_action
from brokerage.funds import exports
from brokerage.funds.carer_views import _no_store
from brokerage.funds.money_forms import FinanceExportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def finance_exports(request):
    form = FinanceExportForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        starts_on, ends_on, what, kind = data["starts_on"], data["ends_on"], data["what"], data["format"]
        export = exports.EXPORTS[what](fetched_by=request.user, starts_on=starts_on, ends_on=ends_on)
        log_action(
            request.user,
            "brokerage.finance_export.downloaded",
            user=request.user,
            data={"what": what, "from": starts_on.isoformat(), "to": ends_on.isoformat(), "format": kind},
        )
        filename = f"{what}-{starts_on.isoformat()}-to-{ends_on.isoformat()}.{kind}"
        if kind == "xlsx":
            response = HttpResponse(exports.xlsx_bytes(export), content_type=XLSX)
        else:
            response = StreamingHttpResponse(exports.csv_lines(export), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return _no_store(response)
    return render(request, "brokerage/funds/finance_exports.html", {"form": form})
