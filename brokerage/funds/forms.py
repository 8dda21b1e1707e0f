"""Forms for the hub's fund pages and the provider's invoices: money typed in pounds, whole pence underneath."""

from crispy_forms_gds.layout import Field, Size
from django import forms

from breakthrough.forms import WholeNumberField, gds_helper
from brokerage.funds.wiring import NO_SHOW_INVOICE_DAYS
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
    """The provider's agreement with the partnership: when they are paid, and whether they charge for a break the
    carer did not attend. Leaving the second unanswered keeps it as it was."""

    title = "Payment terms"
    payment_terms = forms.ChoiceField(
        label="When is this provider paid?",
        choices=PaymentTerms.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when the provider is paid"},
    )
    charges_no_show = forms.TypedChoiceField(
        label="Does this provider charge for a break the carer did not attend?",
        choices=[
            ("no", "No: the money goes back to the carer's fund as soon as the provider records the missed break"),
            (
                "yes",
                f"Yes: the money stays booked for {NO_SHOW_INVOICE_DAYS} days after the break, so the provider can "
                "invoice it",
            ),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.radios("payment_terms", legend_size=Size.MEDIUM),
            Field.radios("charges_no_show", legend_size=Size.MEDIUM),
        )


class SupportInvoiceForm(InvoiceForm):
    """An invoice against a support in a carer's plan: the provider's own (their invoice number, the amount and a
    note), or, with `payee=True`, one the hub records for a supplier not on the platform (their name first)."""

    payee_name = forms.CharField(
        label="Supplier's name",
        help_text="Who sent the invoice, for example the personal assistant or the driving school.",
        max_length=200,
        error_messages={
            "required": "Enter the name of the supplier who sent the invoice",
            "max_length": "The supplier's name must be 200 characters or fewer",
        },
    )

    def __init__(self, *args, payee: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = "In pounds, for example 45.50."
        self.fields["note"].help_text = "If the amount is more than is left of this support, say why."
        layout = [
            Field.text("reference", field_width=20),
            Field.text("amount", field_width=10),
            Field.textarea("note"),
        ]
        if payee:
            self.fields["reference"].label = "Supplier's invoice number"
            self.fields["reference"].error_messages["required"] = "Enter the supplier's invoice number"
            self.fields["payee_name"].widget.attrs.update({"autocomplete": "organization"})
            layout.insert(0, Field.text("payee_name", field_width=30))
        else:
            del self.fields["payee_name"]
        self.order_fields(["payee_name", "reference", "amount", "note"])
        self.helper = gds_helper(*layout)


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
            self.fields[name] = WholeNumberField(
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
