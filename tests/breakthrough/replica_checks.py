"""Run by test_reporting.py in a pytest of its own with DATABASE_REPLICA_URL set (not collected otherwise: the
name does not start with test_). The replica is mirrored onto the main test database, so rows committed there
are read back through the "replica" connection."""

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from breakthrough.reporting import reporting_reads
from brokerage.models import Carer
from commissioning.selectors import national_figures
from tests.factories import CarerFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def test_the_replica_is_mirrored_onto_the_main_database_in_tests():
    assert settings.DATABASES["replica"]["TEST"]["MIRROR"] == "default"


def test_reporting_reads_go_to_the_replica_and_everything_else_to_the_main_database(x, national_user):
    carer = CarerFactory(locality=x.locality)
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as main,
    ):
        assert list(Carer.objects.filter(pk=carer.pk)) == [carer]
        with reporting_reads():
            assert list(Carer.objects.filter(pk=carer.pk)) == [carer]
            figures = national_figures(fetched_by=national_user)
    assert len(main) == 1  # the read outside the block
    assert len(replica) == 1 + 5  # the read inside, and the national view's partnerships and four counts
    assert figures[0].table["rows"][-1][-1] == ("Total", "fewer than 5")  # one carer, read from the replica
