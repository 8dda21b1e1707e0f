"""Builders for the access table in tests/test_access.py: URL kwargs for the hub's fund pages and the provider's
invoices (carer A's fund in partnership X; a booking of the provider persona's break; supports in carer A's
active plan)."""

from types import SimpleNamespace

from brokerage.funds import services, wiring
from brokerage.models import ComplianceKind, SupportKind
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.wiring_helpers import attended, book_from_fund, live_plan, paid_session
from tests.factories import ComplianceDocumentFactory, OfferFactory


def fund_kwargs(w) -> dict:
    return {"pk": personal_fund(w.personas["broker_x"], carer=w.carer_a, amount=10_000).pk}


def _attended_booking(w):
    provider = w.personas["provider"]
    ComplianceDocumentFactory(organisation=provider.organisation, kind=ComplianceKind.INSURANCE)
    personal_fund(w.personas["broker_x"], carer=w.carer_a, amount=10_000)
    booking = book_from_fund(w.carer_a, paid_session(price=2_000, provider=provider.organisation))
    return attended(booking, provider)


def invoice_kwargs(w) -> dict:
    booking = _attended_booking(w)
    invoice = wiring.invoice_submit(booking=booking, by=w.personas["provider"], reference="ACCESS-1")
    return {"pk": invoice.pk}


def booking_kwargs(w) -> dict:
    return {"booking_pk": _attended_booking(w).pk}


def provider_kwargs(w) -> dict:
    return {"provider_pk": w.personas["provider"].organisation_id}


def session_kwargs(w) -> dict:
    return {"session_pk": paid_session().pk}


def _x(w):
    return SimpleNamespace(assessor=w.personas["assessor_x"])


def hub_support_kwargs(w) -> dict:
    """A creative-break support in carer A's active plan (partnership X), paid from their ISF."""
    plan = live_plan(w.carer_a, _x(w))
    return {"support_pk": plan.supports.get(kind=SupportKind.CREATIVE).pk}


def provider_support_kwargs(w) -> dict:
    """A support in carer A's active plan that is one of the provider persona's breaks, paid from the ISF."""
    offer = OfferFactory(provider=w.personas["provider"].organisation)
    plan = live_plan(w.carer_a, _x(w), offer=offer)
    return {"support_pk": plan.supports.get(kind=SupportKind.OFFER).pk}


def paid_invoice_kwargs(w) -> dict:
    invoice = wiring.invoice_submit(booking=_attended_booking(w), by=w.personas["provider"], reference="ACCESS-2")
    wiring.invoice_pay_from_hub(invoice=invoice, by=w.personas["broker_x"])
    return {"pk": invoice.pk}


def adjustment_kwargs(w) -> dict:
    """An adjustment to carer A's fund asked for by broker X, waiting for a second person."""
    fund = personal_fund(w.personas["broker_x"], carer=w.carer_a, amount=10_000)
    made = services.ledger_adjust(fund=fund, amount=500, reason="Access test", requested_by=w.personas["broker_x"])
    return {"pk": made.pk}


def overdraft_kwargs(w) -> dict:
    fund = personal_fund(w.personas["broker_x"], carer=w.carer_a, amount=10_000)
    made = services.overdraft_request(fund=fund, limit=500, reason="Access test", requested_by=w.personas["broker_x"])
    return {"pk": made.pk}
