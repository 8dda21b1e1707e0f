"""Writes for the Short Breaks Services Statement: the commissioners' draft, section by section, and publishing.

Publishing makes a new frozen version: the content is gathered live (content.py), rendered to the page's HTML and
to a tagged PDF, and stored with its number and date. Twice is once: the publish form's submission key is unique
per partnership (a double click or a resend returns the version the first send made), and version numbers are
unique per partnership. Two different publishes at once are taken one at a time: the partnership's draft row is
locked while the next number is taken, and a publish whose number went meanwhile renders again with the next.
The slow part (the PDF) is done before the lock, so the lock is held only for the insert.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.locking import Busy, locking_transaction
from breakthrough.models import Partnership, Role
from breakthrough.submissions import create_once, earlier_submission
from commissioning.statement.content import statement_content
from commissioning.statement.models import (
    CONTACT_FIELDS,
    TEXT_FIELDS,
    TEXT_LIMIT,
    PublishedStatement,
    StatementDraft,
)

# The longest a statement may go before its next review (our rule, stated on the publish page): three years,
# the period the Act gives for reviewing local eligibility criteria (s.22(5)).
LONGEST_REVIEW_YEARS = 3
PUBLISH_ATTEMPTS = 3


class Incomplete(ValidationError):
    """The draft lacks what publishing needs: the page lists each with a link to its section."""

    def __init__(self, missing: list[tuple[str, str]]):
        super().__init__([message for message, _ in missing], code="missing")
        self.missing = missing


class _VersionTaken(Exception):
    """The version number this publish rendered was taken by another publish meanwhile."""


def may_edit(user, partnership_id: int | None) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role == Role.COMMISSIONER
        and partnership_id is not None
        and user.partnership_id == partnership_id
    )


def _check_commissioner(by, partnership_id: int) -> None:
    if not may_edit(by, partnership_id):
        raise ValidationError("Only a commissioner of this partnership can change its statement.")


def draft_for(partnership: Partnership) -> StatementDraft:
    """The partnership's draft, or a new, unsaved, empty one."""
    return StatementDraft.objects.filter(partnership=partnership).first() or StatementDraft(partnership=partnership)


@transaction.atomic
def statement_draft_save(*, partnership: Partnership, by, **fields) -> StatementDraft:
    """Save some of the draft's fields (one section's). Text is stripped; every limit is checked here too."""
    _check_commissioner(by, partnership.pk)
    unknown = set(fields) - set(TEXT_FIELDS) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"unknown statement fields: {sorted(unknown)}")
    draft, _ = StatementDraft.objects.select_for_update().get_or_create(partnership=partnership)
    errors = {}
    for name, value in fields.items():
        value = (value or "").strip()
        if name in TEXT_FIELDS and len(value) > TEXT_LIMIT:
            errors[name] = f"{TEXT_FIELDS[name]} must be {TEXT_LIMIT:,} characters or fewer"
        setattr(draft, name, value)
    if errors:
        raise ValidationError(errors)
    draft.updated_at, draft.updated_by = timezone.now(), by
    draft.full_clean(exclude=["partnership", "updated_by"])
    draft.save()
    log_action(draft, "commissioning.statement.draft_saved", user=by, data={"fields": sorted(fields)})
    return draft


def statement_missing(draft: StatementDraft) -> list[tuple[str, str]]:
    """What must be written before publishing, as (message, section): the regulations ask for the contact details
    of the department responsible (regulation 3) and for regard to carers' views (regulation 2)."""
    missing = []
    if not draft.department_name:
        missing.append(("Enter the department or organisation responsible for the statement", "contacts"))
    if not (draft.department_phone or draft.department_email or draft.department_address):
        missing.append(
            ("Enter how to contact the department responsible: a phone number, email or address", "contacts")
        )
    if not draft.consultation:
        missing.append(("Say how carers were consulted", "consultation"))
    return missing


def check_review_date(next_review_on: datetime.date, *, today: datetime.date) -> None:
    try:
        latest = today.replace(year=today.year + LONGEST_REVIEW_YEARS)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + LONGEST_REVIEW_YEARS, day=28)
    if next_review_on <= today:
        raise ValidationError({"next_review_on": "The next review date must be in the future"})
    if next_review_on > latest:
        by = f"{latest.day} {latest:%B %Y}"
        message = f"The next review date must be within {LONGEST_REVIEW_YEARS} years, by {by}"
        raise ValidationError({"next_review_on": message})


def render_statement(content: dict) -> tuple[str, bytes]:
    """The statement's HTML (for the page) and its tagged PDF."""
    from commissioning.statement.pdf import render_statement_pdf

    body = render_to_string("commissioning/statement/_body.html", {"c": content, "base": ""})
    return body, render_statement_pdf(content)


def _next_version(partnership_id: int) -> int:
    latest = PublishedStatement.objects.filter(partnership_id=partnership_id).aggregate(n=Max("version"))["n"]
    return (latest or 0) + 1


def _lock(partnership: Partnership) -> None:
    """One publish of the partnership's statement at a time: the draft's row is the lock."""
    StatementDraft.objects.select_for_update().get(partnership=partnership)


def _after_numbering() -> None:
    """A seam for the concurrency tests: the moment between taking a version number and writing it."""


@locking_transaction
def _store(*, partnership: Partnership, number: int, key: str | None, by, **fields) -> PublishedStatement:
    _lock(partnership)
    earlier = earlier_submission(PublishedStatement, key, partnership=partnership)
    if earlier is not None:
        return earlier
    if _next_version(partnership.pk) != number:
        raise _VersionTaken()
    _after_numbering()
    statement, created = create_once(
        PublishedStatement, key=key, owner={"partnership": partnership}, version=number, published_by=by, **fields
    )
    if created:
        log_action(statement, "commissioning.statement.published", user=by, data={"version": number})
    return statement


def statement_publish(
    *, partnership: Partnership, by, next_review_on: datetime.date, submission_key: str | None
) -> PublishedStatement:
    """Publish the draft as the next version, frozen with today's date (or return the version this same form made)."""
    _check_commissioner(by, partnership.pk)
    earlier = earlier_submission(PublishedStatement, submission_key, partnership=partnership)
    if earlier is not None:
        return earlier
    today = timezone.localdate()
    check_review_date(next_review_on, today=today)
    draft = draft_for(partnership)
    missing = statement_missing(draft)
    if missing:
        raise Incomplete(missing)
    for _ in range(PUBLISH_ATTEMPTS):
        number = _next_version(partnership.pk)
        content = statement_content(
            partnership=partnership, draft=draft, on=today, next_review_on=next_review_on, version=number
        )
        body, pdf = render_statement(content)
        try:
            return _store(
                partnership=partnership,
                number=number,
                key=submission_key,
                by=by,
                published_on=today,
                next_review_on=next_review_on,
                content=content,
                body_html=body,
                pdf=pdf,
            )
        except _VersionTaken:
            continue
    raise Busy()
