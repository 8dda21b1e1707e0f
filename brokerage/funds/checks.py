"""The ledger check: recompute every balance from the legs and find any posting that does not balance.

Used by `manage.py check_ledger` and by the tests after every step. Three queries, whatever the size:
one GROUP BY over the legs per account, one over the legs per posting, and the stored balances.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from brokerage.models import FundAccount, Leg, Posting


@dataclass
class LedgerReport:
    # (account id, stored balance, balance recomputed from its legs)
    balance_differences: list[tuple[int, int, int]] = field(default_factory=list)
    # (posting id, sum of its legs, number of legs): legs not summing to zero, or fewer than two legs
    unbalanced_postings: list[tuple[int, int, int]] = field(default_factory=list)
    accounts: int = 0
    postings: int = 0

    @property
    def ok(self) -> bool:
        return not self.balance_differences and not self.unbalanced_postings


def ledger_check() -> LedgerReport:
    report = LedgerReport()
    recomputed = dict(
        Leg.objects.order_by().values("account_id").annotate(total=Sum("amount")).values_list("account_id", "total")
    )
    for pk, stored in FundAccount.objects.order_by("pk").values_list("pk", "balance"):
        report.accounts += 1
        computed = recomputed.pop(pk, 0) or 0
        if stored != computed:
            report.balance_differences.append((pk, stored, computed))
    # Legs on accounts that no longer exist cannot happen (PROTECT), but report them if they ever did.
    report.balance_differences += [(pk, 0, total) for pk, total in recomputed.items()]
    postings = (
        Posting.objects.order_by()
        .annotate(total=Sum("legs__amount"), legs_count=Count("legs"))
        .filter(~Q(total=0) | Q(total__isnull=True) | Q(legs_count__lt=2))
        .values_list("pk", "total", "legs_count")
    )
    report.unbalanced_postings = [(pk, total or 0, count) for pk, total, count in postings]
    report.postings = Posting.objects.count()
    return report
