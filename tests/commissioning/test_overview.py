"""Commissioners see counts for their own partnership (the national view is tested in test_national.py)."""

import re

import pytest
from django.urls import reverse

from commissioning.selectors import partnership_overview
from tests.factories import CarerFactory, cares_for

pytestmark = pytest.mark.django_db


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


def test_every_figure_on_the_overview_counts_several_rows_in_one_group(client_for, x, counted_world):
    overview = partnership_overview(fetched_by=x.commissioner)
    assert overview["carers"] == 12
    assert overview["completed"] == 4
    assert overview["cared_for"] == 21
    assert overview["by_type"] == [("Parent carer", 7), ("Young carer", 2), ("Adult carer", 3)]
    assert overview["by_needs"] == [
        ("Low", 4),
        ("Medium", 6),
        ("High", 8),
        ("Complex", 2),
        ("Not yet recorded", 1),
    ]
    assert sorted(overview["by_locality"]) == [("X North", 7), ("X South", 5)]
    # The dashboard counts the same carers by the audit's definition (carers known to the hub), by area.
    page = client_for(x.commissioner).get(reverse("commissioning:home"))
    rows = _table_rows(page.content.decode(), "Carers known to the hub, by area: the data in the chart")
    assert rows == [["X North", "7"], ["X South", "5"]]


def test_the_admins_count_of_users_by_role_counts_every_user(admin_user, x):
    from breakthrough.selectors import users_by_role

    before = {row["role"]: row for row in users_by_role(fetched_by=admin_user)}
    CarerFactory.create_batch(4, locality=x.locality)
    inactive = CarerFactory(locality=x.locality)
    inactive.user.is_active = False
    inactive.user.save(update_fields=["is_active"])
    after = {row["role"]: row for row in users_by_role(fetched_by=admin_user)}
    assert after["Carer"]["count"] - before["Carer"]["count"] == 5
    assert after["Carer"]["active"] - before["Carer"]["active"] == 4


def _table_rows(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as lists of cell texts."""
    table = html.split(caption, 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
