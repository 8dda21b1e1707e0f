"""Reporting reads may go to a read replica: dashboards, the national view and audit runs ask for it by name.

    with reporting_reads():          # or @reporting_reads() on a selector
        figures = ...querysets...

Inside the block every read goes to the "replica" database alias when one is configured (DATABASE_REPLICA_URL),
and to "default" when not; writes always go to "default", and so does every read outside such a block (a
booking must never read a stale place count from a replica that lags). The flag lives in a context variable,
so one request's or task's reporting never leaks into another thread's reads.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reporting: ContextVar[bool] = ContextVar("reporting_reads", default=False)


def reporting_alias() -> str:
    """The database alias reporting reads from: the replica when one is configured."""
    return REPLICA if REPLICA in connections.settings else DEFAULT_DB_ALIAS


@contextmanager
def reporting_reads():
    """Reads inside go to the reporting database (a context manager, and a decorator: each call gets its own)."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


class ReportingRouter:
    """Reads inside `reporting_reads()` go to the replica; everything else is Django's default routing."""

    def db_for_read(self, model, **hints):
        return reporting_alias() if _reporting.get() else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the main database, so objects read from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica copies the main database's schema; it is never migrated itself.
        return db == DEFAULT_DB_ALIAS
