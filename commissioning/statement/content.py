"""What a Short Breaks Services Statement says: the commissioners' text, and the parts read live from the platform
(the directory, the eligibility criteria, the hub, the feedback outcomes, the four SDS options, emergencies).

`statement_content` gathers it all into one plain, JSON-safe dict: the draft preview renders it as it is now, and
publishing stores it (with the HTML and the PDF made from it), so a published version never changes. Every count in
it goes through breakthrough.disclosure first: a published statement leaves the partnership, so no count from 1 to
SUPPRESSION_THRESHOLD - 1 appears in it ("fewer than 5").

Where a break counts as local or national: an offer is local when it takes place in one of the partnership's areas.
The breaks further afield are those elsewhere in Scotland from providers that serve more than one partnership
(section 35(2) asks for the short breaks services "available in Scotland"; 35(3) for what is proportionate to
local needs, so a provider working in one other partnership only is left to that partnership's statement).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from breakthrough import disclosure
from breakthrough.models import Organisation, Partnership
from breakthrough.money import format_pence
from brokerage.feedback.selectors import DEFINITIONS, outcome_summary
from brokerage.feedback.services import current_version
from brokerage.models import (
    BookingMode,
    BreakFor,
    Offer,
    OfferKind,
    PriceUnit,
    Respondent,
    SdsOption,
)
from brokerage.models.plans import sds_option_choices
from brokerage.referrals.services import criteria_current
from commissioning.statement.models import CONTACT_FIELDS, TEXT_FIELDS, StatementDraft

# The four Self-Directed Support options, as brokerage names them (SdsOption), each explained in a sentence.
SDS_EXPLAINED = {
    SdsOption.DIRECT_PAYMENT: "The money is paid to you, and you arrange and pay for your break yourself.",
    SdsOption.ISF: (
        "You choose the break; the Short Break Hub (or another organisation you choose) holds the money for you "
        "in an Individual Service Fund and arranges and pays for it."
    ),
    SdsOption.COUNCIL: "The partnership chooses and arranges the break for you, after talking with you.",
    SdsOption.MIX: "Some of your support is managed one way and some another.",
}
# Breaks that stand in for the carer at home: the ones to turn to when the carer suddenly cannot care.
EMERGENCY_KINDS = (OfferKind.REPLACEMENT_CARE, OfferKind.SITTER)
UNIT_ORDER = [PriceUnit.HOUR, PriceUnit.SESSION, PriceUnit.NIGHT, PriceUnit.PLACE]
FEEDBACK_MONTHS = 12


def day(value: datetime.date | None) -> str:
    """27 March 2027."""
    return f"{value.day} {value:%B %Y}" if value else ""


def _national_providers():
    """Providers that serve more than one partnership."""
    return (
        Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
        .order_by()
        .annotate(served=Count("partnerships_served"))
        .filter(served__gte=2)
        .values("pk")
    )


def _offers(partnership: Partnership) -> tuple[list[Offer], list[Offer]]:
    """(local offers, offers elsewhere in Scotland from providers serving several partnerships), published only."""
    published = Offer.objects.filter(is_published=True).select_related("provider", "locality__partnership")
    published = published.order_by("provider__name", "title", "pk")
    local = list(published.filter(locality__partnership=partnership))
    national = list(published.exclude(locality__partnership=partnership).filter(provider_id__in=_national_providers()))
    return local, national


def _providers(offers: list[Offer], *, where) -> list[dict]:
    """Each provider of these offers once, by name, with the places its breaks are and who takes them."""
    found: dict[int, dict] = {}
    for offer in offers:
        entry = found.setdefault(offer.provider_id, {"name": offer.provider.name, "areas": set(), "for": set()})
        entry["areas"].add(where(offer))
        entry["for"].add(offer.break_for)
    order = list(BreakFor.values)
    return [
        {
            "name": entry["name"],
            "areas": sorted(entry["areas"]),
            "for": [BreakFor(value).label for value in order if value in entry["for"]],
        }
        for entry in sorted(found.values(), key=lambda e: e["name"].casefold())
    ]


def _directory(partnership: Partnership, local: list[Offer], national: list[Offer]) -> dict:
    """The kinds of break: how many breaks of each kind are listed here and further afield (a table of counts,
    published through disclosure control), and who provides each kind, locally and nationally."""
    kinds = list(OfferKind)
    local_by_kind = {kind: [o for o in local if o.kind == kind] for kind in kinds}
    national_by_kind = {kind: [o for o in national if o.kind == kind] for kind in kinds}
    counts = [[len(local_by_kind[kind]), len(national_by_kind[kind])] for kind in kinds]
    # Offers of one kind here and elsewhere are different offers, so the totals add up: published with them, a
    # hidden count cannot be worked out from a total either.
    table = disclosure.publish(
        counts,
        rows=[kind.label for kind in kinds],
        columns=[f"In {partnership.name}", "Elsewhere in Scotland"],
    )
    rows = [
        {
            "kind": kind.value,
            "label": kind.label,
            "local": table.cells[i][0].text,
            "national": table.cells[i][1].text,
            "total": table.row_totals[i].text,
        }
        for i, kind in enumerate(kinds)
    ]
    return {
        "columns": table.columns,
        "rows": rows,
        "totals": [s.text for s in table.column_totals] + [table.grand_total.text],
        "any_hidden": table.any_hidden,
        "local": [
            {"label": kind.label, "kind": kind.value, "providers": _providers(local_by_kind[kind], where=_area)}
            for kind in kinds
            if local_by_kind[kind]
        ],
        "national": [
            {"label": kind.label, "kind": kind.value, "providers": _providers(national_by_kind[kind], where=_region)}
            for kind in kinds
            if national_by_kind[kind]
        ],
        "missing_locally": [kind.label for kind in kinds if not local_by_kind[kind]],
    }


def _area(offer: Offer) -> str:
    return offer.locality.name


def _region(offer: Offer) -> str:
    return offer.locality.partnership.name


def _costs(local: list[Offer]) -> dict:
    """How many of the local breaks are free, and the range of prices of the others by unit."""
    free = sum(1 for offer in local if offer.price_unit == PriceUnit.FREE)
    paid = [offer for offer in local if offer.price_unit != PriceUnit.FREE]
    ranges = []
    for unit in UNIT_ORDER:
        prices = [offer.price_pence for offer in paid if offer.price_unit == unit]
        if prices:
            low, high = min(prices), max(prices)
            ranges.append(
                {
                    "unit": PriceUnit(unit).label,
                    "from": format_pence(low),
                    "to": format_pence(high),
                    "same": low == high,
                }
            )
    table = disclosure.publish(
        [[free], [len(paid)]], rows=["Free", "With a charge"], columns=["Breaks listed"], row_totals=False
    )
    return {
        "free": table.cells[0][0].text,
        "paid": table.cells[1][0].text,
        "listed": table.column_totals[0].text,
        "ranges": ranges,
    }


def _emergency(local: list[Offer]) -> list[dict]:
    """Local replacement care and sitter services: who steps in at home, and whether it can be booked at once."""
    return [
        {
            "title": offer.title,
            "provider": offer.provider.name,
            "kind": offer.get_kind_display(),
            "area": offer.locality.name,
            "instant": offer.booking_mode == BookingMode.INSTANT,
            "url": reverse("brokerage:directory:offer", args=[offer.pk]),
        }
        for offer in sorted(local, key=lambda o: (o.title.casefold(), o.pk))
        if offer.kind in EMERGENCY_KINDS
    ]


def _outcomes(partnership: Partnership, on: datetime.date) -> dict:
    """The outcomes the partnership asks carers about after a break (its published feedback questions), with how
    carers answered in the 12 months to `on`: one row per question, published through disclosure control."""
    version = current_version(partnership.pk)
    questions = list(version.questions.filter(asked_of=Respondent.CARER).order_by("position")) if version else []
    start = on.replace(year=on.year - 1) if not (on.month == 2 and on.day == 29) else on - datetime.timedelta(365)
    end = on + datetime.timedelta(days=1)
    summary = outcome_summary(partnership_id=partnership.pk, start=start, end=end)["feedback"]
    by_code = {row["question_code"]: row for row in summary if row["respondent"] == Respondent.CARER}
    counts = [[by_code.get(q.code, {}).get(name, 0) for name in ("agree", "neither", "disagree")] for q in questions]
    rows = []
    if questions:
        table = disclosure.publish(
            counts,
            rows=[q.text for q in questions],
            columns=["Agreed", "Neither agreed nor disagreed", "Disagreed"],
            column_totals=False,
        )
        rows = [
            {"question": q.text, "cells": [s.text for s in table.cells[i]], "total": table.row_totals[i].text}
            for i, q in enumerate(questions)
        ]
    return {
        "questions": rows,
        "from": start.isoformat(),
        "to": on.isoformat(),
        "from_text": day(start),
        "to_text": day(on),
        "definition": DEFINITIONS["feedback"],
        "answered": any(sum(row) for row in counts),
    }


def _eligibility(partnership: Partnership) -> dict | None:
    criteria = criteria_current(partnership_id=partnership.pk)
    if criteria is None:
        return None
    effective = timezone.localtime(criteria.effective_from).date()
    return {"text": criteria.text, "from": effective.isoformat(), "from_text": day(effective)}


def statement_content(
    *, partnership: Partnership, draft: StatementDraft | None, on: datetime.date, next_review_on, version=None
) -> dict:
    """Everything the statement says on `on`, as plain data (strings, lists, dicts): stored as it is on publishing."""
    local, national = _offers(partnership)
    draft = draft or StatementDraft(partnership=partnership)
    hubs = Organisation.objects.filter(kind=Organisation.Kind.HUB, partnership=partnership).order_by("name")
    return {
        "partnership": {"name": partnership.name, "slug": partnership.slug, "kind": partnership.get_kind_display()},
        "version": version,
        "on": on.isoformat(),
        "on_text": day(on),
        "next_review_on": next_review_on.isoformat() if next_review_on else None,
        "next_review_text": day(next_review_on),
        "text": {name: getattr(draft, name) for name in TEXT_FIELDS},
        "contacts": {name: getattr(draft, name) for name in CONTACT_FIELDS},
        "hubs": [hub.name for hub in hubs],
        "kinds": [kind.label for kind in OfferKind],
        "directory": _directory(partnership, local, national),
        "eligibility": _eligibility(partnership),
        "outcomes": _outcomes(partnership, on),
        "sds": [{"label": label, "text": SDS_EXPLAINED[value]} for value, label in sds_option_choices()],
        "emergency": _emergency(local),
        "costs": _costs(local),
        "threshold": settings.SUPPRESSION_THRESHOLD,
        "links": {
            "directory": reverse("brokerage:directory:search"),
            "refer": reverse("brokerage:referrals:refer"),
            "register": reverse("account_signup"),
            "statement": reverse("commissioning:statement", args=[partnership.slug]),
        },
    }
