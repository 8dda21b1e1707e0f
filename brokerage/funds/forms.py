"""Forms for the hub's fund pages and the provider's invoices: money typed in pounds, whole pence underneath."""

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.utils import timezone

from breakthrough.forms import NameField, gds_helper
from breakthrough.money import format_pence
from breakthrough.submissions import SubmissionKeyField, give_fresh_key
from brokerage.bookings import rules
from brokerage.funds.wiring import NO_SHOW_INVOICE_DAYS
from brokerage.models import BookingShare, BreakFor, PaymentTerms
from brokerage.plans.forms import PoundsField


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

    payee_name = NameField(
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


CARER = "carer"


class PooledBookingForm(forms.Form):
    """One group session for several households: who goes from each (its carer and/or the people cared for), and
    how the cost is split between their funds.

    Only the choices the booking rules allow are offered (bookings.rules): the carer when the break is for carers,
    each person cared for of an age and needs level the break takes. Who cannot go is named, with why, under the
    household's question; a household nobody from which can go gets no question (`unable` says why)."""

    title = "Book a group session for several households"
    rule = forms.ChoiceField(
        label="How is the cost split between their funds?",
        choices=[(BookingShare.Rule.EQUAL, "Equal shares"), (BookingShare.Rule.PLACES, "By the places each takes")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the cost is split"},
    )

    def __init__(self, *args, session, households, **kwargs):
        """`households`: [(carer, [people they care for])], read through the access choke point."""
        super().__init__(*args, **kwargs)
        self.session = session
        self.offer = offer = session.offer
        day = timezone.localtime(session.starts_at).date()
        self.households = {}
        self.unable = []
        names = []
        for carer, people in households:
            choices, why_not = [], []
            carer_goes = offer.break_for in (BreakFor.CARER, BreakFor.BOTH)
            if carer_goes:
                choices.append((CARER, f"{carer.full_name} (the carer)"))
            fitting = {}
            if offer.break_for in (BreakFor.CARED_FOR, BreakFor.BOTH):
                for person in people:
                    problem = rules.person_problem(offer, person, day)
                    if problem:
                        why_not.append(f"{person.full_name} cannot go: {problem}.")
                    else:
                        fitting[str(person.pk)] = person
                        choices.append((str(person.pk), person.full_name))
                if not people:
                    why_not.append("No one cared for is recorded in this household.")
            can_go = bool(choices) and (offer.break_for != BreakFor.BOTH or (carer_goes and fitting))
            if not can_go:
                self.unable.append((carer, " ".join(why_not) or "No one in this household can take this break."))
                continue
            name = f"party_{carer.pk}"
            self.households[name] = (carer, fitting)
            self.fields[name] = forms.MultipleChoiceField(
                label=f"Who goes from {carer.full_name}'s household?",
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=" ".join(why_not),
            )
            names.append(Field.checkboxes(name, legend_size=Size.SMALL))
        self.helper = gds_helper(Field.radios("rule", legend_size=Size.MEDIUM), *names)

    def parties(self) -> list[rules.Party]:
        parties = []
        for name, (carer, fitting) in self.households.items():
            chosen = self.cleaned_data.get(name) or []
            if chosen:
                people = tuple(fitting[pk] for pk in chosen if pk in fitting)
                parties.append(rules.Party(carer=carer, includes_carer=CARER in chosen, cared_for=people))
        return parties

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        parties = self.parties()
        for party in parties:
            problem = rules.party_problem(
                self.offer, includes_carer=party.includes_carer, cared_for=party.cared_for, you=False
            )
            if problem:
                self.add_error(f"party_{party.carer.pk}", problem)
        if len(parties) < 2:
            self.add_error(None, "Choose who goes from at least two households")
        going = sum(party.size for party in parties)
        if going > self.session.places_left:
            left = self.session.places_left
            self.add_error(
                None, f"You chose {going} people and the session has {left} place{'s' if left != 1 else ''} left"
            )
        return cleaned


# ---------------------------------------------------------------------------------------------
# Refunds, adjustments and overdrafts. Each asking form carries a submission key (made when the form is first
# shown), so the same form sent twice refunds or asks once.
# ---------------------------------------------------------------------------------------------

REASON_LENGTH = 500


def _reason(label: str, *, required: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": required, "max_length": f"The reason must be {REASON_LENGTH} characters or fewer"},
    )


class RefundForm(forms.Form):
    title = "Refund an invoice"
    amount = PoundsField(subject="the amount refunded", label="How much is refunded?")
    reason = _reason(
        "Why is it refunded?",
        required="Say why the money is refunded",
        help_text="For example, the invoice was paid twice, or the break was cut short.",
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, refundable: int, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.refundable = refundable
        self.fields[
            "amount"
        ].help_text = f"In pounds, up to {format_pence(refundable)}: what was paid, less what was already refunded."
        self.helper = gds_helper(
            Field.text("amount", field_width=10),
            Field.textarea("reason", max_characters=REASON_LENGTH),
            Field("submission_key"),
        )

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount == 0:
            raise forms.ValidationError("Enter the amount refunded, more than £0")
        # More than can be refunded is refused by the service, after it has looked for this form's first send
        # (a double click on a full refund must find the refund, not "at most £0").
        return amount


class AdjustmentForm(forms.Form):
    title = "Adjust the fund"
    direction = forms.ChoiceField(
        label="Add money or take it away?",
        choices=[("add", "Add money to the fund"), ("take", "Take money from the fund")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to add money or take it away"},
    )
    amount = PoundsField(subject="the amount", label="How much?", help_text="In pounds, for example 25.50.")
    reason = _reason(
        "Why is the fund adjusted?",
        required="Say why the fund is adjusted",
        help_text="Whoever approves it, and anyone who reads the fund later, sees this.",
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.helper = gds_helper(
            Field.radios("direction", legend_size=Size.SMALL),
            Field.text("amount", field_width=10),
            Field.textarea("reason", max_characters=REASON_LENGTH),
            Field("submission_key"),
        )

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount == 0:
            raise forms.ValidationError("Enter the amount, more than £0")
        return amount

    def signed_pence(self) -> int:
        amount = self.cleaned_data["amount"]
        return amount if self.cleaned_data["direction"] == "add" else -amount


class OverdraftForm(forms.Form):
    title = "Ask for an overdraft"
    limit = PoundsField(
        subject="the overdraft limit",
        label="How far below zero may the available money go?",
        help_text="In pounds, for example 200. Enter 0 to end an overdraft.",
    )
    reason = _reason(
        "Why may the fund be overdrawn?",
        required="Say why the fund may be overdrawn",
        help_text="For example, a crisis break is needed before the next allocation.",
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.helper = gds_helper(
            Field.text("limit", field_width=10),
            Field.textarea("reason", max_characters=REASON_LENGTH),
            Field("submission_key"),
        )


class DecisionForm(forms.Form):
    """A second person's decision on an adjustment or an overdraft: approve it, or refuse it and say why."""

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve it"), ("refuse", "Refuse it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse it"},
    )
    refusal_reason = _reason(
        "Reason for refusing it", required="", help_text="Only if you refuse it. The person who asked reads this."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refusal_reason"].required = False
        self.helper = gds_helper(
            Field.radios("decision", legend_size=Size.MEDIUM),
            Field.textarea("refusal_reason", max_characters=REASON_LENGTH),
        )

    def clean(self):
        cleaned = super().clean()
        refusing = cleaned.get("decision") == "refuse"
        if refusing and not cleaned.get("refusal_reason") and "refusal_reason" not in self.errors:
            self.add_error("refusal_reason", "Say why it is refused")
        return cleaned
