"""Forms for the hub's fund pages and the provider's invoices: money typed in pounds, whole pence underneath."""

from crispy_forms_gds.layout import Field, Size
from django import forms

from breakthrough.forms import gds_helper
from brokerage.models import BookingShare, PaymentTerms
from brokerage.plans.forms import PoundsField

MOST_PLACES = 20


class InvoiceForm(forms.Form):
    """A provider's invoice for one booking: their invoice number, the amount (the booked cost unless they say
    otherwise) and, when it is more than was booked, why."""

    title = "Send an invoice"
    reference = forms.CharField(
        label="Your invoice number",
        max_length=100,
        error_messages={
            "required": "Enter your invoice number",
            "max_length": "The invoice number must be 100 characters or fewer",
        },
    )
    amount = PoundsField(
        subject="the amount",
        label="Amount",
        help_text="In pounds. Leave it as it is to invoice what was booked.",
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="If you invoice for more than was booked, say why.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The note must be 1,000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.helper = gds_helper(
            Field.text("reference", field_width=20),
            Field.text("amount", field_width=10),
            Field.textarea("note"),
        )

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount == 0:
            raise forms.ValidationError("Enter an amount more than £0")
        return amount


class PaymentTermsForm(forms.Form):
    title = "When is this provider paid?"
    payment_terms = forms.ChoiceField(
        label="When is this provider paid?",
        choices=PaymentTerms.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when the provider is paid"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.radios("payment_terms", legend_size=Size.LARGE, legend_tag="h1"))


class PooledBookingForm(forms.Form):
    """One group session for several households: places for each, and how the cost is split between funds."""

    title = "Book a group session for several households"
    rule = forms.ChoiceField(
        label="How is the cost split between their funds?",
        choices=[(BookingShare.Rule.EQUAL, "Equal shares"), (BookingShare.Rule.PLACES, "By the places each takes")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the cost is split"},
    )

    def __init__(self, *args, carers, **kwargs):
        super().__init__(*args, **kwargs)
        self.carers = list(carers)
        names = []
        for carer in self.carers:
            name = f"places_{carer.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"Places for {carer.first_name} {carer.last_name}",
                required=False,
                min_value=0,
                max_value=MOST_PLACES,
                error_messages={
                    "invalid": "Enter the number of places as a whole number, like 2",
                    "min_value": "Enter 0 or more places",
                    "max_value": f"Enter at most {MOST_PLACES} places",
                },
            )
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
            names.append(Field.text(name, field_width=2))
        self.helper = gds_helper(Field.radios("rule", legend_size=Size.MEDIUM), *names)

    def parties(self):
        return [
            (carer, self.cleaned_data.get(f"places_{carer.pk}") or 0)
            for carer in self.carers
            if self.cleaned_data.get(f"places_{carer.pk}")
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and len(self.parties()) < 2:
            self.add_error(None, "Give places to at least two households")
        return cleaned
