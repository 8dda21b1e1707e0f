"""The demo's micro-grants: Glenmorven's panel met a few days before REFERENCE_TIME and awarded Morag £250 for a
pottery course (from a micro-grants budget line, through the ledger); a second Glenmorven carer applied after its
cut-off and waits for the next meeting. Found again by natural keys (the meeting's date, the carer and what the
grant is for), so a second run creates nothing; every date is fixed from REFERENCE_TIME."""

from __future__ import annotations

import datetime
from collections import Counter

from breakthrough.models import User
from brokerage.models import Carer, Fund, GrantApplication, PanelMeeting

from .reference import REFERENCE_TIME

BUDGET_LINE = "Glenmorven micro-grants 2026-27"
AWARDED_FOR = "A six-week pottery course on Thursday evenings, while my sister sits with Jamie"
WAITING_FOR = "A weekend's hill walking with friends, and the bus fare to get there"


def ensure_grants(users: dict[str, User], counter: Counter) -> None:
    morag = Carer.objects.filter(user=users.get("carer@glenmorven.example")).select_related("partnership").first()
    if morag is None or morag.partnership_id is None:
        return
    from brokerage.funds import grants, services

    broker, assessor = users["broker@glenmorven.example"], users["assessor@glenmorven.example"]
    partnership = morag.partnership
    line = Fund.objects.filter(partnership=partnership, kind=Fund.Kind.BUDGET_LINE, name=BUDGET_LINE).first()
    if line is None:
        line = services.fund_open(
            partnership=partnership, kind=Fund.Kind.BUDGET_LINE, name=BUDGET_LINE, by=broker, amount=1_000_000
        )
        counter["budget lines"] += 1
    meets_on = (REFERENCE_TIME - datetime.timedelta(days=4)).date()
    meeting, created = PanelMeeting.objects.get_or_create(
        partnership=partnership,
        meets_on=meets_on,
        defaults={
            # 17:00 UK time (British Summer Time) a week before the meeting
            "cut_off": datetime.datetime.combine(
                meets_on - datetime.timedelta(days=7), datetime.time(16, 0), tzinfo=datetime.UTC
            ),
            "created_by": broker,
            "created_at": REFERENCE_TIME - datetime.timedelta(days=30),
        },
    )
    if created:
        counter["panel meetings"] += 1
    awarded = GrantApplication.objects.filter(carer=morag, what_for=AWARDED_FOR).first()
    if awarded is None:
        awarded = GrantApplication.objects.create(
            partnership=partnership,
            carer=morag,
            amount_asked_pence=25_000,
            what_for=AWARDED_FOR,
            break_kind=GrantApplication.BreakKind.CREATIVE,
            meeting=meeting,
            submitted_by=morag.user,
            submitted_at=REFERENCE_TIME - datetime.timedelta(days=20),
        )
        counter["grant applications"] += 1
    if awarded.state == GrantApplication.State.PENDING:
        grants.grant_decide(
            application=awarded,
            decision=grants.Decision.AWARD,
            reason="A regular evening for herself, close to home: exactly what the scheme is for.",
            budget_line=line,
            by=assessor,
        )
        decided_at = datetime.datetime.combine(meets_on, datetime.time(11, 0), tzinfo=datetime.UTC)
        GrantApplication.objects.filter(pk=awarded.pk).update(decided_at=decided_at)
        counter["grant awards"] += 1
    other = (
        Carer.objects.filter(partnership=partnership)
        .exclude(pk=morag.pk)
        .order_by("last_name", "first_name", "pk")
        .first()
    )
    if other is not None and not GrantApplication.objects.filter(carer=other, what_for=WAITING_FOR).exists():
        GrantApplication.objects.create(
            partnership=partnership,
            carer=other,
            amount_asked_pence=12_000,
            what_for=WAITING_FOR,
            break_kind=GrantApplication.BreakKind.CREATIVE,
            meeting=None,  # after the cut-off, and no later meeting is booked yet
            submitted_by=broker,
            submitted_at=REFERENCE_TIME - datetime.timedelta(days=5),
        )
        counter["grant applications"] += 1
