"""Builders for the access table in tests/test_access.py: URL kwargs for the referral pages."""

from tests.brokerage.referrals.factories import ReferralFactory


def referral_kwargs(w) -> dict:
    return {"pk": ReferralFactory(carer=w.carer_a).pk}


def carer_kwargs(w) -> dict:
    return {"carer_pk": w.carer_a.pk}


def partnership_kwargs(w) -> dict:
    return {"pk": w.carer_a.partnership_id}
