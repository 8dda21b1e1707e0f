"""Forms for the carer's money pages and the finance exports (GET forms: bad input gets a message beside the
field, and what was typed stays in the form)."""

import datetime

from crispy_forms_gds.layout import Field, Size
from django import forms

from breakthrough.forms import gds_helper
from brokerage.directory.forms import SearchDateField
from brokerage.funds.statements import Month

# The longest period one export covers: ten years of a partnership's ledger.
MOST_DAYS = 3660


class PeriodDateField(SearchDateField):
    """A GOV.UK date input that must be filled in, with its own message when it is not."""

    def __init__(self, *, required_message: str, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message
        self.require_all_fields = False  # half a date is "incomplete" (compress says how to write it), not "required"


class StatementMonthForm(forms.Form):
    month = forms.ChoiceField(
        label="Month",
        error_messages={
            "required": "Select the month of the statement",
            "invalid_choice": "Select a month from the list",
        },
    )

    def __init__(self, *args, months: list[Month], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(str(month), month.label) for month in months]
        self.helper = gds_helper(Field.select("month"))

    @property
    def chosen(self) -> Month | None:
        if not self.is_valid():
            return None
        return Month.parse(self.cleaned_data["month"])


class FinanceExportForm(forms.Form):
    what = forms.ChoiceField(
        label="What to export",
        choices=[
            ("postings", "Postings: every movement in the ledger, one row for each account it touched"),
            ("payments", "Payments: money paid to providers, and refunds from them"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what to export", "invalid_choice": "Select what to export"},
    )
    starts_on = PeriodDateField(
        subject="the first day of the period",
        label="From",
        help_text="The first day of the period. For example, 1 4 2025",
        required_message="Enter the first day of the period",
    )
    ends_on = PeriodDateField(
        subject="the last day of the period",
        label="To",
        help_text="The last day of the period, included. For example, 31 3 2026",
        required_message="Enter the last day of the period",
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("csv", "CSV"), ("xlsx", "XLSX")],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose a CSV or an XLSX file"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.radios("what", legend_size=Size.SMALL),
            Field("starts_on", legend_size=Size.SMALL),
            Field("ends_on", legend_size=Size.SMALL),
        )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on:
            # A first day before 2000 first: a mistake in that field, not a period too long.
            if starts_on.year < 2000:
                self.add_error("starts_on", "Enter a period between the year 2000 and 10 years from now")
            elif ends_on < starts_on:
                self.add_error("ends_on", "The last day must be the same as or after the first day")
            elif (ends_on - starts_on).days >= MOST_DAYS:
                self.add_error("ends_on", "The period can be at most 10 years: export it in parts")
            elif ends_on.year > datetime.date.today().year + 10:
                self.add_error("ends_on", "Enter a period between the year 2000 and 10 years from now")
        cleaned["format"] = cleaned.get("format") or "csv"
        return cleaned
