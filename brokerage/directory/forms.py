"""The directory's search form (a GET form: every filter is optional, bad input gets a message beside it)."""

from decimal import Decimal

from crispy_forms_gds.layout import Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError

from breakthrough.forms import DayMonthYearField, DecimalNumberField, WholeNumberField, gds_helper
from breakthrough.models import Locality
from breakthrough.postcodes import normalise_postcode
from brokerage.directory import geo
from brokerage.models import BreakFor, NeedsLevel, OfferKind

DISTANCES = [(2, "2 miles"), (5, "5 miles"), (10, "10 miles"), (25, "25 miles"), (50, "50 miles")]


# A date to search or stay on: any real date in the years a person may type (breakthrough.forms.DayMonthYearField).
SearchDateField = DayMonthYearField


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label="Search by words",
        required=False,
        max_length=100,
        help_text="For example swimming, sitter, or the provider's name",
        error_messages={"max_length": "Search words must be 100 characters or fewer"},
    )
    kind = forms.MultipleChoiceField(
        label="Kind of break",
        required=False,
        choices=OfferKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select kinds of break from the list"},
    )
    break_for = forms.MultipleChoiceField(
        label="Who takes the break",
        required=False,
        choices=BreakFor.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select who takes the break from the list"},
    )
    locality = forms.ModelChoiceField(
        label="Area",
        required=False,
        queryset=Locality.objects.none(),
        empty_label="Any area",
        error_messages={"invalid_choice": "Select an area from the list"},
    )
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        help_text="We use the first half of the postcode only. Postcodes in Northern Ireland are not covered yet.",
        error_messages={"max_length": "Enter a real postcode, like EH1 1YZ"},
    )
    within = forms.TypedChoiceField(
        label="Distance",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any distance")] + DISTANCES,
        error_messages={"invalid_choice": "Select a distance from the list"},
    )
    date = SearchDateField(label="Date", required=False, help_text="Has a session that day, or a night free")
    age = WholeNumberField(
        label="Age of the person taking the break",
        required=False,
        min_value=0,
        max_value=120,
        error_messages={
            "invalid": "Enter the age as a whole number, like 12",
            "min_value": "Age must be 0 or more",
            "max_value": "Age must be 120 or less",
        },
    )
    needs = forms.ChoiceField(
        label="Level of needs",
        required=False,
        choices=[("", "Any level")] + list(NeedsLevel.choices),
        error_messages={"invalid_choice": "Select a level of needs from the list"},
    )
    max_cost = DecimalNumberField(
        label="Most you want to pay, in pounds",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimal_places=2,
        help_text="Per hour, session, night or place. Free breaks are always included.",
        error_messages={
            "invalid": "Enter an amount in pounds, like 12.50",
            "min_value": "The amount must be 0 or more",
            "max_value": "The amount must be £100,000 or less",
            "max_decimal_places": "Enter an amount in pounds and pence, like 12.50",
        },
    )
    free = forms.BooleanField(label="Free breaks only", required=False)
    has_places = forms.BooleanField(label="Only breaks with places free", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = Locality.objects.select_related("partnership").order_by("name", "pk")
        self.fields["locality"].label_from_instance = lambda loc: f"{loc.name} ({loc.partnership.name})"
        self.position = None  # (easting, northing) of the postcode's outward code, once cleaned
        self.helper = gds_helper(
            Field.text("q", field_width=20),
            Fieldset(
                Field.text("postcode", field_width=10, autocomplete="postal-code", spellcheck="false"),
                Field.select("within"),
                legend="Near a postcode",
                legend_size=Size.SMALL,
            ),
            Field.checkboxes("kind", legend_size=Size.SMALL, small=True),
            Field.checkboxes("break_for", legend_size=Size.SMALL, small=True),
            Field.select("locality"),
            Field("date", context={"legend_size": Size.for_legend(Size.SMALL)}),
            Field.text("age", field_width=3),
            Field.select("needs"),
            Field.text("max_cost", field_width=5),
            Field.checkbox("free", small=True),
            Field.checkbox("has_places", small=True),
        )

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        if not value:
            return ""
        postcode = normalise_postcode(value)  # "Enter a real postcode, like EH1 1YZ"
        self.position = geo.locate(postcode)
        if self.position is None:
            raise ValidationError("We could not find that postcode. Check it and try again", code="unknown")
        return postcode

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("within") and not cleaned.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter a postcode to search within a distance")
        return cleaned

    @property
    def filters(self) -> dict:
        """The cleaned filters, with the postcode's grid position, for the selectors."""
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [], False)}
        if "locality" in data:
            data["locality"] = data["locality"].pk
        if data.get("postcode"):
            data["position"] = self.position
        data.pop("postcode", None)
        return data

    def querystring(self, **changes) -> str:
        """This search as a query string (for pagination and month links), with `changes` applied."""
        params = self.data.copy()
        params.pop("page", None)
        for key, value in changes.items():
            params[key] = value
        return params.urlencode()
