"""The statement as a tagged PDF (PDF/UA-1), made with the plan PDF's renderer (brokerage/plans/pdf.py): local files
only, the project's own font, table headers with their scope. Its links are full addresses (SITE_URL), since a PDF
is read away from the site."""

from django.conf import settings
from django.template.loader import render_to_string

from brokerage.plans.pdf import render_html


def render_statement_pdf(content: dict) -> bytes:
    html = render_to_string(
        "commissioning/statement/pdf.html", {"c": content, "base": settings.SITE_URL.rstrip("/"), "pdf": True}
    )
    return render_html(html)
