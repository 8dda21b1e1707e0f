"""Builders for the access table in tests/test_access.py: URL kwargs for the micro-grant and direct-payment pages
(carer A's records in partnership X)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from brokerage.funds import direct_payments, grants, services
from brokerage.models import Fund, GrantApplication
from tests.brokerage.funds import factories


def application(w) -> dict:
    made = grants.grant_apply(
        carer=w.carer_a,
        amount_asked=10_000,
        what_for="Art classes",
        break_kind=GrantApplication.BreakKind.CREATIVE,
        by=w.carer_a.user,
    )
    return {"pk": made.pk}


def meeting(w) -> dict:
    now = timezone.now()
    made = grants.panel_meeting_add(
        partnership=w.carer_a.partnership,
        meets_on=timezone.localdate() + datetime.timedelta(days=14),
        cut_off=now + datetime.timedelta(days=7),
        by=w.personas["broker_x"],
        now=now,
    )
    return {"pk": made.pk}


def _fund(w) -> Fund:
    broker = w.personas["broker_x"]
    fund = services.fund_open(
        partnership=w.carer_a.partnership,
        kind=Fund.Kind.DIRECT_PAYMENT,
        name="Ailsa's direct payment",
        carer=w.carer_a,
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        ends_on=timezone.localdate() + datetime.timedelta(days=300),
        by=broker,
    )
    services.ledger_allocate(fund=fund, amount=50_000, source=factories.budget_line(broker), by=broker)
    return fund


def fund(w) -> dict:
    return {"pk": _fund(w).pk}


def receipt(w) -> dict:
    spend = direct_payments.dp_spend_record(
        fund=_fund(w),
        spent_on=timezone.localdate(),
        amount=1_000,
        what_for="Swimming",
        supplier="Leisure centre",
        receipt=SimpleUploadedFile("r.pdf", b"%PDF-1.4 access test", content_type="application/pdf"),
        by=w.carer_a.user,
    )
    return {"pk": spend.pk}
