"""Carer partners named on an audit: the commissioner ticks current partners; a named, current partner reads the
audit (its page, findings, carers' views, PDF, XLSX, CSV) and changes nothing; a partner who has withdrawn, or
was never named, gets 404; the carer's home page lists what names them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audits import selectors
from audits.models import AuditFigure, AuditRun, CarerView
from breakthrough import partners
from breakthrough.models import AuditEvent, CarerPartner

pytestmark = pytest.mark.django_db


def _partner(x, carer, *, agreed=True):
    partner = partners.carer_partner_invite(partnership_id=x.partnership.pk, email=carer.user.email, by=x.commissioner)
    if agreed:
        digest = partners.wording_digest(partners.agreement_wording(x.partnership))
        partner = partners.carer_partner_agree(partner=partner, by=carer.user, digest=digest)
    return partner


def _finished(x, state=AuditRun.State.FINISHED):
    extra = {"finished_at": timezone.now(), "definitions_version": "test"} if state == "finished" else {}
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start="2026-03-01",
        period_end="2026-05-31",
        started_by=x.commissioner,
        steps_total=6,
        state=state,
        in_place="Two sitting services",
        **extra,
    )
    AuditFigure.objects.create(
        run=run,
        step="demand",
        position=0,
        code="demand.referrals",
        label="Referrals",
        definition="Counted",
        unit="count",
        version=1,
        total=3,
        rows=[{"by": {"locality": "X North"}, "value": 3}],
        breakdown=["locality"],
    )
    CarerView.objects.create(
        run=run, summary="Evenings are hard", gathered_by="Forum", gathered_on="2026-06-01", recorded_by=x.commissioner
    )
    return run


@pytest.fixture
def run(x):
    return _finished(x)


def _name(client, run, *partners_):
    return client.post(reverse("audits:partners", args=[run.pk]), {"carer_partners": [p.pk for p in partners_]})


def test_a_commissioner_names_current_partners_on_an_audit(x, run, carer_a, carer_b_in_x, client_for):
    a, bx = _partner(x, carer_a), _partner(x, carer_b_in_x, agreed=False)
    commissioner = client_for(x.commissioner)
    page = commissioner.get(reverse("audits:run", args=[run.pk])).content.decode()
    assert 'name="carer_partners"' in page
    assert f'value="{a.pk}"' in page
    assert f'value="{bx.pk}"' not in page  # invited, not agreed: not one to name
    response = _name(commissioner, run, a)
    assert response.status_code == 302
    assert list(run.carer_partners.all()) == [a]
    event = AuditEvent.objects.get(action="audits.run.partners_named")
    assert (event.actor, event.data) == (x.commissioner, {"named": [a.pk], "unnamed": []})
    # Saved again the same: nothing changes, nothing more is logged.
    _name(commissioner, run, a)
    assert AuditEvent.objects.filter(action="audits.run.partners_named").count() == 1


def test_a_partner_not_current_cannot_be_named(x, run, carer_a, carer_b_in_x, client_for):
    invited = _partner(x, carer_b_in_x, agreed=False)
    response = _name(client_for(x.commissioner), run, invited)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Carer partners named on this audit" in page
    assert "Choose from your partnership&#x27;s current carer partners" in page
    assert not run.carer_partners.exists()


def test_a_named_partner_reads_the_audit_and_its_reports(x, run, carer_a, client_for):
    run.carer_partners.add(_partner(x, carer_a))
    reader = client_for(carer_a.user)
    page = reader.get(reverse("audits:run", args=[run.pk])).content.decode()
    assert "Two sitting services" in page
    assert "Evenings are hard" in page
    assert "Referrals" in page
    for absent in ("Change what the audit found", "Add carers&#x27; views", 'name="carer_partners"', "All audits"):
        assert absent not in page
    assert reader.get(reverse("audits:pdf", args=[run.pk]))["Content-Type"] == "application/pdf"
    assert reader.get(reverse("audits:xlsx", args=[run.pk])).status_code == 200
    csv = reader.get(reverse("audits:csv", args=[run.pk, "demand.referrals"]))
    assert csv.status_code == 200
    assert "X North" in csv.content.decode("utf-8-sig")
    home = reader.get(reverse("brokerage:carer_home")).content.decode()
    assert "Local audit of Partnership X, 1 March 2026 to 31 May 2026" in home
    assert reverse("audits:run", args=[run.pk]) in home


def test_a_named_partner_changes_nothing(x, run, carer_a, client_for):
    partner = _partner(x, carer_a)
    run.carer_partners.add(partner)
    reader = client_for(carer_a.user)
    gathered = {"summary": "Mine", "gathered_by": "Me", "gathered_on_0": "1", "gathered_on_1": "6"}
    attempts = [
        (reverse("audits:findings", args=[run.pk]), {"in_place": "Nothing"}),
        (reverse("audits:carer_view_new", args=[run.pk]), gathered | {"gathered_on_2": "2026"}),
        (reverse("audits:partners", args=[run.pk]), {"carer_partners": []}),
        (reverse("audits:retry", args=[run.pk]), {}),
        (reverse("audits:status", args=[run.pk]), {}),
        (reverse("audits:new"), {}),
        (reverse("audits:list"), {}),
    ]
    for url, data in attempts:
        assert reader.post(url, data).status_code == 404, url
    run.refresh_from_db()
    assert run.in_place == "Two sitting services"
    assert run.carer_views.count() == 1
    assert list(run.carer_partners.all()) == [partner]


def test_a_partner_who_withdraws_reads_it_no_more(x, run, carer_a, client_for):
    partner = _partner(x, carer_a)
    run.carer_partners.add(partner)
    reader = client_for(carer_a.user)
    assert reader.get(reverse("audits:run", args=[run.pk])).status_code == 200
    partners.carer_partner_end(partner=partner, by=carer_a.user)
    for name in ("run", "pdf", "xlsx"):
        assert reader.get(reverse(f"audits:{name}", args=[run.pk])).status_code == 404
    assert reader.get(reverse("audits:csv", args=[run.pk, "demand.referrals"])).status_code == 404
    assert "Local audit of" not in reader.get(reverse("brokerage:carer_home")).content.decode()
    # The commissioner still sees that they were named, and that they can no longer read it.
    page = client_for(x.commissioner).get(reverse("audits:run", args=[run.pk])).content.decode()
    assert "their partnership has ended: they can no longer read this audit" in page


def test_ended_partners_stay_on_the_record_when_the_names_are_saved_again(x, run, carer_a, carer_b_in_x, client_for):
    a, bx = _partner(x, carer_a), _partner(x, carer_b_in_x)
    run.carer_partners.add(a, bx)
    partners.carer_partner_end(partner=a, by=x.commissioner)
    _name(client_for(x.commissioner), run, bx)  # the form offers only bx now
    assert set(run.carer_partners.all()) == {a, bx}
    _name(client_for(x.commissioner), run)
    assert set(run.carer_partners.all()) == {a}


def test_nobody_else_reads_it(x, y, run, carer_a, carer_b, carer_b_in_x, client_for):
    run.carer_partners.add(_partner(x, carer_a))
    _partner(x, carer_b_in_x)  # a current partner, not named
    for user in (carer_b.user, carer_b_in_x.user, y.commissioner, x.broker):
        assert client_for(user).get(reverse("audits:run", args=[run.pk])).status_code == 404


def test_a_partner_named_on_an_unfinished_run_reads_nothing_yet(x, carer_a):
    running = _finished(x, state=AuditRun.State.RUNNING)
    running.carer_partners.add(_partner(x, carer_a))
    assert not selectors.audit_runs(fetched_by=carer_a.user).exists()


def test_a_partner_of_another_partnership_named_by_mistake_reads_nothing(x, y, run, carer_b):
    """The row says Y: naming it on X's audit (which the service refuses) would still not let it read X's."""
    stray = CarerPartner.objects.create(
        partnership=y.partnership,
        user=carer_b.user,
        invited_by=y.commissioner,
        agreement="I agree",
        agreed_at=timezone.now(),
    )
    run.carer_partners.add(stray)
    assert not selectors.audit_runs(fetched_by=carer_b.user).exists()


def test_the_carers_home_takes_the_same_queries_with_1_and_5_named_audits(
    x, carer_a, client_for, django_assert_num_queries
):
    partner = _partner(x, carer_a)
    client = client_for(carer_a.user)
    _finished(x).carer_partners.add(partner)
    client.get(reverse("brokerage:carer_home"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("brokerage:carer_home"))
    for _ in range(4):
        _finished(x).carer_partners.add(partner)
    with django_assert_num_queries(len(one)):
        page = client.get(reverse("brokerage:carer_home")).content.decode()
    assert page.count("Local audit of Partnership X") == 5
