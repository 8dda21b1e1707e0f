"""Small SQL building blocks the figures need and the ORM lacks: percentiles, and days between two moments.

PostgreSQL has PERCENTILE_CONT; the embedded SQLite default gets the same aggregate registered in Python on each
new connection (`register_sqlite_functions`), so every figure is one query on either database.
"""

import math
from decimal import Decimal

from django.db.models import Aggregate, DecimalField, FloatField, Func, IntegerField
from django.db.models.functions import Cast


class _Percentile(Aggregate):
    name = "Percentile"
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is a fraction from 0 to 1.")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="%(function)s(%(expressions)s, %(fraction)s)", **extra_context
        )


def percentile(expression, fraction: float):
    """The continuous percentile (0.5 is the median: the mean of the middle two of an even count), as a Decimal
    to two places: pence and days are never floats once they leave the database."""
    return Cast(_Percentile(expression, fraction), DecimalField(max_digits=18, decimal_places=2))


class DaysBetween(Func):
    """Whole and part days from `earlier` to `later` (two datetimes), as a number."""

    output_field = FloatField()

    def __init__(self, later, earlier, **extra):
        super().__init__(later, earlier, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(", **extra_context
        )


class DatesSpanned(Func):
    """How many midnights (in the service's time zone) lie between two datetimes: the nights a session spans."""

    output_field = IntegerField()

    def __init__(self, ends, starts, tz: str = "Europe/London", **extra):
        super().__init__(ends, starts, tz=tz, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        ends, starts = self.source_expressions
        ends_sql, ends_params = compiler.compile(ends)
        starts_sql, starts_params = compiler.compile(starts)
        tz = self.extra["tz"]
        sql = f"(CAST(({ends_sql}) AT TIME ZONE %s AS date) - CAST(({starts_sql}) AT TIME ZONE %s AS date))"
        return sql, (*ends_params, tz, *starts_params, tz)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps UTC; the embedded default is for a first run, not for reporting near midnight.
        ends, starts = self.source_expressions
        ends_sql, ends_params = compiler.compile(ends)
        starts_sql, starts_params = compiler.compile(starts)
        sql = f"CAST(julianday(date({ends_sql})) - julianday(date({starts_sql})) AS integer)"
        return sql, (*ends_params, *starts_params)


class _SqlitePercentile:
    def __init__(self):
        self.values = []
        self.fraction = None

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:
            self.values.append(Decimal(str(value)))

    def finalize(self):
        if not self.values:
            return None
        ordered = sorted(self.values)
        position = (len(ordered) - 1) * Decimal(str(self.fraction))
        low, high = math.floor(position), math.ceil(position)
        return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("PERCENTILE_CONT", 2, _SqlitePercentile)
