"""Builders for the access table in tests/test_access.py: URL kwargs for the carer's money pages (carer A's ISF)."""

from tests.brokerage.funds.factories import personal_fund


def carer_a_fund(w) -> dict:
    return {"pk": personal_fund(w.personas["broker_x"], carer=w.carer_a, amount=10_000).pk}
