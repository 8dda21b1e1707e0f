"""Bulk inserts for the scale carers: rows straight into a table, no model instances, no save(), no signals."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import partial

from django.db import connection


class _FastInsert:
    """Rows of one model straight into its table: ids taken up front, then one COPY (PostgreSQL) or one
    executemany (SQLite). No model instances, no save(), no signals: 50,000 households in well under a minute.

    Rows are dicts by attribute name (`user_id`); a missing column gets the field's default, and auto_now
    fields get `now`. Callers must be inside a transaction (SQLite's ids rely on holding its write lock).
    """

    # Values of these types go to the driver as they are; any other field adapts them itself.
    PLAIN = frozenset(
        {
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "BooleanField",
            "CharField",
            "EmailField",
            "ForeignKey",
            "IntegerField",
            "OneToOneField",
            "PositiveBigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SlugField",
            "SmallIntegerField",
            "TextField",
        }
    )

    def __init__(self, model, now: datetime.datetime):
        self.model = model
        self.pk = model._meta.pk
        self.columns = []
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default = now
            else:
                default = field.get_default()
            adapt = None
            if field.get_internal_type() not in self.PLAIN:
                adapt = partial(field.get_db_prep_save, connection=connection)
            self.columns.append((field.attname, field.column, default, adapt))

    def insert(self, rows: Iterable[dict]) -> list[int]:
        values = []
        for row in rows:
            value = []
            for attname, _, default, adapt in self.columns:
                v = row.get(attname, default)
                value.append(v if adapt is None or v is None else adapt(v))
            values.append(value)
        if not values:
            return []
        ids = self._allocate_ids(len(values))
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in [self.pk.column, *(col[1] for col in self.columns)])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for pk, value in zip(ids, values, strict=True):
                        copy.write_row([pk, *value])
            else:
                # Table and column names come from the model, quoted; the values are bound parameters.
                placeholders = ", ".join(["%s"] * (len(self.columns) + 1))
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
                    [[pk, *value] for pk, value in zip(ids, values, strict=True)],
                )
        return ids

    def _allocate_ids(self, count: int) -> list[int]:
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(table), self.pk.column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if connection.vendor != "sqlite":
                raise NotImplementedError(f"seed_demo --scale supports PostgreSQL and SQLite, not {connection.vendor}.")
            quoted, pk = connection.ops.quote_name(table), connection.ops.quote_name(self.pk.column)
            cursor.execute(f"SELECT max({pk}) FROM {quoted}")  # noqa: S608
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(highest, row[0] if row else 0) + 1
            return list(range(start, start + count))
