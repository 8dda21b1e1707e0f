"""Writes for referrals: intake, triage, assigning a worker, case notes, closing and redirecting; and the
partnership's eligibility criteria.

Who may change a referral is checked here, not only in the view. A state moves only along TRANSITIONS;
every change is written to the audit trail, and the carer is e-mailed (after commit) when a worker is
assigned or the referral ends.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.models import CASEWORK_ROLES, Locality, Partnership, Role
from breakthrough.tasks import send_email
from brokerage.models import CaredForPerson, Carer, CaringRelationship, CaseNote, EligibilityCriteria, Referral

State = Referral.State

# Where a referral may go from each state. Re-assigning to another worker is allowed; an ended referral stays ended.
TRANSITIONS = {
    State.NEW: {State.TRIAGE, State.ASSIGNED, State.CLOSED, State.REDIRECTED},
    State.TRIAGE: {State.ASSIGNED, State.CLOSED, State.REDIRECTED},
    State.ASSIGNED: {State.ASSIGNED, State.CLOSED, State.REDIRECTED},
    State.CLOSED: set(),
    State.REDIRECTED: set(),
}

REFUSALS = {
    State.TRIAGE: "Only a new referral can move to triage.",
    State.ASSIGNED: "A closed or redirected referral cannot be assigned.",
    State.CLOSED: "This referral has already ended.",
    State.REDIRECTED: "This referral has already ended.",
}


# ----------------------------------------------------------------------------------------------
# Who may do what
# ----------------------------------------------------------------------------------------------


def _is_hub_staff(user, partnership_id: int | None) -> bool:
    """A broker or assessor of this partnership, or a platform admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in CASEWORK_ROLES:
        return partnership_id is not None and user.partnership_id == partnership_id
    return user.role == Role.ADMIN


def _may_edit_criteria(user, partnership: Partnership) -> bool:
    return _is_hub_staff(user, partnership.pk) and user.role in (Role.BROKER, Role.ADMIN)


def is_worker_for(user, partnership_id: int) -> bool:
    """Whether `user` can be a referral's worker: an active broker or assessor of the partnership."""
    return user.is_active and user.role in CASEWORK_ROLES and user.partnership_id == partnership_id


def _check_text(errors: dict, field: str, value: str, *, limit: int, missing: str, subject: str) -> str:
    """The text stripped; a message in `errors` if it is empty or too long (a TextField's limit is the form's
    only, so a service checks it too)."""
    value = (value or "").strip()
    if not value:
        errors[field] = missing
    elif len(value) > limit:
        errors[field] = f"{subject} must be {limit:,} characters or fewer"
    return value


# ----------------------------------------------------------------------------------------------
# Eligibility criteria
# ----------------------------------------------------------------------------------------------


def criteria_current(*, partnership_id: int | None) -> EligibilityCriteria | None:
    if partnership_id is None:
        return None
    return EligibilityCriteria.objects.filter(partnership_id=partnership_id).first()


@transaction.atomic
def criteria_record(*, partnership: Partnership, text: str, by) -> EligibilityCriteria:
    """New criteria for the partnership, from now. The old ones stay, as history."""
    if not _may_edit_criteria(by, partnership):
        raise ValidationError("Only the partnership's brokers can change its eligibility criteria.")
    errors = {}
    text = _check_text(
        errors, "text", text, limit=5000, missing="Enter the eligibility criteria", subject="The criteria"
    )
    if errors:
        raise ValidationError(errors)
    current = criteria_current(partnership_id=partnership.pk)
    if current is not None and current.text == text:
        raise ValidationError({"text": "The criteria are the same as now: change them, or go back"})
    criteria = EligibilityCriteria(partnership=partnership, text=text, recorded_by=by)
    criteria.full_clean()
    criteria.save()
    log_action(criteria, "brokerage.eligibility.recorded", user=by)
    return criteria


# ----------------------------------------------------------------------------------------------
# E-mail
# ----------------------------------------------------------------------------------------------


def _email_carer(referral: Referral, template: str, subject: str) -> None:
    carer = referral.carer
    if carer.user_id is None or not carer.user.email:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("brokerage:referrals:your_referral", kwargs={"pk": referral.pk})
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string(
            f"brokerage/referrals/email/{template}.txt", {"carer": carer, "referral": referral, "url": url}
        ),
        to=[carer.user.email],
    )


# ----------------------------------------------------------------------------------------------
# Intake
# ----------------------------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    carer: Carer,
    cared_for: Iterable[CaredForPerson],
    needs_level: str,
    happening_now: str,
    urgency: str,
    crisis: bool,
    by,
    referrer_name: str = "",
    referrer_role: str = "",
    referrer_contact: str = "",
) -> Referral:
    """A referral for the carer's household: their own (self-referral), or staff recording a professional's."""
    is_self = by.role == Role.CARER
    if is_self:
        if carer.user_id != by.pk:
            raise ValidationError("You can only ask for help for your own household.")
    elif not _is_hub_staff(by, carer.partnership_id):
        raise ValidationError("Only the carer's hub can record a referral for them.")
    if carer.partnership_id is None:
        raise ValidationError("Tell us where you live first, so we know which Short Break Hub to send this to.")
    people = list(cared_for)
    household = set(CaringRelationship.objects.filter(carer=carer).values_list("cared_for_id", flat=True))
    errors = {}
    if not people:
        errors["cared_for"] = "Select who the carer looks after"
    elif any(person.pk not in household for person in people):
        errors["cared_for"] = "Select people from the carer's household"
    happening_now = _check_text(
        errors,
        "happening_now",
        happening_now,
        limit=2000,
        missing="Tell us what is happening now",
        subject="What is happening now",
    )
    if not is_self and not (referrer_name or "").strip():
        errors["referrer_name"] = "Enter the name of the person making the referral"
    if not is_self and not (referrer_role or "").strip():
        errors["referrer_role"] = "Enter their role and organisation"
    if errors:
        raise ValidationError(errors)
    if Referral.objects.filter(carer=carer, state__in=Referral.OPEN).exists():
        raise ValidationError(
            "There is already an open referral for this household. Add to it instead of starting another."
        )
    referral = Referral(
        carer=carer,
        partnership_id=carer.partnership_id,
        source=Referral.Source.SELF if is_self else Referral.Source.PROFESSIONAL,
        referrer_name="" if is_self else referrer_name.strip(),
        referrer_role="" if is_self else referrer_role.strip(),
        referrer_contact="" if is_self else (referrer_contact or "").strip(),
        needs_level=needs_level,
        happening_now=happening_now,
        urgency=urgency,
        crisis=crisis,
        criteria=criteria_current(partnership_id=carer.partnership_id),
        submitted_by=by,
    )
    referral.full_clean(exclude=["carer", "partnership", "criteria", "submitted_by"])
    try:
        with transaction.atomic():  # two at once: the database's one-open-referral rule refuses the second
            referral.save()
    except IntegrityError:
        raise ValidationError("There is already an open referral for this household.") from None
    referral.cared_for.set(people)
    log_action(
        referral,
        "brokerage.referral.created",
        user=by,
        data={"source": referral.source, "crisis": crisis, "needs_level": needs_level, "urgency": urgency},
    )
    return referral


@transaction.atomic
def carer_record_for_referral(
    *,
    locality: Locality,
    first_name: str,
    last_name: str,
    postcode: str,
    phone: str,
    person_first_name: str,
    person_last_name: str,
    relationship: str,
    by,
) -> Carer:
    """Hub staff record a carer who has no account yet (a professional referred them), with the person they
    care for, so a referral can be made for them. They can sign up later."""
    if not _is_hub_staff(by, locality.partnership_id):
        raise ValidationError({"locality": "Choose an area in your own partnership"})
    carer = Carer(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        postcode=postcode,
        phone=phone.strip(),
        preferred_contact=Carer.ContactMethod.PHONE if phone.strip() else "",
        locality=locality,
        partnership_id=locality.partnership_id,
    )
    carer.full_clean(exclude=["user"])
    carer.save()
    person = CaredForPerson.objects.create(first_name=person_first_name.strip(), last_name=person_last_name.strip())
    CaringRelationship.objects.create(carer=carer, cared_for=person, relationship=relationship.strip())
    log_action(carer, "brokerage.carer.recorded_by_hub", user=by)
    return carer


# ----------------------------------------------------------------------------------------------
# Working a referral
# ----------------------------------------------------------------------------------------------


def _locked(referral: Referral, by, to: str) -> Referral:
    """The referral re-read under a row lock, after checking `by` works for its hub and `to` is allowed."""
    if not _is_hub_staff(by, referral.partnership_id):
        raise ValidationError("Only the referral's hub can change it.")
    fresh = Referral.objects.select_for_update(of=("self",)).select_related("carer__user").get(pk=referral.pk)
    if to not in TRANSITIONS[fresh.state]:
        raise ValidationError(REFUSALS[to])
    return fresh


@transaction.atomic
def referral_triage(*, referral: Referral, by) -> Referral:
    referral = _locked(referral, by, State.TRIAGE)
    referral.state = State.TRIAGE
    referral.save(update_fields=["state"])
    log_action(referral, "brokerage.referral.triaged", user=by)
    return referral


@transaction.atomic
def referral_assign(*, referral: Referral, worker, by) -> Referral:
    """Name the worker who will contact the family (a broker or assessor of the referral's hub)."""
    referral = _locked(referral, by, State.ASSIGNED)
    if worker is None or not is_worker_for(worker, referral.partnership_id):
        raise ValidationError({"worker": "Choose a broker or assessor of this hub"})
    if referral.state == State.ASSIGNED and referral.worker_id == worker.pk:
        raise ValidationError({"worker": f"{worker.get_display_name()} is already the worker"})
    previous = referral.worker_id
    referral.state = State.ASSIGNED
    referral.worker = worker
    referral.assigned_at = timezone.now()
    referral.save(update_fields=["state", "worker", "assigned_at"])
    log_action(
        referral, "brokerage.referral.assigned", user=by, data={"worker_id": worker.pk, "previous_worker_id": previous}
    )
    _email_carer(referral, "assigned", "your Short Break Hub worker")
    return referral


def _end(referral: Referral, *, to: str, reason: str, by, redirected_to: str = "") -> Referral:
    errors = {}
    missing = "Say why the referral is being closed" if to == State.CLOSED else "Say why it is redirected"
    reason = _check_text(errors, "reason", reason, limit=1000, missing=missing, subject="The reason")
    if to == State.REDIRECTED and not (redirected_to or "").strip():
        errors["redirected_to"] = "Enter the service the family is redirected to"
    if errors:
        raise ValidationError(errors)
    referral = _locked(referral, by, to)
    referral.state = to
    referral.end_reason = reason
    referral.redirected_to = redirected_to.strip()
    referral.ended_at = timezone.now()
    referral.ended_by = by
    referral.full_clean(exclude=["carer", "partnership", "criteria", "submitted_by", "worker", "cared_for"])
    referral.save(update_fields=["state", "end_reason", "redirected_to", "ended_at", "ended_by"])
    return referral


@transaction.atomic
def referral_close(*, referral: Referral, reason: str, by) -> Referral:
    referral = _end(referral, to=State.CLOSED, reason=reason, by=by)
    log_action(referral, "brokerage.referral.closed", user=by)
    _email_carer(referral, "closed", "your referral to the Short Break Hub is closed")
    return referral


@transaction.atomic
def referral_redirect(*, referral: Referral, redirected_to: str, reason: str, by) -> Referral:
    referral = _end(referral, to=State.REDIRECTED, reason=reason, by=by, redirected_to=redirected_to)
    log_action(referral, "brokerage.referral.redirected", user=by, data={"redirected_to": referral.redirected_to})
    _email_carer(referral, "redirected", "your referral has been passed to another service")
    return referral


@transaction.atomic
def case_note_add(*, referral: Referral, contacted_on: datetime.date, kind: str, text: str, by) -> CaseNote:
    """Record a contact with the family or about them (a phone call, a visit, an email, a letter)."""
    if not _is_hub_staff(by, referral.partnership_id):
        raise ValidationError("Only the referral's hub can add case notes.")
    errors = {}
    if contacted_on is None:
        errors["contacted_on"] = "Enter the date of the contact"
    elif contacted_on > timezone.localdate():
        errors["contacted_on"] = "The date of the contact must be today or in the past"
    elif contacted_on < referral.submitted_at.date() - datetime.timedelta(days=365):
        errors["contacted_on"] = "The date of the contact must be within a year before the referral"
    text = _check_text(errors, "text", text, limit=2000, missing="Enter what was said or done", subject="The note")
    if errors:
        raise ValidationError(errors)
    note = CaseNote(referral=referral, contacted_on=contacted_on, kind=kind, text=text, recorded_by=by)
    note.full_clean(exclude=["referral", "recorded_by"])
    note.save()
    log_action(referral, "brokerage.referral.case_note_added", user=by, data={"case_note_id": note.pk, "kind": kind})
    return note
