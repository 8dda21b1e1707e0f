"""Funds for tests, made through the services so that every fund has its accounts and every penny a posting."""

from breakthrough.models import Organisation
from brokerage.funds import services
from brokerage.models import Fund
from tests.factories import CarerFactory, OrganisationFactory, ProviderFactory, UserFactory


def budget_line(staff, *, amount: int = 1_000_000, name: str = "Short breaks budget") -> Fund:
    """A budget line of the staff member's partnership, opened with `amount` pence from its funding."""
    return services.fund_open(
        partnership=staff.organisation.partnership, kind=Fund.Kind.BUDGET_LINE, name=name, by=staff, amount=amount
    )


def personal_fund(staff, *, carer=None, kind: str = Fund.Kind.ISF, amount: int = 0, line: Fund | None = None):
    """A carer's fund in the staff member's partnership (an ISF held by the staff member's hub by default),
    with `amount` pence allocated from `line` (a new budget line if none is given)."""
    partnership = staff.organisation.partnership
    if carer is None:
        carer = CarerFactory(user=UserFactory(), locality__partnership=partnership)
    hub = staff.organisation if staff.organisation.kind == Organisation.Kind.HUB else None
    if kind == Fund.Kind.ISF and hub is None:
        hub = OrganisationFactory(kind=Organisation.Kind.HUB, partnership=partnership)
    fund = services.fund_open(
        partnership=partnership,
        kind=kind,
        name=f"{carer.first_name} {carer.last_name}'s {kind.replace('_', ' ')}",
        carer=carer,
        held_by=hub if kind == Fund.Kind.ISF else None,
        by=staff,
    )
    if amount:
        services.ledger_allocate(fund=fund, amount=amount, source=line or budget_line(staff), by=staff)
    return fund


def provider(**kwargs) -> Organisation:
    return ProviderFactory(**kwargs)
