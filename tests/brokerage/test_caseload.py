"""The hub's caseload: the carers of the worker's own partnership, searchable, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from breakthrough.models import AuditEvent
from tests.factories import CarerFactory, cares_for

pytestmark = pytest.mark.django_db

CASELOAD_QUERIES = 7


def _carers(locality, n):
    carers = CarerFactory.create_batch(n, locality=locality)
    for carer in carers:
        cares_for(carer)
    return carers


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_caseload_page_takes_the_same_queries_for_3_or_60_carers(client_for, x):
    client = client_for(x.broker)
    url = reverse("brokerage:caseload")
    _carers(x.locality, 3)
    few = _count_queries(client, url)
    _carers(x.locality, 57)
    many = _count_queries(client, url)
    assert few == many == CASELOAD_QUERIES


def test_the_caseload_lists_only_the_partnerships_carers_and_pages_them(client_for, x, y, carer_b):
    _carers(x.locality, 30)
    page = client_for(x.broker).get(reverse("brokerage:caseload")).content.decode()
    assert "30 carers" in page
    assert carer_b.last_name not in page
    assert page.count('class="govuk-table__row"') == 25 + 1  # 25 a page, plus the header row
    second = client_for(x.broker).get(reverse("brokerage:caseload") + "?page=2").content.decode()
    assert second.count('class="govuk-table__row"') == 5 + 1


def test_search_by_name_or_postcode(client_for, x):
    CarerFactory(locality=x.locality, first_name="Fiona", last_name="Grant", postcode="PA34 4AA")
    CarerFactory(locality=x.locality, first_name="Hamish", last_name="Reid", postcode="PA20 0AB")
    client = client_for(x.assessor)
    by_name = client.get(reverse("brokerage:caseload"), {"q": "fiona gra"}).content.decode()
    assert "Fiona Grant" in by_name
    assert "Hamish Reid" not in by_name
    by_postcode = client.get(reverse("brokerage:caseload"), {"q": "PA20 0AB"}).content.decode()
    assert "Hamish Reid" in by_postcode
    assert "Fiona Grant" not in by_postcode
    by_outward_code = client.get(reverse("brokerage:caseload"), {"q": "pa34"}).content.decode()
    assert "Fiona Grant" in by_outward_code
    assert "Hamish Reid" not in by_outward_code
    none = client.get(reverse("brokerage:caseload"), {"q": "zzz"}).content.decode()
    assert "No carers match" in none


def test_a_carers_record_shows_the_household_and_is_audited(client_for, x, carer_a):
    page = client_for(x.broker).get(reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})).content.decode()
    assert carer_a.full_name in page
    assert carer_a.person.full_name in page
    assert AuditEvent.objects.filter(
        action="brokerage.carer.viewed", actor=x.broker, object_id=str(carer_a.pk)
    ).exists()


def test_the_page_links_keep_the_search(client_for, x):
    for carer in CarerFactory.create_batch(30, locality=x.locality, last_name="MacLeod"):
        cares_for(carer)
    page = client_for(x.broker).get(reverse("brokerage:caseload"), {"q": "mac leod"}).content.decode()
    assert 'href="?q=mac+leod&amp;page=2"' in page


def test_the_title_says_what_was_found_and_where_in_it(client_for, x):
    for carer in CarerFactory.create_batch(27, locality=x.locality, last_name="MacLeod"):
        cares_for(carer)
    CarerFactory(locality=x.locality, last_name="Grant", first_name="Fiona")
    client = client_for(x.broker)
    url = reverse("brokerage:caseload")
    assert "<title>28 carers (page 1 of 2) – Caseload" in client.get(url).content.decode()
    assert "<title>27 carers matching “macleod” (page 2 of 2) – Caseload" in (
        client.get(url, {"q": "macleod", "page": 2}).content.decode()
    )
    assert "<title>1 carer matching “fiona” – Caseload" in client.get(url, {"q": "fiona"}).content.decode()


def test_past_the_cap_the_caseload_says_more_than_and_lists_the_first(client_for, x, monkeypatch):
    from brokerage import views

    monkeypatch.setattr(views, "MOST_RESULTS", 30)
    _carers(x.locality, 35)
    client = client_for(x.broker)
    page = client.get(reverse("brokerage:caseload")).content.decode()
    assert "More than 30 carers" in page
    assert "We list the first 30." in page
    assert "<title>More than 30 carers (page 1 of 2) – Caseload" in page
    last = client.get(reverse("brokerage:caseload"), {"page": 9})  # past the end: the last page of the first 30
    assert len(last.context["page"].object_list) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        ("first_name__icontains", "first_name_trgm"),
        ("last_name__icontains", "last_name_trgm"),
        ("postcode__istartswith", "postcode_trgm"),
    ],
)
def test_the_searches_by_part_of_a_name_or_postcode_can_use_their_trigram_indexes(lookup, index):
    from brokerage.models import Carer

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here: make the planner show its index
    plan = Carer.objects.filter(**{lookup: "mac"}).explain()
    assert f"Bitmap Index Scan on brokerage_carer_{index}" in plan, plan
