"""Reads for funds. Every one takes the user who reads and goes through the access choke point."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from breakthrough.access import get_visible_or_404, visible
from brokerage.models import Fund, FundAccount


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
