"""Checks on every HTML page any test gets from the Django test client (switched on in tests/conftest.py).

- A page that shows the GOV.UK error summary has a title starting "Error: ", and only such a page does
  (GOV.UK: https://design-system.service.gov.uk/components/error-summary/). base.html adds the prefix once for
  every page (breakthrough/templatetags/pages.py); this finds any page it misses, across every form the tests post.
- Every visible <input>, <select> and <textarea> has its GOV.UK class (govuk-input and so on: the border and
  the focus state).

Django's admin is not ours to style and is left out.
"""

import re

import pytest
from django.test import Client

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
ERROR_SUMMARY = re.compile(r'class="govuk-error-summary[" ]')
CONTROL = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
CLASSES = re.compile(r'class="([^"]*)"')
# The classes that give a control its GOV.UK border and focus state (a width class alone, like
# govuk-input--width-3 on Django's type="number", gives neither).
CONTROL_CLASSES = {
    "govuk-input",
    "govuk-select",
    "govuk-textarea",
    "govuk-checkboxes__input",
    "govuk-radios__input",
    "govuk-file-upload",
}


def page_problems(path: str, response) -> list[str]:
    if path.startswith("/admin/") or getattr(response, "streaming", False):
        return []
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    html = response.content.decode(errors="replace")
    title = TITLE.search(html)
    if title is None:
        return []
    problems = []
    title = " ".join(title.group(1).split())
    shows_errors = ERROR_SUMMARY.search(html) is not None
    if shows_errors and not title.startswith("Error: "):
        problems.append(f'it shows the error summary, but its title does not start "Error: ": {title!r}')
    if title.startswith("Error: ") and not shows_errors:
        problems.append(f'its title starts "Error: " but it shows no error summary: {title!r}')
    for tag, attrs in CONTROL.findall(html):
        if re.search(r'type="hidden"', attrs):
            continue
        classes = CLASSES.search(attrs)
        if not CONTROL_CLASSES & set(classes.group(1).split() if classes else []):
            problems.append(
                f"<{tag} {' '.join(attrs.split())}> has no GOV.UK class ({', '.join(sorted(CONTROL_CLASSES))})"
            )
    return problems


@pytest.fixture(autouse=True)
def _pages_are_well_formed(monkeypatch):
    original = Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        problems = page_problems(kwargs.get("PATH_INFO", ""), response)
        if problems:
            method = kwargs.get("REQUEST_METHOD", "GET")
            pytest.fail(f"{method} {kwargs.get('PATH_INFO')}: " + "; ".join(problems), pytrace=False)
        return response

    monkeypatch.setattr(Client, "request", request)
