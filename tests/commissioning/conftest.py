"""The hand-built world the commissioner's and the national figures are counted on."""

import pytest
from django.utils import timezone

from tests.factories import CaredForPersonFactory, CarerFactory, LocalityFactory, cares_for


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
