"""manage.py check_ledger: recompute every account balance from its legs and check every posting sums to zero.

Prints each difference and exits non-zero if there is any (there must be none)."""

from django.core.management.base import BaseCommand, CommandError

from breakthrough.money import format_pence
from brokerage.funds.checks import ledger_check


def _signed(pence: int) -> str:
    return f"-{format_pence(-pence)}" if pence < 0 else format_pence(pence)


class Command(BaseCommand):
    help = "Recompute every ledger balance from the legs and report any difference (exit 1 if any)."

    def handle(self, *args, **options):
        report = ledger_check()
        for account_id, stored, computed in report.balance_differences:
            self.stderr.write(
                f"Account {account_id}: stored balance {_signed(stored)}, its legs sum to {_signed(computed)}"
            )
        for posting_id, total, legs in report.unbalanced_postings:
            self.stderr.write(f"Posting {posting_id}: {legs} legs summing to {_signed(total)}, not to zero")
        summary = f"{report.accounts} accounts, {report.postings} postings checked"
        if not report.ok:
            problems = len(report.balance_differences) + len(report.unbalanced_postings)
            raise CommandError(f"The ledger does not balance: {problems} problem(s) in {summary}.")
        self.stdout.write(self.style.SUCCESS(f"The ledger balances: {summary}."))
