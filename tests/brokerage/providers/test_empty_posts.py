"""A form sent with nothing filled in (only the CSRF token in a browser) is checked, not shown again blank."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "message"),
    [
        ("brokerage:providers:compliance_add", "Select what the document is"),
        ("brokerage:providers:offer_create", "Say what the offer is in a sentence"),
    ],
)
def test_an_empty_form_gets_its_errors(provider_client, url_name, message):
    page = provider_client.post(reverse(url_name), {}).content.decode()
    assert "<title>Error:" in page
    assert message in page
