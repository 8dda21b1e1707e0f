"""Writes for commissioning: the dashboard's summary of the audit's figures (commissioning/models.py).

The dashboard never counts records itself: each figure it shows is one of the audit's definitions
(audits/figures.py), computed by that figure's own query for a partnership over whole months and kept as a
`FigureSummary` row. The beat task (every 30 minutes, one `dashboard_refresh` per partnership) recomputes the
current month, the months before it that late records still change (attendance and invoices arrive after the
break), and every period the dashboard's filter offers, all ending this month; older months are counted once and
kept. A page that finds a row missing (a fresh install, a new figure version) has it computed here on demand,
the same way.
Storing is an upsert on (partnership, month, months, code): computing twice, or two pages at once, is once.
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from audits.figures import FIGURES, Period, plain
from breakthrough.models import Partnership
from breakthrough.reporting import reporting_reads
from commissioning.models import FigureSummary

# The audit's figures the dashboard shows, in its order: access, demand, unmet demand, spend.
DASHBOARD_FIGURES = (
    "access.carers_with_break",
    "access.carers_known",
    "demand.referrals",
    "demand.booking_requests",
    "demand.unmet_pence",
    "spend.by_kind",
)
SPANS = (3, 6, 12, 24)  # the periods the dashboard's filter offers (commissioning/forms.py PERIODS), in months
RECENT_MONTHS = 3  # this month and the two before it are counted again at every refresh
UPDATED = ["version", "total", "total_year_before", "rows", "computed_at"]


def today() -> datetime.date:
    """The service's today (a function, so that tests can set the date the dashboard is looked at)."""
    return timezone.localdate()


def month_start(day: datetime.date, *, back: int = 0) -> datetime.date:
    """The first day of the month `back` months before `day`'s month (negative: after)."""
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_period(partnership_id: int, month: datetime.date, months: int) -> Period:
    """The `months` whole months ending with the month starting `month`."""
    return Period(
        partnership_id,
        month_start(month, back=months - 1),
        month_start(month, back=-1) - datetime.timedelta(days=1),
    )


def summary_compute(
    *, partnership_id: int, keys: Iterable[tuple[datetime.date, int]], codes: Iterable[str] = DASHBOARD_FIGURES
) -> list[FigureSummary]:
    """Compute each figure for each (month, months) and store it (replacing what was there); the rows stored."""
    computed = []
    codes = list(codes)
    with reporting_reads():
        for month, months in keys:
            period = months_period(partnership_id, month, months)
            for code in codes:
                figure = FIGURES[code]
                result = figure.compute(period)
                computed.append(
                    FigureSummary(
                        partnership_id=partnership_id,
                        month=month,
                        months=months,
                        code=code,
                        version=figure.version,
                        total=plain(result.total),
                        total_year_before=plain(result.total_year_before),
                        rows=result.rows,
                        computed_at=timezone.now(),
                    )
                )
    FigureSummary.objects.bulk_create(
        computed, update_conflicts=True, unique_fields=["partnership", "month", "months", "code"], update_fields=UPDATED
    )
    return computed


def dashboard_refresh(*, partnership_id: int, on: datetime.date | None = None) -> int:
    """Bring one partnership's summary up to date: this month, the RECENT_MONTHS before it and every period ending
    this month again; any month of the longest period that is missing or counted by an older definition. Periods
    that ended in an earlier month are no longer shown and are removed. Returns the rows computed."""
    current = month_start(on or today())
    oldest = month_start(current, back=max(SPANS) - 1)
    keys = {(month_start(current, back=i), 1) for i in range(RECENT_MONTHS)} | {(current, n) for n in SPANS}
    have = set(
        FigureSummary.objects.filter(
            partnership_id=partnership_id, months=1, month__gte=oldest, code__in=DASHBOARD_FIGURES
        ).values_list("month", "code", "version")
    )
    for back in range(RECENT_MONTHS, max(SPANS)):
        month = month_start(current, back=back)
        if any((month, code, FIGURES[code].version) not in have for code in DASHBOARD_FIGURES):
            keys.add((month, 1))
    computed = summary_compute(partnership_id=partnership_id, keys=sorted(keys))
    FigureSummary.objects.filter(partnership_id=partnership_id, months__gt=1, month__lt=current).delete()
    return len(computed)


def dashboards_refresh(*, on: datetime.date | None = None) -> int:
    """Every partnership's summary (the beat task). Returns the rows computed."""
    return sum(
        dashboard_refresh(partnership_id=pk, on=on)
        for pk in Partnership.objects.order_by("pk").values_list("pk", flat=True)
    )
