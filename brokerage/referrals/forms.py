"""Referral forms: the intake (the carer's own, or staff recording a professional's), the queue's filters,
assigning a worker, a case note, closing or redirecting, and the partnership's eligibility criteria."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Fieldset, Size
from django import forms

from breakthrough.forms import NameField, PastDateField, PostcodeField, gds_helper
from breakthrough.models import Locality
from brokerage.forms import PersonNeedsForm
from brokerage.models import CaseNote, NeedsLevel, Urgency
from brokerage.referrals.selectors import ASSIGNED_FILTERS, STATE_FILTERS

YES, NO = "yes", "no"
URGENCY_HINTS = {
    Urgency.ROUTINE: "Help in the next couple of months would be fine",
    Urgency.SOON: "Help is needed in the next few weeks",
    Urgency.URGENT: "Help is needed in the next few days",
}


def _text(max_length: int, required: str, subject: str, **kwargs):
    return forms.CharField(
        max_length=max_length,
        widget=forms.Textarea,
        error_messages={"required": required, "max_length": f"{subject} must be {max_length:,} characters or fewer"},
        **kwargs,
    )


class ReferralForm(forms.Form):
    """The intake, worded for the carer. `StaffReferralForm` words it for staff and asks who referred."""

    title = "Ask the Short Break Hub for help"
    cared_for = forms.MultipleChoiceField(
        label="Who do you care for?",
        help_text="Select everyone this is about.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select who you care for", "invalid_choice": "Select who you care for"},
    )
    needs_level = forms.ChoiceField(
        label="How much support do they need day to day?",
        help_text="If you care for more than one person, answer for the one who needs the most.",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how much support they need",
            "invalid_choice": "Select how much support they need",
        },
    )
    happening_now = _text(
        2000,
        "Tell us what is happening now",
        "What is happening now",
        label="What is happening now?",
        help_text="What caring is like at the moment, and what help would make a difference.",
    )
    urgency = forms.ChoiceField(
        label="How soon do you need help?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how soon you need help", "invalid_choice": "Select how soon you need help"},
    )
    crisis = forms.TypedChoiceField(
        label="Are you at crisis point?",
        help_text="For example, you cannot keep caring safely, or the person you care for is at risk without help "
        "now. We will contact you first.",
        choices=[(YES, "Yes"), (NO, "No")],
        coerce=lambda value: value == YES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if you are at crisis point"},
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = {str(r.cared_for.pk): r.cared_for for r in household}
        self.fields["cared_for"].choices = [
            (str(r.cared_for.pk), r.cared_for.full_name + (f" ({r.relationship})" if r.relationship else ""))
            for r in household
        ]
        self.fields["needs_level"].choices = [
            Choice(value, label, hint=PersonNeedsForm.hints[value]) for value, label in NeedsLevel.choices
        ]
        self.fields["urgency"].choices = [
            Choice(value, label, hint=URGENCY_HINTS[value]) for value, label in Urgency.choices
        ]
        self.helper = gds_helper(*self.layout())

    def layout(self):
        return [
            Field.checkboxes("cared_for", legend_size=Size.MEDIUM),
            Field.radios("needs_level", legend_size=Size.MEDIUM),
            Field.textarea("happening_now", label_size=Size.MEDIUM, rows=6, max_characters=2000),
            Field.radios("urgency", legend_size=Size.MEDIUM),
            Field.radios("crisis", legend_size=Size.MEDIUM, inline=True),
        ]

    def people(self) -> list:
        return [self.household[pk] for pk in self.cleaned_data["cared_for"]]


class StaffReferralForm(ReferralForm):
    title = "Record a referral"
    referrer_name = NameField(
        label="Name", max_length=200, error_messages={"required": "Enter the name of the person making the referral"}
    )
    referrer_role = forms.CharField(
        label="Role and organisation",
        help_text="For example, health visitor, Glenmorven Health Centre",
        max_length=200,
        error_messages={"required": "Enter their role and organisation"},
    )
    referrer_contact = forms.CharField(label="Phone number or email (optional)", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "cared_for": "Who does the carer look after?",
            "urgency": "How soon does the family need help?",
            "crisis": "Is the carer at crisis point?",
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields["cared_for"].error_messages.update(
            {"required": "Select who the carer looks after", "invalid_choice": "Select who the carer looks after"}
        )
        self.fields[
            "crisis"
        ].help_text = (
            "For example, they cannot keep caring safely, or the person they care for is at risk without help now."
        )
        self.fields["crisis"].error_messages["required"] = "Select yes if the carer is at crisis point"
        self.fields["urgency"].error_messages.update(
            {"required": "Select how soon they need help", "invalid_choice": "Select how soon they need help"}
        )

    def layout(self):
        return [
            Fieldset(
                Field.text("referrer_name", field_width=20),
                Field.text("referrer_role", field_width=30),
                Field.text("referrer_contact", field_width=20),
                legend="Who is making the referral?",
                legend_size=Size.MEDIUM,
            ),
            *super().layout(),
        ]


class NewCarerForm(forms.Form):
    """A carer the hub does not know yet (no account), and the person they care for."""

    title = "A carer who is new to the hub"
    first_name = NameField(label="First name", max_length=100, error_messages={"required": "Enter their first name"})
    last_name = NameField(label="Last name", max_length=100, error_messages={"required": "Enter their last name"})
    postcode = PostcodeField(
        label="Postcode", error_messages={"required": "Enter their postcode", "max_length": "Enter a real postcode"}
    )
    locality = forms.ModelChoiceField(
        label="Area",
        queryset=Locality.objects.none(),
        empty_label="Choose an area",
        error_messages={"required": "Select the area they live in", "invalid_choice": "Select the area they live in"},
    )
    phone = forms.CharField(
        label="Phone number (optional)", max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    person_first_name = NameField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter the first name of the person they care for"},
    )
    person_last_name = NameField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter the last name of the person they care for"},
    )
    relationship = forms.CharField(
        label="How are they related to the carer? (optional)",
        help_text="For example, son, mother, partner or friend",
        max_length=60,
        required=False,
    )

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = localities
        self.helper = gds_helper(
            Fieldset(
                Field.text("first_name", field_width=20, spellcheck="false"),
                Field.text("last_name", field_width=20, spellcheck="false"),
                Field.text("postcode", field_width=10),
                Field.select("locality"),
                Field.text("phone", field_width=20),
                legend="The carer",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("person_first_name", field_width=20, spellcheck="false"),
                Field.text("person_last_name", field_width=20, spellcheck="false"),
                Field.text("relationship", field_width=20),
                legend="The person they care for",
                legend_size=Size.MEDIUM,
            ),
        )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label="State", choices=list(STATE_FILTERS.items()), required=False)
    assigned = forms.ChoiceField(label="Worker", choices=list(ASSIGNED_FILTERS.items()), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.select("state"), Field.select("assigned"))

    def filters(self) -> dict:
        if not self.is_valid():
            return {"state": "open", "assigned": ""}
        return {"state": self.cleaned_data["state"] or "open", "assigned": self.cleaned_data["assigned"]}


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.get_display_name()} ({user.get_role_display()})"


class AssignForm(forms.Form):
    title = "Assign a worker"
    worker = WorkerChoiceField(
        label="Who will work with this family?",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose a worker", "invalid_choice": "Choose a broker or assessor of this hub"},
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.helper = gds_helper(Field.radios("worker", legend_size=Size.MEDIUM))


class CaseNoteForm(forms.Form):
    title = "Add a case note"
    contacted_on = PastDateField(
        subject="the date of the contact", label="Date of the contact", help_text="For example, 27 3 2026"
    )
    kind = forms.ChoiceField(
        label="How was the contact made?",
        choices=CaseNote.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how the contact was made",
            "invalid_choice": "Select how the contact was made",
        },
    )
    text = _text(
        2000,
        "Enter what was said or done",
        "The note",
        label="What was said or done?",
        help_text="Include who you spoke to and anything agreed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field("contacted_on", context={"legend_size": Size.for_legend(Size.MEDIUM)}),
            Field.radios("kind", legend_size=Size.MEDIUM),
            Field.textarea("text", label_size=Size.MEDIUM, rows=6, max_characters=2000),
        )


class CloseForm(forms.Form):
    title = "Close the referral"
    reason = _text(
        1000,
        "Say why the referral is being closed",
        "The reason",
        label="Why is the referral being closed?",
        help_text="The carer is told this, so write it for them.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.textarea("reason", label_size=Size.MEDIUM, rows=4, max_characters=1000))


class RedirectForm(forms.Form):
    title = "Redirect to another service"
    redirected_to = NameField(
        label="Which service?",
        help_text="For example, Glenmorven Carers Centre, or the Community Mental Health Team",
        max_length=200,
        error_messages={
            "required": "Enter the service the family is redirected to",
            "max_length": "The service must be 200 characters or fewer",
        },
    )
    reason = _text(
        1000,
        "Say why it is redirected",
        "The reason",
        label="Why is it redirected?",
        help_text="The carer is told this, so write it for them.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("redirected_to", field_width=30, label_size=Size.MEDIUM),
            Field.textarea("reason", label_size=Size.MEDIUM, rows=4, max_characters=1000),
        )


class CriteriaForm(forms.Form):
    title = "Eligibility criteria"
    text = _text(
        5000,
        "Enter the eligibility criteria",
        "The criteria",
        label="Who can the hub help?",
        help_text="Carers and hub staff see this when they make a referral. The current criteria are kept as history.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.textarea("text", label_size=Size.MEDIUM, rows=10, max_characters=5000))
