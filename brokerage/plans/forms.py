"""Forms for support plans: one page per part of the plan, messages beside each field, money in pounds on the
page and whole pence underneath."""

from decimal import Decimal, InvalidOperation

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.core.exceptions import ValidationError

from breakthrough.forms import NameField, WholeNumberField, gds_helper
from brokerage.models import OutcomeResult, SdsOption, SupportKind, Whose
from brokerage.providers.forms import AnyDateField

MAX_POUNDS = Decimal("100000")


class PoundsField(forms.CharField):
    """Pounds and pence typed as text ("45", "£1,250.50"), cleaned to whole pence with Decimal (never float)."""

    def __init__(self, *, subject: str, **kwargs):
        self.subject = subject
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("error_messages", {"required": f"Enter {subject}"})
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{Decimal(value) / 100:.2f}"
        return value

    def clean(self, value):
        if isinstance(value, str) and len(value.strip()) > self.max_length:
            # Longer than any amount we take: say what is wrong with it, not "at most 14 characters".
            try:
                too_big = Decimal(value.strip().replace("£", "").replace(",", "")).is_finite()
            except InvalidOperation:
                too_big = False
            if too_big:
                raise ValidationError(f"Enter {self.subject} of £100,000 or less")
            raise ValidationError(f"Enter {self.subject} in pounds, like 45.50")
        raw = (super().clean(value) or "").strip().replace("£", "").replace(",", "")
        if not raw:
            return None
        try:
            pounds = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(f"Enter {self.subject} in pounds, like 45.50") from None
        if not pounds.is_finite() or pounds < 0:
            raise ValidationError(f"Enter {self.subject} of £0 or more")
        if pounds.as_tuple().exponent < -2:
            raise ValidationError(f"Enter {self.subject} in pounds and pence, like 45.50")
        if pounds > MAX_POUNDS:
            raise ValidationError(f"Enter {self.subject} of £100,000 or less")
        return int(pounds * 100)


class OfferField(forms.ModelChoiceField):
    """A directory break: the list shows a page of matches (`queryset`), but any break in `lookup` is accepted,
    so a long directory never makes a long select."""

    lookup = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.lookup.get(pk=int(value))
        except (ValueError, TypeError, self.lookup.model.DoesNotExist):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


SHOWN_OFFERS = 100


def _text(label, *, subject, max_length, required=True, help_text="", textarea=True, field=forms.CharField):
    return field(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea if textarea else forms.TextInput,
        error_messages={
            "required": f"Enter {subject}",
            "max_length": f"{subject[0].upper()}{subject[1:]} must be {max_length} characters or fewer",
        },
    )


def _date(name):
    return Field(name, context={"legend_size": Size.for_legend(Size.SMALL)})


class DetailsForm(forms.Form):
    title = "Dates and who to call in an emergency"
    starts_on = AnyDateField(subject="the date the plan starts", label="When does the plan start?")
    ends_on = AnyDateField(subject="the date the plan ends", label="When does the plan end?")
    review_on = AnyDateField(
        subject="the review date",
        label="When will the plan be reviewed?",
        help_text="Usually a year after it starts, or sooner if things are changing. For example, 14 3 2027",
    )
    emergency_name = _text(
        "Who should be called in an emergency?",
        subject="the name of who to call in an emergency",
        max_length=200,
        textarea=False,
        help_text="Someone who can step in if the carer is suddenly unable to care",
        field=NameField,
    )
    emergency_relationship = _text(
        "Who are they to the carer? (optional)",
        subject="who they are to the carer",
        max_length=100,
        required=False,
        textarea=False,
    )
    emergency_phone = _text("Their phone number", subject="their phone number", max_length=30, textarea=False)
    emergency_notes = _text(
        "What should they know? (optional)",
        subject="what they should know",
        max_length=2000,
        required=False,
        help_text="For example, where medicines are kept, or who else has a key",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emergency_phone"].widget.attrs["autocomplete"] = "off"
        self.helper = gds_helper(
            _date("starts_on"),
            _date("ends_on"),
            _date("review_on"),
            Field.text("emergency_name", field_width=30),
            Field.text("emergency_relationship", field_width=20),
            Field.text("emergency_phone", field_width=20),
            Field.textarea("emergency_notes", rows=4),
        )


class OutcomeForm(forms.Form):
    title = "Outcome"
    whose = forms.ChoiceField(
        label="Whose outcome is this?",
        choices=[(Whose.CARER, "The carer's own"), (Whose.CARED_FOR, "Someone they care for")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whose outcome this is", "invalid_choice": "Select whose outcome this is"},
    )
    cared_for = forms.ModelChoiceField(
        label="Who is it for?",
        queryset=None,
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": "Select someone the carer cares for"},
    )
    text = _text(
        "What do they want to be different?",
        subject="the outcome",
        max_length=1000,
        help_text='In their own words, for example "I have one evening a week that is mine"',
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cared_for"].queryset = people
        self.fields["cared_for"].label_from_instance = lambda person: person.full_name
        self.helper = gds_helper(
            Field.radios("whose", legend_size=Size.SMALL),
            Field.radios("cared_for", legend_size=Size.SMALL),
            Field.textarea("text", rows=4, max_characters=1000),
        )

    @staticmethod
    def initial_for(outcome) -> dict:
        return {"whose": outcome.whose, "cared_for": outcome.cared_for_id, "text": outcome.text}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("whose") == Whose.CARED_FOR and not cleaned.get("cared_for") and "cared_for" not in self.errors:
            self.add_error("cared_for", "Select the person this outcome is for")
        return cleaned


class SupportForm(forms.Form):
    title = "Support"
    kind = forms.ChoiceField(
        label="What kind of support is it?",
        choices=SupportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of support", "invalid_choice": "Select the kind of support"},
    )
    offer = OfferField(
        label="Break from the directory",
        queryset=None,
        required=False,
        empty_label="Choose a break",
        help_text="Only for a break from the directory. Search for it above if it is not in the list",
        error_messages={"invalid_choice": "Select a break from the directory"},
    )
    description = _text(
        "What is it?",
        subject="what the support is",
        max_length=1000,
        required=False,
        help_text="For a personal assistant or a creative break, for example driving lessons or a gym membership",
    )
    times = WholeNumberField(
        label="How many times in the plan period?",
        min_value=1,
        max_value=1000,
        error_messages={
            "required": "Enter how many times",
            "invalid": "Enter how many times as a whole number, like 12",
            "min_value": "Enter at least 1",
            "max_value": "Enter 1000 or fewer",
        },
    )
    how_often = _text(
        "How often, in words (optional)",
        subject="how often",
        max_length=120,
        required=False,
        textarea=False,
        help_text="For example, one Saturday a month",
    )
    unit_cost = PoundsField(
        subject="the cost each time",
        label="Cost each time, in pounds",
        required=False,
        help_text="For example, 45.50. For a break from the directory, leave blank to use its listed price",
    )
    sds_option = forms.TypedChoiceField(
        label="How is the money managed?",
        choices=SdsOption.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how the money for this support is managed",
            "invalid_choice": "Select how the money for this support is managed",
        },
    )

    def __init__(self, *args, offers, current_offer_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        shown = list(offers.values_list("pk", flat=True)[:SHOWN_OFFERS])
        if current_offer_id:
            shown.append(current_offer_id)
        self.fields["offer"].queryset = offers.filter(pk__in=shown)
        self.fields["offer"].lookup = offers
        self.fields["offer"].label_from_instance = lambda offer: f"{offer.title} ({offer.provider.name})"
        self.helper = gds_helper(
            Field.radios("kind", legend_size=Size.SMALL),
            Field.select("offer"),
            Field.textarea("description", rows=3),
            Field.text("times", field_width=4),
            Field.text("how_often", field_width=20),
            Field.text("unit_cost", field_width=5),
            Field.radios("sds_option", legend_size=Size.SMALL),
        )

    @staticmethod
    def initial_for(support) -> dict:
        return {
            "kind": support.kind,
            "offer": support.offer_id,
            "description": support.description,
            "times": support.times,
            "how_often": support.how_often,
            "unit_cost": support.unit_cost_pence,
            "sds_option": support.sds_option,
        }

    def clean(self):
        cleaned = super().clean()
        kind, offer = cleaned.get("kind"), cleaned.get("offer")
        if kind == SupportKind.OFFER and not offer and "offer" not in self.errors:
            self.add_error("offer", "Select the break from the directory")
        described = cleaned.get("description") or "description" in self.errors
        if kind in (SupportKind.PA, SupportKind.CREATIVE) and not described:
            self.add_error("description", "Describe the support")
        if "unit_cost" in cleaned and cleaned["unit_cost"] is None:
            if kind == SupportKind.OFFER and offer:
                cleaned["unit_cost"] = offer.price_pence
            elif "unit_cost" not in self.errors:
                self.add_error("unit_cost", "Enter the cost each time")
        return cleaned

    def service_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "kind": cleaned["kind"],
            "offer": cleaned.get("offer"),
            "description": cleaned.get("description", ""),
            "times": cleaned["times"],
            "how_often": cleaned.get("how_often", ""),
            "unit_cost_pence": cleaned["unit_cost"],
            "sds_option": cleaned["sds_option"],
        }


class RiskForm(forms.Form):
    title = "Risk"
    risk = _text(
        "What could go wrong?",
        subject="the risk",
        max_length=1000,
        help_text="For example, the person you care for becomes unsettled with someone new",
    )
    handling = _text("How is it handled?", subject="how the risk is handled", max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.textarea("risk", rows=3), Field.textarea("handling", rows=3))

    @staticmethod
    def initial_for(risk) -> dict:
        return {"risk": risk.risk, "handling": risk.handling}


class OverBudgetForm(forms.Form):
    title = "Why the plan costs more than the budget"
    reason = _text(
        "Why does the plan need more than the approved budget?",
        subject="why the plan needs more than the budget",
        max_length=2000,
        help_text="The assessor who approves the plan reads this",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.textarea("reason", rows=5, max_characters=2000))


class ConfirmForm(forms.Form):
    """A page with one button; service errors show in the error summary."""


class DecisionForm(forms.Form):
    APPROVE, RETURN = "approve", "return"
    title = "Approve or return the plan"
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[(APPROVE, "Approve the plan"), (RETURN, "Return it to be changed")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select approve or return", "invalid_choice": "Select approve or return"},
    )
    reason = _text(
        "What needs to change? (if you return it)",
        subject="what needs to change",
        max_length=2000,
        required=False,
        help_text="The carer and the hub read this",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.radios("decision", legend_size=Size.SMALL), Field.textarea("reason", rows=4))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("reason") and "reason" not in self.errors:
            self.add_error("reason", "Say what needs to change")
        return cleaned


class ReviewForm(forms.Form):
    title = "Review the plan"
    what_changed = _text(
        "What has changed since the plan was approved?",
        subject="what has changed",
        max_length=4000,
        help_text="For the carer and for the people they care for",
    )

    def __init__(self, *args, outcomes, **kwargs):
        super().__init__(*args, **kwargs)
        layout = [Field.textarea("what_changed", rows=5)]
        for number, outcome in enumerate(outcomes, start=1):
            name = f"outcome_{outcome.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"Outcome {number}: {outcome.text}",
                choices=OutcomeResult.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Select whether outcome {number} was met",
                    "invalid_choice": f"Select whether outcome {number} was met",
                },
            )
            layout.append(Field.radios(name, legend_size=Size.SMALL, inline=True))
        self.outcomes = outcomes
        self.helper = gds_helper(*layout)

    def results(self) -> dict[int, str]:
        return {outcome.pk: self.cleaned_data[f"outcome_{outcome.pk}"] for outcome in self.outcomes}


class OfferSearchForm(forms.Form):
    q = forms.CharField(label="Search the directory by name", max_length=100, required=False)


FORMS = {"outcomes": OutcomeForm, "supports": SupportForm, "risks": RiskForm}
