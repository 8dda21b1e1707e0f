"""Builders for the access table in tests/test_access.py: URL kwargs for the support plan pages (carer A's plan)."""

from django.core.files.base import ContentFile
from django.utils import timezone

from brokerage.models import Plan, PlanDocument
from tests.brokerage.plans.factories import complete_plan


def _plan(w, state=Plan.State.DRAFT) -> Plan:
    plan = complete_plan(w.carer_a)
    if state != Plan.State.DRAFT:
        approved = {"approved_at": timezone.now(), "approved_by": w.personas["assessor_x"]}
        Plan.objects.filter(pk=plan.pk).update(state=state, **(approved if state != Plan.State.SUBMITTED else {}))
        plan.refresh_from_db()
    return plan


def carer_plan(w) -> dict:
    return {"pk": _plan(w).pk}


def carer_section(w) -> dict:
    return {**carer_plan(w), "section": "outcomes"}


def carer_item(w) -> dict:
    plan = _plan(w)
    return {"pk": plan.pk, "section": "risks", "item": plan.risks.get().pk}


def carer_pdf(w) -> dict:
    plan = _plan(w, Plan.State.APPROVED)
    PlanDocument.objects.create(
        plan=plan,
        state=PlanDocument.State.RENDERED,
        file=ContentFile(b"%PDF-1.7 access test", name="access-test-plan.pdf"),
        attempts=1,
        rendered_at=timezone.now(),
    )
    return {"pk": plan.pk}


def _staff(kwargs: dict, w) -> dict:
    return {"carer_pk": w.carer_a.pk, **kwargs}


def staff_carer(w) -> dict:
    return {"carer_pk": w.carer_a.pk}


def staff_plan(w) -> dict:
    return _staff(carer_plan(w), w)


def staff_section(w) -> dict:
    return _staff(carer_section(w), w)


def staff_item(w) -> dict:
    return _staff(carer_item(w), w)


def staff_pdf(w) -> dict:
    return _staff(carer_pdf(w), w)


def staff_submitted(w) -> dict:
    return _staff({"pk": _plan(w, Plan.State.SUBMITTED).pk}, w)


def staff_approved(w) -> dict:
    return _staff({"pk": _plan(w, Plan.State.APPROVED).pk}, w)
