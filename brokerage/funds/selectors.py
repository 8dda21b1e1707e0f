"""Reads for funds. Every one takes the user who reads and goes through the access choke point."""

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from breakthrough.access import get_visible_or_404, visible
from breakthrough.models import Role
from brokerage.funds import support_invoices
from brokerage.funds.wiring import _committed_for, _committed_subquery, invoice_payable, invoiceable
from brokerage.models import (
    Booking,
    BookingShare,
    CaredForPerson,
    Carer,
    CaringRelationship,
    Fund,
    FundAccount,
    FundAdjustment,
    Invoice,
    Leg,
    Overdraft,
    PaymentTerms,
    Plan,
    PlanSupport,
    Posting,
    ProviderAgreement,
    Session,
    SupportKind,
)


@dataclass(frozen=True)
class FundBalances:
    """A fund's money in whole pence. Spent means delivered and invoiced: invoiced (awaiting payment) + paid."""

    available: int
    committed: int
    invoiced: int
    paid: int
    overdraft_limit: int

    @property
    def spent(self) -> int:
        return self.invoiced + self.paid

    @property
    def total(self) -> int:
        """Everything the fund has been given (less adjustments and plus refunds returned to available)."""
        return self.available + self.committed + self.spent


def fund_balances(*, fund: Fund, fetched_by) -> FundBalances:
    """The fund's balances: one indexed read of its account rows, whatever the number of postings. 404 if the
    user may not see the fund."""
    rows = FundAccount.objects.filter(fund__in=visible(fetched_by, Fund).filter(pk=fund.pk)).values_list(
        "kind", "balance", "overdraft_limit"
    )
    found = {kind: (balance, limit) for kind, balance, limit in rows}
    if not found:
        raise Http404("No such fund.")
    Kind = FundAccount.Kind

    def balance(kind):
        return found.get(kind, (0, 0))[0]

    return FundBalances(
        available=balance(Kind.AVAILABLE),
        committed=balance(Kind.COMMITTED),
        invoiced=balance(Kind.INVOICED),
        paid=balance(Kind.PAID),
        overdraft_limit=found.get(Kind.AVAILABLE, (0, 0))[1],
    )


def fund_list(*, fetched_by) -> QuerySet[Fund]:
    """The funds the user may see (never the partnership's external funding), with their carer and hub."""
    return (
        visible(fetched_by, Fund)
        .exclude(kind=Fund.Kind.EXTERNAL)
        .select_related("partnership", "carer", "held_by")
        .order_by("kind", "name", "pk")
    )


def fund_get(*, fetched_by, pk) -> Fund:
    """One fund the user may see, or 404 (reading it is audited)."""
    return get_visible_or_404(fetched_by, Fund.objects.exclude(kind=Fund.Kind.EXTERNAL), pk=pk)


@dataclass(frozen=True)
class Affordability:
    """What a carer's personal funds have left to spend, against an offer's price per unit."""

    available: int  # pence left to spend, over all the carer's personal funds
    funds: int  # how many personal funds
    price: int  # pence per unit (session, hour, night, place)

    @property
    def left_text(self) -> str:
        """'£12.50', or '-£3' for an overdrawn fund."""
        from breakthrough.money import format_pence

        return f"-{format_pence(-self.available)}" if self.available < 0 else format_pence(self.available)

    @property
    def times(self) -> int:
        """How many units of the price the money left pays for (0 when it is overdrawn)."""
        return max(self.available, 0) // self.price


def fund_affordability(*, fetched_by, price_pence: int) -> Affordability | None:
    """For a carer looking at an offer: their money left to spend and how many times it pays `price_pence`.
    None for anyone who is not a carer, a carer with no fund, or a free offer. One query."""
    from django.db.models import Count

    from breakthrough.models import Role

    if not getattr(fetched_by, "is_authenticated", False) or fetched_by.role != Role.CARER or not price_pence:
        return None
    totals = FundAccount.objects.filter(
        fund__in=visible(fetched_by, Fund).filter(kind__in=Fund.PERSONAL), kind=FundAccount.Kind.AVAILABLE
    ).aggregate(available=Sum("balance", default=0), funds=Count("pk"))
    if not totals["funds"]:
        return None
    return Affordability(available=totals["available"], funds=totals["funds"], price=price_pence)


# ----------------------------------------------------------------------------------------------
# The hub's funds, budget tracking, invoices and payments; the provider's invoices (wiring, issue 5)
# ----------------------------------------------------------------------------------------------

HUB_ROLES = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)
# A fund is at risk of going largely unspent when its forecast leaves more than this share of it unused.
UNSPENT_SHARE = Decimal("0.5")
# ...and only once this share of its period has passed (too early to tell before).
UNSPENT_AFTER = Decimal("0.25")
# ...and at risk of running out only once 14 days, or a tenth of the period if shorter, have gone.
RATE_AFTER_DAYS = 14
RATE_AFTER_SHARE = 0.1


@dataclass(frozen=True)
class Tracking:
    """A fund's budget tracking: planned (everything given to it) against committed and spent, and where the
    spending so far is heading by the end of the period (spent per day so far x days left)."""

    balances: FundBalances
    days_gone: int | None
    days_left: int | None
    forecast_spent: int | None  # spent by the period end at today's rate, plus what is committed
    flag: str  # "" | "overspend" (at risk of running out) | "underspend" (at risk of going largely unspent)

    @property
    def planned(self) -> int:
        return self.balances.total

    @property
    def burn_per_day(self) -> int | None:
        if not self.days_gone:
            return None
        return self.balances.spent // self.days_gone

    @property
    def forecast_left(self) -> int | None:
        return None if self.forecast_spent is None else self.planned - self.forecast_spent


def _balances_from(rows) -> FundBalances:
    found = {kind: (balance, limit) for kind, balance, limit in rows}
    K = FundAccount.Kind

    def balance(kind):
        return found.get(kind, (0, 0))[0]

    return FundBalances(
        available=balance(K.AVAILABLE),
        committed=balance(K.COMMITTED),
        invoiced=balance(K.INVOICED),
        paid=balance(K.PAID),
        overdraft_limit=found.get(K.AVAILABLE, (0, 0))[1],
    )


def fund_tracking(fund: Fund, balances: FundBalances, *, today=None) -> Tracking:
    """Planned vs committed vs spent, and the burn-rate forecast to the period end (no queries)."""
    today = today or timezone.localdate()
    if not (fund.starts_on and fund.ends_on) or today < fund.starts_on:
        return Tracking(balances, None, None, None, "")
    length = (fund.ends_on - fund.starts_on).days + 1
    gone = min((today - fund.starts_on).days + 1, length)
    left = length - gone
    rate = Decimal(balances.spent) / gone
    forecast = balances.spent + balances.committed + int(rate * left)
    planned = balances.total
    flag = ""
    # A rate needs some days behind it: one break on day 1 of a year is not a fund running out.
    judged = gone >= min(RATE_AFTER_DAYS, math.ceil(length * RATE_AFTER_SHARE))
    if planned > 0 and judged and forecast > planned:
        flag = "overspend"
    elif planned > 0 and Decimal(gone) / length >= UNSPENT_AFTER and planned - forecast > planned * UNSPENT_SHARE:
        flag = "underspend"
    return Tracking(balances, gone, left, forecast, flag)


@dataclass(frozen=True)
class FundRow:
    fund: Fund
    tracking: Tracking


def hub_fund_rows(*, fetched_by, today=None) -> dict[str, list[FundRow]]:
    """Every fund the hub holds for carers (ISFs, direct payments, micro-grants) and the partnership's budget
    lines, with balances and tracking: two queries, whatever the number of funds."""
    if fetched_by.role not in HUB_ROLES:
        raise Http404("Only the hub sees every fund.")
    funds = list(fund_list(fetched_by=fetched_by))
    accounts = defaultdict(list)
    for fund_id, kind, balance, limit in FundAccount.objects.filter(fund__in=[f.pk for f in funds]).values_list(
        "fund_id", "kind", "balance", "overdraft_limit"
    ):
        accounts[fund_id].append((kind, balance, limit))
    rows = {"personal": [], "lines": []}
    for fund in funds:
        row = FundRow(fund, fund_tracking(fund, _balances_from(accounts[fund.pk]), today=today))
        rows["personal" if fund.is_personal else "lines"].append(row)
    return rows


def hub_fund_get(*, fetched_by, pk) -> Fund:
    """One fund for the hub's fund page (404 outside the user's partnership, and for carers)."""
    if fetched_by.role not in HUB_ROLES:
        raise Http404("Only the hub sees this page.")
    return get_visible_or_404(
        fetched_by,
        Fund.objects.exclude(kind=Fund.Kind.EXTERNAL).select_related("carer", "held_by", "partnership"),
        pk=pk,
    )


@dataclass
class PostingLine:
    """One posting as a fund sees it: what moved on each of its accounts."""

    posting: Posting
    moves: dict[str, int]  # account kind -> signed pence on this fund

    @property
    def available(self) -> int:
        return self.moves.get(FundAccount.Kind.AVAILABLE, 0)

    @property
    def committed(self) -> int:
        return self.moves.get(FundAccount.Kind.COMMITTED, 0)

    @property
    def spent(self) -> int:
        return self.moves.get(FundAccount.Kind.INVOICED, 0) + self.moves.get(FundAccount.Kind.PAID, 0)

    @staticmethod
    def _signed(pence: int) -> str:
        from breakthrough.money import format_pence

        if not pence:
            return ""
        return ("+" if pence > 0 else "−") + format_pence(abs(pence))

    @property
    def available_text(self) -> str:
        return self._signed(self.available)

    @property
    def committed_text(self) -> str:
        return self._signed(self.committed)

    @property
    def spent_text(self) -> str:
        return self._signed(self.spent)


def fund_postings(*, fund: Fund, fetched_by, limit: int = 200) -> list[PostingLine]:
    """The latest postings that touched the fund, newest first, each with its moves on the fund's accounts."""
    legs = (
        Leg.objects.filter(account__fund=fund, posting__in=visible(fetched_by, Posting))
        .select_related("posting__created_by", "posting__booking__offer", "posting__invoice", "account")
        .order_by("-posting__created_at", "-posting_id", "pk")
    )
    lines: dict[int, PostingLine] = {}
    for leg in legs:
        line = lines.get(leg.posting_id)
        if line is None:
            if len(lines) >= limit:
                break
            line = lines[leg.posting_id] = PostingLine(leg.posting, defaultdict(int))
        line.moves[leg.account.kind] += leg.amount
    return list(lines.values())


def _invoices(fetched_by) -> QuerySet[Invoice]:
    return visible(fetched_by, Invoice).select_related(
        "provider",
        "booking__offer",
        "booking__session",
        "booking__carer",
        "paid_by",
        "plan_support__offer",
        "plan_support__plan__carer",
    )


def fund_invoices(*, fund: Fund, fetched_by) -> list[Invoice]:
    """Invoices charged to the fund (alone or pooled), newest first."""
    charged = Posting.objects.filter(kind=Posting.Kind.INVOICE, legs__account__fund=fund).values("invoice_id")
    return list(_invoices(fetched_by).filter(pk__in=charged).order_by("-submitted_at", "-pk"))


def hub_invoices(*, fetched_by) -> dict[str, list[Invoice]]:
    """Invoices waiting to be paid, split into payments to make now (upfront once the booking is confirmed, in
    arrears once the break happened) and those waiting for the break; and the latest paid. Three queries."""
    if fetched_by.role not in HUB_ROLES:
        raise Http404("Only the hub sees invoices.")
    waiting = list(_invoices(fetched_by).filter(state=Invoice.State.SUBMITTED).order_by("submitted_at", "pk"))
    paid = list(_invoices(fetched_by).filter(state=Invoice.State.PAID).order_by("-paid_at", "-pk")[:20])
    return {
        "to_pay": [i for i in waiting if invoice_payable(i)],
        "not_yet": [i for i in waiting if not invoice_payable(i)],
        "paid": paid,
    }


def invoice_get(*, fetched_by, pk) -> Invoice:
    """One invoice the user may see (the hub of its partnership, the provider who sent it), or 404."""
    if fetched_by.role not in (*HUB_ROLES, Role.PROVIDER):
        raise Http404("No such invoice.")
    return get_visible_or_404(fetched_by, _invoices(fetched_by), pk=pk)


def invoice_funds(*, invoice: Invoice) -> list[tuple[Fund, int]]:
    """The funds an invoice is charged to and each one's share (one query). The caller has fetched the invoice
    through the choke point."""
    rows = (
        Leg.objects.filter(posting__invoice=invoice, posting__kind=Posting.Kind.INVOICE, amount__gt=0)
        .select_related("account__fund__carer")
        .order_by("account__fund_id")
    )
    return [(leg.account.fund, leg.amount) for leg in rows]


def booking_fund_shares(*, booking: Booking, fetched_by) -> list[BookingShare]:
    """The shares of a booking's cost the user may see (each fund's own), with their funds."""
    return list(visible(fetched_by, BookingShare).filter(booking=booking).select_related("fund__carer"))


def provider_invoices(*, fetched_by) -> dict[str, list]:
    """A provider's invoices (submitted and paid), their bookings ready to invoice (money still committed from a
    fund: attended, confirmed when paid upfront, or not attended when they charge for that) and the supports in
    carers' plans they can invoice. Five queries."""
    if fetched_by.role != Role.PROVIDER:
        raise Http404("Only providers see this page.")
    invoices = list(_invoices(fetched_by).order_by("-submitted_at", "-pk")[:200])
    candidates = list(
        visible(fetched_by, Booking)
        .filter(
            payment_source="fund",
            state__in=(Booking.State.ATTENDED, Booking.State.CONFIRMED, Booking.State.NO_SHOW),
            invoices__isnull=True,
        )
        .annotate(committed=_committed_subquery())
        .filter(committed__gt=0)
        .select_related("offer", "session", "carer")
        .order_by("session__starts_at", "first_night", "pk")[:200]
    )
    agreements = {
        partnership_id: (terms, charges)
        for partnership_id, terms, charges in ProviderAgreement.objects.filter(
            provider_id=fetched_by.organisation_id
        ).values_list("partnership_id", "payment_terms", "charges_no_show")
    }
    today = timezone.localdate()
    to_invoice = [
        b
        for b in candidates
        if invoiceable(b, *agreements.get(b.carer.partnership_id, (PaymentTerms.ARREARS, False)), today=today)
    ]
    return {
        "submitted": [i for i in invoices if i.state == Invoice.State.SUBMITTED],
        "paid": [i for i in invoices if i.state == Invoice.State.PAID],
        "to_invoice": to_invoice,
        "supports": provider_supports_to_invoice(fetched_by=fetched_by),
    }


# ----------------------------------------------------------------------------------------------
# Supports in carers' plans: invoiced against (support_invoices.py), and what each has had
# ----------------------------------------------------------------------------------------------


def provider_supports_to_invoice(*, fetched_by) -> list[PlanSupport]:
    """Supports in live plans (active or review due) that are the provider's directory breaks, managed through
    the carer's ISF, each with `invoiced` and `left` (pence). One query."""
    if fetched_by.role != Role.PROVIDER:
        raise Http404("Only providers invoice.")
    supports = list(
        support_invoices.with_invoiced(
            visible(fetched_by, PlanSupport).filter(
                kind=SupportKind.OFFER,
                sds_option__in=support_invoices.ISF_OPTIONS,
                plan__state__in=support_invoices.LIVE_PLAN_STATES,
            )
        )
        .select_related("offer", "plan__carer")
        .order_by("plan__ends_on", "plan_id", "position")[:200]
    )
    for support in supports:
        support.left = support.total_pence - support.invoiced
    return supports


def provider_support_to_invoice(*, fetched_by, pk) -> PlanSupport:
    """A support the provider may invoice now (their break, ISF-managed, live plan), or 404."""
    if fetched_by.role != Role.PROVIDER:
        raise Http404("Only providers invoice.")
    source = PlanSupport.objects.select_related("offer__provider", "plan__carer")
    support = get_visible_or_404(fetched_by, source, pk=pk)
    if not support_invoices.provider_may_invoice(support, fetched_by.organisation_id):
        raise Http404("This support cannot be invoiced.")
    return support


def hub_support_to_invoice(*, fetched_by, pk) -> PlanSupport:
    """A PA or creative-break support of a live plan, managed through the ISF, for the hub to record an
    off-platform supplier's invoice against; 404 outside the user's partnership, or for any other support."""
    if fetched_by.role not in HUB_ROLES:
        raise Http404("Only the hub records these invoices.")
    source = PlanSupport.objects.select_related("offer", "plan__carer")
    support = get_visible_or_404(fetched_by, source, pk=pk)
    if not support_invoices.hub_may_record(support):
        raise Http404("This support is not invoiced by the hub.")
    return support


@dataclass(frozen=True)
class SupportMoney:
    """One support's planned cost against what has been invoiced and paid for it (pence, net of refunds)."""

    planned: int
    invoiced: int
    paid: int

    @property
    def left(self) -> int:
        return self.planned - self.invoiced


def plan_support_money(*, plan: Plan, fetched_by) -> dict[int, SupportMoney]:
    """{support id: SupportMoney} for every support of the plan, in one query whatever the number of supports.
    The plan must come through the plans selector (access checked); the supports are read through the choke
    point again, so a user who may not see them gets an empty dict."""
    rows = support_invoices.with_invoiced(visible(fetched_by, PlanSupport).filter(plan=plan)).values_list(
        "pk", "total_pence", "invoiced", "paid"
    )
    return {pk: SupportMoney(planned=total, invoiced=invoiced, paid=paid) for pk, total, invoiced, paid in rows}


def provider_booking_to_invoice(*, fetched_by, pk) -> Booking:
    """A booking of the provider's own offers (404 otherwise), for the invoice form."""
    if fetched_by.role != Role.PROVIDER:
        raise Http404("Only providers invoice.")
    return get_visible_or_404(
        fetched_by, Booking.objects.select_related("offer__provider", "session", "carer"), audit=False, pk=pk
    )


def booking_committed_pence(*, booking: Booking) -> int:
    """What is still committed from funds to the booking (the invoice form's default). One query."""
    return sum(_committed_for(booking).values())


def pooled_session_get(*, fetched_by, pk) -> Session:
    """A published, upcoming session for the hub's pooled booking page."""
    if fetched_by.role not in HUB_ROLES:
        raise Http404("Only the hub books for several households.")
    source = Session.objects.select_related("offer__provider").filter(
        offer__is_published=True, is_cancelled=False, starts_at__gt=timezone.now()
    )
    return get_visible_or_404(fetched_by, source, audit=False, pk=pk)


def pooled_carers(*, fetched_by) -> QuerySet[Carer]:
    """The households the user may book for, for the pooled booking page's choices."""
    return visible(fetched_by, Carer).order_by("last_name", "first_name", "pk")


def pooled_households(*, fetched_by, carers) -> list[tuple[Carer, list]]:
    """[(carer, [the people they care for])] for the pooled booking page, the people through the access choke
    point too (one query)."""
    carers = list(carers)
    people = {carer.pk: [] for carer in carers}
    relationships = (
        CaringRelationship.objects.filter(carer__in=carers, cared_for__in=visible(fetched_by, CaredForPerson))
        .select_related("cared_for")
        .order_by("created_at", "pk")
    )
    for relationship in relationships:
        people[relationship.carer_id].append(relationship.cared_for)
    return [(carer, people[carer.pk]) for carer in carers]


def provider_agreement_providers(*, fetched_by) -> list:
    """The providers serving the user's partnership, each with its payment terms (two queries)."""
    from breakthrough.models import Organisation

    if fetched_by.role not in (Role.BROKER, Role.ASSESSOR):
        raise Http404("Only the hub sets payment terms.")
    partnership_id = fetched_by.partnership_id
    providers = list(
        Organisation.objects.filter(kind=Organisation.Kind.PROVIDER, partnerships_served=partnership_id).order_by(
            "name", "pk"
        )
    )
    terms = {
        provider_id: (payment_terms, charges)
        for provider_id, payment_terms, charges in ProviderAgreement.objects.filter(
            partnership_id=partnership_id
        ).values_list("provider_id", "payment_terms", "charges_no_show")
    }
    for provider in providers:
        provider.payment_terms, provider.charges_no_show = terms.get(provider.pk, (PaymentTerms.ARREARS, False))
    return providers


# ---------------------------------------------------------------------------------------------
# Refunds, and the two-person rule: adjustments and overdrafts waiting for a second person
# ---------------------------------------------------------------------------------------------

_REQUEST_RELATED = ("fund__carer", "requested_by", "approved_by", "refused_by")


@dataclass(frozen=True)
class Refunds:
    """An invoice's refunds so far (newest first) and what can still be refunded (0 unless it is paid)."""

    postings: list[Posting]
    refunded: int
    refundable: int


def invoice_refunds(*, invoice: Invoice) -> Refunds:
    """The caller has fetched the invoice through the choke point. One query."""
    postings = list(
        Posting.objects.filter(invoice=invoice, kind=Posting.Kind.REFUND)
        .annotate(refund_pence=Sum("legs__amount", filter=Q(legs__amount__gt=0)))
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
    refundable = invoice.amount_pence - invoice.refunded_pence if invoice.state == Invoice.State.PAID else 0
    return Refunds(postings=postings, refunded=invoice.refunded_pence, refundable=refundable)


def approvals_waiting(*, fetched_by, decided: int = 10) -> dict[str, list]:
    """Adjustments and overdrafts waiting for a second person (oldest first), and the latest decided of each.
    Four queries, whatever the number of rows."""
    if fetched_by.role not in HUB_ROLES:
        raise Http404("Only the hub sees this page.")
    lists = {}
    for name, model in (("adjustments", FundAdjustment), ("overdrafts", Overdraft)):
        rows = visible(fetched_by, model).select_related(*_REQUEST_RELATED)
        lists[name] = list(rows.filter(state=model.State.PENDING).order_by("requested_at", "pk"))
        lists[f"decided_{name}"] = list(
            rows.exclude(state=model.State.PENDING).order_by("-requested_at", "-pk")[:decided]
        )
    return lists


def fund_requests_waiting(*, fund: Fund, fetched_by) -> list:
    """The fund's adjustments and overdrafts waiting for a second person, oldest first. Two queries."""
    rows = []
    for model in (FundAdjustment, Overdraft):
        pending = visible(fetched_by, model).filter(fund=fund, state=model.State.PENDING)
        rows += list(pending.select_related(*_REQUEST_RELATED))
    return sorted(rows, key=lambda row: (row.requested_at, row.pk))


def request_get(*, fetched_by, model: type[FundAdjustment] | type[Overdraft], pk) -> FundAdjustment | Overdraft:
    """One adjustment or overdraft for its page (404 outside the user's partnership, and for anyone not hub)."""
    if fetched_by.role not in HUB_ROLES:
        raise Http404("Only the hub sees this page.")
    related = (*_REQUEST_RELATED, "fund__partnership")
    if model is FundAdjustment:
        related += ("posting",)
    return get_visible_or_404(fetched_by, model.objects.select_related(*related), pk=pk)


def approvals_waiting_count(*, fetched_by) -> int:
    """How many adjustments and overdrafts wait for a second person (two queries)."""
    return sum(
        visible(fetched_by, model).filter(state=model.State.PENDING).count() for model in (FundAdjustment, Overdraft)
    )
