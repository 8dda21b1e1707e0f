"""Forms for micro-grants and direct payments: money typed in pounds, cleaned to whole pence with Decimal;
messages beside each field say what to do."""

import datetime
from zoneinfo import ZoneInfo

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from breakthrough.forms import NameField, gds_helper
from breakthrough.submissions import SubmissionKeyField, give_fresh_key
from brokerage.funds.direct_payments import validate_receipt
from brokerage.funds.grants import Decision
from brokerage.models import Fund, GrantApplication, PeriodEndRule
from brokerage.plans.forms import PoundsField
from brokerage.providers.forms import AnyDateField, TimeField


def _date(name: str):
    return Field(name, context={"legend_size": Size.for_legend(Size.SMALL)})


class BudgetLineField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Fund.objects.none())
        kwargs.setdefault("empty_label", "Choose a budget line")
        kwargs.setdefault(
            "error_messages",
            {"required": "Choose the budget line", "invalid_choice": "Choose one of the partnership's budget lines"},
        )
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return obj.name


# ----------------------------------------------------------------------------------------------
# Micro-grants
# ----------------------------------------------------------------------------------------------


class GrantApplyForm(forms.Form):
    title = "Apply for a micro-grant"
    amount = PoundsField(subject="how much you are asking for", label="How much are you asking for?")
    what_for = forms.CharField(
        label="What is the grant for?",
        help_text="In your own words: what you would do, and what difference the break would make to you",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={
            "required": "Say what the grant is for",
            "max_length": "What the grant is for must be 2,000 characters or fewer",
        },
    )
    break_kind = forms.ChoiceField(
        label="What kind of break is it?",
        choices=GrantApplication.BreakKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of break", "invalid_choice": "Select the kind of break"},
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, max_award: int, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        pounds = f"£{max_award // 100:,}" if max_award % 100 == 0 else f"£{max_award / 100:,.2f}"
        self.fields["amount"].help_text = f"In pounds, up to {pounds}"
        self.helper = gds_helper(
            Field.text("amount", field_width=5),
            Field.textarea("what_for", rows=5, max_characters=2000),
            Field.radios("break_kind", legend_size=Size.SMALL),
            Field("submission_key"),
        )


class PanelMeetingForm(forms.Form):
    title = "Add a panel meeting"
    meets_on = AnyDateField(
        subject="the date the panel meets", label="Date the panel meets", help_text="For example, 27 3 2027"
    )
    cut_off_date = AnyDateField(
        subject="the cut-off date",
        label="Cut-off date",
        help_text="Applications made after the cut-off go to the next meeting",
    )
    cut_off_time = TimeField(subject="the cut-off time", label="Cut-off time (UK time)", initial="17:00")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(_date("meets_on"), _date("cut_off_date"), Field.text("cut_off_time", field_width=5))

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("cut_off_date"), cleaned.get("cut_off_time")
        if day and time:
            cleaned["cut_off"] = datetime.datetime.combine(day, time, tzinfo=ZoneInfo(settings.TIME_ZONE))
        return cleaned


class GrantDecisionForm(forms.Form):
    title = "Decide this application"
    decision = forms.ChoiceField(
        label="What has the panel decided?",
        choices=Decision.CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the decision", "invalid_choice": "Select the decision"},
    )
    amount = PoundsField(
        subject="the amount awarded",
        label="Amount awarded, for a part-award",
        help_text="In pounds. Leave empty unless you award part of what was asked",
        required=False,
    )
    budget_line = BudgetLineField(
        label="Budget line the award comes from", required=False, help_text="Not needed if you do not award it"
    )
    reason = forms.CharField(
        label="Reason for the decision",
        help_text="The carer reads this: say why, in plain words",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={
            "required": "Give the reason for the decision",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )

    def __init__(self, *args, budget_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = budget_lines
        self.helper = gds_helper(
            Field.radios("decision", legend_size=Size.SMALL),
            Field.text("amount", field_width=5),
            Field.select("budget_line"),
            Field.textarea("reason", rows=4, max_characters=2000),
        )

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == Decision.PART_AWARD and not cleaned.get("amount") and "amount" not in self.errors:
            self.add_error("amount", "Enter the amount awarded")
        awarding = decision in (Decision.AWARD, Decision.PART_AWARD)
        if awarding and not cleaned.get("budget_line") and "budget_line" not in self.errors:
            self.add_error("budget_line", "Choose the budget line the award comes from")
        return cleaned


class GrantSchemeForm(forms.Form):
    title = "Micro-grant settings"
    max_award = PoundsField(subject="the largest award", label="Largest award", help_text="In pounds")
    budget_line = BudgetLineField(label="Budget line awards come from (optional)", required=False)

    def __init__(self, *args, budget_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = budget_lines
        self.helper = gds_helper(Field.text("max_award", field_width=5), Field.select("budget_line"))


# ----------------------------------------------------------------------------------------------
# Direct payments
# ----------------------------------------------------------------------------------------------


class SpendForm(forms.Form):
    title = "Record spending"
    spent_on = AnyDateField(
        subject="the date you spent it", label="Date you spent it", help_text="For example, 27 3 2026"
    )
    amount = PoundsField(subject="how much you spent", label="How much did you spend?", help_text="In pounds")
    what_for = forms.CharField(
        label="What did you buy?",
        max_length=500,
        error_messages={
            "required": "Say what you bought",
            "max_length": "What you bought must be 500 characters or fewer",
        },
    )
    supplier = NameField(
        label="Who did you pay?",
        help_text="The person, shop or organisation",
        max_length=200,
        error_messages={"required": "Enter who you paid", "max_length": "Who you paid must be 200 characters or fewer"},
    )
    receipt = forms.FileField(
        label="Upload the receipt",
        help_text="A PDF, JPG or PNG, smaller than 5 MB. If there is a problem with the form, choose the file again",
        error_messages={
            "required": "Choose the receipt to upload",
            "invalid": "The receipt could not be read: try again",
            "empty": "The receipt file is empty",
        },
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.helper = gds_helper(
            _date("spent_on"),
            Field.text("amount", field_width=5),
            Field.text("what_for", field_width=30),
            Field.text("supplier", field_width=20),
            Field("receipt"),
            Field("submission_key"),
        )

    def clean_spent_on(self):
        spent_on = self.cleaned_data.get("spent_on")
        if spent_on and spent_on > datetime.date.today():
            raise ValidationError("The date you spent it must be today or in the past")
        return spent_on

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= 0:
            raise ValidationError("Enter how much you spent, more than £0")
        return amount

    def clean_receipt(self):
        upload = self.cleaned_data.get("receipt")
        if upload:
            validate_receipt(upload)
        return upload


class PeriodEndRuleForm(forms.Form):
    title = "What happens to unspent direct payments"
    action = forms.ChoiceField(
        label="At the end of a period, unspent money is",
        choices=PeriodEndRule.Action.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what happens to unspent money",
            "invalid_choice": "Select what happens to unspent money",
        },
    )
    cap = PoundsField(
        subject="the most that can be carried over",
        label="The most that can be carried over",
        help_text="In pounds. Only for carrying over",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.radios("action", legend_size=Size.SMALL), Field.text("cap", field_width=5))

    def clean(self):
        cleaned = super().clean()
        carrying = cleaned.get("action") == PeriodEndRule.Action.CARRY_OVER
        if carrying and not cleaned.get("cap") and "cap" not in self.errors:
            self.add_error("cap", "Enter the most that can be carried over, more than £0")
        return cleaned


class PeriodEndSettleForm(forms.Form):
    title = "Close the period"
    budget_line = BudgetLineField(label="Budget line the money goes back to")
    reason = forms.CharField(
        label="Reason, for the record",
        help_text="For example, the review date or what the carer agreed",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={
            "required": "Give the reason, for the record",
            "max_length": "The reason must be 2,000 characters or fewer",
        },
    )

    def __init__(self, *args, budget_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = budget_lines
        self.helper = gds_helper(Field.select("budget_line"), Field.textarea("reason", rows=3, max_characters=2000))
