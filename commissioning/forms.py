from crispy_forms_gds.layout import Field
from django import forms

from breakthrough.forms import gds_helper
from breakthrough.submissions import SubmissionKeyField, give_fresh_key

PERIODS = {"3": "The last 3 months", "6": "The last 6 months", "12": "The last 12 months", "24": "The last 24 months"}
DEFAULT_PERIOD = 6
OUTCOMES_PERIOD = 12


class DashboardFilterForm(forms.Form):
    """The period the monthly figures cover and the area every figure counts; the partnership's own areas only."""

    period = forms.ChoiceField(
        label="Period",
        choices=list(PERIODS.items()),
        required=False,
        error_messages={"invalid_choice": "Choose a period from the list"},
    )
    locality = forms.ChoiceField(
        label="Area",
        required=False,
        error_messages={"invalid_choice": "Choose one of your partnership’s areas, or all areas"},
    )

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        self.localities = {str(loc.pk): loc for loc in localities}
        self.fields["period"].initial = str(DEFAULT_PERIOD)  # the period counted when none is chosen
        self.fields["locality"].choices = [("", "All areas")] + [(pk, loc.name) for pk, loc in self.localities.items()]
        self.helper = gds_helper(Field.select("period"), Field.select("locality"))

    def filters(self) -> dict:
        """The chosen filters, or the defaults for any that are missing or not on offer."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "months": int(data.get("period") or DEFAULT_PERIOD),
            "locality": self.localities.get(data.get("locality") or ""),
        }


class OutcomesPeriodForm(forms.Form):
    """The months the outcomes chain counts, up to today."""

    period = forms.ChoiceField(
        label="Period",
        choices=list(PERIODS.items()),
        required=False,
        error_messages={"invalid_choice": "Choose a period from the list"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].initial = str(OUTCOMES_PERIOD)  # the period counted when none is chosen
        self.helper = gds_helper(Field.select("period"))

    def months(self) -> int:
        """The chosen period, or the last 12 months where none (or one not on offer) was chosen."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return int(data.get("period") or OUTCOMES_PERIOD)


class PartnerInviteForm(forms.Form):
    title = "Invite a carer partner"
    email = forms.EmailField(
        label="Email address",
        help_text="The address the carer registered with. They must be registered with your partnership.",
        max_length=254,
        error_messages={
            "required": "Enter the carer’s email address",
            "invalid": "Enter an email address in the right format, like name@example.org",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.helper = gds_helper(
            Field.text("email", field_width=30, autocomplete="off", spellcheck="false"), Field("submission_key")
        )
