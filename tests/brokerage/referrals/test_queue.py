"""The hub's queue: crisis first, then need, then time waited; the partnership's own; filters; fixed queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brokerage.models import NeedsLevel, Referral
from brokerage.referrals import selectors
from tests.brokerage.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db

QUEUE_URL = reverse("brokerage:referrals:queue")
QUEUE_QUERIES = 7


def waiting(make_carer, last_name, *, days, crisis=False, needs=NeedsLevel.MEDIUM, **extra) -> Referral:
    carer = make_carer(last_name=last_name)
    return ReferralFactory(
        carer=carer,
        crisis=crisis,
        needs_level=needs,
        submitted_at=timezone.now() - datetime.timedelta(days=days, hours=1),
        **extra,
    )


def names_in_page(html: str) -> list[str]:
    """The carers' last names in the order the queue's rows show them."""
    if '<tbody class="govuk-table__body">' not in html:
        return []
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"Morag (\w+)</a>", body)


def test_crisis_first_then_need_then_time_waited(client_for, x, make_carer):
    waiting(make_carer, "Complex30", days=30, needs=NeedsLevel.COMPLEX)
    waiting(make_carer, "CrisisLow", days=1, crisis=True, needs=NeedsLevel.LOW)
    waiting(make_carer, "CrisisHigh", days=2, crisis=True, needs=NeedsLevel.HIGH)
    waiting(make_carer, "Complex40", days=40, needs=NeedsLevel.COMPLEX)
    waiting(make_carer, "Medium100", days=100, needs=NeedsLevel.MEDIUM)
    waiting(make_carer, "High5", days=5, needs=NeedsLevel.HIGH)
    waiting(make_carer, "Low200", days=200, needs=NeedsLevel.LOW)
    expected = ["CrisisHigh", "CrisisLow", "Complex40", "Complex30", "High5", "Medium100", "Low200"]

    in_order = [r.carer.last_name for r in selectors.referral_queue(fetched_by=x.broker)]
    assert in_order == expected
    html = client_for(x.broker).get(QUEUE_URL).content.decode()
    assert names_in_page(html) == expected
    assert "waited 200 days" in html
    assert "waited 1 day<" in html
    assert "Carers at crisis point come first. Then the greatest need comes first" in html
    assert "whoever has waited longest comes first" in html


def test_the_queue_holds_open_referrals_of_the_users_partnership_only(client_for, x, y, make_carer, carer_b):
    ReferralFactory(carer=carer_b)  # partnership Y
    open_one = waiting(make_carer, "Open", days=3)
    ended = waiting(make_carer, "Ended", days=3)
    Referral.objects.filter(pk=ended.pk).update(
        state=Referral.State.CLOSED, ended_at=timezone.now(), end_reason="Done."
    )
    assert list(selectors.referral_queue(fetched_by=x.assessor)) == [open_one]
    html = client_for(x.broker).get(QUEUE_URL).content.decode()
    assert names_in_page(html) == ["Open"]
    assert carer_b.last_name not in html
    assert "1 referral<" in html
    y_html = client_for(y.broker).get(QUEUE_URL).content.decode()
    assert carer_b.last_name in y_html
    assert "Open" not in names_in_page(y_html)


def test_filters_by_state_and_by_worker(client_for, x, make_carer):
    mine = waiting(make_carer, "Mine", days=2, state=Referral.State.ASSIGNED, worker=x.broker)
    theirs = waiting(make_carer, "Theirs", days=2, state=Referral.State.ASSIGNED, worker=x.assessor)
    nobodys = waiting(make_carer, "Nobodys", days=2, state=Referral.State.TRIAGE)
    closed = waiting(make_carer, "Closed", days=2)
    Referral.objects.filter(pk=closed.pk).update(
        state=Referral.State.CLOSED, ended_at=timezone.now(), end_reason="Done."
    )
    client = client_for(x.broker)

    def shown(**query):
        return set(names_in_page(client.get(QUEUE_URL, query).content.decode()))

    assert shown() == {"Mine", "Theirs", "Nobodys"}
    assert shown(assigned="me") == {mine.carer.last_name}
    assert shown(assigned="none") == {nobodys.carer.last_name}
    assert shown(state="assigned") == {mine.carer.last_name, theirs.carer.last_name}
    assert shown(state="closed") == {"Closed"}
    assert shown(state="closed", assigned="me") == set()
    # A filter value that is not offered is ignored, not an error
    response = client.get(QUEUE_URL, {"state": "nonsense", "assigned": "everyone"})
    assert response.status_code == 200
    assert set(names_in_page(response.content.decode())) == {"Mine", "Theirs", "Nobodys"}
    assert "<title>3 referrals – Referrals" in response.content.decode()


def test_the_filters_are_kept_in_the_page_links(client_for, x, make_carer):
    for i in range(27):
        waiting(make_carer, f"Many{i}", days=i + 1, state=Referral.State.TRIAGE)
    html = client_for(x.broker).get(QUEUE_URL, {"state": "triage"}).content.decode()
    assert len(names_in_page(html)) == 25
    assert 'href="?state=triage&amp;page=2"' in html


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(QUEUE_URL).status_code == 200
    return len(queries)


def test_the_queue_takes_the_same_queries_for_3_or_30_referrals(client_for, x, make_carer):
    client = client_for(x.broker)
    for i in range(3):
        waiting(make_carer, f"Few{i}", days=i, worker=x.assessor, state=Referral.State.ASSIGNED)
    few = _count_queries(client)
    for i in range(27):
        waiting(make_carer, f"Many{i}", days=i, crisis=bool(i % 2), worker=x.broker, state=Referral.State.ASSIGNED)
    many = _count_queries(client)
    assert few == many == QUEUE_QUERIES
