"""The demo's referrals: each partnership's eligibility criteria (Glenmorven's with an earlier version), and
a Glenmorven hub queue with one referral in every state, crisis first at the top.

Dates are fixed (before REFERENCE_TIME). Criteria are found again by partnership and date; a carer who
has any referral already is skipped, so a second run creates nothing. Sarah Thompson (Eastwick) has no
referral, so the demo can show a carer referring themself.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from breakthrough.models import Partnership, User
from brokerage.models import Carer, CaseNote, EligibilityCriteria, NeedsLevel, Referral, Urgency

from .reference import REFERENCE_TIME

CRITERIA = {
    "glenmorven": [
        (
            200,
            "Unpaid carers of any age who live in Glenmorven and look after someone with a disability, a long-term "
            "condition or frailty.",
        ),
        (
            30,
            "Unpaid carers of any age who live in Glenmorven, or whose cared-for person does, and look after someone "
            "with a disability, a long-term condition, a mental illness or frailty.\n\n"
            "Carers at crisis point are seen first. Carers who need specialist help may be referred on to a service "
            "better placed to help.",
        ),
    ],
    "eastwick": [
        (
            120,
            "Parent carers and young carers in Eastwick whose child or family member has additional support needs. "
            "Adult carers are referred to Eastwick Carers Centre.",
        ),
    ],
}

State = Referral.State


@dataclass(frozen=True)
class ReferralPlan:
    days_ago: int
    needs_level: str
    urgency: str
    state: str
    happening_now: str
    crisis: bool = False
    referrer: tuple[str, str] | None = None  # (name, role and organisation) for a professional's referral
    worker: str = ""  # a demo login's e-mail
    end: tuple[str, str] | None = None  # (reason, service redirected to or "")
    notes: tuple[tuple[int, str, str], ...] = ()  # (days after the referral, kind, text)


IAIN, FIONA = "broker@glenmorven.example", "assessor@glenmorven.example"

# Morag MacLeod, the demo carer: her own referral, with Fiona as her worker.
MORAG = ReferralPlan(
    days_ago=21,
    needs_level=NeedsLevel.HIGH,
    urgency=Urgency.SOON,
    state=State.ASSIGNED,
    happening_now="Jamie's sleep has got worse since the clocks changed and I am up most nights. I need a night off.",
    worker=FIONA,
    notes=(
        (2, CaseNote.Kind.PHONE, "Called Morag. Nights are the main problem; she would like overnight respite."),
        (9, CaseNote.Kind.VISIT, "Home visit with Morag and Jamie. Agreed to start the RAS next week."),
    ),
)

# The other Glenmorven households, in name order, get these.
OTHERS = (
    ReferralPlan(
        days_ago=3,
        needs_level=NeedsLevel.COMPLEX,
        urgency=Urgency.URGENT,
        state=State.NEW,
        crisis=True,
        happening_now="Dad fell twice this week and mum, his carer, has hurt her back lifting him.",
        referrer=("Claire Duncan", "Community nurse, Glenmorven Health Centre"),
    ),
    ReferralPlan(
        days_ago=40,
        needs_level=NeedsLevel.COMPLEX,
        urgency=Urgency.SOON,
        state=State.TRIAGE,
        happening_now="Our daughter needs two people for personal care and her dad works away.",
    ),
    ReferralPlan(
        days_ago=12,
        needs_level=NeedsLevel.MEDIUM,
        urgency=Urgency.ROUTINE,
        state=State.NEW,
        happening_now="I would like a regular afternoon to myself. Mum cannot be left alone for long.",
    ),
    ReferralPlan(
        days_ago=55,
        needs_level=NeedsLevel.HIGH,
        urgency=Urgency.SOON,
        state=State.ASSIGNED,
        happening_now="A young carer looking after his mum; school say he is missing classes.",
        referrer=("Euan Ross", "Guidance teacher, Kilbride Academy"),
        worker=IAIN,
        notes=((4, CaseNote.Kind.LETTER, "Wrote to the family to offer a visit."),),
    ),
    ReferralPlan(
        days_ago=90,
        needs_level=NeedsLevel.LOW,
        urgency=Urgency.ROUTINE,
        state=State.CLOSED,
        happening_now="Looking for a group where I can meet other carers.",
        end=("A place at the carers' café on Thursdays suits them; nothing more needed for now.", ""),
    ),
    ReferralPlan(
        days_ago=70,
        needs_level=NeedsLevel.MEDIUM,
        urgency=Urgency.ROUTINE,
        state=State.REDIRECTED,
        happening_now="My husband's mental health has got worse and I do not know who to ask.",
        end=("They are best supported by the team who know his care.", "Community Mental Health Team"),
    ),
)


def _ensure_criteria(counter: Counter) -> None:
    for slug, versions in CRITERIA.items():
        partnership = Partnership.objects.get(slug=slug)
        for days_ago, text in versions:
            _, created = EligibilityCriteria.objects.get_or_create(
                partnership=partnership,
                effective_from=REFERENCE_TIME - datetime.timedelta(days=days_ago),
                defaults={"text": text},
            )
            counter["eligibility criteria"] += created


def _ensure_referral(carer: Carer, plan: ReferralPlan, users: dict[str, User], counter: Counter) -> None:
    if Referral.objects.filter(carer=carer).exists():
        return
    at = REFERENCE_TIME - datetime.timedelta(days=plan.days_ago)
    worker = users[plan.worker] if plan.worker else None
    name, role = plan.referrer or ("", "")
    reason, redirected_to = plan.end or ("", "")
    criteria = EligibilityCriteria.objects.filter(partnership_id=carer.partnership_id)
    referral = Referral.objects.create(
        carer=carer,
        partnership_id=carer.partnership_id,
        source=Referral.Source.PROFESSIONAL if plan.referrer else Referral.Source.SELF,
        referrer_name=name,
        referrer_role=role,
        needs_level=plan.needs_level,
        happening_now=plan.happening_now,
        urgency=plan.urgency,
        crisis=plan.crisis,
        criteria=criteria.filter(effective_from__lte=at).first(),
        state=plan.state,
        submitted_at=at,
        submitted_by=carer.user if carer.user_id and not plan.referrer else users[IAIN],
        worker=worker,
        assigned_at=at + datetime.timedelta(days=1) if worker else None,
        ended_at=at + datetime.timedelta(days=7) if plan.end else None,
        ended_by=users[IAIN] if plan.end else None,
        end_reason=reason,
        redirected_to=redirected_to,
    )
    referral.cared_for.set([r.cared_for for r in carer.relationships.all()])
    counter["referrals"] += 1
    for days_after, kind, text in plan.notes:
        contacted = at + datetime.timedelta(days=days_after)
        CaseNote.objects.create(
            referral=referral,
            contacted_on=contacted.date(),
            kind=kind,
            text=text,
            recorded_by=worker or users[IAIN],
            recorded_at=contacted,
        )
        counter["case notes"] += 1


def ensure_referrals(users: dict[str, User], counter: Counter) -> None:
    _ensure_criteria(counter)
    morag = Carer.objects.get(user=users["carer@glenmorven.example"])
    _ensure_referral(morag, MORAG, users, counter)
    others = (
        Carer.objects.filter(partnership__slug="glenmorven", relationships__isnull=False)
        .exclude(pk=morag.pk)
        .distinct()
        .order_by("last_name", "first_name", "postcode", "pk")
    )
    for carer, plan in zip(others, OTHERS, strict=False):
        _ensure_referral(carer, plan, users, counter)
