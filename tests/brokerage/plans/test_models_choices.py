"""The Self-Directed Support options' labels are read when asked, so rewording one needs no migration."""

from brokerage.models import PlanSupport, SdsOption
from brokerage.models.plans import sds_option_choices


def test_the_sds_options_choices_are_a_callable_that_migrations_refer_to():
    field = PlanSupport._meta.get_field("sds_option")
    _, _, _, kwargs = field.deconstruct()
    assert kwargs["choices"] is sds_option_choices
    assert dict(field.choices)[SdsOption.ISF] == (
        "Option 2: you choose the support and the hub arranges it (an Individual Service Fund)"
    )
