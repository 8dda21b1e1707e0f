"""Funds and the double-entry ledger: every penny that moves is a posting whose legs sum to zero.

Funds (all belong to one partnership):

- **ISF** (SDS option 2): a carer's Individual Service Fund, held and spent by a Short Break Hub for them.
- **Direct payment** (SDS option 1): money the carer manages themself.
- **Micro-grant**: an award fund for a carer's small grant.
- **Budget line**: the partnership's own budget that personal funds are allocated from.
- **External**: one per partnership, created on first use: "outside the ledger". Its one account, *funding*,
  is where a partnership's money comes in from (it goes negative by the total put in) and where an
  adjustment takes money from or returns it to. It is never shown to carers.

Accounts. Every fund has an **available** account (money not yet promised). Personal funds (ISF,
direct payment, micro-grant) also have **committed** (booked, not yet invoiced), **invoiced** (delivered
and invoiced, awaiting payment) and **paid** (paid to the provider). *Spent* means delivered and invoiced,
so a fund's spent figure is invoiced + paid: money becomes spent when the provider's invoice is recorded,
and paying it moves it from invoiced to paid (it stays spent). A refund from a provider moves paid money
back to available. A budget line has only an available account; the external fund only funding.

The flows (each one posting, two legs per fund touched):

    budget top-up  external.funding   -> line.available       (kind allocate)
    allocate       line.available     -> fund.available
    commit         fund.available     -> fund.committed       (a booking)
    release        fund.committed     -> fund.available       (a cancellation)
    invoice        fund.committed     -> fund.invoiced        (spent)
    pay            fund.invoiced      -> fund.paid            (still spent; the provider has the money)
    refund         fund.paid          -> fund.available
    adjust         external.funding  <-> fund.available       (after a second person approves)

A pooled cost (one group activity shared by several carers' funds) is ONE posting with legs on each fund.

Balances. Every account row keeps its `balance`. Inserting legs moves it in the same statement (a database
trigger: UPDATE ... SET balance = balance + the legs' sum), in the same transaction, after the services have
locked the rows in id order; so a balance read is one indexed row read whatever the number of postings, and
`manage.py check_ledger` recomputes every balance from the legs. The database refuses an account whose
balance drops below minus its `overdraft_limit` (0 unless an approved Overdraft set it on an available
account), whoever wrote the legs; the external funding account alone may go negative.

Immutability. Postings and legs are never updated or deleted: a correction is a new posting. On
PostgreSQL triggers refuse UPDATE and DELETE of both, and a deferred constraint trigger refuses, at
commit, a posting whose legs do not sum to zero (migration <n>_ledger_zero_sum_trigger).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from breakthrough.access import casework_partnership_id, sees_whole_platform
from breakthrough.models import Organisation, Partnership, Role
from breakthrough.money import format_pence
from brokerage.models.bookings import Booking
from brokerage.models.household import Carer


class FundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admin: every fund. A carer: their own personal funds. Brokers and assessors: their partnership's."""
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(carer__user=user)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(partnership_id=partnership_id)
        return self.none()


class Fund(models.Model):
    class Kind(models.TextChoices):
        ISF = "isf", "Individual Service Fund (held by the hub)"
        DIRECT_PAYMENT = "direct_payment", "Direct payment (managed by the carer)"
        MICRO_GRANT = "micro_grant", "Micro-grant"
        BUDGET_LINE = "budget_line", "Partnership budget line"
        EXTERNAL = "external", "Outside the ledger"

    PERSONAL = (Kind.ISF, Kind.DIRECT_PAYMENT, Kind.MICRO_GRANT)

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="funds")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    carer = models.ForeignKey(Carer, null=True, blank=True, on_delete=models.PROTECT, related_name="funds")
    held_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="funds_held"
    )  # the hub that holds an ISF
    name = models.CharField(max_length=200)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)

    objects = FundQuerySet.as_manager()

    class Meta:
        ordering = ["partnership_id", "kind", "name", "pk"]
        indexes = [models.Index(fields=["partnership", "kind"]), models.Index(fields=["carer", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["isf", "direct_payment", "micro_grant"]) & Q(carer__isnull=False))
                | (Q(kind__in=["budget_line", "external"]) & Q(carer__isnull=True)),
                name="fund_personal_kinds_have_a_carer",
            ),
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(kind="external"), name="fund_one_external_per_partnership"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="fund_period_in_order",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_personal(self) -> bool:
        return self.kind in self.PERSONAL


class FundAccount(models.Model):
    """One account of a fund, with its running balance (integer pence, the sum of its legs)."""

    class Kind(models.TextChoices):
        AVAILABLE = "available", "Available"
        COMMITTED = "committed", "Committed"
        INVOICED = "invoiced", "Invoiced, awaiting payment"
        PAID = "paid", "Paid"
        FUNDING = "funding", "Funding"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    balance = models.BigIntegerField(default=0)
    # How far below zero the balance may go: set only by an approved Overdraft, on an available account.
    overdraft_limit = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["fund_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "kind"], name="fund_account_one_per_kind"),
            models.CheckConstraint(condition=Q(overdraft_limit__gte=0), name="fund_account_overdraft_not_negative"),
            models.CheckConstraint(
                condition=Q(overdraft_limit=0) | Q(kind="available"), name="fund_account_overdraft_on_available_only"
            ),
            models.CheckConstraint(
                condition=Q(kind="funding") | Q(balance__gte=-F("overdraft_limit")),
                name="fund_account_balance_within_overdraft",
            ),
        ]

    def __str__(self):
        return f"{self.fund} ({self.get_kind_display().lower()})"


class PostingQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(partnership_id=partnership_id)
        if user.role == Role.CARER:
            return self.filter(legs__account__fund__carer__user=user).distinct()
        return self.none()


class Posting(models.Model):
    """One movement of money: legs that sum to zero. Never changed or deleted; a correction is a new posting."""

    class Kind(models.TextChoices):
        ALLOCATE = "allocate", "Allocate"
        COMMIT = "commit", "Commit"
        RELEASE = "release", "Release"
        INVOICE = "invoice", "Invoice"
        PAY = "pay", "Pay"
        REFUND = "refund", "Refund"
        ADJUST = "adjust", "Adjust"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="postings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    memo = models.CharField(max_length=500, blank=True)
    # None: the platform itself (a scheduled job, e.g. releasing the money of a request that lapsed unanswered).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A retry of the same request carries the same key: the second insert fails, so it cannot post twice.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="postings")
    invoice = models.ForeignKey(
        "brokerage.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="postings"
    )
    reference = models.CharField(max_length=100, blank=True)  # e.g. "plan:42" until plans are wired

    objects = PostingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "created_at"]), models.Index(fields=["reference"])]

    def __str__(self):
        return f"Posting {self.pk} ({self.kind})"


class Leg(models.Model):
    """One side of a posting: a signed amount of whole pence on one account (never zero)."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="legs")
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["posting_id", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="leg_amount_not_zero")]

    def __str__(self):
        return f"{self.amount:+d}p on {self.account}"


class ProviderDealingsQuerySet(models.QuerySet):
    """Rows between a provider and a partnership (invoices, agreements): a provider sees its own, hub staff their
    partnership's."""

    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        if user.role == Role.PROVIDER:
            return self.filter(provider_id=user.organisation_id)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(partnership_id=partnership_id)
        return self.none()


class PaymentTerms(models.TextChoices):
    """When the hub pays a provider, by their agreement with the partnership."""

    UPFRONT = "upfront", "Upfront: payable once the booking is confirmed"
    ARREARS = "arrears", "In arrears: payable after the break has happened"


class Invoice(models.Model):
    """An invoice for a delivered break (a booking) or a support in a carer's plan, paid from one or more funds,
    once. Who is paid is either a provider on the platform (`provider`, who sent it from their portal) or a
    supplier that is not on the platform (`payee_name`, recorded by the hub: e.g. a personal assistant or a
    driving school paid for a creative break); exactly one of the two. An invoice is for a booking, for a plan
    support, or (recorded straight on the ledger) for neither; never both."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        PAID = "paid", "Paid"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="invoices")
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )  # None: a supplier not on the platform, named in payee_name
    payee_name = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100)  # the provider's (or supplier's) invoice number
    amount_pence = models.BigIntegerField()
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    plan_support = models.ForeignKey(
        "brokerage.PlanSupport", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_pence = models.BigIntegerField(default=0)
    # The provider's agreement with the partnership when the invoice was submitted (see ProviderAgreement).
    payment_terms = models.CharField(max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.ARREARS)
    # Why the invoice asks for more than was booked (required when it does).
    note = models.TextField(max_length=1000, blank=True)
    # The booking was recorded as not attended when this was invoiced (by a provider who charges for no-shows):
    # paid in arrears, it is payable although the break did not happen.
    for_no_show = models.BooleanField(default=False)

    objects = ProviderDealingsQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=Q(booking__isnull=False), name="invoice_once_per_booking"
            ),
            models.UniqueConstraint(fields=["provider", "reference"], name="invoice_reference_once_per_provider"),
            # A supplier off the platform has no row of its own: its invoice numbers are unique per partnership
            # and supplier name (whatever its case; the services also trim and collapse its spaces).
            models.UniqueConstraint(
                Lower("payee_name"),
                "partnership",
                "reference",
                condition=Q(provider__isnull=True),
                name="invoice_reference_once_per_payee",
            ),
            models.CheckConstraint(
                condition=(Q(provider__isnull=False) & Q(payee_name=""))
                | (Q(provider__isnull=True) & ~Q(payee_name="")),
                name="invoice_provider_or_payee_name",
            ),
            models.CheckConstraint(
                condition=Q(booking__isnull=True) | Q(plan_support__isnull=True),
                name="invoice_booking_or_plan_support",
            ),
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_pence__gte=0) & Q(refunded_pence__lte=F("amount_pence")),
                name="invoice_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(state="submitted", paid_at__isnull=True, refunded_pence=0)
                | Q(state="paid", paid_at__isnull=False, paid_by__isnull=False),
                name="invoice_paid_when_and_by_whom",
            ),
        ]

    def __str__(self):
        return f"Invoice {self.reference} from {self.payee}"

    @property
    def payee(self) -> str:
        """Who is paid: the provider's name, or the off-platform supplier's."""
        return self.provider.name if self.provider_id else self.payee_name


class _TwoPersonRequest(models.Model):
    """A change to money that one person asks for and a second, different person approves or refuses (with a
    reason). Nobody decides their own request: the services refuse it and the database constraints of each
    concrete model check it again."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # A double submit of the same form carries the same key: the second finds the first.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(max_length=1000, blank=True)

    class Meta:
        abstract = True

    @property
    def decided_by(self):
        return self.approved_by if self.state == self.State.APPROVED else self.refused_by

    @property
    def decided_at(self):
        return self.approved_at if self.state == self.State.APPROVED else self.refused_at


# Refused: by someone other than the requester, with a reason, and nothing approved.
_REFUSED_BY_A_SECOND_PERSON = (
    Q(state="refused", approved_by__isnull=True, refused_by__isnull=False, refused_at__isnull=False)
    & ~Q(refusal_reason="")
    & ~Q(refused_by=F("requested_by"))
)


class FundAdjustmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_whole_platform(user):
            return self
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(fund__partnership_id=partnership_id)
        return self.none()


class FundAdjustment(_TwoPersonRequest):
    """A correction to a fund's available money (signed pence), posted only once a second person approves."""

    amount_pence = models.BigIntegerField()
    posting = models.OneToOneField(Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="adjustment")

    objects = FundAdjustmentQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_pence=0), name="fund_adjustment_not_zero"),
            models.CheckConstraint(condition=~Q(reason=""), name="fund_adjustment_has_reason"),
            models.CheckConstraint(
                condition=Q(state="pending", approved_by__isnull=True, refused_by__isnull=True, posting__isnull=True)
                | (
                    Q(state="approved", approved_by__isnull=False, refused_by__isnull=True, posting__isnull=False)
                    & ~Q(approved_by=F("requested_by"))
                )
                | (_REFUSED_BY_A_SECOND_PERSON & Q(posting__isnull=True)),
                name="fund_adjustment_second_person_posts",
            ),
        ]

    def __str__(self):
        return f"Adjustment of {self.amount_pence:+d}p to {self.fund}"

    kind_words = "adjustment"

    @property
    def change_words(self) -> str:
        """'Add £25 to the available money', 'Take £25 from the available money'."""
        if self.amount_pence > 0:
            return f"Add {format_pence(self.amount_pence)} to the available money"
        return f"Take {format_pence(-self.amount_pence)} from the available money"


class Overdraft(_TwoPersonRequest):
    """Permission for a fund's available balance to go as far as `limit_pence` below zero."""

    limit_pence = models.BigIntegerField()

    objects = FundAdjustmentQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(limit_pence__gte=0), name="overdraft_limit_not_negative"),
            models.CheckConstraint(condition=~Q(reason=""), name="overdraft_has_reason"),
            models.CheckConstraint(
                condition=Q(state="pending", approved_by__isnull=True, refused_by__isnull=True)
                | (
                    Q(state="approved", approved_by__isnull=False, refused_by__isnull=True)
                    & ~Q(approved_by=F("requested_by"))
                )
                | _REFUSED_BY_A_SECOND_PERSON,
                name="overdraft_approved_by_second_person",
            ),
            # Two limits waiting at once would leave the fund with whichever was approved last.
            models.UniqueConstraint(
                fields=["fund"], condition=Q(state="pending"), name="overdraft_one_pending_per_fund"
            ),
        ]

    def __str__(self):
        return f"Overdraft to {self.limit_pence}p on {self.fund}"

    kind_words = "overdraft"

    @property
    def change_words(self) -> str:
        """'Let the available money go as far as £200 below zero', or 'End the overdraft' for a limit of £0."""
        if self.limit_pence == 0:
            return "End the overdraft: the available money may not go below zero"
        return f"Let the available money go as far as {format_pence(self.limit_pence)} below zero"


class BookingShareQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff of the fund's partnership, the fund's carer (their own share only), the provider of the booking."""
        if sees_whole_platform(user):
            return self
        if user.role == Role.CARER:
            return self.filter(fund__carer__user=user)
        if user.role == Role.PROVIDER:
            return self.filter(booking__offer__provider_id=user.organisation_id)
        partnership_id = casework_partnership_id(user)
        if partnership_id is not None:
            return self.filter(fund__partnership_id=partnership_id)
        return self.none()


class BookingShare(models.Model):
    """The part of a booking's cost one fund pays. A booking paid from one fund has one share; a pooled group
    activity has one per fund, split by the rule recorded here (the same rule on every share of a booking)."""

    class Rule(models.TextChoices):
        SOLE = "sole", "Paid from one fund"
        EQUAL = "equal", "Split equally between the funds"
        PLACES = "places", "Split by the places each household takes"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="shares")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="booking_shares")
    rule = models.CharField(max_length=10, choices=Rule.choices, default=Rule.SOLE)
    places = models.PositiveSmallIntegerField(default=0)  # the places this fund's household takes (rule "places")
    # On a pooled booking, whether this fund's household's carer goes too (its cared-for people are on the
    # booking's cared_for). A booking of one household records that on the booking itself.
    includes_carer = models.BooleanField(default=False)
    pence = models.BigIntegerField()

    objects = BookingShareQuerySet.as_manager()

    class Meta:
        ordering = ["booking_id", "fund_id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "fund"], name="booking_share_once_per_fund"),
            models.CheckConstraint(condition=Q(pence__gt=0), name="booking_share_positive"),
        ]

    def __str__(self):
        return f"{self.pence}p of {self.booking} from {self.fund}"


class ProviderAgreement(models.Model):
    """How a partnership pays a provider: upfront or in arrears, and whether the provider charges for a booked
    break the carer did not attend (a no-show). No agreement means in arrears, and no charge for no-shows."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="provider_agreements")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agreements")
    payment_terms = models.CharField(max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.ARREARS)
    # False: recording a no-show gives the booking's money back to the fund at once. True: the money stays
    # committed so the provider can invoice it, until NO_SHOW_INVOICE_DAYS after the break (wiring.py).
    charges_no_show = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    objects = ProviderDealingsQuerySet.as_manager()

    class Meta:
        ordering = ["partnership_id", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "provider"], name="provider_agreement_once"),
        ]

    def __str__(self):
        return f"{self.provider} with {self.partnership}: {self.payment_terms}"
