"""The statement's text as GOV.UK paragraphs: a blank line starts a new paragraph, a single line break stays one."""

import re

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def paragraphs(text: str, css: str = "govuk-body") -> str:
    """Escaped text as <p class="govuk-body"> paragraphs (the class is the filter's argument)."""
    parts = [part.strip() for part in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")) if part.strip()]
    html = []
    for part in parts:
        lines = mark_safe("<br>".join(conditional_escape(line.strip()) for line in part.split("\n")))  # noqa: S308 - escaped
        html.append(format_html('<p class="{}">{}</p>', css, lines))
    return format_html_join("", "{}", ((p,) for p in html))
