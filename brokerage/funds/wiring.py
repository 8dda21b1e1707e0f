"""Funds wired to the rest: plan approval allocates, bookings commit and release, providers invoice, the hub pays.

The plan and booking services call these inside their own transactions (marked "funds wiring" there), so an
approval and its allocation, or a booking and its commitment, are written together or not at all. Those
services have already decided who may act (an assessor approves, the carer or their broker books, the provider
confirms, the platform lapses an unanswered request), so the booking calls here post through the ledger's
`_post` rather than through ledger_commit/ledger_release, which admit only hub staff. Every posting a booking
makes carries the booking; commit and release carry the idempotency keys booking:<id>:commit and
booking:<id>:release, and a plan version's allocation plan:<id>:<fund kind>, so nothing is posted twice.
"""

import datetime
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.models import Organisation, Partnership, Role
from breakthrough.money import format_pence
from breakthrough.tasks import send_email
from brokerage.funds.services import (
    Kind,
    _create_accounts,
    _lock_accounts,
    _lock_invoice,
    _moves,
    _post,
    _post_once,
    _require_manager,
    invoice_pay,
    ledger_allocate,
)
from brokerage.models import (
    Booking,
    BookingShare,
    Fund,
    FundAccount,
    Invoice,
    Leg,
    PaymentTerms,
    Posting,
    ProviderAgreement,
    ProviderProfile,
)

PLAN_FUND_KINDS = {1: Fund.Kind.DIRECT_PAYMENT, 2: Fund.Kind.ISF, 4: Fund.Kind.ISF}
# The personal funds a booking made on the platform may be paid from, in the order they are tried. A direct
# payment is the carer's own to spend (its spending is recorded against it, not booked through the hub).
BOOKABLE_KINDS = (Fund.Kind.ISF, Fund.Kind.MICRO_GRANT)
PLAN_REFERENCE = "plan:"


def financial_year(day) -> tuple:
    """The UK financial year (1 April to 31 March) that `day` falls in: (first day, last day)."""
    start_year = day.year if (day.month, day.day) >= (4, 1) else day.year - 1
    return datetime.date(start_year, 4, 1), datetime.date(start_year + 1, 3, 31)


def budget_line_for(*, partnership_id: int, day, by) -> Fund:
    """The partnership's short breaks budget line for the financial year of `day`, opened (empty) on first use.

    The partnership row is locked first, so two approvals at once open one line, not two."""
    Partnership.objects.select_for_update(no_key=True).filter(pk=partnership_id).first()
    start, end = financial_year(day)
    line = (
        Fund.objects.filter(partnership_id=partnership_id, kind=Fund.Kind.BUDGET_LINE, starts_on=start, ends_on=end)
        .order_by("pk")
        .first()
    )
    if line is None:
        line = Fund.objects.create(
            partnership_id=partnership_id,
            kind=Fund.Kind.BUDGET_LINE,
            name=f"Short breaks budget {start.year}/{str(end.year)[2:]}",
            starts_on=start,
            ends_on=end,
            opened_by=by,
        )
        _create_accounts(line)
        log_action(line, "brokerage.fund.opened", user=by, data={"kind": line.kind, "financial_year": start.year})
    return line


def plan_fund_targets(plan) -> dict[str, int]:
    """What each of the carer's funds should hold for this plan version: {fund kind: pence}, option 3 left out."""
    targets = {Fund.Kind.ISF: 0, Fund.Kind.DIRECT_PAYMENT: 0}
    for option, total in plan.supports.order_by().values_list("sds_option").annotate(total=Sum("total_pence")):
        kind = PLAN_FUND_KINDS.get(option)
        if kind is not None:
            targets[kind] += total or 0
    return targets


def _plan_hub(plan, by) -> Organisation:
    organisation = by.organisation if by is not None and by.organisation_id else None
    ours = organisation is not None and organisation.partnership_id == plan.partnership_id
    if ours and organisation.kind == Organisation.Kind.HUB:
        return organisation
    hub = (
        Organisation.objects.filter(kind=Organisation.Kind.HUB, partnership_id=plan.partnership_id)
        .order_by("pk")
        .first()
    )
    if hub is None:
        raise ValidationError("The partnership has no Short Break Hub to hold the Individual Service Fund.")
    return hub


def _plan_fund(plan, kind: str, by, *, create: bool) -> Fund | None:
    """The carer's fund of this kind that plans allocate to (the first one opened), opened if `create`; its
    period follows the plan version being approved."""
    fund = (
        Fund.objects.filter(carer_id=plan.carer_id, kind=kind, partnership_id=plan.partnership_id)
        .order_by("pk")
        .first()
    )
    if fund is None:
        if not create:
            return None
        carer = plan.carer
        fund = Fund.objects.create(
            partnership_id=plan.partnership_id,
            kind=kind,
            carer=carer,
            held_by=_plan_hub(plan, by) if kind == Fund.Kind.ISF else None,
            name=f"{carer.first_name} {carer.last_name}: "
            + ("Individual Service Fund" if kind == Fund.Kind.ISF else "direct payment"),
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            opened_by=by,
        )
        _create_accounts(fund)
        log_action(fund, "brokerage.fund.opened", user=by, data={"kind": kind, "plan": plan.pk})
    elif (fund.starts_on, fund.ends_on) != (plan.starts_on, plan.ends_on):
        Fund.objects.filter(pk=fund.pk).update(starts_on=plan.starts_on, ends_on=plan.ends_on)
        fund.starts_on, fund.ends_on = plan.starts_on, plan.ends_on
    return fund


def _plan_allocated(fund: Fund) -> int:
    """What plans have put into the fund, net of what they took back (their allocate legs on its available)."""
    total = Leg.objects.filter(
        account__fund=fund,
        account__kind=Kind.AVAILABLE,
        posting__kind=Posting.Kind.ALLOCATE,
        posting__reference__startswith=PLAN_REFERENCE,
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


@transaction.atomic
def plan_allocate(*, plan, by) -> dict[str, int]:
    """Allocate an approved plan version's budget to the carer's funds: its option-2 (and option-4) supports to
    the ISF held by the hub, its option-1 supports to the direct payment. Called by plan_approve in the same
    transaction. Returns the change per fund kind (negative: given back).

    A later version allocates only the difference from what the plans have put in: a top-up, or a give-back of
    what is still available (money already booked stays; what could not be given back is taken at the next
    version). The money comes from the partnership's budget line for the financial year the plan starts in; a
    line that cannot cover it is topped up from the partnership's funding by the shortfall (one posting, so the
    line shows what plans drew). Each version posts under the idempotency key plan:<id>:<kind>, so approving,
    retrying or calling this twice never allocates twice."""
    changes = {}
    reference = f"{PLAN_REFERENCE}{plan.pk}"
    day = plan.starts_on or timezone.localdate()
    for kind, target in plan_fund_targets(plan).items():
        fund = _plan_fund(plan, kind, by, create=target > 0)
        if fund is None:
            continue
        key = f"{reference}:{kind}"
        if Posting.objects.filter(idempotency_key=key).exists():
            continue
        difference = target - _plan_allocated(fund)
        memo = f"Support plan version {plan.number}"
        if difference > 0:
            line = budget_line_for(partnership_id=plan.partnership_id, day=day, by=by)
            [line_available] = _lock_accounts([line.pk], [Kind.AVAILABLE])
            shortfall = difference - max(line_available.balance, 0)
            if shortfall > 0:
                ledger_allocate(
                    fund=line,
                    amount=shortfall,
                    by=by,
                    memo=f"Funding for {memo.lower()} of carer {plan.carer_id}",
                    reference=reference,
                    idempotency_key=f"{key}:budget",
                )
            ledger_allocate(
                fund=fund, amount=difference, source=line, by=by, memo=memo, reference=reference, idempotency_key=key
            )
            changes[kind] = difference
        elif difference < 0:
            [available] = _lock_accounts([fund.pk], [Kind.AVAILABLE])
            back = min(-difference, max(available.balance, 0))
            if back:
                _require_manager(by, [fund])
                line = budget_line_for(partnership_id=plan.partnership_id, day=day, by=by)
                _post_once(
                    kind=Posting.Kind.ALLOCATE,
                    legs=[(fund, Kind.AVAILABLE, -back), (line, Kind.AVAILABLE, back)],
                    by=by,
                    memo=f"{memo}: given back",
                    reference=reference,
                    idempotency_key=key,
                )
                changes[kind] = -back
    if changes:
        log_action(plan, "brokerage.plan.allocated", user=by, data={str(k): v for k, v in changes.items()})
    return changes


# ----------------------------------------------------------------------------------------------
# Bookings paid from a fund
# ----------------------------------------------------------------------------------------------


def _booking_day(booking: Booking):
    if booking.session_id is not None:
        return timezone.localtime(booking.session.starts_at).date()
    return booking.first_night


def _pending_pence(fund_ids) -> dict[int, int]:
    """Money promised to requests not yet confirmed, per fund: their shares are not committed yet, but a new
    booking must not count on that money too."""
    rows = (
        BookingShare.objects.filter(fund_id__in=fund_ids, booking__state=Booking.State.REQUESTED)
        .values("fund_id")
        .annotate(total=Sum("pence"))
    )
    return {row["fund_id"]: row["total"] for row in rows}


def fund_spendable(funds) -> dict[int, int]:
    """{fund id: pence a new booking may still use}: available (plus any overdraft) less requests waiting."""
    funds = list(funds)
    accounts = FundAccount.objects.filter(fund__in=funds, kind=Kind.AVAILABLE).values_list(
        "fund_id", "balance", "overdraft_limit"
    )
    pending = _pending_pence([f.pk for f in funds])
    return {fund_id: balance + limit - pending.get(fund_id, 0) for fund_id, balance, limit in accounts}


def bookable_funds(*, carer, day) -> list[Fund]:
    """The carer's funds that can pay for a break on `day` (ISF first, then micro-grants; period covering it)."""
    funds = Fund.objects.filter(carer=carer, kind__in=BOOKABLE_KINDS).filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    order = {kind: position for position, kind in enumerate(BOOKABLE_KINDS)}
    return sorted(funds, key=lambda fund: (order[fund.kind], fund.pk))


def _whose(by, carer) -> str:
    if by is not None and by.role == Role.CARER:
        return "Your fund"
    return f"{carer.first_name}'s fund" if carer.first_name else "The carer's fund"


def _choose_fund(*, carer, day, pence: int, by, field: str = "payment_source") -> Fund:
    funds = bookable_funds(carer=carer, day=day)
    if not funds:
        who = "You have" if by is not None and by.role == Role.CARER else f"{carer.first_name or 'The carer'} has"
        raise ValidationError(
            {field: f"{who} no fund that can pay for this break. Choose to pay for it yourself, or ask the hub."}
        )
    spendable = fund_spendable(funds)
    for fund in funds:
        if spendable.get(fund.pk, 0) >= pence:
            return fund
    left = max(spendable.get(fund.pk, 0) for fund in funds)
    raise ValidationError(
        {field: f"{_whose(by, carer)} has {format_pence(max(left, 0))} left; this costs {format_pence(pence)}."}
    )


def booking_shares(booking: Booking) -> dict[Fund, int]:
    return {share.fund: share.pence for share in BookingShare.objects.filter(booking=booking).select_related("fund")}


def _committed_for(booking: Booking) -> dict[int, int]:
    """{fund id: pence} still committed to this booking (committed, less released and invoiced), from its legs."""
    rows = (
        Leg.objects.filter(posting__booking=booking, account__kind=Kind.COMMITTED)
        .values("account__fund_id")
        .annotate(total=Sum("amount"))
    )
    return {row["account__fund_id"]: row["total"] for row in rows if row["total"]}


def _commit(booking: Booking, shares: Mapping[Fund, int], by, *, key: str | None, memo: str) -> Posting | None:
    """Commit each fund's share to the booking, refusing in words a fund that cannot afford its share."""
    shares = {fund: pence for fund, pence in shares.items() if pence > 0}
    if not shares:
        return None
    if key is not None and Posting.objects.filter(idempotency_key=key).exists():
        return None
    accounts = {a.fund_id: a for a in _lock_accounts([f.pk for f in shares], [Kind.AVAILABLE])}
    for fund, pence in shares.items():
        account = accounts[fund.pk]
        if account.balance + account.overdraft_limit < pence:
            left = format_pence(max(account.balance + account.overdraft_limit, 0))
            whose = _whose(by, fund.carer) if fund.carer_id == booking.carer_id else f"{fund.name}"
            raise ValidationError(f"{whose} has {left} left; this costs {format_pence(pence)}.")
    return _post_once(
        kind=Posting.Kind.COMMIT,
        legs=_moves(shares, Kind.AVAILABLE, Kind.COMMITTED),
        by=by,
        booking=booking,
        memo=memo,
        idempotency_key=key,
    )


def booking_fund_commit(*, booking: Booking, by) -> Posting | None:
    """Commit a confirmed booking's cost from the funds paying for it (once: key booking:<id>:commit)."""
    if booking.payment_source != "fund" or booking.cost_pence == 0:
        return None
    return _commit(
        booking, booking_shares(booking), by, key=f"booking:{booking.pk}:commit", memo=f"Booking {booking.pk}"
    )


def booking_fund_choose(*, booking: Booking, by) -> None:
    """A new booking paid from a fund (booking_create, waiting_list_accept): record which fund pays, refusing
    the booking if none of the carer's funds can afford it, and commit the cost at once if it is confirmed."""
    if booking.payment_source != "fund" or booking.cost_pence == 0:
        return
    fund = _choose_fund(carer=booking.carer, day=_booking_day(booking), pence=booking.cost_pence, by=by)
    BookingShare.objects.create(booking=booking, fund=fund, places=booking.places, pence=booking.cost_pence)
    if booking.state == Booking.State.CONFIRMED:
        booking_fund_commit(booking=booking, by=by)


def booking_fund_release(*, booking: Booking, by) -> Posting | None:
    """A cancelled, declined or lapsed booking gives back what is still committed to it (what was already
    invoiced stays spent: the provider refunds it if they agree to). Once: key booking:<id>:release."""
    if booking.payment_source != "fund":
        return None
    committed = _committed_for(booking)
    if not committed:
        return None
    funds = {fund.pk: fund for fund in Fund.objects.filter(pk__in=committed)}
    shares = {funds[fund_id]: pence for fund_id, pence in committed.items() if pence > 0}
    if not shares:
        return None
    return _post_once(
        kind=Posting.Kind.RELEASE,
        legs=_moves(shares, Kind.COMMITTED, Kind.AVAILABLE),
        by=by,
        booking=booking,
        memo=f"Booking {booking.pk} {booking.get_state_display().lower()}",
        idempotency_key=f"booking:{booking.pk}:release",
    )


def _proportional(amount: int, weights: Mapping) -> dict:
    """Split `amount` pence in proportion to `weights` (whole pence, largest remainders first, then key order)."""
    total = sum(weights.values())
    parts = {key: amount * weight // total for key, weight in weights.items()}
    leftover = amount - sum(parts.values())
    keys = list(weights)
    for key in sorted(keys, key=lambda k: (-(amount * weights[k] % total), keys.index(k)))[:leftover]:
        parts[key] += 1
    return parts


@transaction.atomic
def pooled_booking_create(*, session, parties, rule: str, by) -> Booking:
    """Book one group session for several households as one booking, its cost split between their funds by
    `rule` (equal shares, or by the places each takes) and recorded on the booking's shares. `parties` is a list
    of (carer, places); the first carer is the booking's lead. Hub staff only. Commits at once if the offer
    books instantly, else when the provider confirms; each fund sees its own share."""
    from brokerage.bookings.services import _lock_places, _take, booking_cost
    from brokerage.models import BookingMode

    parties = [(carer, places) for carer, places in parties if places]
    if len(parties) < 2:
        raise ValidationError({"carers": "Choose at least two households to share the session"})
    if len({carer.pk for carer, _ in parties}) != len(parties):
        raise ValidationError({"carers": "Choose each household once"})
    if rule not in (BookingShare.Rule.EQUAL, BookingShare.Rule.PLACES):
        raise ValidationError({"rule": "Choose how the cost is split"})
    partnership_ids = {carer.partnership_id for carer, _ in parties}
    if len(partnership_ids) != 1 or by is None or by.role not in (Role.BROKER, Role.ASSESSOR, Role.ADMIN):
        raise ValidationError("You cannot book for these households.")
    if by.role != Role.ADMIN and by.partnership_id not in partnership_ids:
        raise ValidationError("You cannot book for these households.")
    offer = session.offer
    if not offer.is_published or session.is_cancelled or session.starts_at <= timezone.now():
        raise ValidationError("This session cannot be booked.")
    if offer.is_free:
        raise ValidationError("This break is free, so there is no cost to share.")
    places = sum(p for _, p in parties)
    cost = booking_cost(offer=offer, session=session, nights=None, places=places)
    weights = {i: (1 if rule == BookingShare.Rule.EQUAL else p) for i, (_, p) in enumerate(parties)}
    split = _proportional(cost, weights)
    day = timezone.localtime(session.starts_at).date()
    chosen = {i: _choose_fund(carer=carer, day=day, pence=split[i], by=by, field="carers") for i, (carer, _) in
              enumerate(parties)}  # fmt: skip
    state = Booking.State.CONFIRMED if offer.booking_mode == BookingMode.INSTANT else Booking.State.REQUESTED
    now = timezone.now()
    booking = Booking.objects.create(
        carer=parties[0][0],
        offer=offer,
        session=session,
        includes_carer=True,
        places=places,
        cost_pence=cost,
        payment_source="fund",
        state=state,
        requested_by=by,
        requested_at=now,
        decided_at=now if state == Booking.State.CONFIRMED else None,
    )
    BookingShare.objects.bulk_create(
        BookingShare(booking=booking, fund=chosen[i], rule=rule, places=p, pence=split[i])
        for i, (_, p) in enumerate(parties)
        if split[i]
    )
    log_action(booking, f"brokerage.booking.{state}", user=by, data={"places": places, "pooled": len(parties)})
    rows = _lock_places(session=session)
    if rows[0].places_left < places:
        raise ValidationError("There are not enough places left on this session for every household.")
    _take(rows, places)
    if state == Booking.State.CONFIRMED:
        booking_fund_commit(booking=booking, by=by)
    return booking


# ----------------------------------------------------------------------------------------------
# Provider agreements, invoices from the provider portal, and paying them from the hub
# ----------------------------------------------------------------------------------------------


def payment_terms_for(*, partnership_id: int, provider_id: int) -> str:
    terms = (
        ProviderAgreement.objects.filter(partnership_id=partnership_id, provider_id=provider_id)
        .values_list("payment_terms", flat=True)
        .first()
    )
    return terms or PaymentTerms.ARREARS


@transaction.atomic
def provider_agreement_set(*, partnership: Partnership, provider: Organisation, payment_terms: str, by):
    """Record how the partnership pays a provider (upfront or in arrears); it applies to invoices from now on."""
    if payment_terms not in PaymentTerms.values:
        raise ValidationError({"payment_terms": "Choose when the provider is paid"})
    if not (by.role == Role.ADMIN or (by.role in (Role.BROKER, Role.ASSESSOR) and by.partnership_id == partnership.pk)):
        raise ValidationError("You cannot change this partnership's agreements.")
    if not provider.partnerships_served.filter(pk=partnership.pk).exists():
        raise ValidationError("This provider does not serve the partnership.")
    agreement, _ = ProviderAgreement.objects.update_or_create(
        partnership=partnership,
        provider=provider,
        defaults={"payment_terms": payment_terms, "changed_by": by, "changed_at": timezone.now()},
    )
    log_action(agreement, "brokerage.provider_agreement.changed", user=by, data={"payment_terms": payment_terms})
    return agreement


def invoiceable(booking: Booking, terms: str) -> bool:
    """A booking paid from a fund may be invoiced once the break happened (attendance recorded), or once it is
    confirmed when the provider is paid upfront."""
    if booking.payment_source != "fund":
        return False
    if booking.state == Booking.State.ATTENDED:
        return True
    return booking.state == Booking.State.CONFIRMED and terms == "upfront"


def invoice_payable(invoice: Invoice) -> bool:
    """Upfront: once the booking is confirmed. In arrears: once the break happened. No booking: at once."""
    booking = invoice.booking
    if booking is None:
        return True
    if invoice.payment_terms == "upfront":
        return booking.state in (Booking.State.CONFIRMED, Booking.State.ATTENDED, Booking.State.NO_SHOW)
    return booking.state == Booking.State.ATTENDED


@transaction.atomic
def invoice_submit(*, booking: Booking, by, reference: str, amount: int | None = None, note: str = "") -> Invoice:
    """A provider's invoice for a booking paid from a fund: committed -> invoiced (spent), once per booking.

    The amount defaults to what is committed to the booking. Less releases the rest back to the fund; more
    needs a note saying why, and commits the difference first (refused if the fund cannot afford it). A pooled
    booking's invoice is split over its funds in proportion to their commitments."""
    if by is None or not (
        (by.role == Role.PROVIDER and by.organisation_id == booking.offer.provider_id) or by.role == Role.ADMIN
    ):
        raise ValidationError("You cannot invoice for this booking.")
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("offer__provider", "carer", "session")
        .get(pk=booking.pk)
    )
    terms = payment_terms_for(partnership_id=booking.carer.partnership_id, provider_id=booking.offer.provider_id)
    if booking.payment_source != "fund":
        raise ValidationError("This break is not paid from a fund, so it is not invoiced here.")
    if not invoiceable(booking, terms):
        raise ValidationError(
            "You can invoice for this break once you have recorded that it happened."
            if terms != "upfront"
            else "You can invoice for this break once the booking is confirmed."
        )
    if Invoice.objects.filter(booking=booking).exists():
        raise ValidationError("This booking has already been invoiced.")
    reference = (reference or "").strip()
    note = (note or "").strip()
    errors = {}
    if not reference:
        errors["reference"] = "Enter your invoice number"
    elif Invoice.objects.filter(provider_id=booking.offer.provider_id, reference=reference).exists():
        errors["reference"] = "You have already used that invoice number. Enter a different one"
    committed = _committed_for(booking)
    total = sum(committed.values())
    if total <= 0:
        raise ValidationError("Nothing is committed from a fund for this booking, so it cannot be invoiced here.")
    amount = total if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = "Enter an amount more than £0"
    elif amount > total and not note:
        errors["amount"] = (
            f"This is more than the {format_pence(total)} booked. Say why in the note, or enter {format_pence(total)}"
            " or less"
        )
    if errors:
        raise ValidationError(errors)
    funds = {fund.pk: fund for fund in Fund.objects.filter(pk__in=committed).select_related("carer")}
    split = _proportional(amount, committed)
    extra = {funds[k]: split[k] - committed[k] for k in committed if split[k] > committed[k]}
    back = {funds[k]: committed[k] - split[k] for k in committed if split[k] < committed[k]}
    if extra:
        _commit(booking, extra, by, key=None, memo=f"Booking {booking.pk}: invoice for more than was booked")
    if back:
        _post(
            kind=Posting.Kind.RELEASE,
            legs=_moves(back, Kind.COMMITTED, Kind.AVAILABLE),
            by=by,
            booking=booking,
            memo=f"Booking {booking.pk}: invoiced for less than was booked",
        )
    invoice = Invoice.objects.create(
        partnership_id=next(iter(funds.values())).partnership_id,
        provider_id=booking.offer.provider_id,
        reference=reference,
        amount_pence=amount,
        booking=booking,
        submitted_by=by,
        payment_terms=terms,
        note=note,
    )
    shares = {funds[k]: pence for k, pence in split.items() if pence > 0}
    _post(
        kind=Posting.Kind.INVOICE,
        legs=_moves(shares, Kind.COMMITTED, Kind.INVOICED),
        by=by,
        booking=booking,
        invoice=invoice,
        memo=f"Invoice {reference}",
    )
    log_action(invoice, "brokerage.invoice.submitted", user=by, data={"pence": amount, "booking": booking.pk})
    return invoice


@transaction.atomic
def invoice_pay_from_hub(*, invoice: Invoice, by) -> tuple[Invoice, bool]:
    """The hub pays an invoice: (the invoice, True if this call paid it). A second submit, a retry or a second
    person at the same moment waits for the invoice row's lock, then finds it paid: (invoice, False). The
    provider is e-mailed once, after commit, by the call that paid."""
    locked = _lock_invoice(invoice)
    already = locked.state == Invoice.State.PAID
    if not already and not invoice_payable(locked):
        raise ValidationError(
            "This invoice is paid in arrears: it can be paid once the provider has recorded that the break happened."
        )
    paid = invoice_pay(invoice=locked, by=by)
    if not already:
        _email_invoice_paid(paid)
    return paid, not already


def _email_invoice_paid(invoice: Invoice) -> None:
    profile_email = (
        ProviderProfile.objects.filter(organisation_id=invoice.provider_id).values_list("email", flat=True).first()
    )
    to = profile_email or invoice.submitted_by.email
    if not to:
        return
    context = {
        "invoice": invoice,
        "url": settings.SITE_URL.rstrip("/") + reverse("brokerage:funds:provider_invoices"),
    }
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}invoice {invoice.reference} has been paid",
        body=render_to_string("brokerage/funds/email/invoice_paid.txt", context),
        to=[to],
    )
