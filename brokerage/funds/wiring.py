"""Funds wired to the rest: plan approval allocates, bookings commit and release, providers invoice, the hub pays.

The plan and booking services call these inside their own transactions (marked "funds wiring" there), so an
approval and its allocation, or a booking and its commitment, are written together or not at all. Those
services have already decided who may act (an assessor approves, the carer or their broker books, the provider
confirms, the platform lapses an unanswered request), so the booking calls here post through the ledger's
`_post` rather than through ledger_commit/ledger_release, which admit only hub staff. Every posting a booking
makes carries the booking; commit and release carry the idempotency keys booking:<id>:commit and
booking:<id>:release, and a plan version's allocation plan:<id>:<fund kind>, so nothing is posted twice.

A break the carer did not attend (a no-show) keeps its money only for a provider who charges for no-shows
(ProviderAgreement.charges_no_show), and then only until NO_SHOW_INVOICE_DAYS after the break: see "Breaks not
attended" below. Invoices against a support in a plan rather than a booking are in support_invoices.py.
"""

import datetime
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, OuterRef, Q, Subquery, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction, unless_busy
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


@locking_transaction
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
        .order_by()
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


def _lock_spendable(funds) -> None:
    """Lock the funds' available accounts (in id order, as every posting does) before reading what they can
    still spend. A request's money is promised (its share) but not committed until the provider confirms, so
    two requests read at once would both see the same pounds free; with the lock the second waits for the
    first to commit, then sees its share. Test hook: the negative control replaces this with a no-op."""
    _lock_accounts([fund.pk for fund in funds], [Kind.AVAILABLE])


def _after_spendable_read() -> None:
    """Called between reading what a fund can spend and promising it. A no-op; the concurrency test widens the
    race here."""


def _choose_fund(*, carer, day, pence: int, by, field: str = "payment_source", lock: bool = False) -> Fund:
    """The first of the carer's bookable funds that can still afford `pence`. With `lock` (a booking that holds
    its places' lock already: places are always locked before accounts), the funds' accounts are locked first."""
    funds = bookable_funds(carer=carer, day=day)
    if not funds:
        who = "You have" if by is not None and by.role == Role.CARER else f"{carer.first_name or 'The carer'} has"
        raise ValidationError(
            {field: f"{who} no fund that can pay for this break. Choose to pay for it yourself, or ask the hub."}
        )
    if lock:
        _lock_spendable(funds)
    spendable = fund_spendable(funds)
    _after_spendable_read()
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
        .order_by()
        .values("account__fund_id")
        .annotate(total=Sum("amount"))
    )
    return {row["account__fund_id"]: row["total"] for row in rows if row["total"]}


def _commit(
    booking: Booking, shares: Mapping[Fund, int], by, *, key: str | None, memo: str, reference: str = ""
) -> Posting | None:
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
        reference=reference,
        idempotency_key=key,
    )


def booking_fund_commit(*, booking: Booking, by) -> Posting | None:
    """Commit a confirmed booking's cost from the funds paying for it (once: key booking:<id>:commit)."""
    if booking.payment_source != "fund" or booking.cost_pence == 0:
        return None
    return _commit(
        booking, booking_shares(booking), by, key=f"booking:{booking.pk}:commit", memo=f"Booking {booking.pk}"
    )


def booking_fund_check(*, carer, day, pence: int, by) -> None:
    """Refuse, in the words booking_fund_choose would use, a booking of `pence` on `day` that none of the carer's
    funds can pay for (a read: nothing is locked or written; the check page asks before it offers "Book")."""
    if pence:
        _choose_fund(carer=carer, day=day, pence=pence, by=by)


def booking_fund_choose(*, booking: Booking, by) -> None:
    """A new booking paid from a fund (booking_create, waiting_list_accept): record which fund pays, refusing
    the booking if none of the carer's funds can afford it, and commit the cost at once if it is confirmed."""
    if booking.payment_source != "fund" or booking.cost_pence == 0:
        return
    fund = _choose_fund(carer=booking.carer, day=_booking_day(booking), pence=booking.cost_pence, by=by, lock=True)
    BookingShare.objects.create(booking=booking, fund=fund, places=booking.places, pence=booking.cost_pence)
    if booking.state == Booking.State.CONFIRMED:
        booking_fund_commit(booking=booking, by=by)


def booking_fund_release(
    *, booking: Booking, by, key: str | None = None, memo: str | None = None, reference: str = ""
) -> Posting | None:
    """A cancelled, declined or lapsed booking gives back what is still committed to it (what was already
    invoiced stays spent: the provider refunds it if they agree to). Once: key booking:<id>:release (a no-show
    corrected to attended and back is released again under booking:<id>:release:<n>)."""
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
        memo=memo or f"Booking {booking.pk} {booking.get_state_display().lower()}",
        reference=reference,
        idempotency_key=key or f"booking:{booking.pk}:release",
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


@locking_transaction
def pooled_booking_create(*, session, parties, rule: str, by) -> Booking:
    """Book one group session for several households as one booking, its cost split between their funds by
    `rule` (equal shares, or by the places each takes) and recorded on the booking's shares. `parties` is a list
    of bookings.rules.Party (a household: its carer going or not, and the people cared for going); the first
    carer is the booking's lead. Every party passes the same booking rules as a booking of its own
    (rules.check_pooled). The booking's cared_for are everyone cared for who goes; whether each household's carer
    goes is on its share (and the lead's on the booking too). Hub staff only. Commits at once if the offer books
    instantly, else when the provider confirms; each fund sees its own share."""
    from brokerage.bookings import rules
    from brokerage.bookings.services import _lock_places, _take, booking_cost
    from brokerage.models import BookingMode

    parties = list(parties)
    if rule not in (BookingShare.Rule.EQUAL, BookingShare.Rule.PLACES):
        raise ValidationError({"rule": "Choose how the cost is split"})
    taking = rules.check_pooled(session=session, parties=parties, by=by)
    offer = session.offer
    places = sum(taking)
    cost = booking_cost(offer=offer, session=session, nights=None, places=places)
    weights = {i: (1 if rule == BookingShare.Rule.EQUAL else p) for i, p in enumerate(taking)}
    split = _proportional(cost, weights)
    day = timezone.localtime(session.starts_at).date()
    chosen = {
        i: _choose_fund(carer=party.carer, day=day, pence=split[i], by=by, field=f"party_{party.carer.pk}")
        for i, party in enumerate(parties)
    }
    state = Booking.State.CONFIRMED if offer.booking_mode == BookingMode.INSTANT else Booking.State.REQUESTED
    now = timezone.now()
    booking = Booking.objects.create(
        carer=parties[0].carer,
        offer=offer,
        session=session,
        includes_carer=parties[0].includes_carer,
        places=places,
        cost_pence=cost,
        payment_source="fund",
        state=state,
        requested_by=by,
        requested_at=now,
        decided_at=now if state == Booking.State.CONFIRMED else None,
    )
    booking.cared_for.set([person for party in parties for person in party.cared_for])
    BookingShare.objects.bulk_create(
        BookingShare(
            booking=booking,
            fund=chosen[i],
            rule=rule,
            places=taking[i],
            includes_carer=party.includes_carer,
            pence=split[i],
        )
        for i, party in enumerate(parties)
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
# Breaks not attended (no-shows)
# ----------------------------------------------------------------------------------------------

# A provider who charges for no-shows has this many days after the break to invoice one; then its money goes back.
NO_SHOW_INVOICE_DAYS = 28
# The postings' references: the statement words them from their memos (plain words, written for the carer).
NO_SHOW_REFERENCE = "no-show"
NO_SHOW_UNBILLED_REFERENCE = "no-show-not-invoiced"
ATTENDED_AFTER_ALL_REFERENCE = "attended-after-all"
PLAIN_MEMO_REFERENCES = (NO_SHOW_REFERENCE, NO_SHOW_UNBILLED_REFERENCE, ATTENDED_AFTER_ALL_REFERENCE)


def break_last_day(booking: Booking) -> datetime.date:
    """The (UK) day a break took place: a session's day, or a stay's last night."""
    if booking.session_id is not None:
        return timezone.localtime(booking.session.starts_at).date()
    return booking.first_night + datetime.timedelta(days=booking.nights - 1)


def no_show_invoice_deadline(booking: Booking) -> datetime.date:
    """The last day a no-show may be invoiced (by a provider who charges for them)."""
    return break_last_day(booking) + datetime.timedelta(days=NO_SHOW_INVOICE_DAYS)


def _recommits(booking: Booking) -> int:
    """How many times a corrected attendance has committed the booking's money again (0 usually). Each release
    and re-commit after the first commit carries this in its key, so every round posts once and only once."""
    return Posting.objects.filter(
        booking=booking, kind=Posting.Kind.COMMIT, idempotency_key__startswith=f"booking:{booking.pk}:commit:"
    ).count()


def _release_key(booking: Booking) -> str:
    rounds = _recommits(booking)
    return f"booking:{booking.pk}:release" + (f":{rounds}" if rounds else "")


def _release_no_show(booking: Booking, by, *, reference: str, memo: str) -> Posting | None:
    """Give back what is still committed to a no-show, under the booking's release key for this round."""
    return booking_fund_release(booking=booking, by=by, key=_release_key(booking), memo=memo, reference=reference)


def booking_fund_attendance(*, booking: Booking, previous: str, by) -> Posting | None:
    """Attendance was recorded (booking_record_attendance, in its transaction, with the booking row locked):
    move the money of a booking paid from a fund to match.

    - Did not attend, and the provider does not charge for no-shows: what is committed goes back to the fund now
      (a release under the booking's release key).
    - Did not attend, and the provider charges: the money stays committed so that they can invoice it; if they do
      not within NO_SHOW_INVOICE_DAYS of the break, `no_show_release_overdue` gives it back.
    - Corrected from did not attend to attended: what was given back is committed again (under a new key,
      booking:<id>:commit:<n>), so the books read as if attendance had been right the first time and the provider
      can invoice. This is done rather than refused because a mistaken click is the usual cause and the money is
      normally still there. It is refused, in words, only when the fund no longer has it (the carer's money went
      on something else: the hub decides), and any correction is refused once the break has been invoiced (the
      invoice, and whether it can be paid, rest on the attendance)."""
    corrected = previous in (Booking.State.ATTENDED, Booking.State.NO_SHOW) and previous != booking.state
    if corrected and Invoice.objects.filter(booking=booking).exists():
        raise ValidationError(
            "This break has been invoiced, so its attendance cannot be changed. Ask the Short Break Hub to correct it."
        )
    if booking.payment_source != "fund" or booking.cost_pence == 0 or previous == booking.state:
        return None
    if booking.state == Booking.State.NO_SHOW:
        _, charges = agreement_terms(partnership_id=booking.carer.partnership_id, provider_id=booking.offer.provider_id)
        if charges:
            return None
        return _release_no_show(booking, by, reference=NO_SHOW_REFERENCE, memo="Break missed, money back")
    if booking.state == Booking.State.ATTENDED and previous == Booking.State.NO_SHOW:
        committed = _committed_for(booking)
        missing = {fund: pence - committed.get(fund.pk, 0) for fund, pence in booking_shares(booking).items()}
        missing = {fund: pence for fund, pence in missing.items() if pence > 0}
        if not missing:
            return None  # a provider who charges for no-shows: the money never left
        try:
            return _commit(
                booking,
                missing,
                by,
                key=f"booking:{booking.pk}:commit:{_recommits(booking) + 1}",
                memo="Break attended after all, money set aside again",
                reference=ATTENDED_AFTER_ALL_REFERENCE,
            )
        except ValidationError:
            raise ValidationError(
                "The money for this break went back to the carer's fund when it was recorded as not attended, and "
                "the fund no longer has it. Ask the Short Break Hub to correct the attendance."
            ) from None
    return None


@locking_transaction
def booking_no_show_release(*, booking: Booking, today=None) -> bool:
    """Give back the money of one no-show not invoiced within NO_SHOW_INVOICE_DAYS of the break (the platform
    acts). The booking row is locked first, so a provider invoicing at the same moment waits, then finds the
    money gone (or the job finds it invoiced). False if there was nothing to do."""
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("offer", "session", "carer").get(pk=booking.pk)
    )
    today = today or timezone.localdate()
    if booking.state != Booking.State.NO_SHOW or booking.payment_source != "fund" or booking.cost_pence == 0:
        return False
    if today <= no_show_invoice_deadline(booking) or Invoice.objects.filter(booking=booking).exists():
        return False
    memo = f"Break missed and not invoiced within {NO_SHOW_INVOICE_DAYS} days, money back"
    posting = _release_no_show(booking, None, reference=NO_SHOW_UNBILLED_REFERENCE, memo=memo)
    if posting is None:
        return False
    log_action(booking, "brokerage.booking.no_show_released", user=None, data={"posting": posting.pk})
    return True


def _committed_subquery():
    committed = (
        Leg.objects.filter(posting__booking=OuterRef("pk"), account__kind=Kind.COMMITTED)
        .order_by()
        .values("posting__booking")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(committed, output_field=BigIntegerField())


def no_show_release_overdue(*, today=None) -> int:
    """The daily job: give back the money of every no-show still committed and not invoiced NO_SHOW_INVOICE_DAYS
    after its break, each in its own transaction. Returns how many were released; a second run releases none.

    Found in one query (bookings whose money is still committed: once released they drop out, so the job does not
    grow with history); a stay's last night is checked in Python, the query looks at its first night."""
    today = today or timezone.localdate()
    last_day = today - datetime.timedelta(days=NO_SHOW_INVOICE_DAYS + 1)
    midnight = timezone.make_aware(datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time()))
    overdue = (
        Booking.objects.filter(state=Booking.State.NO_SHOW, payment_source="fund", invoices__isnull=True)
        .filter(Q(session__starts_at__lt=midnight) | Q(first_night__lte=last_day))
        .annotate(committed=_committed_subquery())
        .filter(committed__gt=0)
        .order_by("pk")
    )
    return sum(1 for booking in overdue if unless_busy(booking_no_show_release, booking=booking, today=today))


# ----------------------------------------------------------------------------------------------
# Provider agreements, invoices from the provider portal, and paying them from the hub
# ----------------------------------------------------------------------------------------------


def agreement_terms(*, partnership_id: int, provider_id: int | None) -> tuple[str, bool]:
    """(payment terms, charges for no-shows) of the provider's agreement with the partnership; without one,
    in arrears and no charge for no-shows."""
    row = (
        ProviderAgreement.objects.filter(partnership_id=partnership_id, provider_id=provider_id)
        .values_list("payment_terms", "charges_no_show")
        .first()
    )
    return row or (PaymentTerms.ARREARS, False)


def payment_terms_for(*, partnership_id: int, provider_id: int) -> str:
    return agreement_terms(partnership_id=partnership_id, provider_id=provider_id)[0]


@transaction.atomic
def provider_agreement_set(
    *, partnership: Partnership, provider: Organisation, payment_terms: str, by, charges_no_show: bool | None = None
):
    """Record how the partnership pays a provider (upfront or in arrears) and whether the provider charges for a
    break the carer did not attend (None leaves that as it was). Both apply from now on: the no-show rule is read
    when a no-show is recorded and when the provider invoices, so changing it moves no money by itself (a no-show
    whose money is still committed is released by the daily job once its invoicing time has passed)."""
    if payment_terms not in PaymentTerms.values:
        raise ValidationError({"payment_terms": "Choose when the provider is paid"})
    if charges_no_show is not None and not isinstance(charges_no_show, bool):
        raise ValidationError({"charges_no_show": "Choose whether the provider charges for a missed break"})
    if not (by.role == Role.ADMIN or (by.role in (Role.BROKER, Role.ASSESSOR) and by.partnership_id == partnership.pk)):
        raise ValidationError("You cannot change this partnership's agreements.")
    if not provider.partnerships_served.filter(pk=partnership.pk).exists():
        raise ValidationError("This provider does not serve the partnership.")
    defaults = {"payment_terms": payment_terms, "changed_by": by, "changed_at": timezone.now()}
    if charges_no_show is not None:
        defaults["charges_no_show"] = charges_no_show
    agreement, _ = ProviderAgreement.objects.update_or_create(
        partnership=partnership, provider=provider, defaults=defaults
    )
    log_action(
        agreement,
        "brokerage.provider_agreement.changed",
        user=by,
        data={"payment_terms": payment_terms, "charges_no_show": agreement.charges_no_show},
    )
    return agreement


def invoiceable(booking: Booking, terms: str, charges_no_show: bool = False, *, today=None) -> bool:
    """A booking paid from a fund may be invoiced once the break happened (attendance recorded), or once it is
    confirmed when the provider is paid upfront. A break the carer did not attend only by a provider who charges
    for no-shows, and only until NO_SHOW_INVOICE_DAYS after the break (then its money goes back to the fund)."""
    if booking.payment_source != "fund":
        return False
    if booking.state == Booking.State.ATTENDED:
        return True
    if booking.state == Booking.State.NO_SHOW:
        return charges_no_show and (today or timezone.localdate()) <= no_show_invoice_deadline(booking)
    return booking.state == Booking.State.CONFIRMED and terms == "upfront"


def invoice_payable(invoice: Invoice) -> bool:
    """Upfront: once the booking is confirmed. In arrears: once the break happened, or, for a missed break invoiced
    by a provider who charges for it, at once. No booking (a support in a plan): at once."""
    booking = invoice.booking
    if booking is None:
        return True
    if invoice.payment_terms == "upfront":
        return booking.state in (Booking.State.CONFIRMED, Booking.State.ATTENDED, Booking.State.NO_SHOW)
    return booking.state == Booking.State.ATTENDED or (booking.state == Booking.State.NO_SHOW and invoice.for_no_show)


@locking_transaction
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
    terms, charges_no_show = agreement_terms(
        partnership_id=booking.carer.partnership_id, provider_id=booking.offer.provider_id
    )
    if booking.payment_source != "fund":
        raise ValidationError("This break is not paid from a fund, so it is not invoiced here.")
    if not invoiceable(booking, terms, charges_no_show):
        if booking.state == Booking.State.NO_SHOW:
            raise ValidationError(
                f"The carer did not attend this break. It could be invoiced for up to {NO_SHOW_INVOICE_DAYS} days "
                "after the break, and only under an agreement to charge for missed breaks."
                if charges_no_show
                else "The carer did not attend this break, and your agreement with the hub is not to charge for "
                "missed breaks, so its money has gone back to the carer's fund."
            )
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
        for_no_show=booking.state == Booking.State.NO_SHOW,
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


@locking_transaction
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
    if invoice.provider_id is None:
        return  # a supplier not on the platform: the hub pays it outside, and it has no portal to point to
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
