"""Booking questions: who is going and how it is paid for; the reason for cancelling."""

from crispy_forms_gds.layout import Field, Size
from django import forms

from breakthrough.forms import gds_helper
from brokerage.models import BreakFor, PaymentSource

ME = "me"


class WhoIsGoingForm(forms.Form):
    """Checkboxes for "me" and each cared-for person the break is for; the payment source."""

    title = "Who is going on this break?"
    people = forms.MultipleChoiceField(
        label="Who is going on this break?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose who is going on the break"},
    )
    payment_source = forms.ChoiceField(
        label="How will the break be paid for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the break will be paid for"},
    )

    def __init__(self, *args, offer, household, carer_is_user: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if offer.break_for in (BreakFor.CARER, BreakFor.BOTH):
            choices.append((ME, "Me" if carer_is_user else "The carer"))
        if offer.break_for in (BreakFor.CARED_FOR, BreakFor.BOTH):
            choices += [(str(r.cared_for.pk), r.cared_for.full_name) for r in household]
        self.fields["people"].choices = choices
        if offer.break_for == BreakFor.BOTH:
            self.fields["people"].help_text = "This break is for the carer and the person cared for, together."
        if offer.is_free:
            self.fields["payment_source"].choices = [(PaymentSource.FREE, "It is free")]
            self.fields["payment_source"].initial = PaymentSource.FREE
        else:
            self.fields["payment_source"].choices = [
                (PaymentSource.FUND, PaymentSource.FUND.label),
                (PaymentSource.SELF, PaymentSource.SELF.label),
            ]
        self.household = {str(r.cared_for.pk): r.cared_for for r in household}
        self.helper = gds_helper(
            Field.checkboxes("people", legend_size=Size.LARGE, legend_tag="h1"),
            Field.radios("payment_source", legend_size=Size.MEDIUM),
        )

    def who(self) -> tuple[bool, list]:
        chosen = self.cleaned_data["people"]
        return ME in chosen, [self.household[pk] for pk in chosen if pk in self.household]


class CrisisForm(forms.Form):
    crisis = forms.BooleanField(label="This family is in crisis: put them first on the waiting list", required=False)


class ReasonForm(forms.Form):
    title = "Why are you cancelling?"
    reason = forms.CharField(
        label="Why are you cancelling?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Say why you are cancelling",
            "max_length": "Reason must be 1,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.textarea("reason", label_size=Size.LARGE, label_tag="h1"))
