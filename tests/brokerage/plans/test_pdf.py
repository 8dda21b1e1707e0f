"""The plan's PDF: made after approval by a task, tagged and readable, stored per version, retried on failure,
and never fetching anything from the network."""

import io
from pathlib import Path

import pypdf
import pytest
from django.conf import settings
from django.urls import reverse

from brokerage.models import Plan, PlanDocument, Whose
from brokerage.plans import pdf, services
from brokerage.plans.tasks import render_plan_document
from tests.brokerage.plans.factories import add_outcome, add_risk, add_support
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def _approve(plan, x, assessor, capture):
    services.plan_submit(plan=plan, by=x.broker)
    with capture(execute=True):
        services.plan_approve(plan=plan, by=assessor)
    plan.refresh_from_db()
    return plan


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_approving_renders_a_tagged_pdf_with_the_outcomes_and_supports(
    plan, x, other_assessor, budget, django_capture_on_commit_callbacks
):
    add_outcome(plan, text="Jamie swims with friends on Saturdays", whose=Whose.CARED_FOR, cared_for=plan.carer.person)
    add_support(plan, offer=OfferFactory(locality=x.locality, title="Saturday swim club"), times=4, unit=1250)
    add_risk(plan, risk="Pool closes for repairs", handling="The club moves to the leisure centre")
    plan = _approve(plan, x, other_assessor, django_capture_on_commit_callbacks)

    document = PlanDocument.objects.get(plan=plan)
    assert (document.state, document.attempts, document.last_error) == ("rendered", 1, "")
    data = document.file.read()
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    for expected in (
        "I have one evening a week that is mine",
        "Jamie swims with friends on Saturdays",
        "Driving lessons",
        "Saturday swim club",
        "£450",  # 10 x £45
        "£500",  # the plan's total: £450 + 4 x £12.50
        "Option 1: a direct payment",
        "Pool closes for repairs",
        "Fiona Brown",
    ):
        assert expected in text, expected

    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in catalog  # tagged
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == f"Support plan for {plan.carer.full_name}, version 1"


def test_each_version_has_its_own_pdf(plan, x, other_assessor, budget, django_capture_on_commit_callbacks):
    v1 = _approve(plan, x, other_assessor, django_capture_on_commit_callbacks)
    v2 = services.plan_new_version(plan=v1, by=x.broker)
    add_outcome(v2, text="A weekend away once a year")
    v2 = _approve(v2, x, other_assessor, django_capture_on_commit_callbacks)
    first, second = v1.document, v2.document
    assert first.file.name != second.file.name
    assert "A weekend away once a year" not in _pdf_text(first.file.read())
    assert "A weekend away once a year" in _pdf_text(second.file.read())


def test_running_the_task_again_changes_nothing(plan, x, other_assessor, budget, django_capture_on_commit_callbacks):
    plan = _approve(plan, x, other_assessor, django_capture_on_commit_callbacks)
    name = plan.document.file.name
    assert render_plan_document.delay(plan.document.pk).get() == "nothing to do"
    plan.document.refresh_from_db()
    assert (plan.document.file.name, plan.document.attempts) == (name, 1)


@pytest.fixture
def broken_renderer(monkeypatch):
    def fail(plan):
        raise OSError("fonts folder is not readable")

    monkeypatch.setattr(pdf, "render_plan", fail)


@pytest.fixture
def retrying(monkeypatch):
    """Eager tasks that do not propagate errors, so Celery runs the retries inline as a worker would."""
    monkeypatch.setitem(render_plan_document.app.conf, "task_eager_propagates", False)


def test_a_failed_render_is_retried_then_shown_to_staff_and_approval_stands(
    plan, x, other_assessor, budget, broken_renderer, retrying, client_for, django_capture_on_commit_callbacks
):
    plan = _approve(plan, x, other_assessor, django_capture_on_commit_callbacks)
    assert plan.state == Plan.State.APPROVED
    document = PlanDocument.objects.get(plan=plan)
    assert document.state == PlanDocument.State.FAILED
    assert document.attempts == render_plan_document.max_retries + 1
    assert document.last_error == "OSError: fonts folder is not readable"

    page = reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": plan.carer_id, "pk": plan.pk})
    response = client_for(x.broker).get(page)
    assert b"The PDF could not be made" in response.content
    assert b"Try again" in response.content
    carer_page = client_for(plan.carer.user).get(reverse("brokerage:plans:carer_plan", kwargs={"pk": plan.pk}))
    assert b"Try again" not in carer_page.content
    assert b"fonts folder" not in carer_page.content


def test_without_a_worker_the_first_failure_is_shown_at_once(
    plan, x, other_assessor, budget, broken_renderer, django_capture_on_commit_callbacks
):
    plan = _approve(plan, x, other_assessor, django_capture_on_commit_callbacks)
    document = PlanDocument.objects.get(plan=plan)
    assert (plan.state, document.state, document.attempts) == (Plan.State.APPROVED, PlanDocument.State.FAILED, 1)


def test_try_again_renders_once_the_fault_is_fixed(
    plan, x, other_assessor, budget, broken_renderer, monkeypatch, client_for, django_capture_on_commit_callbacks
):
    plan = _approve(plan, x, other_assessor, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    url = reverse("brokerage:plans:staff_pdf_retry", kwargs={"carer_pk": plan.carer_id, "pk": plan.pk})
    client = client_for(x.broker)
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    document = PlanDocument.objects.get(plan=plan)
    assert (document.state, document.attempts) == (PlanDocument.State.RENDERED, 1)
    again = client.post(url)  # nothing failed now: a clear message, not a 500
    assert again.status_code == 200
    assert b"has not failed" in again.content


def test_the_carer_and_their_partnerships_staff_download_the_pdf_and_others_get_404(
    plan, x, y, carer_b, other_assessor, budget, client_for, django_capture_on_commit_callbacks
):
    plan = _approve(plan, x, other_assessor, django_capture_on_commit_callbacks)
    carer_url = reverse("brokerage:plans:carer_pdf", kwargs={"pk": plan.pk})
    staff_url = reverse("brokerage:plans:staff_pdf", kwargs={"carer_pk": plan.carer_id, "pk": plan.pk})
    response = client_for(plan.carer.user).get(carer_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for(x.broker).get(staff_url).status_code == 200
    assert client_for(carer_b.user).get(carer_url).status_code == 404
    assert client_for(y.broker).get(staff_url.replace(f"/{plan.carer_id}/", f"/{carer_b.pk}/")).status_code == 404
    assert client_for(y.broker).get(staff_url).status_code == 404


def test_no_pdf_to_download_before_approval(plan, client_for):
    assert (
        client_for(plan.carer.user).get(reverse("brokerage:plans:carer_pdf", kwargs={"pk": plan.pk})).status_code == 404
    )


# ---------------------------------------------------------------------------------------------
# Nothing from the network
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://fonts.example.com/font.woff2",
        "ftp://example.com/x.css",
        "file:///etc/passwd",
        "file://evil.example/share/x.png",
        "data:text/css,body{}",
    ],
)
def test_the_url_fetcher_refuses_anything_but_local_static_files(url):
    with pytest.raises(ValueError, match="Only the project's own static files"):
        pdf.LocalOnlyFetcher().fetch(url)


def test_the_url_fetcher_reads_a_static_file():
    favicon = Path(settings.STATICFILES_DIRS[0]) / "images" / "favicon.svg"
    response = pdf.LocalOnlyFetcher().fetch(favicon.resolve().as_uri())
    try:
        assert response.read().lstrip().startswith(b"<")
    finally:
        response.close()


def test_a_page_that_asks_for_a_network_image_still_renders_without_it(monkeypatch):
    fetched = []
    real = pdf.LocalOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(pdf.LocalOnlyFetcher, "fetch", spy)
    data = pdf.render_html('<html lang="en"><title>T</title><img src="http://example.com/x.png" alt="x"><p>Hi</p>')
    assert data.startswith(b"%PDF-")
    assert fetched == ["http://example.com/x.png"]  # asked, refused by the fetcher, never opened


def test_the_pdf_embeds_the_projects_own_font_not_one_from_the_machine(plan):
    # Named after the @font-face family only when the font file from static/build/fonts loaded; a missing
    # file would fall back to whatever the machine has (as the unstyled page below does).
    fonts = _font_names(pdf.render_plan(plan))
    assert fonts
    assert all(name.split("+", 1)[1] in ("Breakthrough-Sans", "Breakthrough-Sans-Bold") for name in fonts), fonts
    machine = _font_names(pdf.render_html("<html lang='en'><head><title>T</title></head><body>x</body></html>"))
    assert not any("Breakthrough" in name for name in machine)


def _font_names(data: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


# ----------------------------------------------------------------------------------------------
# Tables a screen reader can follow (PDF/UA-1 7.5)
# ----------------------------------------------------------------------------------------------


def _header_scopes(data: bytes) -> list[tuple[str, str]]:
    """(header text's structure ID, /Scope) of every /TH, in document order."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as document:
        found = []

        def walk(node):
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    if kid.S == "/TH":
                        found.append((str(kid.ID), str(kid.A.get("/Scope"))))
                    walk(kid)

        walk(document.Root.StructTreeRoot)
        return found


def test_table_headers_carry_their_scope_column_in_a_header_row_and_row_beside_their_cells():
    data = pdf.render_html(
        '<html lang="en-GB"><head><title>T</title></head><body><table>'
        '<thead><tr><th scope="col">Support</th><th scope="col">Total</th></tr></thead>'
        '<tbody><tr><th scope="row">Swim club</th><td>£50</td></tr>'
        '<tr><th scope="row">Sitter</th><td>£20</td></tr></tbody></table></body></html>'
    )
    scopes = [scope for _id, scope in _header_scopes(data)]
    assert scopes == ["/Column", "/Column", "/Row", "/Row"]


def test_the_plan_pdf_passes_the_pdfua_checker_with_no_findings(plan):
    from tests.pdf_checks import pdfua_findings

    add_support(plan, offer=OfferFactory(title="Saturday swim club"), times=4, unit=1250)
    add_risk(plan, risk="Pool closes for repairs", handling="The club moves to the leisure centre")
    data = pdf.render_plan(plan)
    assert _header_scopes(data)  # it has tables with headers
    assert pdfua_findings(data) == []
