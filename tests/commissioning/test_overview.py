"""Commissioners see counts for their own partnership; national analysts see every partnership, small counts hidden."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from commissioning.selectors import national_overview, partnership_overview, suppress
from tests.factories import CaredForPersonFactory, CarerFactory, LocalityFactory, cares_for

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


def _household(carer, needs_levels):
    return [cares_for(carer, CaredForPersonFactory(needs_level=level)) for level in needs_levels]


@pytest.fixture
def counted_world(x, y):
    """Partnership X, worked by hand: 12 carers in two areas, 21 people cared for (one of them by two carers of X,
    one by a carer of X and a carer of Y); partnership Y: 6 carers and 7 people."""
    south = LocalityFactory(partnership=x.partnership, name="X South")
    north_parents = CarerFactory.create_batch(5, locality=x.locality, carer_type="parent")
    north_young = CarerFactory.create_batch(2, locality=x.locality, carer_type="young")
    south_adults = CarerFactory.create_batch(3, locality=south, carer_type="adult")
    south_parents = CarerFactory.create_batch(2, locality=south, carer_type="parent")
    for carer in (north_parents[0], north_parents[1], south_adults[0], north_young[0]):
        carer.about_you_completed_at = timezone.now()
        carer.save(update_fields=["about_you_completed_at"])
    carers = north_parents + north_young + south_adults + south_parents
    # High 8, medium 6, low 4, complex 2, not recorded 1: 21 people over the 12 carers.
    levels = ["high"] * 8 + ["medium"] * 6 + ["low"] * 4 + ["complex"] * 2 + [""]
    people = []
    for i, level in enumerate(levels):
        people += _household(carers[i % len(carers)], [level])
    cares_for(south_parents[1], people[0], relationship="Grandson")  # a second carer of X: still one person
    y_carers = CarerFactory.create_batch(6, locality=y.locality, carer_type="adult")
    for carer in y_carers:
        _household(carer, ["low"])
    cares_for(y_carers[0], people[1], relationship="Daughter")  # cared for in both partnerships
    return {"south": south}


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
    page = client_for(x.commissioner).get(reverse("commissioning:home"))
    rows = _table_rows(page.content.decode(), "People cared for by needs level")
    assert rows == [["Low", "4"], ["Medium", "6"], ["High", "8"], ["Complex", "2"], ["Not yet recorded", "1"]]
    assert sorted(_table_rows(page.content.decode(), "Carers by area")) == [["X North", "7"], ["X South", "5"]]


def test_national_figures_count_several_carers_and_people_per_partnership(national_user, x, y, counted_world):
    rows = {row["partnership"]: row for row in national_overview(fetched_by=national_user)}
    assert (rows[x.partnership]["carers"], rows[x.partnership]["cared_for"]) == (12, 21)
    assert (rows[y.partnership]["carers"], rows[y.partnership]["cared_for"]) == (6, 7)


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
