"""Reporting reads can go to a read replica (breakthrough/reporting.py): dashboards, the national view and audit
runs ask for it with `reporting_reads()`; every write, and every other read, stays on the main database."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from breakthrough.reporting import ReportingRouter, reporting_alias, reporting_reads
from brokerage.models import Carer
from tests.breakthrough.test_settings import _start

router = ReportingRouter()


def test_reads_go_to_the_reporting_database_only_inside_the_block():
    assert router.db_for_read(Carer) is None  # Django's default: the main database
    with reporting_reads():
        assert router.db_for_read(Carer) == reporting_alias()
        with reporting_reads():
            assert router.db_for_read(Carer) == reporting_alias()
        assert router.db_for_read(Carer) == reporting_alias()  # an inner block's end does not end the outer
        assert router.db_for_write(Carer) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Carer) is None


def test_a_selector_can_ask_for_it_as_a_decorator():
    @reporting_reads()
    def figures():
        return router.db_for_read(Carer)

    assert figures() == reporting_alias()
    assert figures() == reporting_alias()  # each call enters afresh
    assert router.db_for_read(Carer) is None


def test_without_a_replica_reporting_reads_the_main_database_and_only_it_is_migrated():
    assert "replica" not in settings.DATABASES  # these tests run without DATABASE_REPLICA_URL
    assert reporting_alias() == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "brokerage") is True
    assert router.allow_migrate("replica", "brokerage") is False


REPLICA = "postgres://reader@replica.example:5432/bt"


def test_a_replica_url_adds_the_replica_alias_mirrored_in_tests_only():
    code = "d = settings.DATABASES['replica']; print(d['HOST'], d['USER'], d.get('TEST', {}).get('MIRROR'))"
    main = {"DATABASE_URL": "postgres://u@db.example:5432/bt", "DATABASE_REPLICA_URL": REPLICA}
    test = _start(code, DJANGO_ENV="test", **main)
    assert test.returncode == 0, test.stderr
    assert test.stdout.split() == ["replica.example", "reader", "default"]
    development = _start(code, **main)
    assert development.stdout.split() == ["replica.example", "reader", "None"]


def test_a_replica_without_a_main_database_or_with_a_bad_url_is_refused():
    alone = _start(DATABASE_REPLICA_URL=REPLICA)
    assert alone.returncode != 0
    assert "DATABASE_REPLICA_URL needs DATABASE_URL" in alone.stderr
    bad = _start(DATABASE_URL="postgres://u@db.example:5432/bt", DATABASE_REPLICA_URL="mysql://replica/bt")
    assert bad.returncode != 0
    assert "DATABASE_REPLICA_URL must be a URL" in bad.stderr


@pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") or "").startswith("postgres"), reason="the mirrored replica needs PostgreSQL"
)
def test_with_a_replica_the_national_view_reads_from_it():
    """In a pytest of its own, on its own database, with DATABASE_REPLICA_URL pointing at it."""
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + os.environ["DATABASE_URL"].rsplit("/", 1)[1] + "_replica"
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": url, "DJANGO_ENV": "test"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/breakthrough/replica_checks.py"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
