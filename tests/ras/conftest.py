import pytest

from breakthrough.models import Role
from tests.factories import staff
from tests.ras.factories import price_scale, questionnaire_version


@pytest.fixture
def version_x(x):
    """Partnership X's published questionnaire."""
    return questionnaire_version(x.partnership)


@pytest.fixture
def scale_x(x):
    """Partnership X's published scale for this year: £38 a point, a £2,000 ceiling, two adjustments, 5% held back."""
    return price_scale(
        x.partnership,
        price=3800,
        floor=10_000,
        ceiling=200_000,
        contingency="5",
        adjustments=[
            ("second-carer", "A second carer at home", -5_000),
            ("sibling-needs", "A sibling with needs", 7_500),
        ],
        budget=50_000_000,
    )


@pytest.fixture
def panel_x(x):
    """A second assessor in partnership X, who sits on the panel."""
    return staff(Role.ASSESSOR, x.hub, email="panel@x.example")
