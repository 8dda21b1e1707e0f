"""Micro-grants: the cut-off (in UK time), waiting for a meeting, the panel's decision, the award landing in the
carer's micro-grant fund once, e-mail after commit, the pages (bad input, access, query counts)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.funds import grants, services
from brokerage.funds.checks import ledger_check
from brokerage.funds.selectors import fund_balances
from brokerage.models import Fund, GrantApplication, PanelMeeting, Posting
from tests.brokerage.funds import factories
from tests.factories import CarerFactory, UserFactory

pytestmark = pytest.mark.django_db

UK = ZoneInfo("Europe/London")
UTC = datetime.UTC
# A summer cut-off: 17:00 in the UK is 16:00 UTC (British Summer Time).
CUT_OFF = datetime.datetime(2031, 6, 10, 17, 0, tzinfo=UK)
SCHEDULED_AT = datetime.datetime(2031, 6, 1, 9, 0, tzinfo=UK)


def meeting(staff, meets_on, cut_off, *, now=SCHEDULED_AT) -> PanelMeeting:
    return grants.panel_meeting_add(
        partnership=staff.organisation.partnership, meets_on=meets_on, cut_off=cut_off, by=staff, now=now
    )


def apply(carer, *, amount=20_000, at=None, key=None, by=None) -> GrantApplication:
    return grants.grant_apply(
        carer=carer,
        amount_asked=amount,
        what_for="A pottery course on Tuesday evenings",
        break_kind=GrantApplication.BreakKind.CREATIVE,
        by=by or carer.user,
        submission_key=key,
        now=at,
    )


def assert_ledger_ok():
    report = ledger_check()
    assert report.ok, (report.balance_differences, report.unbalanced_postings)


@pytest.fixture
def line(x):
    return factories.budget_line(x.broker, name="Micro-grants budget")


@pytest.fixture
def two_meetings(x):
    first = meeting(x.broker, datetime.date(2031, 6, 17), CUT_OFF)
    second = meeting(x.broker, datetime.date(2031, 7, 15), datetime.datetime(2031, 7, 8, 17, 0, tzinfo=UK))
    return first, second


@pytest.fixture
def heard(x, carer_a, line):
    """Carer A's application, attached to a meeting whose cut-off is ahead."""
    the_meeting = meeting(
        x.broker,
        timezone.localdate() + datetime.timedelta(days=14),
        timezone.now() + datetime.timedelta(days=7),
        now=timezone.now(),
    )
    application = apply(carer_a)
    assert application.meeting == the_meeting
    return application


# ----------------------------------------------------------------------------------------------
# The cut-off
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted_utc", "goes_to"),
    [
        (datetime.datetime(2031, 6, 10, 15, 59, 59, tzinfo=UTC), "first"),  # 16:59:59 UK time
        (datetime.datetime(2031, 6, 10, 16, 0, 0, tzinfo=UTC), "first"),  # 17:00:00 exactly: in time
        (datetime.datetime(2031, 6, 10, 16, 0, 1, tzinfo=UTC), "second"),  # 17:00:01 UK time: too late
        (datetime.datetime(2031, 6, 10, 16, 30, 0, tzinfo=UTC), "second"),  # 17:30 UK though 16:30 UTC
    ],
)
def test_an_application_after_the_cut_off_rolls_to_the_next_meeting_in_uk_time(
    carer_a, two_meetings, submitted_utc, goes_to
):
    first, second = two_meetings
    application = apply(carer_a, at=submitted_utc)
    assert application.meeting == {"first": first, "second": second}[goes_to]
    assert application.state == GrantApplication.State.PENDING


def test_with_no_meeting_ahead_it_waits_and_joins_the_next_meeting_added(x, carer_a, carer_b_in_x, carer_b):
    late = apply(carer_a, at=SCHEDULED_AT)
    other = apply(carer_b_in_x, at=SCHEDULED_AT)
    elsewhere = apply(carer_b, at=SCHEDULED_AT)  # partnership Y: not attached to X's meeting
    assert late.meeting is None
    assert other.meeting is None
    added = meeting(x.broker, datetime.date(2031, 6, 17), CUT_OFF)
    for application in (late, other, elsewhere):
        application.refresh_from_db()
    assert late.meeting == added
    assert other.meeting == added
    assert elsewhere.meeting is None
    assert AuditEvent.objects.get(action="brokerage.panel_meeting.added").data == {"attached": 2}
    # Applications made later still find the meeting while its cut-off is ahead.
    assert apply(carer_a, at=SCHEDULED_AT + datetime.timedelta(days=1)).meeting == added


def test_a_meeting_must_be_ahead_with_its_cut_off_before_it(x, y):
    with pytest.raises(ValidationError, match="in the future"):
        meeting(x.broker, datetime.date(2031, 6, 17), SCHEDULED_AT - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match="on or before"):
        meeting(x.broker, datetime.date(2031, 6, 17), datetime.datetime(2031, 6, 18, 9, 0, tzinfo=UK))
    with pytest.raises(ValidationError, match="today or in the future"):
        meeting(x.broker, datetime.date(2031, 5, 1), CUT_OFF)
    meeting(x.broker, datetime.date(2031, 6, 17), CUT_OFF)
    with pytest.raises(ValidationError, match="already meets"):
        meeting(x.broker, datetime.date(2031, 6, 17), CUT_OFF)
    with pytest.raises(ValidationError, match="hub staff"):
        grants.panel_meeting_add(
            partnership=x.partnership,
            meets_on=datetime.date(2031, 6, 18),
            cut_off=CUT_OFF,
            by=y.broker,
            now=SCHEDULED_AT,
        )


def test_asking_for_more_than_the_partnership_maximum_is_refused(x, carer_a):
    with pytest.raises(ValidationError, match="up to £300"):
        apply(carer_a, amount=30_001)
    grants.grant_scheme_update(partnership=x.partnership, max_award=50_000, budget_line=None, by=x.broker)
    assert apply(carer_a, amount=50_000).amount_asked_pence == 50_000


def test_a_carer_without_a_partnership_cannot_apply():
    carer = CarerFactory(user=UserFactory(), locality=None, partnership=None)
    with pytest.raises(ValidationError, match="partnership"):
        apply(carer)


def test_the_same_form_sent_twice_is_one_application(carer_a):
    first = apply(carer_a, key="abc123")
    assert apply(carer_a, key="abc123") == first
    assert GrantApplication.objects.count() == 1


# ----------------------------------------------------------------------------------------------
# Decisions
# ----------------------------------------------------------------------------------------------


def decide(application, by, decision="award", reason="It meets the criteria", **kwargs):
    return grants.grant_decide(application=application, decision=decision, reason=reason, by=by, **kwargs)


def test_an_award_lands_in_the_carers_micro_grant_fund_once(
    x, carer_a, heard, line, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decided = decide(heard, x.assessor, budget_line=line)
    assert decided.state == GrantApplication.State.AWARDED
    assert decided.amount_awarded_pence == 20_000
    fund = decided.fund
    assert (fund.kind, fund.carer) == (Fund.Kind.MICRO_GRANT, carer_a)
    assert fund_balances(fund=fund, fetched_by=x.broker).available == 20_000
    assert decided.posting.idempotency_key == f"grant-award:{heard.pk}"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carer.a@example.org"]
    assert "£200 awarded" in mail.outbox[0].subject
    assert "It meets the criteria" in mail.outbox[0].body
    # A double submit (same decision, same person) and a retry of the ledger call both post nothing more.
    assert decide(heard, x.assessor, budget_line=line).posting == decided.posting
    retry = services.ledger_allocate(
        fund=fund, amount=20_000, source=line, by=x.assessor, idempotency_key=f"grant-award:{heard.pk}"
    )
    assert retry == decided.posting
    assert Posting.objects.filter(reference=f"grant:{heard.pk}").count() == 1
    assert fund_balances(fund=fund, fetched_by=x.broker).available == 20_000
    assert_ledger_ok()
    # A second award for the same carer goes to the same fund.
    second = apply(carer_a, amount=5_000)
    assert decide(second, x.broker, budget_line=line).fund == fund
    assert fund_balances(fund=fund, fetched_by=x.broker).available == 25_000
    assert_ledger_ok()


def test_a_different_second_decision_is_refused(x, heard, line):
    decide(heard, x.assessor, budget_line=line)
    with pytest.raises(ValidationError, match="already decided"):
        decide(heard, x.broker, decision="refuse")
    assert_ledger_ok()


def test_a_part_award_is_less_than_asked_and_within_the_maximum(x, heard, line):
    with pytest.raises(ValidationError) as error:
        decide(heard, x.assessor, decision="part_award", amount_awarded=20_000, budget_line=line)
    assert "less than the £200 asked" in str(error.value)
    with pytest.raises(ValidationError, match="more than £0"):
        decide(heard, x.assessor, decision="part_award", amount_awarded=None, budget_line=line)
    decided = decide(heard, x.assessor, decision="part_award", amount_awarded=12_550, budget_line=line)
    assert (decided.state, decided.amount_awarded_pence) == (GrantApplication.State.PART_AWARDED, 12_550)
    assert fund_balances(fund=decided.fund, fetched_by=x.broker).available == 12_550
    assert_ledger_ok()


def test_an_award_above_a_lowered_maximum_is_refused(x, heard, line):
    grants.grant_scheme_update(partnership=x.partnership, max_award=10_000, budget_line=line, by=x.broker)
    with pytest.raises(ValidationError, match="at most £100"):
        decide(heard, x.assessor)
    assert decide(heard, x.assessor, decision="part_award", amount_awarded=10_000).fund is not None  # scheme's line


def test_a_refusal_needs_a_reason_and_moves_no_money(x, heard, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError, match="reason"):
        decide(heard, x.assessor, decision="refuse", reason="   ")
    with django_capture_on_commit_callbacks(execute=True):
        decided = decide(heard, x.assessor, decision="refuse", reason="The panel funds breaks, not bills")
    assert decided.state == GrantApplication.State.REFUSED
    assert decided.posting is None
    assert not Fund.objects.filter(kind=Fund.Kind.MICRO_GRANT).exists()
    assert "not awarded" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="brokerage.grant_application.refused").count() == 1


def test_who_may_decide(x, y, carer_a, heard, line, admin_user):
    with pytest.raises(ValidationError, match="hub staff"):
        decide(heard, y.broker, budget_line=line)
    with pytest.raises(ValidationError, match="hub staff"):
        decide(heard, carer_a.user, budget_line=line)
    with pytest.raises(ValidationError, match="hub staff"):
        decide(heard, x.commissioner, budget_line=line)
    # Staff who applied for the carer cannot decide it themself.
    for_carer = apply(carer_a, by=x.broker)
    with pytest.raises(ValidationError, match="someone else"):
        decide(for_carer, x.broker, budget_line=line)
    assert decide(for_carer, x.assessor, budget_line=line).state == GrantApplication.State.AWARDED
    assert decide(heard, admin_user, budget_line=line).decided_by == admin_user


def test_an_application_waiting_for_a_meeting_cannot_be_decided(x, carer_a, line):
    waiting = apply(carer_a)
    with pytest.raises(ValidationError, match="waiting for the next meeting"):
        decide(waiting, x.assessor, budget_line=line)


def test_an_award_without_a_budget_line_or_money_is_refused_and_posts_nothing(x, heard):
    with pytest.raises(ValidationError, match="budget line"):
        decide(heard, x.assessor)
    poor = factories.budget_line(x.broker, amount=100, name="Nearly empty")
    with pytest.raises(ValidationError, match="not the £200"):
        decide(heard, x.assessor, budget_line=poor)
    heard.refresh_from_db()
    assert heard.state == GrantApplication.State.PENDING
    assert_ledger_ok()


# ----------------------------------------------------------------------------------------------
# Pages
# ----------------------------------------------------------------------------------------------


def test_a_carer_applies_after_the_cut_off_and_is_told_the_next_meeting(client_for, x, carer_a):
    now = timezone.now()
    closed = meeting(
        x.broker, timezone.localdate(now) + datetime.timedelta(days=2), now + datetime.timedelta(minutes=1), now=now
    )
    PanelMeeting.objects.filter(pk=closed.pk).update(cut_off=now - datetime.timedelta(hours=1))  # it closed an hour ago
    upcoming = meeting(
        x.broker, timezone.localdate(now) + datetime.timedelta(days=30), now + datetime.timedelta(days=20), now=now
    )
    client = client_for(carer_a.user)
    page = client.get(reverse("brokerage:grants:carer_apply"))
    assert upcoming.meets_on.strftime("%-d %B %Y") in page.content.decode()
    key = page.context["form"].initial["submission_key"]
    data = {"amount": "150.50", "what_for": "Swimming lessons", "break_kind": "creative", "submission_key": key}
    response = client.post(reverse("brokerage:grants:carer_apply"), data, follow=True)
    application = GrantApplication.objects.get()
    assert application.amount_asked_pence == 15_050
    assert application.meeting == upcoming
    text = response.content.decode()
    assert f"The panel looks at it on {upcoming.meets_on:%A %-d %B %Y}" in text
    assert "closed at" in text  # it missed the first meeting, and says so
    client.post(reverse("brokerage:grants:carer_apply"), data)  # sent twice
    assert GrantApplication.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "amount", "Enter how much you are asking for"),
        ({"amount": "lots"}, "amount", "in pounds, like 45.50"),
        ({"amount": "12.345"}, "amount", "pounds and pence"),
        ({"amount": "-5"}, "amount", "£0 or more"),
        ({"amount": "0"}, "amount", "more than £0"),
        ({"amount": "301"}, "amount", "up to £300"),
        ({"amount": "50", "break_kind": "holiday"}, "break_kind", "Select the kind of break"),
        ({"amount": "50", "what_for": "x" * 2001}, "what_for", "2,000 characters"),
    ],
)
def test_bad_input_on_the_application_form_keeps_what_was_typed(client_for, carer_a, data, field, message):
    posted = {"what_for": "Swimming lessons", "break_kind": "creative", **data}
    response = client_for(carer_a.user).post(reverse("brokerage:grants:carer_apply"), posted)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<title>Error: " in text
    assert "govuk-error-summary" in text
    assert message in " ".join(response.context["form"].errors[field])
    if len(posted["what_for"]) < 100:
        assert posted["what_for"] in text
    assert not GrantApplication.objects.exists()


def test_a_broker_decides_on_the_page_and_a_double_submit_posts_once(client_for, x, carer_a, heard, line):
    client = client_for(x.broker)
    url = reverse("brokerage:grants:application_decide", kwargs={"pk": heard.pk})
    assert client.get(url).status_code == 200
    bad = client.post(url, {"decision": "part_award", "amount": "", "budget_line": line.pk, "reason": ""})
    assert bad.status_code == 200
    assert "<title>Error: " in bad.content.decode()
    assert set(bad.context["form"].errors) == {"amount", "reason"}
    data = {"decision": "award", "budget_line": line.pk, "reason": "A good use of a short break"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the second click finds it decided
    heard.refresh_from_db()
    assert heard.state == GrantApplication.State.AWARDED
    assert Posting.objects.filter(reference=f"grant:{heard.pk}").count() == 1
    page = client_for(carer_a.user).get(reverse("brokerage:grants:carer_detail", kwargs={"pk": heard.pk}))
    assert "£200" in page.content.decode()
    assert "A good use of a short break" in page.content.decode()
    assert_ledger_ok()


def test_a_service_error_on_the_decision_page_is_shown_not_a_500(client_for, x, heard):
    poor = factories.budget_line(x.broker, amount=100, name="Nearly empty")
    response = client_for(x.broker).post(
        reverse("brokerage:grants:application_decide", kwargs={"pk": heard.pk}),
        {"decision": "award", "budget_line": poor.pk, "reason": "Yes"},
    )
    assert response.status_code == 200
    assert "not the £200" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "meets_on"),
        ({"meets_on_0": "31", "meets_on_1": "2", "meets_on_2": "2031"}, "meets_on"),
        ({"cut_off_time": "5pm"}, "cut_off_time"),
        ({"cut_off_date_0": "1", "cut_off_date_1": "1", "cut_off_date_2": "2020"}, "cut_off_date"),
    ],
)
def test_bad_input_on_the_meeting_form(client_for, x, data, field):
    base = {
        "meets_on_0": "17", "meets_on_1": "6", "meets_on_2": str(timezone.localdate().year + 1),
        "cut_off_date_0": "10", "cut_off_date_1": "6", "cut_off_date_2": str(timezone.localdate().year + 1),
        "cut_off_time": "17:00",
    }  # fmt: skip
    response = client_for(x.broker).post(reverse("brokerage:grants:meeting_add"), {**base, **data} if data else {})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not PanelMeeting.objects.exists()


def test_adding_a_meeting_on_the_page_attaches_waiting_applications(client_for, x, carer_a):
    waiting = apply(carer_a)
    year = timezone.localdate().year + 1
    data = {
        "meets_on_0": "17", "meets_on_1": "6", "meets_on_2": str(year),
        "cut_off_date_0": "10", "cut_off_date_1": "6", "cut_off_date_2": str(year), "cut_off_time": "17:00",
    }  # fmt: skip
    response = client_for(x.broker).post(reverse("brokerage:grants:meeting_add"), data, follow=True)
    assert "1 waiting application joined it" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.meeting.cut_off == datetime.datetime(year, 6, 10, 17, 0, tzinfo=UK)


def test_scheme_settings_page_validates(client_for, x, line):
    client = client_for(x.broker)
    url = reverse("brokerage:grants:scheme_edit")
    assert "max_award" in client.post(url, {"max_award": "abc"}).context["form"].errors
    assert "max_award" in client.post(url, {"max_award": "0"}).context["form"].errors
    assert client.post(url, {"max_award": "250", "budget_line": line.pk}).status_code == 302
    scheme = grants.grant_scheme(x.partnership.pk)
    assert (scheme.max_award_pence, scheme.budget_line) == (25_000, line)


def test_other_households_and_partnerships_get_404(client_for, x, y, carer_a, carer_b, heard, provider_user):
    detail = reverse("brokerage:grants:carer_detail", kwargs={"pk": heard.pk})
    decide_url = reverse("brokerage:grants:application_decide", kwargs={"pk": heard.pk})
    meeting_url = reverse("brokerage:grants:meeting_detail", kwargs={"pk": heard.meeting_id})
    assert client_for(carer_b.user).get(detail).status_code == 404
    assert client_for(y.broker).get(decide_url).status_code == 404
    assert client_for(y.broker).post(decide_url, {"decision": "award", "reason": "x"}).status_code == 404
    assert client_for(y.assessor).get(meeting_url).status_code == 404
    assert client_for(carer_a.user).get(decide_url).status_code == 404
    assert client_for(provider_user).get(reverse("brokerage:grants:panel")).status_code == 404
    heard.refresh_from_db()
    assert heard.state == GrantApplication.State.PENDING


# ----------------------------------------------------------------------------------------------
# Query counts: the same at a few rows and at many
# ----------------------------------------------------------------------------------------------


def _count_queries(client, url, django_assert_max_num_queries=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_make_the_same_number_of_queries_at_any_size(client_for, x, carer_a, line):
    now = timezone.now()
    first = meeting(
        x.broker, timezone.localdate() + datetime.timedelta(days=10), now + datetime.timedelta(days=5), now=now
    )
    apply(carer_a)
    pages = [
        (client_for(x.broker), reverse("brokerage:grants:panel")),
        (client_for(x.broker), reverse("brokerage:grants:meeting_detail", kwargs={"pk": first.pk})),
        (client_for(carer_a.user), reverse("brokerage:grants:carer_list")),
    ]
    small = [_count_queries(client, url) for client, url in pages]
    for i in range(12):
        carer = CarerFactory(user=UserFactory(), locality=x.locality)
        apply(carer)
        apply(carer_a, amount=1_000 + i)
        meeting(
            x.broker,
            timezone.localdate() + datetime.timedelta(days=40 + i),
            now + datetime.timedelta(days=30 + i),
            now=now,
        )
    GrantApplication.objects.create(
        partnership=x.partnership, carer=carer_a, amount_asked_pence=500, what_for="Waiting", break_kind="creative",
        submitted_by=carer_a.user,
    )  # fmt: skip
    assert [_count_queries(client, url) for client, url in pages] == small


def test_a_carers_grant_and_direct_payment_pages_sit_under_your_money(client_for, carer_a):
    client = client_for(carer_a.user)
    for name in ("brokerage:grants:carer_list", "brokerage:grants:dp_carer"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert [item["label"] for item in response.context["nav_items"] if item["active"]] == ["Your money"]
