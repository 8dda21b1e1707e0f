"""The plan as an accessible PDF, made with WeasyPrint.

PDF/UA-1: a tagged PDF (headings, lists and tables keep their structure for screen readers), with the
document language from <html lang> and the title from <title>. Nothing is fetched from the network: the
URL fetcher refuses every address but a file in the project's own static folders, and the text uses the
project's own font (DejaVu Sans, copied from npm into static/build/fonts by the front-end build), so the PDF
looks the same on any machine.
"""

import io
import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

import pikepdf
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}

# WeasyPrint logs each of its seven rendering steps at INFO; a worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class LocalOnlyFetcher(URLFetcher):
    """Fetches files from the project's static folders only; any other address (http, https, ftp, data, a file
    elsewhere on disk) is refused, so rendering a plan never reaches the network or reads other files."""

    def __init__(self, **kwargs):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, **kwargs)
        self.roots = [Path(root).resolve() for root in settings.STATICFILES_DIRS]

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            raise ValueError(f"Only the project's own static files may be used in a PDF, not {url}")
        path = Path(unquote(parsed.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"Only the project's own static files may be used in a PDF, not {url}")
        return super().fetch(url, headers)


def _base_url() -> str:
    return Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"


def render_html(html: str) -> bytes:
    """Any HTML page as a tagged PDF, with only local static files, whose table headers carry their scope."""
    data = HTML(string=html, base_url=_base_url(), url_fetcher=LocalOnlyFetcher()).write_pdf(**PDF_OPTIONS)
    return scope_table_headers(data)


def _kids(node) -> list:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(node):
    """Every structure element below node, depth first."""
    for kid in _kids(node):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def scope_table_headers(data: bytes) -> bytes:
    """Give every table header cell (/TH) a /Scope of Row or Column (PDF/UA-1 7.5, Matterhorn 15-003).

    WeasyPrint links each data cell to its headers (/Headers, from the HTML scope attributes) but writes no
    /Scope on the header cells themselves, which is what most screen readers and checkers read. A header
    named by a data cell of its own row is a row header; any other (a header row, thead) heads its column.
    """
    with pikepdf.open(io.BytesIO(data)) as document:
        root = document.Root.get("/StructTreeRoot")
        if root is None:
            return data
        changed = False
        for row in (e for e in _elements(root) if e.S == "/TR"):
            cells = [cell for cell in _kids(row) if isinstance(cell, pikepdf.Dictionary) and "/S" in cell]
            named_in_row = {
                bytes(header)
                for cell in cells
                if cell.S == "/TD" and "/A" in cell and "/Headers" in cell.A
                for header in cell.A.Headers
            }
            for cell in (c for c in cells if c.S == "/TH"):
                attributes = cell.get("/A")
                if attributes is None:
                    attributes = cell.A = pikepdf.Dictionary(O=pikepdf.Name.Table)
                is_row_header = "/ID" in cell and bytes(cell.ID) in named_in_row
                attributes.Scope = pikepdf.Name.Row if is_row_header else pikepdf.Name.Column
                changed = True
        if not changed:
            return data
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def plan_context(plan) -> dict:
    from brokerage.plans.selectors import review_results
    from brokerage.plans.services import plan_total

    supports = list(plan.supports.all())
    return {
        "plan": plan,
        "carer": plan.carer,
        "outcomes": list(plan.outcomes.all()),
        "supports": supports,
        "risks": list(plan.risks.all()),
        "total": sum(s.total_pence for s in supports) if supports else plan_total(plan),
        "results": review_results(plan) if hasattr(plan, "review") else {},
    }


def render_plan(plan) -> bytes:
    """The PDF of one version of a plan."""
    return render_html(render_to_string("brokerage/plans/pdf.html", plan_context(plan)))
