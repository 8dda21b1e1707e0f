"""Builders for the access table in tests/test_access.py: each returns URL kwargs for the RAS pages, with
the records in partnership X (carer A's)."""

from ras import services
from tests.ras.factories import choose, price_scale, questionnaire_version


def _version(w):
    return questionnaire_version(w.carer_a.partnership)


def version_kwargs(w) -> dict:
    return {"pk": _version(w).pk}


def questionnaire_kwargs(w) -> dict:
    return {"pk": _version(w).questionnaire_id}


def scale_kwargs(w) -> dict:
    return {"pk": price_scale(w.carer_a.partnership, published=False).pk}


def carer_kwargs(w) -> dict:
    return {"carer_pk": w.carer_a.pk}


def draft_assessment_kwargs(w, **extra) -> dict:
    assessor = w.personas["assessor_x"]
    assessment = services.assessment_start(carer=w.carer_a, questionnaire_version=_version(w), by=assessor)
    return {"pk": assessment.pk, **extra}


def domain_kwargs(w) -> dict:
    return draft_assessment_kwargs(w, position=1)


def completed_assessment_kwargs(w) -> dict:
    """Completed by assessor X (who may open the panel page, but is told they cannot decide on it)."""
    assessor = w.personas["assessor_x"]
    version = _version(w)
    price_scale(w.carer_a.partnership)
    assessment = services.assessment_start(carer=w.carer_a, questionnaire_version=version, by=assessor)
    services.assessment_answer(assessment=assessment, answers=choose(version, [1, 1, 1, 1, 1]), by=assessor)
    services.assessment_complete(assessment=assessment, by=assessor)
    return {"pk": assessment.pk}
