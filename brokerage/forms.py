"""Question pages for the carer's household: one question (or one tight group) per page."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import HTML, Field, Fieldset, Size
from django import forms

from breakthrough.forms import NameField, PastDateField, PostcodeField, WholeNumberField, gds_helper
from breakthrough.models import Locality
from brokerage.models import CaredForPerson, Carer, Consent, NeedsLevel


def _heading_field(name: str, **kwargs):
    return Field.text(name, label_size=Size.LARGE, label_tag="h1", **kwargs)


class QuestionForm(forms.ModelForm):
    """A page of the task list. `title` is the question; it is the page's h1 and its <title>."""

    title = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(*self.layout())

    def layout(self):
        return [Field(name) for name in self.fields]

    def _post_clean(self):
        # Validate only: the service decides what changes, so the instance must stay as it was read.
        pass


class NameForm(QuestionForm):
    title = "What is your name?"
    first_name = NameField(label="First name", max_length=100, error_messages={"required": "Enter your first name"})
    last_name = NameField(label="Last name", max_length=100, error_messages={"required": "Enter your last name"})

    class Meta:
        model = Carer
        fields = ["first_name", "last_name"]
        labels = {"first_name": "First name", "last_name": "Last name"}
        error_messages = {
            "first_name": {"required": "Enter your first name"},
            "last_name": {"required": "Enter your last name"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True

    def layout(self):
        return [
            Fieldset(
                Field.text("first_name", field_width=20, autocomplete="given-name", spellcheck="false"),
                Field.text("last_name", field_width=20, autocomplete="family-name", spellcheck="false"),
                legend=self.title,
                legend_size=Size.LARGE,
                legend_tag="h1",
            )
        ]


class ContactForm(QuestionForm):
    title = "How should we contact you?"

    class Meta:
        model = Carer
        fields = ["preferred_contact", "phone"]
        labels = {"preferred_contact": "How should we contact you?", "phone": "Phone number"}
        help_texts = {
            "phone": "Needed if you choose a phone call or a text message. We only use it to talk about your breaks."
        }
        widgets = {"preferred_contact": forms.RadioSelect, "phone": forms.TextInput(attrs={"type": "tel"})}
        error_messages = {"preferred_contact": {"required": "Select how we should contact you"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_contact"].required = True
        self.fields["preferred_contact"].choices = Carer.ContactMethod.choices

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if phone and (len(digits) < 10 or any(c not in "0123456789 +()-" for c in phone)):
            raise forms.ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")
        return phone

    def clean(self):
        cleaned = super().clean()
        calls_or_texts = cleaned.get("preferred_contact") in (Carer.ContactMethod.PHONE, Carer.ContactMethod.TEXT)
        # A number that is there but wrong already has its own error.
        if calls_or_texts and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "Enter a phone number so we can call or text you")
        return cleaned

    def layout(self):
        return [
            Field.radios("preferred_contact", legend_size=Size.LARGE, legend_tag="h1"),
            Field.text("phone", field_width=20, autocomplete="tel"),
        ]


class WhereForm(QuestionForm):
    title = "Where do you live?"
    postcode = PostcodeField(label="Postcode", help_text="For example, EH1 1YZ")

    class Meta:
        model = Carer
        fields = ["postcode", "locality"]
        labels = {"locality": "Area"}
        help_texts = {"locality": "The area your council or partnership calls your home area."}
        error_messages = {
            "locality": {"required": "Select the area you live in", "invalid_choice": "Select the area you live in"}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].required = True
        self.fields["locality"].queryset = Locality.objects.select_related("partnership")
        self.fields["locality"].empty_label = "Choose an area"

    def layout(self):
        return [
            Fieldset(
                Field.text("postcode", field_width=10, autocomplete="postal-code"),
                Field.select("locality"),
                legend=self.title,
                legend_size=Size.LARGE,
                legend_tag="h1",
            )
        ]


class CarerTypeForm(QuestionForm):
    title = "Which of these best describes you?"

    class Meta:
        model = Carer
        fields = ["carer_type"]
        labels = {"carer_type": "Which of these best describes you?"}
        widgets = {"carer_type": forms.RadioSelect}
        error_messages = {"carer_type": {"required": "Select the description that fits you best"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["carer_type"]
        field.required = True
        field.choices = Carer.CarerType.choices

    def layout(self):
        return [Field.radios("carer_type", legend_size=Size.LARGE, legend_tag="h1")]


class HoursForm(QuestionForm):
    title = "About how many hours a week do you spend caring?"
    hours_caring_per_week = WholeNumberField(
        label="About how many hours a week do you spend caring?",
        help_text="Include time spent on call or at night. A guess is fine.",
        min_value=0,
        max_value=168,
        error_messages={
            "required": "Enter the number of hours you spend caring each week",
            "invalid": "Enter the number of hours as a whole number, like 35",
            "min_value": "The number of hours must be 0 or more",
            "max_value": "The number of hours must be 168 or fewer (there are 168 hours in a week)",
        },
    )

    class Meta:
        model = Carer
        fields = ["hours_caring_per_week"]

    def layout(self):
        return [_heading_field("hours_caring_per_week", field_width=3, inputmode="numeric")]


class BreakMeaningForm(QuestionForm):
    title = "What would a break mean to you?"

    class Meta:
        model = Carer
        fields = ["break_meaning"]
        labels = {"break_meaning": "What would a break mean to you?"}
        help_texts = {
            "break_meaning": "In your own words. For example: time to see friends, a full night's sleep, "
            "or getting back to something you enjoy."
        }
        error_messages = {
            "break_meaning": {
                "required": "Tell us what a break would mean to you",
                "max_length": "What a break would mean to you must be 2000 characters or fewer",
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["break_meaning"].required = True

    def layout(self):
        return [Field.textarea("break_meaning", label_size=Size.LARGE, label_tag="h1", rows=6, max_characters=2000)]


class ConsentForm(forms.Form):
    title = "Your consent"
    keep_details = forms.BooleanField(
        label=Consent.Kind.KEEP_DETAILS.label,
        required=True,
        error_messages={
            "required": "You must agree that the Short Break Hub can keep your details, so it can arrange breaks"
        },
    )
    contact = forms.BooleanField(label=Consent.Kind.CONTACT.label, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.pop("instance", None)
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Fieldset(
                HTML(
                    '<p class="govuk-body">The Short Break Hub keeps your details safe and only shares them '
                    "with people who help arrange your breaks. You can change your mind at any time.</p>"
                ),
                Field.checkbox("keep_details"),
                Field.checkbox("contact"),
                legend=self.title,
                legend_size=Size.LARGE,
                legend_tag="h1",
            )
        )


class PersonNameForm(forms.Form):
    title = "Who do you care for?"
    first_name = NameField(
        label="Their first name", max_length=100, error_messages={"required": "Enter their first name"}
    )
    last_name = NameField(label="Their last name", max_length=100, error_messages={"required": "Enter their last name"})
    relationship = forms.CharField(
        label="How are they related to you? (optional)",
        help_text="For example, son, mother, partner or friend",
        max_length=60,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Fieldset(
                Field.text("first_name", field_width=20, spellcheck="false"),
                Field.text("last_name", field_width=20, spellcheck="false"),
                Field.text("relationship", field_width=20),
                legend=self.title,
                legend_size=Size.LARGE,
                legend_tag="h1",
            )
        )


class PersonDateOfBirthForm(QuestionForm):
    title = "What is their date of birth?"
    date_of_birth = PastDateField(
        subject="their date of birth", label="What is their date of birth?", help_text="For example, 27 3 2012"
    )

    class Meta:
        model = CaredForPerson
        fields = ["date_of_birth"]

    def layout(self):
        # A date input's legend is set through the context (keyword arguments would become <input> attributes).
        return [Field("date_of_birth", context={"legend_size": Size.for_legend(Size.LARGE), "legend_tag": "h1"})]


class PersonNeedsForm(QuestionForm):
    title = "How much support do they need day to day?"
    needs_level = forms.ChoiceField(
        label="How much support do they need day to day?",
        widget=forms.RadioSelect,
        choices=NeedsLevel.choices,
        error_messages={
            "required": "Select how much support they need",
            "invalid_choice": "Select how much support they need",
        },
    )
    hints = {
        NeedsLevel.LOW: "Some help, mostly with planning or getting out and about",
        NeedsLevel.MEDIUM: "Regular help with everyday things such as washing, eating or getting around",
        NeedsLevel.HIGH: "Help with most things, and someone nearby most of the time",
        NeedsLevel.COMPLEX: "Support around the clock, or health needs that need trained care",
    }

    class Meta:
        model = CaredForPerson
        fields = ["needs_level"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs_level"].choices = [
            Choice(value, label, hint=self.hints[value]) for value, label in NeedsLevel.choices
        ]

    def layout(self):
        return [Field.radios("needs_level", legend_size=Size.LARGE, legend_tag="h1")]


class PersonConditionsForm(QuestionForm):
    title = "Their conditions and how they communicate"

    class Meta:
        model = CaredForPerson
        fields = ["conditions", "communication_needs"]
        labels = {
            "conditions": "Conditions or disabilities (optional)",
            "communication_needs": "How do they communicate? (optional)",
        }
        help_texts = {
            "conditions": "For example, autism, dementia, epilepsy or a learning disability",
            "communication_needs": "For example, uses Makaton, needs time to answer, or does not speak",
        }
        error_messages = {
            "conditions": {"max_length": "Conditions or disabilities must be 2000 characters or fewer"},
            "communication_needs": {"max_length": "How they communicate must be 2000 characters or fewer"},
        }

    def layout(self):
        return [
            Fieldset(
                Field.textarea("conditions", rows=3),
                Field.textarea("communication_needs", rows=3),
                legend=self.title,
                legend_size=Size.LARGE,
                legend_tag="h1",
            )
        ]


class PersonWhatMattersForm(QuestionForm):
    title = "What matters to them?"

    class Meta:
        model = CaredForPerson
        fields = ["what_matters"]
        labels = {"what_matters": "What matters to them? (optional)"}
        help_texts = {"what_matters": "The things that make a good day for them: people, places, routines, interests."}
        error_messages = {"what_matters": {"max_length": "What matters to them must be 2000 characters or fewer"}}

    def layout(self):
        return [Field.textarea("what_matters", label_size=Size.LARGE, label_tag="h1", rows=5)]


class RemovePersonForm(forms.Form):
    confirm = forms.TypedChoiceField(
        label="Are you sure?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes, remove them"), ("no", "No, keep them")],
        error_messages={"required": "Select yes if you want to remove this person"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.radios("confirm", legend_size=Size.MEDIUM, inline=True))


class CaseloadSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or postcode", required=False, max_length=100)
