"""Lock waits that end: a service that takes row locks waits at most LOCK_TIMEOUT_MS for one, then says so.

Without a limit, a transaction holding a session's or an account's lock (a slow request, a stuck worker, a
person at a psql prompt) makes every other booking or payment on it wait until its worker is killed. So every
service that locks rows runs in `locking_transaction`: one transaction (a savepoint when called inside
another) whose first statement is SET LOCAL lock_timeout on PostgreSQL (pretix uses 3 seconds; the setting is
LOCK_TIMEOUT_MS), and a lock not granted in that time (psycopg's LockNotAvailable, which Django raises as
OperationalError) comes back as the domain error `Busy`, a ValidationError whose message is BUSY_MESSAGE.
A deadlock PostgreSQL broke by aborting this transaction (two
transactions that lock the same rows in a different order) is answered the same way: trying again works.
The transaction (or savepoint) is rolled back first, so nothing half-done is kept, and the page that called the
service shows the message above the form, with everything the user entered, as for any other refusal.

SET LOCAL lasts until the end of the transaction, so locks taken later in the same transaction (by the
ledger's database function, by a foreign key check) are limited too. SQLite has no row locks: nothing is set
there.
"""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction

BUSY_MESSAGE = "This is busy at the moment. Try again."


class Busy(ValidationError):
    """A lock was not granted within LOCK_TIMEOUT_MS: someone else is changing the same thing right now."""

    def __init__(self):
        super().__init__(BUSY_MESSAGE, code="busy")


def set_lock_timeout() -> None:
    """Limit lock waits for the rest of the current transaction (PostgreSQL only; outside a transaction,
    nothing: SET LOCAL would not outlive its own statement)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{settings.LOCK_TIMEOUT_MS}ms"])


def is_lock_timeout(error: BaseException) -> bool:
    if connection.vendor != "postgresql":
        return False
    from psycopg import errors  # noqa: PLC0415 (psycopg is only needed, and only imported, on PostgreSQL)

    return isinstance(error.__cause__, (errors.LockNotAvailable, errors.DeadlockDetected))


def locking_transaction(func):
    """`transaction.atomic` for a service that locks rows, with lock waits limited and answered with `Busy`."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        try:
            with transaction.atomic():
                set_lock_timeout()
                return func(*args, **kwargs)
        except OperationalError as error:
            if is_lock_timeout(error):
                raise Busy() from error
            raise

    return run


def unless_busy(service, **kwargs) -> bool:
    """For a job that works through many rows, each in its own transaction: one whose row is busy is left for
    the job's next run (False) rather than stopping the rest."""
    try:
        return bool(service(**kwargs))
    except Busy:
        return False
