"""Writes for funds and the ledger. Money moves only here, one posting at a time.

Every posting goes through `_post`, which checks the legs are whole pence, never zero, sum to zero and stay in
one partnership, then writes the posting in one step that is atomic by itself (inside the caller's transaction
when there is one):

- on PostgreSQL, one statement, `brokerage_ledger_post` (migration 0013): it locks the accounts the legs touch
  in id order (so two postings on the same accounts queue rather than deadlock), refuses a balance that would
  go below minus the account's overdraft limit (writing nothing; `_post` raises ValidationError naming the
  fund), and writes the posting, its audit event and its legs. The account rows are locked only while the
  database runs it, and (as on every locking path) for at most LOCK_TIMEOUT_MS: each service here runs in
  `locking_transaction` (breakthrough/locking.py), which limits the wait and answers a lock not granted with
  "This is busy at the moment. Try again.";
- on SQLite (the embedded default), the same steps in Python, in a transaction (`_write_here`).

Inserting legs moves the balances of their (locked) accounts in the same statement, by a database trigger
(UPDATE ... SET balance = balance + the legs' sum), so a leg written by raw SQL moves its balance too and meets
the balance CheckConstraint. PostgreSQL re-checks the zero sum at commit with a deferred constraint trigger.

Meaning of the accounts and the flows: brokerage/models/funds.py. Who may move money: brokers and
assessors of the fund's partnership, and platform admins. The wiring to plans, bookings and invoices
(brokerage/funds/wiring.py) posts through `_post` too, for people the plan and booking services have already
allowed to act.

Paying an invoice is idempotent: `invoice_pay` locks the invoice row (`_lock_invoice`) and pays only a
submitted one; the pay posting carries the idempotency key `invoice-pay:<id>` (`_pay_idempotency_key`),
unique in the database, as a backstop. Test hooks (set ONLY by tests/brokerage/funds/test_concurrency.py):
`_lock_invoice` and `_pay_idempotency_key` can be replaced to remove the lock and the key (the negative
control), and `_after_state_check` is a no-op between the state check and the write where a test widens
the race window.
"""

import json
from collections import defaultdict
from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import Organisation, Partnership, Role
from breakthrough.money import format_pence
from breakthrough.submissions import create_once, earlier_submission
from brokerage.funds import approval_emails
from brokerage.models import (
    Booking,
    Carer,
    Fund,
    FundAccount,
    FundAdjustment,
    Invoice,
    Leg,
    Overdraft,
    Posting,
)

Kind = FundAccount.Kind
ACCOUNTS_OF = {
    **dict.fromkeys(Fund.PERSONAL, (Kind.AVAILABLE, Kind.COMMITTED, Kind.INVOICED, Kind.PAID)),
    Fund.Kind.BUDGET_LINE: (Kind.AVAILABLE,),
    Fund.Kind.EXTERNAL: (Kind.FUNDING,),
}
ACCOUNT_WORDS = {
    Kind.AVAILABLE: "available",
    Kind.COMMITTED: "committed (booked)",
    Kind.INVOICED: "invoiced and awaiting payment",
    Kind.PAID: "paid",
}


# ----------------------------------------------------------------------------------------------
# Who may do what
# ----------------------------------------------------------------------------------------------


def _may_manage(user, fund: Fund) -> bool:
    """Brokers and assessors of the fund's partnership, or a platform admin."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in (Role.BROKER, Role.ASSESSOR):
        return user.partnership_id is not None and user.partnership_id == fund.partnership_id
    return user.role == Role.ADMIN


def _require_manager(user, funds) -> None:
    for fund in funds:
        if not _may_manage(user, fund):
            raise ValidationError("You cannot move money in this fund.")


def _require_amount(amount, *, what: str = "The amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError(f"{what} must be a whole number of pence.")
    if amount <= 0:
        raise ValidationError(f"{what} must be more than £0.")
    return amount


# ----------------------------------------------------------------------------------------------
# Posting: the one place balances change (and the locking hooks)
# ----------------------------------------------------------------------------------------------


def _lock_accounts(fund_ids, kinds) -> list[FundAccount]:
    """Lock the accounts of these funds and kinds in id order (so two postings never deadlock) and return them."""
    rows = FundAccount.objects.select_for_update(no_key=True).filter(fund_id__in=fund_ids, kind__in=kinds)
    return list(rows.order_by("pk"))


Legs = list[tuple[Fund, str, int]]  # (fund, account kind, signed pence)


def _short_message(fund: Fund, account_kind: str, has: int | None, needs: int) -> str:
    if has is None:
        return f"{fund.name} has no {account_kind} account."
    words = ACCOUNT_WORDS.get(account_kind, account_kind)
    return f"{fund.name} has {format_pence(has)} {words}, not the {format_pence(needs)} this needs."


def _post(
    *,
    kind: str,
    legs: Legs,
    by,
    memo: str = "",
    booking: Booking | None = None,
    invoice: Invoice | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
) -> Posting:
    """Write one balanced posting and move the balances, atomically, inside the caller's transaction if any."""
    if len(legs) < 2:
        raise ValidationError("A posting needs at least two legs.")
    deltas: dict[tuple[int, str], int] = defaultdict(int)
    funds = {}
    for fund, account_kind, amount in legs:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise ValidationError("Every leg must be a whole, non-zero number of pence.")
        deltas[(fund.pk, account_kind)] += amount
        funds[fund.pk] = fund
    if sum(deltas.values()) != 0:
        raise ValidationError("The legs of a posting must add up to zero.")
    partnerships = {fund.partnership_id for fund in funds.values()}
    if len(partnerships) != 1:
        raise ValidationError("Money cannot move between partnerships in one posting.")
    posting = Posting(
        partnership_id=partnerships.pop(),
        kind=kind,
        memo=memo[:500],
        created_by=by,
        booking=booking,
        invoice=invoice,
        reference=reference,
        idempotency_key=idempotency_key,
    )
    audit = {"pence": sum(amount for _, _, amount in legs if amount > 0), "funds": sorted(funds)}
    if connection.vendor == "postgresql":
        short = _write_in_database(posting, legs, audit)
    else:
        with transaction.atomic(savepoint=False):
            short = _write_here(posting, legs, deltas, audit)
    if short is not None:
        fund_id, account_kind, has = short
        raise ValidationError(_short_message(funds[fund_id], account_kind, has, -deltas[(fund_id, account_kind)]))
    return posting


def _write_in_database(posting: Posting, legs: Legs, audit: dict) -> tuple | None:
    """PostgreSQL: one round trip to brokerage_ledger_post (migration 0013), which locks the accounts in id order,
    checks the balances, and writes the posting, its audit event and its legs. Returns (fund id, account kind,
    what it has) for an account that cannot pay, having written nothing; else None, with `posting` saved."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM brokerage_ledger_post(%s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s::bigint[], %s::text[], %s::bigint[], %s, %s, %s::jsonb)",
            [
                posting.partnership_id,
                posting.kind,
                posting.memo,
                posting.created_by_id,
                posting.created_at,
                posting.booking_id,
                posting.invoice_id,
                posting.reference,
                posting.idempotency_key,
                [fund.pk for fund, _, _ in legs],
                [account_kind for _, account_kind, _ in legs],
                [amount for _, _, amount in legs],
                f"brokerage.posting.{posting.kind}",
                ContentType.objects.get_for_model(Posting).pk,
                json.dumps(audit),
            ],
        )
        posting_id, short_fund, short_kind, short_has = cursor.fetchone()
    if posting_id is None:
        return short_fund, short_kind, short_has
    posting.pk = posting_id
    posting._state.adding = False
    posting._state.db = connection.alias
    return None


def _write_here(posting: Posting, legs: Legs, deltas, audit: dict) -> tuple | None:
    """Any other database (SQLite): the same steps as brokerage_ledger_post, in Python. Lock the accounts in id
    order, refuse a balance below minus the overdraft (returning which account, having written nothing), then
    write the posting, its audit event and the legs, whose insert moves the balances by trigger."""
    locked = _lock_accounts({fund_id for fund_id, _ in deltas}, {account_kind for _, account_kind in deltas})
    accounts = {(account.fund_id, account.kind): account for account in locked}
    for key in deltas:
        if key not in accounts:
            return (*key, None)
    for account in locked:
        delta = deltas.get((account.fund_id, account.kind), 0)
        if delta < 0 and account.kind != Kind.FUNDING and account.balance + delta < -account.overdraft_limit:
            return account.fund_id, account.kind, account.balance + account.overdraft_limit
    posting.save(force_insert=True)
    log_action(posting, f"brokerage.posting.{posting.kind}", user=posting.created_by, data=audit)
    Leg.objects.bulk_create(
        [
            Leg(posting=posting, account=accounts[(fund.pk, account_kind)], amount=amount)
            for fund, account_kind, amount in legs
        ]
    )
    return None


def _post_once(*, idempotency_key: str | None, **kwargs) -> Posting:
    """`_post`, but a retry with the same idempotency key returns the first posting instead of posting again."""
    if idempotency_key is None:
        return _post(idempotency_key=None, **kwargs)
    existing = Posting.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _post(idempotency_key=idempotency_key, **kwargs)
    except IntegrityError:
        existing = Posting.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing


def _moves(shares: Mapping[Fund, int], source: str, target: str) -> Legs:
    """Legs moving each fund's share from its `source` account to its `target` account."""
    legs = []
    for fund, amount in shares.items():
        legs += [(fund, source, -amount), (fund, target, amount)]
    return legs


def _shares(*, fund: Fund | None, amount: int | None, shares: Mapping[Fund, int] | None, by) -> dict[Fund, int]:
    """One fund and an amount, or a pooled split {fund: pence}: personal funds of one partnership."""
    if shares is None:
        if fund is None:
            raise ValidationError("Choose the fund.")
        shares = {fund: amount}
    elif fund is not None or amount is not None:
        raise ValidationError("Give either one fund and an amount, or the shares of several funds, not both.")
    if not shares:
        raise ValidationError("Choose at least one fund.")
    result = {}
    for each, share in shares.items():
        if not each.is_personal:
            raise ValidationError(f"{each.name} is not a carer's fund.")
        result[each] = _require_amount(share, what=f"The share of {each.name}")
    if len({each.partnership_id for each in result}) != 1:
        raise ValidationError("Funds of different partnerships cannot share a cost.")
    _require_manager(by, result)
    return result


# ----------------------------------------------------------------------------------------------
# Funds
# ----------------------------------------------------------------------------------------------


def _create_accounts(fund: Fund) -> None:
    FundAccount.objects.bulk_create([FundAccount(fund=fund, kind=kind) for kind in ACCOUNTS_OF[fund.kind]])


def _external_fund(partnership_id: int) -> Fund:
    """The partnership's one external fund (its funding account), made on first use."""
    fund = Fund.objects.filter(partnership_id=partnership_id, kind=Fund.Kind.EXTERNAL).first()
    if fund is not None:
        return fund
    try:
        with transaction.atomic():
            fund = Fund.objects.create(partnership_id=partnership_id, kind=Fund.Kind.EXTERNAL, name="Funding")
            _create_accounts(fund)
    except IntegrityError:  # made at the same moment by another transaction
        fund = Fund.objects.get(partnership_id=partnership_id, kind=Fund.Kind.EXTERNAL)
    return fund


@locking_transaction
def fund_open(
    *,
    partnership: Partnership,
    kind: str,
    name: str,
    by,
    carer: Carer | None = None,
    held_by: Organisation | None = None,
    starts_on=None,
    ends_on=None,
    amount: int = 0,
    memo: str = "",
) -> Fund:
    """Open a fund with its accounts. A budget line may be opened with money from the partnership's funding."""
    if kind == Fund.Kind.EXTERNAL or kind not in Fund.Kind.values:
        raise ValidationError("Choose the kind of fund.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the fund"})
    personal = kind in Fund.PERSONAL
    if personal and carer is None:
        raise ValidationError({"carer": "Choose whose fund this is"})
    if not personal and carer is not None:
        raise ValidationError("A budget line belongs to the partnership, not to a carer.")
    if carer is not None and carer.partnership_id != partnership.pk:
        raise ValidationError("The carer belongs to another partnership.")
    if kind == Fund.Kind.ISF and (held_by is None or held_by.kind != Organisation.Kind.HUB):
        raise ValidationError({"held_by": "Choose the hub that holds this Individual Service Fund"})
    if held_by is not None and held_by.partnership_id != partnership.pk:
        raise ValidationError({"held_by": "The hub belongs to another partnership"})
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "The fund must end after it starts"})
    fund = Fund(
        partnership=partnership,
        kind=kind,
        name=name,
        carer=carer,
        held_by=held_by,
        starts_on=starts_on,
        ends_on=ends_on,
        opened_by=by,
    )
    _require_manager(by, [fund])
    if amount and kind != Fund.Kind.BUDGET_LINE:
        raise ValidationError("Only a budget line opens with money; allocate to a carer's fund from a budget line.")
    fund.save()
    _create_accounts(fund)
    log_action(fund, "brokerage.fund.opened", user=by, data={"kind": kind})
    if amount:
        ledger_allocate(fund=fund, amount=amount, by=by, memo=memo or "Budget line opened")
    return fund


# ----------------------------------------------------------------------------------------------
# Movements
# ----------------------------------------------------------------------------------------------


@locking_transaction
def ledger_allocate(
    *,
    fund: Fund,
    amount: int,
    by,
    source: Fund | None = None,
    memo: str = "",
    reference: str = "",
    idempotency_key: str | None = None,
) -> Posting:
    """Put money in a fund's available account: a carer's fund from a budget line (an approved plan, a grant
    award), or a budget line from the partnership's funding. The same idempotency key posts once."""
    _require_amount(amount)
    _require_manager(by, [fund])
    if fund.is_personal:
        if source is None or source.kind != Fund.Kind.BUDGET_LINE:
            raise ValidationError({"source": "Choose the budget line the money comes from"})
        if source.partnership_id != fund.partnership_id:
            raise ValidationError({"source": "The budget line belongs to another partnership"})
        legs = [(source, Kind.AVAILABLE, -amount), (fund, Kind.AVAILABLE, amount)]
    elif fund.kind == Fund.Kind.BUDGET_LINE:
        if source is not None:
            raise ValidationError("A budget line is funded by the partnership, not from another fund.")
        legs = [(_external_fund(fund.partnership_id), Kind.FUNDING, -amount), (fund, Kind.AVAILABLE, amount)]
    else:
        raise ValidationError("Money cannot be allocated to this fund.")
    return _post_once(
        kind=Posting.Kind.ALLOCATE, legs=legs, by=by, memo=memo, reference=reference, idempotency_key=idempotency_key
    )


@locking_transaction
def ledger_commit(
    *,
    by,
    fund: Fund | None = None,
    amount: int | None = None,
    shares: Mapping[Fund, int] | None = None,
    booking: Booking | None = None,
    memo: str = "",
    reference: str = "",
) -> Posting:
    """Promise money to a booking: available -> committed, on one fund or split over several (pooled)."""
    shares = _shares(fund=fund, amount=amount, shares=shares, by=by)
    legs = _moves(shares, Kind.AVAILABLE, Kind.COMMITTED)
    return _post(kind=Posting.Kind.COMMIT, legs=legs, by=by, memo=memo, booking=booking, reference=reference)


@locking_transaction
def ledger_release(
    *,
    by,
    fund: Fund | None = None,
    amount: int | None = None,
    shares: Mapping[Fund, int] | None = None,
    booking: Booking | None = None,
    memo: str = "",
    reference: str = "",
) -> Posting:
    """Give back a promise (a cancellation): committed -> available."""
    shares = _shares(fund=fund, amount=amount, shares=shares, by=by)
    legs = _moves(shares, Kind.COMMITTED, Kind.AVAILABLE)
    return _post(kind=Posting.Kind.RELEASE, legs=legs, by=by, memo=memo, booking=booking, reference=reference)


@locking_transaction
def ledger_invoice(
    *,
    provider: Organisation,
    reference: str,
    by,
    fund: Fund | None = None,
    amount: int | None = None,
    shares: Mapping[Fund, int] | None = None,
    booking: Booking | None = None,
    memo: str = "",
) -> Invoice:
    """Record a provider's invoice for a delivered break or support: committed -> invoiced (now spent).

    The money must have been committed first (commit the difference if the price changed)."""
    shares = _shares(fund=fund, amount=amount, shares=shares, by=by)
    if provider.kind != Organisation.Kind.PROVIDER:
        raise ValidationError({"provider": "Choose the provider who sent the invoice"})
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": "Enter the provider's invoice number"})
    if Invoice.objects.filter(provider=provider, reference=reference).exists():
        raise ValidationError({"reference": "This provider's invoice with that number is already recorded"})
    partnership_id = next(iter(shares)).partnership_id
    if booking is not None and booking.carer.partnership_id != partnership_id:
        raise ValidationError("The booking belongs to another partnership.")
    invoice = Invoice.objects.create(
        partnership_id=partnership_id,
        provider=provider,
        reference=reference,
        amount_pence=sum(shares.values()),
        booking=booking,
        submitted_by=by,
    )
    legs = _moves(shares, Kind.COMMITTED, Kind.INVOICED)
    _post(kind=Posting.Kind.INVOICE, legs=legs, by=by, memo=memo, booking=booking, invoice=invoice)
    log_action(invoice, "brokerage.invoice.recorded", user=by, data={"pence": invoice.amount_pence})
    return invoice


def _lock_invoice(invoice: Invoice) -> Invoice:
    """The invoice row, locked until the transaction ends: a second payer waits here, then sees it paid."""
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _pay_idempotency_key(invoice: Invoice) -> str | None:
    return f"invoice-pay:{invoice.pk}"


def _after_state_check() -> None:
    """Called between the 'not yet paid' check and the payment. A no-op; the concurrency test widens the race."""


def _invoice_shares(invoice: Invoice, kind: str, account_kind: str) -> dict[int, int]:
    """{account's fund id: pence} of the positive legs on `account_kind` accounts in the invoice's `kind` postings."""
    rows = (
        Leg.objects.filter(posting__invoice=invoice, posting__kind=kind, account__kind=account_kind)
        .order_by()
        .values("account__fund_id")
        .annotate(total=Sum("amount"))
    )
    return {row["account__fund_id"]: row["total"] for row in rows}


@locking_transaction
def invoice_pay(*, invoice: Invoice, by) -> Invoice:
    """Pay a submitted invoice from the funds it was charged to: invoiced -> paid. Pays once, whatever the
    retries: an invoice already paid is returned as it is."""
    invoice = _lock_invoice(invoice)
    funds = list(Fund.objects.filter(pk__in=_invoice_shares(invoice, Posting.Kind.INVOICE, Kind.INVOICED)))
    _require_manager(by, funds)
    if invoice.state == Invoice.State.PAID:
        return invoice
    _after_state_check()
    shares = _invoice_shares(invoice, Posting.Kind.INVOICE, Kind.INVOICED)
    legs = _moves({fund: shares[fund.pk] for fund in funds}, Kind.INVOICED, Kind.PAID)
    key = _pay_idempotency_key(invoice)
    try:
        with transaction.atomic():
            _post(
                kind=Posting.Kind.PAY,
                legs=legs,
                by=by,
                invoice=invoice,
                booking=invoice.booking,
                memo=f"Invoice {invoice.reference}",
                idempotency_key=key,
            )
    except IntegrityError:
        if key is None or not Posting.objects.filter(idempotency_key=key).exists():
            raise
        invoice.refresh_from_db()
        return invoice  # paid by someone else at the same moment (the database's key said so)
    invoice.state = Invoice.State.PAID
    invoice.paid_by = by
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["state", "paid_by", "paid_at"])
    log_action(invoice, "brokerage.invoice.paid", user=by, data={"pence": invoice.amount_pence})
    return invoice


def _split(amount: int, capacities: dict[int, int]) -> dict[int, int]:
    """Split `amount` in proportion to `capacities` (whole pence, largest remainders), never above a capacity."""
    total = sum(capacities.values())
    parts = {key: amount * cap // total for key, cap in capacities.items()}
    leftover = amount - sum(parts.values())
    by_remainder = sorted(capacities, key=lambda key: (-(amount * capacities[key] % total), key))
    for key in by_remainder:
        if leftover == 0:
            break
        if parts[key] < capacities[key]:
            parts[key] += 1
            leftover -= 1
    return {key: part for key, part in parts.items() if part}


@locking_transaction
def ledger_refund(*, invoice: Invoice, amount: int, by, reason: str, submission_key: str | None = None) -> Posting:
    """A provider gives back money for a paid invoice: paid -> available, split over its funds as it was paid.

    In full or in part, never more than was paid less what was already refunded. The same form sent twice
    (the same `submission_key`) refunds once: the second call finds the first's posting, under the invoice's lock."""
    _require_amount(amount, what="The refund")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the money is refunded"})
    invoice = _lock_invoice(invoice)
    key = f"refund:{submission_key}" if submission_key else None
    if key is not None:
        existing = Posting.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.invoice_id != invoice.pk:
                raise ValidationError("This form was already used for another invoice. Open the page again.")
            return existing
    if invoice.state != Invoice.State.PAID:
        raise ValidationError("Only a paid invoice can be refunded.")
    left_to_refund = invoice.amount_pence - invoice.refunded_pence
    if left_to_refund <= 0:
        raise ValidationError("This invoice has been refunded in full.")
    if amount > left_to_refund:
        raise ValidationError({"amount": f"At most {format_pence(left_to_refund)} of this invoice can be refunded."})
    paid = _invoice_shares(invoice, Posting.Kind.PAY, Kind.PAID)
    refunded = _invoice_shares(invoice, Posting.Kind.REFUND, Kind.AVAILABLE)
    left = {fund_id: pence - refunded.get(fund_id, 0) for fund_id, pence in paid.items()}
    split = _split(amount, {fund_id: pence for fund_id, pence in left.items() if pence > 0})
    funds = {fund.pk: fund for fund in Fund.objects.filter(pk__in=split)}
    _require_manager(by, funds.values())
    legs = _moves({funds[fund_id]: pence for fund_id, pence in split.items()}, Kind.PAID, Kind.AVAILABLE)
    posting = _post(
        kind=Posting.Kind.REFUND,
        legs=legs,
        by=by,
        invoice=invoice,
        booking=invoice.booking,
        memo=reason,
        idempotency_key=key,
    )
    Invoice.objects.filter(pk=invoice.pk).update(refunded_pence=F("refunded_pence") + amount)
    log_action(invoice, "brokerage.invoice.refunded", user=by, data={"pence": amount, "posting": posting.pk})
    return posting


# ----------------------------------------------------------------------------------------------
# Two-person changes: adjustments and overdrafts
#
# One person asks (with a reason); the others who may manage the fund are e-mailed; a second, different person
# approves or refuses (with a reason), and the one who asked is e-mailed. Nobody decides their own request:
# `_second_person` refuses it here and the models' CheckConstraints refuse it in the database.
# ----------------------------------------------------------------------------------------------

# The largest adjustment or overdraft limit one request may ask for: £100,000 (what a money field takes).
MOST_PENCE = 10_000_000


def _same_form_again(model, submission_key: str | None, *, fund: Fund, by):
    """The request this form already made (a double click, a retry), or None. A key made for someone else's
    form (only a hand-made post could carry one) is refused rather than shown."""
    existing = earlier_submission(model, submission_key)
    if existing is not None and (existing.fund_id != fund.pk or existing.requested_by_id != getattr(by, "pk", None)):
        raise ValidationError("This form was already used. Open the page again to make a new request.")
    return existing


def _create_once(model, submission_key: str | None, *, fund: Fund, by, **fields):
    """(the request, True), or (the one this form already made, False) when two copies race past the check."""
    return create_once(model, key=submission_key, owner={"fund": fund, "requested_by": by}, **fields)


@transaction.atomic
def ledger_adjust(
    *, fund: Fund, amount: int, reason: str, requested_by, submission_key: str | None = None
) -> FundAdjustment:
    """Ask to correct a fund's available money by `amount` pence (negative takes money back to the partnership's
    funding). Nothing is posted until a second person approves it; the others who may approve it are e-mailed.
    The same form sent twice asks once."""
    existing = _same_form_again(FundAdjustment, submission_key, fund=fund, by=requested_by)
    if existing is not None:
        return existing
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise ValidationError({"amount": "Enter the adjustment in whole pence, more or less than £0"})
    if abs(amount) > MOST_PENCE:
        raise ValidationError({"amount": f"An adjustment can be at most {format_pence(MOST_PENCE)}"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the fund is adjusted"})
    if fund.kind == Fund.Kind.EXTERNAL:
        raise ValidationError("The partnership's funding cannot be adjusted.")
    _require_manager(requested_by, [fund])
    adjustment, made = _create_once(
        FundAdjustment, submission_key or None, fund=fund, by=requested_by, amount_pence=amount, reason=reason
    )
    if made:
        log_action(adjustment, "brokerage.fund_adjustment.requested", user=requested_by, data={"pence": amount})
        approval_emails.awaiting_approval(adjustment)
    return adjustment


def _second_person(request, by) -> None:
    if by is None or by.pk == request.requested_by_id:
        raise ValidationError("A second person must approve this: you asked for it, so someone else approves it.")
    _require_manager(by, [request.fund])


def _refusal_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"refusal_reason": "Say why it is refused"})
    return reason


def _still_pending(request) -> None:
    if request.state != request.State.PENDING:
        raise ValidationError(f"This has already been {request.get_state_display().lower()}.")


@locking_transaction
def adjustment_approve(*, adjustment: FundAdjustment, by) -> FundAdjustment:
    """A second, different person approves an adjustment: only now is its posting written."""
    adjustment = FundAdjustment.objects.select_for_update().select_related("fund").get(pk=adjustment.pk)
    _still_pending(adjustment)
    _second_person(adjustment, by)
    fund = adjustment.fund
    amount = adjustment.amount_pence
    legs = [(_external_fund(fund.partnership_id), Kind.FUNDING, -amount), (fund, Kind.AVAILABLE, amount)]
    posting = _post(
        kind=Posting.Kind.ADJUST,
        legs=legs,
        by=by,
        memo=adjustment.reason,
        reference=f"adjustment:{adjustment.pk}",
        idempotency_key=f"adjustment:{adjustment.pk}",
    )
    adjustment.state = FundAdjustment.State.APPROVED
    adjustment.approved_by = by
    adjustment.approved_at = timezone.now()
    adjustment.posting = posting
    adjustment.save(update_fields=["state", "approved_by", "approved_at", "posting"])
    log_action(adjustment, "brokerage.fund_adjustment.approved", user=by, data={"pence": adjustment.amount_pence})
    approval_emails.decided(adjustment)
    return adjustment


@locking_transaction
def adjustment_refuse(*, adjustment: FundAdjustment, by, reason: str) -> FundAdjustment:
    """A second, different person refuses an adjustment, saying why: nothing is posted."""
    reason = _refusal_reason(reason)
    adjustment = FundAdjustment.objects.select_for_update().select_related("fund").get(pk=adjustment.pk)
    _still_pending(adjustment)
    _second_person(adjustment, by)
    _refuse(adjustment, by, reason)
    log_action(adjustment, "brokerage.fund_adjustment.refused", user=by, data={"pence": adjustment.amount_pence})
    approval_emails.decided(adjustment)
    return adjustment


def _refuse(request, by, reason: str) -> None:
    request.state = request.State.REFUSED
    request.refused_by = by
    request.refused_at = timezone.now()
    request.refusal_reason = reason
    request.save(update_fields=["state", "refused_by", "refused_at", "refusal_reason"])


@transaction.atomic
def overdraft_request(
    *, fund: Fund, limit: int, reason: str, requested_by, submission_key: str | None = None
) -> Overdraft:
    """Ask that a fund's available money may go as far as `limit` pence below zero (0 ends an overdraft). One
    request waits per fund at a time; the others who may approve it are e-mailed. The same form sent twice asks
    once."""
    existing = _same_form_again(Overdraft, submission_key, fund=fund, by=requested_by)
    if existing is not None:
        return existing
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValidationError({"limit": "Enter the overdraft limit in whole pence, £0 or more"})
    if limit > MOST_PENCE:
        raise ValidationError({"limit": f"An overdraft limit can be at most {format_pence(MOST_PENCE)}"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the fund may be overdrawn"})
    if not fund.is_personal and fund.kind != Fund.Kind.BUDGET_LINE:
        raise ValidationError("This fund cannot be overdrawn.")
    _require_manager(requested_by, [fund])
    waiting = "This fund already has an overdraft request waiting for approval: it must be approved or refused first."
    if Overdraft.objects.filter(fund=fund, state=Overdraft.State.PENDING).exists():
        raise ValidationError(waiting)
    try:
        overdraft, made = _create_once(
            Overdraft, submission_key or None, fund=fund, by=requested_by, limit_pence=limit, reason=reason
        )
    except IntegrityError:  # another request for this fund was made at the same moment
        raise ValidationError(waiting) from None
    if made:
        log_action(overdraft, "brokerage.overdraft.requested", user=requested_by, data={"pence": limit})
        approval_emails.awaiting_approval(overdraft)
    return overdraft


@locking_transaction
def overdraft_approve(*, overdraft: Overdraft, by) -> Overdraft:
    """A second, different person approves an overdraft: the fund's available account gets the new limit."""
    overdraft = Overdraft.objects.select_for_update().select_related("fund").get(pk=overdraft.pk)
    _still_pending(overdraft)
    _second_person(overdraft, by)
    [available] = _lock_accounts([overdraft.fund_id], [Kind.AVAILABLE])
    if available.balance < -overdraft.limit_pence:
        raise ValidationError(
            f"{overdraft.fund.name} is already {format_pence(-available.balance)} overdrawn: "
            "the limit cannot be less than that."
        )
    FundAccount.objects.filter(pk=available.pk).update(overdraft_limit=overdraft.limit_pence)
    overdraft.state = Overdraft.State.APPROVED
    overdraft.approved_by = by
    overdraft.approved_at = timezone.now()
    overdraft.save(update_fields=["state", "approved_by", "approved_at"])
    log_action(overdraft, "brokerage.overdraft.approved", user=by, data={"pence": overdraft.limit_pence})
    approval_emails.decided(overdraft)
    return overdraft


@locking_transaction
def overdraft_refuse(*, overdraft: Overdraft, by, reason: str) -> Overdraft:
    """A second, different person refuses an overdraft, saying why: the fund's limit stays as it was."""
    reason = _refusal_reason(reason)
    overdraft = Overdraft.objects.select_for_update().select_related("fund").get(pk=overdraft.pk)
    _still_pending(overdraft)
    _second_person(overdraft, by)
    _refuse(overdraft, by, reason)
    log_action(overdraft, "brokerage.overdraft.refused", user=by, data={"pence": overdraft.limit_pence})
    approval_emails.decided(overdraft)
    return overdraft


_DECIDE = {
    FundAdjustment: (adjustment_approve, adjustment_refuse, "adjustment"),
    Overdraft: (overdraft_approve, overdraft_refuse, "overdraft"),
}


@locking_transaction
def request_decide(*, request: FundAdjustment | Overdraft, by, approve: bool, reason: str = "") -> tuple[object, bool]:
    """The decision page: approve or refuse an adjustment or overdraft. (the request, True if this call decided
    it). A second submit, a retry or a colleague at the same moment waits for the request row's lock, then finds
    it decided: (the request as decided, False), and nothing more happens."""
    model = type(request)
    locked = model.objects.select_for_update().get(pk=request.pk)
    if locked.state != model.State.PENDING:
        return model.objects.select_related("approved_by", "refused_by").get(pk=locked.pk), False
    approve_it, refuse_it, name = _DECIDE[model]
    if approve:
        return approve_it(**{name: locked}, by=by), True
    return refuse_it(**{name: locked}, by=by, reason=reason), True


def may_decide(user, request: FundAdjustment | Overdraft) -> bool:
    """Whether the decision page offers this user the approve and refuse buttons: a request still waiting, someone
    who may manage the fund, and not the one who asked (the services refuse them anyway)."""
    return (
        request.state == request.State.PENDING
        and getattr(user, "pk", None) != request.requested_by_id
        and _may_manage(user, request.fund)
    )
