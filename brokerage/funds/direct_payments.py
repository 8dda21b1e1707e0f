"""Direct payments: services (writes) and selectors (reads) for spending with receipts and the period end.

Spending. A carer (or hub staff for them) records what they bought from their direct payment with its
receipt: one posting available -> paid on the fund (spent means invoiced + paid, brokerage/models/funds.py).
There is no public ledger service for a carer's own spending yet (services.py says it "comes with the
wiring"), so `_spend_posting` is the one thin call to the ledger's posting helper `_post_once`, which every
service there uses; it adds nothing but the legs. Swap it for the public service when one exists.

Period end. For a fund whose period has ended, the partnership's rule is carried out once
(`period_end_settle`, idempotent: a PeriodEndSettlement per fund, and idempotency keys per posting):
everything unspent goes back to the budget line (`_recover_posting`, the reverse of an allocation), and
under a carry-over rule up to the cap is then allocated from that line into the carer's next direct payment
(the public `ledger_allocate`).

Both writes lock the fund row first, so a spend and a settlement of the same fund queue rather than race.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from breakthrough.access import get_visible_or_404, visible
from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import Partnership, Role
from breakthrough.money import format_pence
from breakthrough.submissions import create_once, earlier_submission
from brokerage.funds import services as ledger
from brokerage.funds.grants import is_partnership_staff
from brokerage.funds.selectors import fund_balances
from brokerage.models import (
    DirectPaymentSpend,
    Fund,
    FundAccount,
    PeriodEndRule,
    PeriodEndSettlement,
    Plan,
    PlanSupport,
    Posting,
    SdsOption,
)

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
# What a receipt must start with, by the type it really is; and the names and declared types each may have.
RECEIPT_TYPES = {
    "application/pdf": ((b"%PDF-",), (".pdf",)),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
}
DUE_WITHIN_DAYS = 30
Kind = FundAccount.Kind


# ----------------------------------------------------------------------------------------------
# Receipts
# ----------------------------------------------------------------------------------------------


def validate_receipt(upload) -> str:
    """A PDF, JPEG or PNG of at most 5 MB whose name, declared type and first bytes all agree. Returns its type."""
    if upload is None:
        raise ValidationError("Choose the receipt to upload")
    name = (upload.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    matches = [kind for kind, (_, extensions) in RECEIPT_TYPES.items() if extension in extensions]
    if not matches:
        raise ValidationError("The receipt must be a PDF, JPG or PNG")
    kind = matches[0]
    if upload.size == 0:
        raise ValidationError("The receipt file is empty")
    if upload.size > MAX_RECEIPT_BYTES:
        raise ValidationError("The receipt must be smaller than 5 MB")
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared and declared not in (kind, "application/octet-stream"):
        raise ValidationError("The receipt must be a PDF, JPG or PNG: this one is not")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in RECEIPT_TYPES[kind][0]):
        raise ValidationError("The receipt must be a PDF, JPG or PNG: this one is not")
    return kind


# ----------------------------------------------------------------------------------------------
# Ledger postings this module needs (see the module docstring)
# ----------------------------------------------------------------------------------------------


def _spend_posting(*, fund: Fund, amount: int, by, memo: str, idempotency_key: str | None) -> Posting:
    return ledger._post_once(
        kind=Posting.Kind.PAY,
        legs=[(fund, Kind.AVAILABLE, -amount), (fund, Kind.PAID, amount)],
        by=by,
        memo=memo,
        reference="direct-payment-spend",
        idempotency_key=idempotency_key,
    )


def _recover_posting(*, fund: Fund, line: Fund, amount: int, by, memo: str, idempotency_key: str) -> Posting:
    return ledger._post_once(
        kind=Posting.Kind.ALLOCATE,
        legs=[(fund, Kind.AVAILABLE, -amount), (line, Kind.AVAILABLE, amount)],
        by=by,
        memo=memo,
        reference=f"period-end:{fund.pk}",
        idempotency_key=idempotency_key,
    )


# ----------------------------------------------------------------------------------------------
# Spending
# ----------------------------------------------------------------------------------------------


def _may_spend(user, fund: Fund) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.CARER:
        return fund.carer is not None and fund.carer.user_id == user.pk
    return is_partnership_staff(user, fund.partnership_id)


def _lock_fund(fund: Fund) -> Fund:
    return Fund.objects.select_for_update(of=("self",)).select_related("carer", "partnership").get(pk=fund.pk)


@locking_transaction
def dp_spend_record(
    *,
    fund: Fund,
    spent_on: datetime.date,
    amount: int,
    what_for: str,
    supplier: str,
    receipt,
    by,
    submission_key: str | None = None,
    today: datetime.date | None = None,
) -> DirectPaymentSpend:
    """Record spending from a direct payment with its receipt. The same form sent twice records it once."""
    existing = earlier_submission(DirectPaymentSpend, submission_key, fund=fund)
    if existing is not None:
        return existing
    if fund.kind != Fund.Kind.DIRECT_PAYMENT:
        raise ValidationError("Spending with receipts is recorded only on a direct payment.")
    fund = _lock_fund(fund)
    if not _may_spend(by, fund):
        raise ValidationError("You cannot record spending on this direct payment.")
    if PeriodEndSettlement.objects.filter(fund=fund).exists():
        raise ValidationError("This direct payment's period has been closed: spending cannot be added to it.")
    today = today or timezone.localdate()
    if spent_on is None:
        raise ValidationError({"spent_on": "Enter the date you spent it"})
    if spent_on > today:
        raise ValidationError({"spent_on": "The date you spent it must be today or in the past"})
    if fund.starts_on and spent_on < fund.starts_on:
        raise ValidationError({"spent_on": f"The date must be on or after {fund.starts_on:%-d %B %Y}, when it started"})
    if fund.ends_on and spent_on > fund.ends_on:
        raise ValidationError({"spent_on": f"The date must be on or before {fund.ends_on:%-d %B %Y}, when it ended"})
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError({"amount": "Enter how much you spent, more than £0"})
    what_for = (what_for or "").strip()
    if not what_for:
        raise ValidationError({"what_for": "Say what you bought"})
    supplier = (supplier or "").strip()
    if not supplier:
        raise ValidationError({"supplier": "Enter who you paid"})
    try:
        content_type = validate_receipt(receipt)
    except ValidationError as error:
        raise ValidationError({"receipt": error.messages}) from None
    posting = _spend_posting(
        fund=fund,
        amount=amount,
        by=by,
        memo=f"{what_for[:200]} ({supplier[:100]})",
        # The ledger's keys are global, the form's are the fund's own: the posting's key names the fund.
        idempotency_key=f"dp-spend:{fund.pk}:{submission_key}" if submission_key else None,
    )
    spend, made = create_once(
        DirectPaymentSpend,
        key=submission_key,
        owner={"fund": fund},
        spent_on=spent_on,
        amount_pence=amount,
        what_for=what_for[:500],
        supplier=supplier[:200],
        receipt=receipt,
        receipt_name=(receipt.name or "receipt")[-200:],
        receipt_content_type=content_type,
        recorded_by=by,
        posting=posting,
    )
    if not made:
        return spend  # the same form, sent at the same moment, recorded it
    log_action(spend, "brokerage.direct_payment_spend.recorded", user=by, data={"pence": amount, "fund": fund.pk})
    return spend


# ----------------------------------------------------------------------------------------------
# The period end
# ----------------------------------------------------------------------------------------------


def period_end_rule(partnership_id: int) -> PeriodEndRule:
    """The partnership's rule, or the default (recover everything) if it has never been set."""
    return PeriodEndRule.objects.filter(partnership_id=partnership_id).first() or PeriodEndRule(
        partnership_id=partnership_id
    )


@transaction.atomic
def period_end_rule_update(*, partnership: Partnership, action: str, cap: int, by) -> PeriodEndRule:
    if not is_partnership_staff(by, partnership.pk):
        raise ValidationError("Only the partnership's hub staff can change its rule.")
    if action not in PeriodEndRule.Action.values:
        raise ValidationError({"action": "Select what happens to unspent money"})
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise ValidationError({"cap": "Enter the most that can be carried over, £0 or more"})
    if action == PeriodEndRule.Action.RECOVER:
        cap = 0
    elif cap == 0:
        raise ValidationError({"cap": "Enter the most that can be carried over, more than £0"})
    rule, _ = PeriodEndRule.objects.update_or_create(
        partnership=partnership,
        defaults={"action": action, "carry_over_cap_pence": cap, "updated_by": by, "updated_at": timezone.now()},
    )
    log_action(rule, "brokerage.period_end_rule.updated", user=by, data={"action": action, "cap_pence": cap})
    return rule


def split_unspent(rule: PeriodEndRule, unspent: int) -> tuple[int, int]:
    """(recovered, carried over) under the rule."""
    if unspent <= 0:
        return 0, 0
    carried = min(unspent, rule.carry_over_cap_pence) if rule.action == PeriodEndRule.Action.CARRY_OVER else 0
    return unspent - carried, carried


def source_budget_line(fund: Fund) -> Fund | None:
    """The budget line that allocated most to this fund (where its unspent money goes back to)."""
    return (
        Fund.objects.filter(
            kind=Fund.Kind.BUDGET_LINE,
            partnership_id=fund.partnership_id,
            accounts__legs__posting__kind=Posting.Kind.ALLOCATE,
            accounts__legs__amount__lt=0,
            accounts__legs__posting__legs__account__fund=fund,
        )
        .annotate(given=Sum("accounts__legs__amount"))
        .order_by("given", "pk")
        .first()
    )


def _next_period_fund(fund: Fund, by) -> Fund:
    """The carer's direct payment for the period after this one: the first starting after it ends, else a new one
    of the same length."""
    after = (
        Fund.objects.filter(carer_id=fund.carer_id, kind=Fund.Kind.DIRECT_PAYMENT, starts_on__gt=fund.ends_on)
        .order_by("starts_on", "pk")
        .first()
    )
    if after is not None:
        return after
    length = (fund.ends_on - fund.starts_on) if fund.starts_on else datetime.timedelta(days=364)
    starts = fund.ends_on + datetime.timedelta(days=1)
    return ledger.fund_open(
        partnership=fund.partnership,
        kind=Fund.Kind.DIRECT_PAYMENT,
        name=f"{fund.name} (from {starts:%-d %B %Y})"[:200],
        carer=fund.carer,
        starts_on=starts,
        ends_on=starts + length,
        by=by,
    )


@locking_transaction
def period_end_settle(
    *, fund: Fund, reason: str, by, budget_line: Fund | None = None, today: datetime.date | None = None
) -> PeriodEndSettlement:
    """Carry out the partnership's rule for a direct payment whose period has ended, once. A second call (double
    submit, retry) returns the first settlement and posts nothing."""
    if fund.kind != Fund.Kind.DIRECT_PAYMENT:
        raise ValidationError("Only a direct payment is settled at its period end.")
    fund = _lock_fund(fund)
    if not is_partnership_staff(by, fund.partnership_id):
        raise ValidationError("Only the partnership's hub staff can close a direct payment's period.")
    existing = PeriodEndSettlement.objects.filter(fund=fund).first()
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    if fund.ends_on is None or fund.ends_on >= today:
        raise ValidationError("This direct payment's period has not ended yet.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason, for the record"})
    budget_line = budget_line or source_budget_line(fund)
    if budget_line is None or budget_line.kind != Fund.Kind.BUDGET_LINE:
        raise ValidationError({"budget_line": "Choose the budget line the money goes back to"})
    if budget_line.partnership_id != fund.partnership_id:
        raise ValidationError({"budget_line": "Choose one of the partnership's budget lines"})
    rule = period_end_rule(fund.partnership_id)
    unspent = max(fund_balances(fund=fund, fetched_by=by).available, 0)
    recovered, carried = split_unspent(rule, unspent)
    carried_to = None
    if unspent:
        _recover_posting(
            fund=fund,
            line=budget_line,
            amount=unspent,
            by=by,
            memo=f"Period end: {format_pence(unspent)} unspent returned. {reason}"[:500],
            idempotency_key=f"dp-period-end:{fund.pk}:recover",
        )
    if carried:
        carried_to = _next_period_fund(fund, by)
        ledger.ledger_allocate(
            fund=carried_to,
            amount=carried,
            source=budget_line,
            by=by,
            memo=f"Carried over from {fund.name}"[:500],
            reference=f"period-end:{fund.pk}",
            idempotency_key=f"dp-period-end:{fund.pk}:carry",
        )
    settlement = PeriodEndSettlement.objects.create(
        fund=fund,
        action=rule.action,
        unspent_pence=unspent,
        recovered_pence=recovered,
        carried_pence=carried,
        budget_line=budget_line,
        carried_to=carried_to,
        reason=reason,
        settled_by=by,
    )
    log_action(
        settlement,
        "brokerage.direct_payment.period_end_settled",
        user=by,
        data={"fund": fund.pk, "action": rule.action, "recovered": recovered, "carried": carried, "reason": reason},
    )
    return settlement


# ----------------------------------------------------------------------------------------------
# Selectors
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectPaymentRow:
    """A direct payment with its money (whole pence) and the plan's direct-payment supports beside it."""

    fund: Fund
    available: int
    committed: int
    spent: int
    planned: int
    settlement: PeriodEndSettlement | None = None

    @property
    def unspent(self) -> int:
        return max(self.available, 0)

    @property
    def left_of_plan(self) -> int:
        return self.planned - self.spent


def _rows(funds: list[Fund]) -> list[DirectPaymentRow]:
    """Balances (one query) and planned amounts (one query) for these funds."""
    ids = [fund.pk for fund in funds]
    balances: dict[int, dict[str, int]] = {fund_id: {} for fund_id in ids}
    for fund_id, kind, balance in FundAccount.objects.filter(fund_id__in=ids).values_list("fund_id", "kind", "balance"):
        balances[fund_id][kind] = balance
    carers = {fund.carer_id for fund in funds}
    planned = dict(
        PlanSupport.objects.filter(
            plan__carer_id__in=carers, plan__state__in=Plan.IN_FORCE, sds_option=SdsOption.DIRECT_PAYMENT
        )
        .order_by()
        .values("plan__carer_id")
        .annotate(total=Sum("total_pence"))
        .values_list("plan__carer_id", "total")
    )
    rows = []
    for fund in funds:
        money = balances[fund.pk]
        rows.append(
            DirectPaymentRow(
                fund=fund,
                available=money.get(Kind.AVAILABLE, 0),
                committed=money.get(Kind.COMMITTED, 0),
                spent=money.get(Kind.INVOICED, 0) + money.get(Kind.PAID, 0),
                planned=planned.get(fund.carer_id, 0) or 0,
                settlement=getattr(fund, "_settlement", None),
            )
        )
    return rows


def _dp_funds(fetched_by) -> QuerySet[Fund]:
    return (
        visible(fetched_by, Fund)
        .filter(kind=Fund.Kind.DIRECT_PAYMENT)
        .select_related("carer", "partnership", "period_end_settlement")
        .order_by("carer__last_name", "carer__first_name", "starts_on", "pk")
    )


def _with_settlement(funds) -> list[Fund]:
    result = []
    for fund in funds:
        try:
            fund._settlement = fund.period_end_settlement
        except PeriodEndSettlement.DoesNotExist:
            fund._settlement = None
        result.append(fund)
    return result


def dp_list(*, fetched_by) -> list[DirectPaymentRow]:
    """Every direct payment the user may see (a carer: their own), with its money: three queries."""
    return _rows(_with_settlement(_dp_funds(fetched_by)))


def dp_fund_get(*, fetched_by, pk) -> Fund:
    """One direct payment the user may see, or 404 (audited)."""
    source = Fund.objects.filter(kind=Fund.Kind.DIRECT_PAYMENT).select_related("carer", "partnership")
    return get_visible_or_404(fetched_by, source, pk=pk)


def dp_row(*, fund: Fund) -> DirectPaymentRow:
    return _rows(_with_settlement([fund]))[0]


def dp_spends(*, fund: Fund, fetched_by) -> QuerySet[DirectPaymentSpend]:
    return visible(fetched_by, DirectPaymentSpend).filter(fund=fund).select_related("recorded_by")


def dp_spends_by_fund(*, funds, fetched_by) -> dict[int, list[DirectPaymentSpend]]:
    """{fund id: its spends, newest first} for several funds, in one query."""
    result: dict[int, list[DirectPaymentSpend]] = {fund.pk: [] for fund in funds}
    for spend in visible(fetched_by, DirectPaymentSpend).filter(fund__in=list(result)):
        result[spend.fund_id].append(spend)
    return result


def spend_get(*, fetched_by, pk) -> DirectPaymentSpend:
    source = DirectPaymentSpend.objects.select_related("fund__carer")
    return get_visible_or_404(fetched_by, source, pk=pk)


@dataclass(frozen=True)
class PeriodEndRow:
    row: DirectPaymentRow
    rule: PeriodEndRule
    recover: int
    carry: int
    ended: bool


def period_end_due(*, fetched_by, today: datetime.date | None = None) -> list[PeriodEndRow]:
    """Direct payments not yet settled whose period has ended or ends within 30 days, with unspent money, and
    what the partnership's rule would do with it. Four queries."""
    today = today or timezone.localdate()
    funds = _dp_funds(fetched_by).filter(
        ends_on__isnull=False,
        ends_on__lte=today + datetime.timedelta(days=DUE_WITHIN_DAYS),
        period_end_settlement__isnull=True,
    )
    rows = [row for row in _rows(_with_settlement(funds)) if row.unspent > 0]
    partnerships = {row.fund.partnership_id for row in rows}
    rules = {rule.partnership_id: rule for rule in PeriodEndRule.objects.filter(partnership_id__in=partnerships)}
    result = []
    for row in rows:
        rule = rules.get(row.fund.partnership_id) or PeriodEndRule(partnership_id=row.fund.partnership_id)
        recover, carry = split_unspent(rule, row.unspent)
        result.append(PeriodEndRow(row=row, rule=rule, recover=recover, carry=carry, ended=row.fund.ends_on < today))
    return result
