"""The ledger's services: each movement, each refusal, and the two-person rule."""

import pytest
from django.core.exceptions import ValidationError

from breakthrough.models import AuditEvent, Role
from brokerage.funds import services
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import Fund, FundAccount, FundAdjustment, Invoice, Leg, Posting
from tests.brokerage.funds.factories import budget_line, personal_fund, provider
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db


def balances(fund, x):
    return fund_balances(fund=fund, fetched_by=x.broker)


def legs_of(posting):
    return sorted((leg.account.fund.name, leg.account.kind, leg.amount) for leg in posting.legs.all())


@pytest.fixture
def line(x):
    return budget_line(x.broker, amount=500_000)


@pytest.fixture
def isf(x, carer_a, line):
    return personal_fund(x.broker, carer=carer_a, amount=100_000, line=line)


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


# ----------------------------------------------------------------------------------------------
# Opening funds and allocating money
# ----------------------------------------------------------------------------------------------


def test_a_personal_fund_has_available_committed_invoiced_and_paid_accounts(x, carer_a):
    fund = personal_fund(x.broker, carer=carer_a)
    assert sorted(fund.accounts.values_list("kind", flat=True)) == ["available", "committed", "invoiced", "paid"]
    assert fund.held_by == x.hub
    assert AuditEvent.objects.filter(action="brokerage.fund.opened", object_id=str(fund.pk)).exists()


def test_a_budget_line_opens_with_money_from_the_partnerships_funding(x):
    line = budget_line(x.broker, amount=250_000)
    assert list(line.accounts.values_list("kind", "balance")) == [("available", 250_000)]
    funding = FundAccount.objects.get(fund__partnership=x.partnership, kind="funding")
    assert funding.balance == -250_000
    posting = Posting.objects.get(kind="allocate")
    assert AuditEvent.objects.filter(action="brokerage.posting.allocate", object_id=str(posting.pk)).exists()


def test_allocate_moves_money_from_a_budget_line_to_a_carers_fund(x, line, isf):
    assert balances(isf, x).available == 100_000
    assert balances(line, x).available == 400_000
    posting = Posting.objects.filter(kind="allocate").first()
    assert sum(posting.legs.values_list("amount", flat=True)) == 0


def test_allocate_with_the_same_idempotency_key_posts_once(x, line, carer_a):
    fund = personal_fund(x.broker, carer=carer_a)
    first = services.ledger_allocate(fund=fund, amount=5_000, source=line, by=x.broker, idempotency_key="plan:7:v1")
    again = services.ledger_allocate(fund=fund, amount=5_000, source=line, by=x.broker, idempotency_key="plan:7:v1")
    assert first == again
    assert balances(fund, x).available == 5_000


def test_allocate_more_than_the_budget_line_has_is_refused(x, carer_a):
    small = budget_line(x.broker, amount=1_000)
    fund = personal_fund(x.broker, carer=carer_a)
    with pytest.raises(ValidationError, match="has £10 available, not the £20 this needs"):
        services.ledger_allocate(fund=fund, amount=2_000, source=small, by=x.broker)


def test_allocate_from_another_partnerships_budget_line_is_refused(x, y, carer_a):
    theirs = budget_line(y.broker)
    fund = personal_fund(x.broker, carer=carer_a)
    with pytest.raises(ValidationError):
        services.ledger_allocate(fund=fund, amount=100, source=theirs, by=x.broker)


@pytest.mark.parametrize("amount", [0, -5, 12.5, "100", True])
def test_amounts_must_be_positive_whole_pence(x, line, isf, amount):
    with pytest.raises(ValidationError):
        services.ledger_commit(fund=isf, amount=amount, by=x.broker)


def test_staff_of_another_partnership_and_carers_cannot_move_money(x, y, carer_a, isf):
    for user in (y.broker, carer_a.user, x.commissioner):
        with pytest.raises(ValidationError, match="cannot move money"):
            services.ledger_commit(fund=isf, amount=100, by=user)


def test_isf_must_be_held_by_a_hub_of_the_partnership(x, y, carer_a):
    with pytest.raises(ValidationError):
        services.fund_open(
            partnership=x.partnership, kind=Fund.Kind.ISF, name="ISF", carer=carer_a, held_by=y.hub, by=x.broker
        )


# ----------------------------------------------------------------------------------------------
# Commit, release, invoice, pay, refund
# ----------------------------------------------------------------------------------------------


def test_commit_moves_available_to_committed_and_release_moves_it_back(x, isf):
    posting = services.ledger_commit(fund=isf, amount=30_000, by=x.broker, memo="Weekend away")
    assert legs_of(posting) == sorted([(isf.name, "available", -30_000), (isf.name, "committed", 30_000)])
    assert (balances(isf, x).available, balances(isf, x).committed) == (70_000, 30_000)
    services.ledger_release(fund=isf, amount=10_000, by=x.broker, memo="One night cancelled")
    assert (balances(isf, x).available, balances(isf, x).committed) == (80_000, 20_000)


def test_commit_over_the_available_money_without_an_overdraft_is_refused(x, isf):
    with pytest.raises(ValidationError, match="has £1,000 available, not the £1,000.01 this needs"):
        services.ledger_commit(fund=isf, amount=100_001, by=x.broker)
    assert balances(isf, x).available == 100_000
    assert not Posting.objects.filter(kind="commit").exists()


def test_release_more_than_is_committed_is_refused(x, isf):
    services.ledger_commit(fund=isf, amount=1_000, by=x.broker)
    with pytest.raises(ValidationError, match="committed"):
        services.ledger_release(fund=isf, amount=1_001, by=x.broker)


def test_an_invoice_turns_committed_money_into_spent_and_paying_it_keeps_it_spent(x, isf):
    services.ledger_commit(fund=isf, amount=40_000, by=x.broker)
    invoice = services.ledger_invoice(provider=provider(), reference="INV-1", fund=isf, amount=40_000, by=x.broker)
    after_invoice = balances(isf, x)
    assert (after_invoice.committed, after_invoice.invoiced, after_invoice.spent) == (0, 40_000, 40_000)
    services.invoice_pay(invoice=invoice, by=x.broker)
    after_pay = balances(isf, x)
    assert (after_pay.invoiced, after_pay.paid, after_pay.spent, after_pay.available) == (0, 40_000, 40_000, 60_000)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.PAID
    assert invoice.paid_by == x.broker
    assert AuditEvent.objects.filter(action="brokerage.invoice.paid", object_id=str(invoice.pk)).count() == 1


def test_an_invoice_for_more_than_was_committed_is_refused(x, isf):
    services.ledger_commit(fund=isf, amount=1_000, by=x.broker)
    with pytest.raises(ValidationError, match="committed"):
        services.ledger_invoice(provider=provider(), reference="INV-2", fund=isf, amount=1_500, by=x.broker)
    assert not Invoice.objects.exists()


def test_the_same_provider_invoice_number_is_recorded_once(x, isf):
    services.ledger_commit(fund=isf, amount=2_000, by=x.broker)
    sender = provider()
    services.ledger_invoice(provider=sender, reference="INV-3", fund=isf, amount=1_000, by=x.broker)
    with pytest.raises(ValidationError, match="already recorded"):
        services.ledger_invoice(provider=sender, reference="INV-3", fund=isf, amount=1_000, by=x.broker)


def test_paying_an_invoice_twice_pays_once(x, isf):
    services.ledger_commit(fund=isf, amount=5_000, by=x.broker)
    invoice = services.ledger_invoice(provider=provider(), reference="INV-4", fund=isf, amount=5_000, by=x.broker)
    services.invoice_pay(invoice=invoice, by=x.broker)
    services.invoice_pay(invoice=invoice, by=x.assessor)  # a double click, a retry, a colleague
    assert Posting.objects.filter(invoice=invoice, kind="pay").count() == 1
    assert balances(isf, x).paid == 5_000
    invoice.refresh_from_db()
    assert invoice.paid_by == x.broker


def test_the_pay_posting_carries_the_database_idempotency_key(x, isf):
    services.ledger_commit(fund=isf, amount=5_000, by=x.broker)
    invoice = services.ledger_invoice(provider=provider(), reference="INV-5", fund=isf, amount=5_000, by=x.broker)
    services.invoice_pay(invoice=invoice, by=x.broker)
    assert Posting.objects.get(kind="pay").idempotency_key == f"invoice-pay:{invoice.pk}"


def test_a_refund_returns_paid_money_to_available_and_no_more_than_was_paid(x, isf):
    services.ledger_commit(fund=isf, amount=5_000, by=x.broker)
    invoice = services.ledger_invoice(provider=provider(), reference="INV-6", fund=isf, amount=5_000, by=x.broker)
    with pytest.raises(ValidationError, match="Only a paid invoice"):
        services.ledger_refund(invoice=invoice, amount=1_000, by=x.broker, reason="Session cut short")
    services.invoice_pay(invoice=invoice, by=x.broker)
    services.ledger_refund(invoice=invoice, amount=1_000, by=x.broker, reason="Session cut short")
    b = balances(isf, x)
    assert (b.available, b.paid) == (96_000, 4_000)
    with pytest.raises(ValidationError, match="At most £40 of this invoice"):
        services.ledger_refund(invoice=invoice, amount=4_001, by=x.broker, reason="Again")
    invoice.refresh_from_db()
    assert invoice.refunded_pence == 1_000


# ----------------------------------------------------------------------------------------------
# Pooled funds: one posting, legs on every fund
# ----------------------------------------------------------------------------------------------


def test_a_pooled_cost_is_one_posting_split_across_the_funds(x, line, carer_a, carer_b_in_x):
    first = personal_fund(x.broker, carer=carer_a, amount=10_000, line=line)
    second = personal_fund(x.broker, carer=carer_b_in_x, amount=10_000, line=line)
    commit = services.ledger_commit(shares={first: 3_000, second: 4_500}, by=x.broker, memo="Overnight trip")
    assert commit.legs.count() == 4
    invoice = services.ledger_invoice(
        provider=provider(), reference="TRIP-1", shares={first: 3_000, second: 4_500}, by=x.broker
    )
    assert invoice.amount_pence == 7_500
    services.invoice_pay(invoice=invoice, by=x.broker)
    assert (balances(first, x).paid, balances(second, x).paid) == (3_000, 4_500)
    services.ledger_refund(invoice=invoice, amount=7_500, by=x.broker, reason="Trip called off")
    assert (balances(first, x).available, balances(second, x).available) == (10_000, 10_000)


def test_funds_of_different_partnerships_cannot_pool(x, y, carer_a, carer_b):
    ours = personal_fund(x.broker, carer=carer_a, amount=1_000)
    theirs = personal_fund(y.broker, carer=carer_b, amount=1_000)
    with pytest.raises(ValidationError):
        services.ledger_commit(shares={ours: 100, theirs: 100}, by=x.broker)


def test_refund_split_never_gives_a_fund_more_than_it_paid():
    assert services._split(1, {1: 1, 2: 2}) == {2: 1}
    assert services._split(3, {1: 1, 2: 2}) == {1: 1, 2: 2}
    assert services._split(10, {1: 3, 2: 3, 3: 4}) == {1: 3, 2: 3, 3: 4}
    assert sum(services._split(7, {1: 5, 2: 5, 3: 5}).values()) == 7


# ----------------------------------------------------------------------------------------------
# Two-person rule: adjustments and overdrafts
# ----------------------------------------------------------------------------------------------


def test_an_adjustment_posts_nothing_until_a_second_person_approves_it(x, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=-2_500, reason="Double allocation", requested_by=x.broker)
    assert adjustment.state == FundAdjustment.State.PENDING
    assert balances(isf, x).available == 100_000
    assert not Posting.objects.filter(kind="adjust").exists()
    services.adjustment_approve(adjustment=adjustment, by=x.assessor)
    adjustment.refresh_from_db()
    assert adjustment.state == FundAdjustment.State.APPROVED
    assert adjustment.posting.kind == "adjust"
    assert balances(isf, x).available == 97_500
    assert AuditEvent.objects.filter(action="brokerage.fund_adjustment.approved").count() == 1


def test_the_person_who_asked_for_an_adjustment_cannot_approve_it(x, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=2_500, reason="Missed top-up", requested_by=x.broker)
    with pytest.raises(ValidationError, match="second person"):
        services.adjustment_approve(adjustment=adjustment, by=x.broker)
    assert balances(isf, x).available == 100_000


def test_an_adjustment_is_approved_once_and_only_by_staff_of_the_partnership(x, y, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=100, reason="Rounding", requested_by=x.broker)
    with pytest.raises(ValidationError, match="cannot move money"):
        services.adjustment_approve(adjustment=adjustment, by=y.broker)
    services.adjustment_approve(adjustment=adjustment, by=x.assessor)
    another = staff(Role.BROKER, x.hub)
    with pytest.raises(ValidationError, match="already been approved"):
        services.adjustment_approve(adjustment=adjustment, by=another)
    assert balances(isf, x).available == 100_100


def test_an_adjustment_needs_a_reason(x, isf):
    with pytest.raises(ValidationError):
        services.ledger_adjust(fund=isf, amount=100, reason="  ", requested_by=x.broker)


def test_an_adjustment_that_would_overdraw_the_fund_is_refused_at_approval(x, isf):
    adjustment = services.ledger_adjust(fund=isf, amount=-100_001, reason="Clawback", requested_by=x.broker)
    with pytest.raises(ValidationError, match="available"):
        services.adjustment_approve(adjustment=adjustment, by=x.assessor)


def test_an_approved_overdraft_lets_available_money_go_below_zero_up_to_its_limit(x, isf):
    overdraft = services.overdraft_request(fund=isf, limit=20_000, reason="Crisis respite", requested_by=x.broker)
    with pytest.raises(ValidationError):  # not yet approved
        services.ledger_commit(fund=isf, amount=110_000, by=x.broker)
    with pytest.raises(ValidationError, match="second person"):
        services.overdraft_approve(overdraft=overdraft, by=x.broker)
    services.overdraft_approve(overdraft=overdraft, by=x.assessor)
    services.ledger_commit(fund=isf, amount=110_000, by=x.broker)
    b = balances(isf, x)
    assert (b.available, b.overdraft_limit) == (-10_000, 20_000)
    with pytest.raises(ValidationError, match="has £100 available"):
        services.ledger_commit(fund=isf, amount=10_001, by=x.broker)


def test_an_overdraft_cannot_be_cut_below_what_is_already_overdrawn(x, isf):
    first = services.overdraft_request(fund=isf, limit=5_000, reason="Crisis", requested_by=x.broker)
    services.overdraft_approve(overdraft=first, by=x.assessor)
    services.ledger_commit(fund=isf, amount=103_000, by=x.broker)
    lower = services.overdraft_request(fund=isf, limit=1_000, reason="Tighten", requested_by=x.broker)
    with pytest.raises(ValidationError, match="already £30 overdrawn"):
        services.overdraft_approve(overdraft=lower, by=x.assessor)


# ----------------------------------------------------------------------------------------------
# Immutability through the services and the ORM-level guarantees that hold on every database
# ----------------------------------------------------------------------------------------------


def test_the_services_offer_no_way_to_change_or_delete_a_posting():
    names = [name for name in dir(services) if not name.startswith("_")]
    assert not [name for name in names if "delete" in name or "update" in name or "edit" in name]


def test_a_posting_whose_legs_do_not_sum_to_zero_is_refused_in_python(x, isf):
    with pytest.raises(ValidationError, match="add up to zero"):
        services._post(kind="commit", legs=[(isf, "available", -100), (isf, "committed", 99)], by=x.broker)


def test_every_posting_is_audited_with_its_partnership(x, isf):
    services.ledger_commit(fund=isf, amount=100, by=x.broker)
    posting = Posting.objects.get(kind="commit")
    event = AuditEvent.objects.get(action="brokerage.posting.commit", object_id=str(posting.pk))
    assert event.actor == x.broker
    assert event.partnership == x.partnership
    assert event.data == {"pence": 100, "funds": [isf.pk]}


def test_a_leg_amount_of_zero_is_refused_by_the_database(x, isf):
    from django.db import IntegrityError, transaction

    posting = services.ledger_commit(fund=isf, amount=100, by=x.broker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Leg.objects.create(posting=posting, account=isf.accounts.first(), amount=0)


def test_a_balance_below_the_overdraft_limit_is_refused_by_the_database(x, isf):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.filter(fund=isf, kind="available").update(balance=-1)


def test_carers_do_not_act_for_the_hub(x, carer_a):
    outsider = UserFactory()
    fund = personal_fund(x.broker, carer=carer_a, amount=100)
    with pytest.raises(ValidationError):
        services.ledger_adjust(fund=fund, amount=5, reason="I want more", requested_by=outsider)
