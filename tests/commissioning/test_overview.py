"""Commissioners see counts for their own partnership; national analysts see every partnership, small counts hidden."""

import pytest
from django.urls import reverse

from commissioning.selectors import national_overview, partnership_overview, suppress
from tests.factories import CarerFactory, cares_for

pytestmark = pytest.mark.django_db


def test_small_counts_are_suppressed_but_zero_and_five_are_shown():
    assert [suppress(n) for n in (0, 1, 4, 5, 6)] == [0, None, None, 5, 6]


def test_a_commissioner_sees_their_own_partnerships_counts_only(client_for, x, y):
    for carer in CarerFactory.create_batch(6, locality=x.locality, carer_type="parent"):
        cares_for(carer)
    CarerFactory.create_batch(2, locality=y.locality)
    overview = partnership_overview(fetched_by=x.commissioner)
    assert overview["partnership"] == x.partnership
    assert overview["carers"] == 6
    assert overview["cared_for"] == 6
    assert dict(overview["by_type"])["Parent carer"] == 6
    assert dict(overview["by_locality"]) == {x.locality.name: 6}
    page = client_for(x.commissioner).get(reverse("commissioning:home")).content.decode()
    assert x.partnership.name in page
    assert y.partnership.name not in page
    assert partnership_overview(fetched_by=x.broker) is None


def test_national_figures_hide_counts_under_five(client_for, national_user, x, y):
    for carer in CarerFactory.create_batch(7, locality=x.locality):
        cares_for(carer)
    for carer in CarerFactory.create_batch(3, locality=y.locality):
        cares_for(carer)
    rows = {row["partnership"]: row for row in national_overview(fetched_by=national_user)}
    assert (rows[x.partnership]["carers"], rows[x.partnership]["cared_for"]) == (7, 7)
    assert (rows[y.partnership]["carers"], rows[y.partnership]["cared_for"]) == (None, None)
    page = client_for(national_user).get(reverse("commissioning:national")).content.decode()
    assert "Fewer than 5" in page or "fewer than 5" in page
    assert national_overview(fetched_by=x.commissioner) == []
