"""Writes to the carer's household. Views call these; nothing here trusts a view to have checked access."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from breakthrough.audit import log_action
from brokerage.models import CaredForPerson, Carer, CaringRelationship, Consent

ABOUT_YOU_REQUIRED = ("first_name", "last_name", "postcode", "locality", "carer_type", "hours_caring_per_week")
PERSON_REQUIRED = ("first_name", "last_name", "date_of_birth", "needs_level")


def _changed(instance, data: dict) -> list[str]:
    return [name for name, value in data.items() if getattr(instance, name) != value]


def _apply(instance, data: dict, changed: list[str]) -> None:
    """Set the changed fields and validate; on a bad value put the instance back as it was stored."""
    for name in changed:
        setattr(instance, name, data[name])
    try:
        instance.full_clean()
    except ValidationError:
        instance.refresh_from_db()
        raise


@transaction.atomic
def carer_register(*, user) -> Carer:
    """The household record for a carer who has just signed up."""
    carer, created = Carer.objects.get_or_create(user=user)
    if created:
        log_action(carer, "brokerage.carer.registered", user=user)
    return carer


@transaction.atomic
def carer_update(*, carer: Carer, data: dict, by) -> Carer:
    """Change some of a carer's details. The partnership follows the locality."""
    changed = _changed(carer, data)
    if not changed:
        return carer
    if "locality" in changed:
        data = {**data, "partnership_id": data["locality"].partnership_id if data["locality"] else None}
        changed.append("partnership_id")
    _apply(carer, data, changed)
    carer.save()
    log_action(carer, "brokerage.carer.updated", user=by, data={"fields": sorted(changed)})
    return carer


def consent_current(*, carer: Carer) -> dict[str, Consent]:
    """The newest consent record of each kind."""
    current: dict[str, Consent] = {}
    for consent in carer.consents.all():  # newest first
        current.setdefault(consent.kind, consent)
    return current


@transaction.atomic
def carer_record_consents(*, carer: Carer, choices: dict[str, bool], by) -> None:
    """Append a consent record for each kind whose answer changed; unchanged answers keep their date."""
    current = consent_current(carer=carer)
    for kind, given in choices.items():
        if kind not in Consent.Kind.values:
            raise ValueError(f"Unknown consent {kind!r}")
        previous = current.get(kind)
        if previous is None or previous.given != given:
            Consent.objects.create(carer=carer, kind=kind, given=given, recorded_by=by)
            log_action(carer, "brokerage.consent.recorded", user=by, data={"kind": kind, "given": given})


def about_you_missing(*, carer: Carer) -> list[str]:
    missing = [name for name in ABOUT_YOU_REQUIRED if getattr(carer, name) in (None, "")]
    keep = consent_current(carer=carer).get(Consent.Kind.KEEP_DETAILS)
    if keep is None or not keep.given:
        missing.append("consent")
    return missing


@transaction.atomic
def carer_complete_about_you(*, carer: Carer, by) -> Carer:
    missing = about_you_missing(carer=carer)
    if missing:
        raise ValidationError("Answer every question before you confirm: %(missing)s", params={"missing": missing})
    if carer.about_you_completed_at is None:
        carer.about_you_completed_at = timezone.now()
        carer.save(update_fields=["about_you_completed_at", "updated_at"])
        log_action(carer, "brokerage.carer.about_you_completed", user=by)
    return carer


@transaction.atomic
def cared_for_create(*, carer: Carer, first_name: str, last_name: str, relationship: str, by) -> CaredForPerson:
    person = CaredForPerson.objects.create(first_name=first_name, last_name=last_name)
    CaringRelationship.objects.create(carer=carer, cared_for=person, relationship=relationship)
    if carer.people_completed_at is not None:
        # Someone new has been added: the section needs confirming again.
        carer.people_completed_at = None
        carer.save(update_fields=["people_completed_at", "updated_at"])
    log_action(person, "brokerage.cared_for.created", user=by, data={"carer": carer.pk})
    return person


@transaction.atomic
def cared_for_update(*, person: CaredForPerson, data: dict, by, relationship: CaringRelationship | None = None):
    """Change a cared-for person's details; `relationship` (with its new text in data) for "relationship to you"."""
    data = dict(data)
    if "relationship" in data:
        if relationship is None:
            raise ValueError("Changing the relationship needs the carer's relationship row.")
        new = data.pop("relationship")
        if relationship.relationship != new:
            relationship.relationship = new
            relationship.save(update_fields=["relationship"])
            log_action(person, "brokerage.cared_for.updated", user=by, data={"fields": ["relationship"]})
    changed = _changed(person, data)
    if changed:
        _apply(person, data, changed)
        person.save()
        log_action(person, "brokerage.cared_for.updated", user=by, data={"fields": sorted(changed)})
    return person


def cared_for_missing(*, person: CaredForPerson) -> list[str]:
    return [name for name in PERSON_REQUIRED if getattr(person, name) in (None, "")]


@transaction.atomic
def cared_for_confirm(*, person: CaredForPerson, by) -> CaredForPerson:
    missing = cared_for_missing(person=person)
    if missing:
        raise ValidationError("Answer every question before you confirm: %(missing)s", params={"missing": missing})
    if person.completed_at is None:
        person.completed_at = timezone.now()
        person.save(update_fields=["completed_at", "updated_at"])
        log_action(person, "brokerage.cared_for.confirmed", user=by)
    return person


@transaction.atomic
def cared_for_remove(*, carer: Carer, person: CaredForPerson, by) -> None:
    """Take a person off this carer's household; the person goes too when nobody else cares for them."""
    CaringRelationship.objects.filter(carer=carer, cared_for=person).delete()
    log_action(person, "brokerage.cared_for.removed", user=by, data={"carer": carer.pk})
    if not person.relationships.exists():
        person.delete()


@transaction.atomic
def carer_complete_people(*, carer: Carer, by) -> Carer:
    people = list(carer.cared_for.all())
    if not people:
        raise ValidationError("Add at least one person you care for.")
    unfinished = [p.full_name for p in people if p.completed_at is None]
    if unfinished:
        raise ValidationError(
            "Check and confirm the details of %(names)s first.", params={"names": ", ".join(unfinished)}
        )
    if carer.people_completed_at is None:
        carer.people_completed_at = timezone.now()
        carer.save(update_fields=["people_completed_at", "updated_at"])
        log_action(carer, "brokerage.carer.people_completed", user=by)
    return carer
