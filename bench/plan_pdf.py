"""The support plan PDF against the simplest WeasyPrint PDF, rendered in the same run.

    .venv/bin/python bench/plan_pdf.py            # 15 of each, timed turn about (after 3 warm-up renders)
    BENCH_REPEAT=30 .venv/bin/python bench/plan_pdf.py

Renders a realistic plan (6 outcomes, 8 supports, 5 risks, an emergency contact: about two pages) with the
same template, options (PDF/UA-1, tagged) and local-only URL fetcher the task uses, and a one-paragraph HTML
page with the same options, N times each; prints both medians and their ratio (the issue's target: at most
3x). The plan is built in memory, so the figures are the render (template and WeasyPrint) without the few
database reads the task adds; no database is touched.
"""

import datetime
import os
import statistics
import sys
import time

from _harness import ROOT

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))


def _plan():
    from django.utils import timezone

    from breakthrough.models import Organisation, User
    from brokerage.models import (
        CaredForPerson,
        Carer,
        Offer,
        Plan,
        PlanOutcome,
        PlanRisk,
        PlanSupport,
        SdsOption,
        SupportKind,
        Whose,
    )

    carer = Carer(first_name="Morag", last_name="MacLeod")
    person = CaredForPerson(first_name="Jamie", last_name="MacLeod")
    assessor = User(first_name="Fiona", last_name="Mackay", email="assessor@glenmorven.example")
    starts = datetime.date(2026, 9, 1)
    plan = Plan(
        carer=carer,
        number=2,
        state=Plan.State.APPROVED,
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=364),
        review_on=starts + datetime.timedelta(days=182),
        emergency_name="Catriona MacLeod",
        emergency_relationship="Sister",
        emergency_phone="07700 900461",
        emergency_notes="Has a key. Knows Jamie's evening routine and where the medicines are kept.",
        budget_pence=250_000,
        over_budget_reason="",
        approved_at=timezone.now(),
        approved_by=assessor,
    )
    words = [
        "I have one evening a week that is mine, to see friends or just sleep",
        "I can drive, so we are not stuck at home when the bus does not come",
        "I feel less alone, because I know other parents in the same position",
        "I get a full night's sleep at least twice a month",
    ]
    outcomes = [PlanOutcome(plan=plan, position=i, whose=Whose.CARER, text=t) for i, t in enumerate(words, 1)]
    outcomes += [
        PlanOutcome(plan=plan, position=5, whose=Whose.CARED_FOR, cared_for=person, text="Jamie swims with friends"),
        PlanOutcome(plan=plan, position=6, whose=Whose.CARED_FOR, cared_for=person, text="Jamie tries a new club"),
    ]
    provider = Organisation(name="Sunrise Short Breaks")
    offers = [Offer(title=t, provider=provider) for t in ("Saturday club", "Overnight respite", "Holiday playscheme")]
    supports = []
    rows = [
        (SupportKind.OFFER, offers[0], "", 12, 2_500, "One Saturday a month", SdsOption.ISF),
        (SupportKind.OFFER, offers[1], "", 6, 18_000, "Every other month", SdsOption.COUNCIL),
        (SupportKind.OFFER, offers[2], "", 5, 4_000, "Summer holidays", SdsOption.MIX),
        (SupportKind.CREATIVE, None, "Driving lessons", 10, 3_500, "Weekly for ten weeks", SdsOption.DIRECT_PAYMENT),
        (SupportKind.CREATIVE, None, "Gym membership", 12, 2_800, "Monthly", SdsOption.DIRECT_PAYMENT),
        (SupportKind.PA, None, "A personal assistant for evenings out", 24, 4_200, "Every other week", 1),
        (SupportKind.PA, None, "A personal assistant for swimming", 20, 3_000, "Weekly in term time", 1),
        (SupportKind.CREATIVE, None, "A weekend away with a friend", 1, 30_000, "Once this year", 1),
    ]
    for i, (kind, offer, description, times, unit, how_often, sds) in enumerate(rows, 1):
        supports.append(
            PlanSupport(
                plan=plan,
                position=i,
                kind=kind,
                offer=offer,
                description=description,
                times=times,
                how_often=how_often,
                unit_cost_pence=unit,
                total_pence=times * unit,
                sds_option=sds,
            )
        )
    risks = [
        PlanRisk(plan=plan, position=i, risk=r, handling=h)
        for i, (r, h) in enumerate(
            [
                ("Jamie is unsettled with someone new", "The worker visits at home twice before the first session"),
                ("The PA cannot come at short notice", "The agency sends a named second PA Jamie has met"),
                ("Seizures during a session", "Staff are trained; the care plan travels with Jamie"),
                ("Morag is too tired to drive after a bad night", "Lessons are booked for mornings after a break"),
                ("The club's funding ends", "The hub reviews the plan and finds another club"),
            ],
            1,
        )
    ]
    return {
        "plan": plan,
        "carer": carer,
        "outcomes": outcomes,
        "supports": supports,
        "risks": risks,
        "total": sum(s.total_pence for s in supports),
        "results": {},
    }


PARAGRAPH = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>One paragraph</title></head>'
    "<body><p>A short break gives an unpaid carer time for themselves.</p></body></html>"
)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breakthrough.settings")
    os.environ["DJANGO_ENV"] = "development"
    os.environ["DJANGO_DEBUG"] = "false"
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # before WeasyPrint loads its stylesheets
    django.setup()
    from django.template.loader import render_to_string

    from brokerage.plans.pdf import render_html

    context = _plan()

    def plan_pdf():
        return render_html(render_to_string("brokerage/plans/pdf.html", context))

    def paragraph_pdf():
        return render_html(PARAGRAPH)

    sample = plan_pdf()
    pages = _pages(sample)
    plan_median, paragraph_median = interleaved_medians(plan_pdf, paragraph_pdf, repeat=REPEAT)
    print(f"Plan PDF benchmark: {REPEAT} renders of each, medians (PDF/UA-1, tagged, local fonts only)")
    print(f"  one-paragraph PDF      {paragraph_median * 1000:8.1f} ms")
    print(f"  support plan PDF       {plan_median * 1000:8.1f} ms  ({pages} pages, {len(sample) / 1024:.0f} KiB)")
    print(f"  ratio plan/paragraph   {plan_median / paragraph_median:8.2f}x  (target: at most 3x)")


def interleaved_medians(first, second, *, repeat: int) -> tuple[float, float]:
    """Median seconds of each, timed turn about, so that a busy machine slows both alike (warmed up first)."""
    for _ in range(3):
        first()
        second()
    timings = ([], [])
    for _ in range(repeat):
        for action, times in zip((first, second), timings, strict=True):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def _pages(data: bytes) -> str:
    try:
        import io

        import pypdf

        return str(len(pypdf.PdfReader(io.BytesIO(data)).pages))
    except ImportError:
        return "?"


if __name__ == "__main__":
    main()
