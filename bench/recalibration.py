"""Recalibration at 5,000 and 50,000 completed assessments: how the cost per assessment grows.

    .venv/bin/python bench/recalibration.py                      # SQLite files in /tmp
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bt_bench_ras .venv/bin/python bench/recalibration.py
    BENCH_BASE=1000 .venv/bin/python bench/recalibration.py      # the 1x size (10x is ten times it)

Each size gets its own database: the demo, plus N carers in Glenmorven each with a completed assessment
(answers drawn from a seeded random, budgets priced by the published scale), written with bulk inserts.
It then times what the recalibration page asks of the database for a draft scale (bands, adjustments,
a ceiling and a contingency), over every assessment rather than one page: the totals (one aggregate) and
every row of the list (one query). Prints the median time at each size, the cost per assessment, and the
ratio of the per-assessment cost at 10x over 1x (the issue asks for at most 1.2).
"""

import argparse
import json
import os
import random
import sys
import time

from _harness import measure_sizes, median_seconds, setup_django

BASE = int(os.environ.get("BENCH_BASE", "5000"))
BATCH = 5000


def ensure_assessments(size: int) -> int:
    """The demo, then completed assessments of new Glenmorven carers until there are `size` bench ones."""
    from django.db import transaction
    from django.utils import timezone

    from breakthrough import demo
    from breakthrough.demo.bulk_insert import _FastInsert
    from breakthrough.models import Locality, User
    from brokerage.models import Carer
    from ras import selectors
    from ras.budget import budget_compute
    from ras.models import Answer, Assessment, Question, QuestionnaireVersion
    from ras.services import financial_year_of

    demo.seed_demo()
    locality = Locality.objects.filter(partnership__slug="glenmorven").order_by("name").first()
    version = QuestionnaireVersion.objects.get(questionnaire__partnership=locality.partnership, number=1)
    scale = selectors.scale_in_force(
        partnership_id=locality.partnership_id, financial_year=financial_year_of(timezone.localdate())
    )
    terms = selectors.scale_terms(scale)
    assessor = User.objects.get(email="assessor@glenmorven.example")
    questions = list(
        Question.objects.filter(domain__version=version)
        .select_related("domain")
        .prefetch_related("options")
        .order_by("domain__position", "position")
    )
    domains = list(dict.fromkeys(q.domain.name for q in questions))
    have = Carer.objects.filter(last_name__startswith="Bench-").count()
    priced: dict[tuple, tuple] = {}

    def price(picks):
        if picks not in priced:
            points = dict.fromkeys(domains, 0)
            circumstances = set()
            for question, pick in zip(questions, picks, strict=True):
                option = question.options.all()[pick]
                points[question.domain.name] += option.points
                if option.circumstance:
                    circumstances.add(option.circumstance)
            budget = budget_compute(domain_points=list(points.items()), circumstances=circumstances, terms=terms)
            priced[picks] = (budget.points, budget.contingency_pence, budget.amount_pence, budget.lines)
        return priced[picks]

    started, now = time.perf_counter(), timezone.now()
    for first in range(have, size, BATCH):
        numbers = range(first + 1, min(first + BATCH, size) + 1)
        rng = random.Random(f"bench-ras:{first}")
        picks = {n: tuple(rng.randrange(len(q.options.all())) for q in questions) for n in numbers}
        with transaction.atomic():
            carer_ids = _FastInsert(Carer, now).insert(
                {
                    "first_name": "Bench",
                    "last_name": f"Bench-{n:06d}",
                    "postcode": "PA34 4AA",
                    "locality_id": locality.pk,
                    "partnership_id": locality.partnership_id,
                    "created_at": now,
                }
                for n in numbers
            )
            rows = []
            for n, carer_id in zip(numbers, carer_ids, strict=True):
                points, contingency, amount, lines = price(picks[n])
                rows.append(
                    {
                        "carer_id": carer_id,
                        "partnership_id": locality.partnership_id,
                        "questionnaire_version_id": version.pk,
                        "assessor_id": assessor.pk,
                        "status": Assessment.Status.COMPLETED,
                        "started_at": now,
                        "completed_at": now,
                        "scale_id": scale.pk,
                        "points_total": points,
                        "contingency_pence": contingency,
                        "amount_pence": amount,
                        "explanation": lines,
                    }
                )
            assessment_ids = _FastInsert(Assessment, now).insert(rows)
            _FastInsert(Answer, now).insert(
                {"assessment_id": assessment_id, "question_id": q.pk, "option_id": q.options.all()[pick].pk}
                for n, assessment_id in zip(numbers, assessment_ids, strict=True)
                for q, pick in zip(questions, picks[n], strict=True)
            )
    if size > have:
        print(f"  seeded {size - have:,} assessments in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return Assessment.objects.filter(partnership=locality.partnership, status=Assessment.Status.COMPLETED).count()


def draft_scale():
    """The bench's draft scale for Glenmorven: bands, adjustments, a ceiling and a contingency."""
    from django.utils import timezone

    from breakthrough.models import Partnership
    from ras.models import PriceScale, PricingMethod
    from ras.services import financial_year_of

    partnership = Partnership.objects.get(slug="glenmorven")
    year = financial_year_of(timezone.localdate())
    scale = PriceScale.objects.filter(partnership=partnership, financial_year=year, status="draft").first()
    if scale is None:
        scale = PriceScale.objects.create(
            partnership=partnership,
            financial_year=year,
            number=PriceScale.objects.filter(partnership=partnership, financial_year=year).count() + 1,
            method=PricingMethod.BANDS,
            floor_pence=20_000,
            ceiling_pence=250_000,
            contingency_percent="7.5",
            annual_budget_pence=5_000_000_000,
        )
        for points_from, points_to, amount in (
            (0, 12, 50_000),
            (13, 25, 120_000),
            (26, 40, 180_000),
            (41, None, 240_000),
        ):
            scale.bands.create(points_from=points_from, points_to=points_to, amount_pence=amount)
        scale.adjustments.create(circumstance="second-carer", name="A second carer at home", amount_pence=-10_000)
        scale.adjustments.create(
            circumstance="sibling-needs", name="A sibling with additional needs", amount_pence=25_000
        )
    return scale


def measure(size: int) -> dict:
    database = setup_django(size, "ras")
    assessments = ensure_assessments(size)
    from breakthrough.models import User
    from ras import selectors

    assessor = User.objects.get(email="assessor@glenmorven.example")
    scale = selectors.scale_get(fetched_by=assessor, pk=draft_scale().pk)

    def recalibrate():
        rows = selectors.recalibration_rows(scale=scale, fetched_by=assessor)
        totals = selectors.recalibration_totals(rows=rows)
        everyone = list(selectors.recalibration_list(rows=rows, show="all"))
        assert len(everyone) == totals["assessments"] == assessments

    seconds = median_seconds(recalibrate, repeat=5, warmup=1)
    return {"database": database, "assessments": assessments, "seconds": seconds}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int)
    size = parser.parse_args().size
    if size:
        print(json.dumps(measure(size)))
        return
    small, large = measure_sizes(__file__, [BASE, BASE * 10]).values()
    print(f"Recalibration benchmark: {small['database']} vs {large['database']}")
    print(f"\n{'assessments':>12} {'time (ms)':>10} {'per assessment (µs)':>20}")
    for result in (small, large):
        per = result["seconds"] / result["assessments"] * 1e6
        print(f"{result['assessments']:>12,} {result['seconds'] * 1000:>10.1f} {per:>20.2f}")
    ratio = (large["seconds"] / large["assessments"]) / (small["seconds"] / small["assessments"])
    print(f"\nper-assessment cost at 10x over 1x: {ratio:.2f} (target: at most 1.2)")
    print("Timed: the totals aggregate and every row of the list, as the recalibration page's selectors build them.")


if __name__ == "__main__":
    main()
