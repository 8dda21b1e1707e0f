"""The statement's pages over HTTP: the commissioner's draft and its errors, publishing, the public pages and their
caching, and what nobody else can see."""

import re

import pytest
from django.urls import reverse

from breakthrough.middleware import NO_STORE
from brokerage.models import OfferKind
from commissioning.models import PublishedStatement, StatementDraft
from tests.commissioning.statement.helpers import READY, next_year, publish, ready_draft
from tests.factories import OfferFactory, ProviderFactory

pytestmark = pytest.mark.django_db

MANAGE = reverse("commissioning:statement_manage")
PREVIEW = reverse("commissioning:statement_preview")
PUBLISH = reverse("commissioning:statement_publish")


def edit(section: str) -> str:
    return reverse("commissioning:statement_edit", args=[section])


def html(response) -> str:
    return response.content.decode()


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", html(response), re.S).group(1)


def review_date(day) -> dict:
    return {"next_review_on_0": day.day, "next_review_on_1": day.month, "next_review_on_2": day.year}


def test_a_commissioner_writes_a_section_and_sees_it_written(client_for, x):
    client = client_for(x.commissioner)
    assert "Not written yet" in html(client.get(MANAGE))
    response = client.post(edit("carers-words"), {"carers_words": "I slept through the night."})
    assert response.status_code == 302
    assert response.url == MANAGE
    assert StatementDraft.objects.get(partnership=x.partnership).carers_words == "I slept through the night."
    page = html(client.get(MANAGE))
    assert page.count("Not written yet") == 9
    assert "I slept through the night." in html(client.get(PREVIEW))


def test_bad_input_is_told_beside_the_field_and_nothing_typed_is_lost(client_for, x):
    client = client_for(x.commissioner)
    posted = READY | {"department_email": "carers at x", "hub_hours": "h" * 201, "department_address": "1 High St"}
    response = client.post(edit("contacts"), posted)
    assert response.status_code == 200
    assert title(response).startswith("Error: Contacts")
    page = html(response)
    assert 'href="#id_department_email"' in page
    assert "Enter an email address in the correct format, like name@example.org" in page
    assert "When the Short Break Hub is open must be 200 characters or fewer" in page
    assert 'value="Carers Services"' in page
    assert "1 High St</textarea>" in page
    assert not StatementDraft.objects.exists()
    too_long = client.post(edit("purpose"), {"purpose": "a" * 5001})
    assert "Why the partnership publishes this statement must be 5,000 characters or fewer" in html(too_long)
    assert client.get(edit("no-such-section")).status_code == 404


def test_publishing_without_what_the_regulations_ask_for_says_what_is_missing_and_where(client_for, x):
    client = client_for(x.commissioner)
    response = client.post(PUBLISH, review_date(next_year()) | {"submission_key": "k"})
    assert response.status_code == 200
    assert title(response).startswith("Error: Publish the statement")
    page = html(response)
    assert (
        f'<a href="{edit("contacts")}">Enter the department or organisation responsible for the statement</a>' in page
    )
    assert f'<a href="{edit("consultation")}">Say how carers were consulted</a>' in page
    assert page.count("Say how carers were consulted") == 1  # once, in the summary, linking to its section
    assert not PublishedStatement.objects.exists()


def test_a_bad_review_date_is_told_beside_the_field(client_for, x):
    ready_draft(x.partnership, x.commissioner)
    client = client_for(x.commissioner)
    response = client.post(PUBLISH, {"next_review_on_0": "31", "next_review_on_1": "2", "next_review_on_2": "2027"})
    assert title(response).startswith("Error: ")
    assert "The next review date must be a real date, like 27 3 2027" in html(response)
    assert 'href="#id_next_review_on_0"' in html(response)
    past = client.post(PUBLISH, {"next_review_on_0": "1", "next_review_on_1": "1", "next_review_on_2": "2020"})
    assert "The next review date must be in the future" in html(past)
    assert not PublishedStatement.objects.exists()


def test_publishing_twice_with_the_same_form_makes_one_version(client_for, x):
    ready_draft(x.partnership, x.commissioner)
    client = client_for(x.commissioner)
    form = html(client.get(PUBLISH))
    key = re.search(r'name="submission_key" value="([0-9a-f]+)"', form).group(1)
    data = review_date(next_year()) | {"submission_key": key}
    assert client.post(PUBLISH, data).status_code == 302
    assert client.post(PUBLISH, data).status_code == 302
    assert PublishedStatement.objects.count() == 1
    assert "Version 1</a>, published" in html(client.get(MANAGE))


def test_a_draft_is_seen_by_its_partnerships_commissioners_only(client, client_for, x, y, carer_a):
    ready_draft(x.partnership, x.commissioner, purpose="Only the commissioners of X may read this yet.")
    assert client.get(reverse("commissioning:statement", args=[x.partnership.slug])).status_code == 404
    assert client.get(reverse("commissioning:statement_versions", args=[x.partnership.slug])).status_code == 404
    assert client.get(PREVIEW).status_code == 302  # to sign in
    assert "Only the commissioners of X" not in html(client_for(y.commissioner).get(PREVIEW))
    for other in (x.broker, x.assessor, carer_a.user):
        assert client_for(other).get(PREVIEW).status_code == 404
    assert "Only the commissioners of X may read this yet." in html(client_for(x.commissioner).get(PREVIEW))
    assert "No partnership has published its statement here yet." in html(
        client.get(reverse("commissioning:statements"))
    )


def test_anyone_reads_the_published_statement_its_versions_and_pdf_and_caches_may_keep_them(client, x):
    publish(x.partnership, x.commissioner, purpose="First words.")
    publish(x.partnership, x.commissioner, purpose="Second words.")
    slug = x.partnership.slug
    current = client.get(reverse("commissioning:statement", args=[slug]))
    assert current.status_code == 200
    assert current["Cache-Control"] == "public, max-age=300"
    assert "Second words." in html(current)
    assert "It has been replaced" not in html(current)
    first = client.get(reverse("commissioning:statement_version", args=[slug, 1]))
    assert first["Cache-Control"] == "public, max-age=86400"
    assert "First words." in html(first)
    assert "This is version 1" in html(first)
    assert title(first).startswith("Short Breaks Services Statement: Partnership X, version 1")
    newest = client.get(reverse("commissioning:statement_version", args=[slug, 2]))
    assert newest["Cache-Control"] == "public, max-age=300"  # it will say "replaced" once version 3 is out
    versions = html(client.get(reverse("commissioning:statement_versions", args=[slug])))
    assert versions.index("Version 2</a> (current)") < versions.index("Version 1</a>")
    pdf = client.get(reverse("commissioning:statement_pdf", args=[slug, 1]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "public, max-age=86400"
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == f'inline; filename="short-breaks-services-statement-{slug}-v1.pdf"'
    assert not current.cookies
    index = html(client.get(reverse("commissioning:statements")))
    assert reverse("commissioning:statement", args=[slug]) in index
    assert client.get(reverse("commissioning:statement_version", args=[slug, 3])).status_code == 404
    assert client.get(reverse("commissioning:statement_pdf", args=[slug, 3])).status_code == 404


def test_someone_signed_in_reads_it_too_but_nothing_is_stored(client_for, x, carer_a):
    publish(x.partnership, x.commissioner)
    response = client_for(carer_a.user).get(reverse("commissioning:statement", args=[x.partnership.slug]))
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_the_public_site_links_to_the_statements(client):
    index = reverse("commissioning:statements")
    assert f'href="{index}"' in html(client.get(reverse("brokerage:directory:search")))
    assert f'href="{index}"' in html(client.get(reverse("accessibility")))  # the footer, on every page


def _offers(x, n):
    provider = ProviderFactory()
    provider.partnerships_served.set([x.partnership])
    for i in range(n):
        OfferFactory(provider=provider, locality=x.locality, kind=list(OfferKind)[i % len(OfferKind)])


@pytest.mark.parametrize("offers", [2, 24])
def test_the_preview_costs_the_same_queries_however_many_breaks(client_for, x, offers, django_assert_num_queries):
    _offers(x, offers)
    ready_draft(x.partnership, x.commissioner)
    client = client_for(x.commissioner)
    client.get(PREVIEW)
    with django_assert_num_queries(14):
        assert client.get(PREVIEW).status_code == 200


@pytest.mark.parametrize("versions", [1, 4])
def test_a_published_page_costs_the_same_queries_however_many_versions(client, x, versions, django_assert_num_queries):
    _offers(x, 3)
    for _ in range(versions):
        publish(x.partnership, x.commissioner)
    slug = x.partnership.slug
    with django_assert_num_queries(2):
        assert client.get(reverse("commissioning:statement_version", args=[slug, 1])).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("commissioning:statement", args=[slug])).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("commissioning:statement_pdf", args=[slug, 1])).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("commissioning:statement_versions", args=[slug])).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(reverse("commissioning:statements")).status_code == 200
