"""Reads of the Short Breaks Services Statement.

Published versions are public: anyone may read them, signed in or not, and they hold nothing about any person.
A draft is the partnership's commissioners' only: anyone else gets the same 404 as for a page that does not exist.
"""

import datetime

from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from breakthrough.models import Partnership, Role
from commissioning.statement import services
from commissioning.statement.content import statement_content
from commissioning.statement.models import PublishedStatement, StatementDraft

# The columns a list of versions needs: not the stored HTML, content or PDF.
_LISTED = ("content", "body_html", "pdf")


def statement_index() -> list[dict]:
    """Every partnership with a published statement: its name, slug, newest version and date, by name."""
    newest = (
        PublishedStatement.objects.order_by()
        .values("partnership_id")
        .annotate(version=Max("version"))
        .values_list("partnership_id", "version")
    )
    latest = dict(newest)
    rows = (
        PublishedStatement.objects.filter(partnership_id__in=list(latest))
        .select_related("partnership")
        .defer(*_LISTED)
        .order_by("partnership__name")
    )
    return [s for s in rows if latest.get(s.partnership_id) == s.version]


def published_versions(*, partnership_slug: str) -> list[PublishedStatement]:
    """The partnership's published versions, newest first; 404 when it has published none."""
    versions = list(
        PublishedStatement.objects.of(partnership_slug)
        .select_related("partnership", "published_by")
        .defer(*_LISTED)
        .order_by("-version")
    )
    if not versions:
        raise Http404("No statement has been published for this partnership.")
    return versions


def published_version_get(*, partnership_slug: str, version: int | None = None) -> PublishedStatement:
    """One published version (the newest when `version` is None), without its PDF; 404 when there is none."""
    statements = PublishedStatement.objects.of(partnership_slug).select_related("partnership").defer("pdf")
    statement = statements.filter(version=version).first() if version else statements.order_by("-version").first()
    if statement is None:
        raise Http404("No such statement.")
    return statement


def published_pdf(*, partnership_slug: str, version: int) -> tuple[str, bytes]:
    """(file name, PDF) of one published version; 404 when there is none."""
    found = (
        PublishedStatement.objects.of(partnership_slug)
        .filter(version=version)
        .values_list("partnership__slug", "version", "pdf")
        .first()
    )
    if found is None:
        raise Http404("No such statement.")
    slug, number, pdf = found
    return f"short-breaks-services-statement-{slug}-v{number}.pdf", bytes(pdf)


def latest_version_number(partnership: Partnership) -> int | None:
    return PublishedStatement.objects.filter(partnership=partnership).aggregate(n=Max("version"))["n"]


def commissioner_partnership(*, fetched_by) -> Partnership:
    """The partnership whose draft the user may write: a commissioner's own; anyone else 404."""
    if fetched_by.role != Role.COMMISSIONER or fetched_by.partnership_id is None:
        raise Http404("Not available to this account.")
    return Partnership.objects.get(pk=fetched_by.partnership_id)


def statement_draft(*, fetched_by) -> StatementDraft:
    """The commissioner's partnership's draft (a new, unsaved one before anything is written)."""
    return services.draft_for(commissioner_partnership(fetched_by=fetched_by))


def draft_preview(*, fetched_by, next_review_on: datetime.date | None = None) -> dict:
    """The statement as it would be published today: the draft's text with the live parts as they are now."""
    draft = statement_draft(fetched_by=fetched_by)
    return statement_content(
        partnership=draft.partnership, draft=draft, on=timezone.localdate(), next_review_on=next_review_on
    )


def published_versions_or_none(*, partnership: Partnership) -> list[PublishedStatement]:
    """The partnership's published versions, newest first (empty before the first)."""
    return list(
        PublishedStatement.objects.filter(partnership=partnership)
        .select_related("published_by")
        .defer(*_LISTED)
        .order_by("-version")
    )
