"""The partnership's minimum entitlement, set by its commissioners on a page of their own (not the admin): a whole
number of nights from 1 to 365, with a message by the field otherwise; logged; the access figures say when it is
not set."""

import pytest
from django.urls import reverse

from audits import figures
from audits.models import AuditRun, AuditSettings
from audits.services import audit_compute
from breakthrough.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = reverse("audits:minimum_entitlement")


@pytest.fixture
def commissioner(x, client_for):
    return client_for(x.commissioner)


def test_the_audits_page_says_it_is_not_set_and_links_to_set_it(commissioner):
    page = commissioner.get(reverse("audits:list")).content.decode()
    assert "Not set yet." in page
    assert f'href="{URL}">Set the minimum entitlement' in page


def test_a_commissioner_sets_and_changes_it(x, y, commissioner):
    response = commissioner.post(URL, {"minimum_nights": " 14 "}, follow=True)
    assert AuditSettings.objects.get(partnership=x.partnership).minimum_nights == 14
    page = response.content.decode()
    assert "The minimum entitlement is saved." in page
    assert "14 nights of break a year" in page
    assert 'value="14"' in commissioner.get(URL).content.decode()
    commissioner.post(URL, {"minimum_nights": "21"})
    commissioner.post(URL, {"minimum_nights": "21"})  # the same again: nothing to log
    events = AuditEvent.objects.filter(action="audits.settings.minimum_nights_set").order_by("at", "pk")
    assert [e.data for e in events] == [{"before": None, "after": 14}, {"before": 14, "after": 21}]
    assert {e.actor for e in events} == {x.commissioner}
    assert AuditSettings.objects.get().minimum_nights == 21  # Y's is not set, nor touched
    assert not AuditSettings.objects.filter(partnership=y.partnership).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the minimum entitlement in nights a year"),
        ("fourteen", "The minimum entitlement must be a whole number, like 14"),
        ("1.5", "The minimum entitlement must be a whole number, like 14"),
        ("0", "The minimum entitlement must be at least 1 night"),
        ("-3", "The minimum entitlement must be at least 1 night"),
        ("366", "The minimum entitlement must be 365 nights or fewer"),
        ("99999999999999999999999", "The minimum entitlement must be 365 nights or fewer"),
    ],
)
def test_anything_else_gets_a_message_by_the_field_and_keeps_what_was_typed(x, commissioner, typed, message):
    response = commissioner.post(URL, {"minimum_nights": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Minimum entitlement" in page
    assert page.count(message) == 2  # the error summary and the field
    assert f'value="{typed}"' in page or not typed
    assert not AuditSettings.objects.exists()


def _run(x):
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start="2026-03-01",
        period_end="2026-05-31",
        started_by=x.commissioner,
        steps_total=len(figures.STEPS),
    )
    assert audit_compute(run_id=run.pk) == "finished"
    return run


def test_the_entitlement_figures_say_when_it_was_not_set(x, commissioner):
    run = _run(x)
    page = commissioner.get(reverse("audits:run", args=[run.pk])).content.decode()
    caption = "Share of highest-need carers who got the minimum entitlement: Not available"
    assert caption in page
    table = page.split(caption, 1)[1].split("</table>", 1)[0]
    assert figures.MINIMUM_NOT_SET.replace("'", "&#x27;") in table
    # Set now, the next audit counts it (and the frozen one stays as it was).
    commissioner.post(URL, {"minimum_nights": "4"})
    later = commissioner.get(reverse("audits:run", args=[_run(x).pk])).content.decode()
    assert "The minimum for this period: 2 nights." in later  # 4 a year, for 92 days, rounded up
    assert run.figures.get(code="access.minimum_entitlement_share").total is None
