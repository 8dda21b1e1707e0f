"""Checks for a carer page's wording: it ends with what happens next."""

import re


def main_of(html: str) -> str:
    """The page's <main>, with runs of white space made one space."""
    return " ".join(html[html.index("<main") : html.index("</main>")].split())


def what_happens_next(html: str) -> str:
    """The text of the page's last section, which must be headed "What happens next" (asserted)."""
    main = main_of(html)
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", main)
    assert headings, "the page has no sections"
    assert headings[-1] == "What happens next", f"the page's last section is {headings[-1]!r}, not What happens next"
    return re.sub(r"<[^>]+>", "", main[main.rindex("<h2") :]).strip()
