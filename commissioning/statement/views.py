"""The statement's pages. Public: the index of published statements, a partnership's newest version, its list of
versions, each version and its PDF (no sign-in; cacheable, see breakthrough/middleware.py). The partnership's
commissioners: the draft, its sections, the preview and publishing (anyone else: 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Role
from commissioning.statement import selectors, services
from commissioning.statement.forms import SECTIONS, StatementPublishForm, StatementSectionForm

# A version that has been replaced never changes again (its page, its PDF): a day in any cache. The newest version's
# page says so, and the statement's own address, the index and the list of versions change when the next is
# published: five minutes.
FROZEN_CACHE = "public, max-age=86400"
NEWEST_CACHE = "public, max-age=300"


def _cached(response, rule: str):
    response["Cache-Control"] = rule
    return response


@require_GET
def statement_index(request):
    context = {"statements": selectors.statement_index()}
    return _cached(render(request, "commissioning/statement/index.html", context), NEWEST_CACHE)


def _page(request, statement, *, newest: int, rule: str):
    context = {"statement": statement, "c": statement.content, "newest": newest}
    return _cached(render(request, "commissioning/statement/page.html", context), rule)


@require_GET
def statement_latest(request, partnership: str):
    statement = selectors.published_version_get(partnership_slug=partnership)
    return _page(request, statement, newest=statement.version, rule=NEWEST_CACHE)


@require_GET
def statement_version(request, partnership: str, version: int):
    statement = selectors.published_version_get(partnership_slug=partnership, version=version)
    newest = selectors.latest_version_number(statement.partnership)
    return _page(request, statement, newest=newest, rule=NEWEST_CACHE if statement.version == newest else FROZEN_CACHE)


@require_GET
def statement_versions(request, partnership: str):
    versions = selectors.published_versions(partnership_slug=partnership)
    context = {"versions": versions, "partnership": versions[0].partnership}
    return _cached(render(request, "commissioning/statement/versions.html", context), NEWEST_CACHE)


@require_GET
def statement_pdf(request, partnership: str, version: int):
    filename, pdf = selectors.published_pdf(partnership_slug=partnership, version=version)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return _cached(response, FROZEN_CACHE)


@role_required(Role.COMMISSIONER)
def statement_manage(request):
    draft = selectors.statement_draft(fetched_by=request.user)
    sections = [(s, any(getattr(draft, name) for name in s.fields)) for s in SECTIONS.values()]
    context = {
        "draft": draft,
        "sections": sections,
        "missing": services.statement_missing(draft),
        "versions": selectors.published_versions_or_none(partnership=draft.partnership),
    }
    return render(request, "commissioning/statement/manage.html", context)


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def statement_edit(request, section: str):
    if section not in SECTIONS:
        raise Http404("No such section.")
    draft = selectors.statement_draft(fetched_by=request.user)
    chosen = SECTIONS[section]
    initial = {name: getattr(draft, name) for name in chosen.fields}
    form = StatementSectionForm(posted(request), initial=initial, section=chosen)
    if request.method == "POST" and form.is_valid():
        try:
            services.statement_draft_save(partnership=draft.partnership, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{chosen.heading}: saved.")
            return redirect("commissioning:statement_manage")
    back = reverse("commissioning:statement_manage")
    context = {"form": form, "title": form.title, "back_url": back, "caption": "Short Breaks Services Statement"}
    return render(request, "form_page.html", context | {"intro": chosen.intro, "submit": "Save"})


@role_required(Role.COMMISSIONER)
def statement_preview(request):
    content = selectors.draft_preview(fetched_by=request.user)
    return render(request, "commissioning/statement/preview.html", {"c": content})


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def statement_publish(request):
    draft = selectors.statement_draft(fetched_by=request.user)
    form = StatementPublishForm(posted(request))
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            statement = services.statement_publish(
                partnership=draft.partnership,
                by=request.user,
                next_review_on=form.cleaned_data["next_review_on"],
                submission_key=form.cleaned_data["submission_key"] or None,
            )
        except services.Incomplete:
            error = "missing"
        except ValidationError as refused:
            apply_service_errors(form, refused)
        else:
            messages.success(request, f"Version {statement.version} of the statement is published.")
            return redirect("commissioning:statement_manage")
    missing = services.statement_missing(draft)
    context = {
        "form": form,
        "missing": missing,
        "error": error or (missing and request.method == "POST") or None,
        "next_version": (selectors.latest_version_number(draft.partnership) or 0) + 1,
        "today": timezone.localdate(),
    }
    return render(request, "commissioning/statement/publish.html", context)
