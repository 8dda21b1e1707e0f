"""Money is integer pence; people read pounds."""

import pytest
from django.template import Context, Template

from breakthrough.money import format_pence


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (0, "£0"),
        (5, "£0.05"),
        (1200, "£12"),
        (1250, "£12.50"),
        (1999, "£19.99"),
        (123456, "£1,234.56"),
        (-1250, "-£12.50"),
        (-5, "-£0.05"),
        (-100000, "-£1,000"),
    ],
)
def test_pence_are_written_as_pounds(pence, text):
    assert format_pence(pence) == text


def test_the_template_filter_never_rounds():
    rendered = Template("{% load money %}{{ cost|pounds }}").render(Context({"cost": 1250}))
    assert rendered == "£12.50"
