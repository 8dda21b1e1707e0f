"""The statement's edit pages (one per section of text) and the publish form."""

from dataclasses import dataclass

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from breakthrough.forms import DayMonthYearField, NameField, gds_helper
from breakthrough.submissions import SubmissionKeyField, give_fresh_key
from commissioning.statement import services
from commissioning.statement.models import TEXT_FIELDS, TEXT_LIMIT


@dataclass(frozen=True)
class Section:
    slug: str
    heading: str
    fields: tuple[str, ...]
    intro: str


# The statement's sections with text the commissioners write, in the statement's order. Each heading is the one the
# published statement uses; the live parts of each section are listed on the edit page (`intro`).
SECTIONS = {
    s.slug: s
    for s in (
        Section(
            "purpose",
            "Purpose and legal basis",
            ("purpose",),
            "The statement opens with what the Carers (Scotland) Act 2016 asks for. Add why it matters locally.",
        ),
        Section(
            "what-a-break-is",
            "What a short break is",
            ("what_is_a_break",),
            "The statement lists every kind of break in the directory after your words.",
        ),
        Section(
            "who",
            "Who can get a short break",
            ("adult_carers", "young_carers", "eligibility"),
            "The hub's current eligibility criteria are shown after your words, as the hub's brokers wrote them.",
        ),
        Section(
            "outcomes",
            "The outcomes breaks are for",
            ("outcomes",),
            "The questions carers are asked after a break, and how they answered, are shown after your words.",
        ),
        Section(
            "breaks",
            "The kinds of break and who provides them",
            ("breaks_note",),
            "The breaks and their providers, in the partnership and elsewhere in Scotland, come live from the "
            "directory. Add what is not listed there, or what is being developed.",
        ),
        Section(
            "arranging",
            "How to arrange a break",
            ("arranging", "emergencies"),
            "The four Self-Directed Support options, how to ask the hub, and the local replacement care for "
            "emergencies are shown with your words.",
        ),
        Section(
            "costs",
            "Costs and charging",
            ("costs",),
            "How many local breaks are free, and the range of prices of the others, come from the directory.",
        ),
        Section(
            "carers-words",
            "Carers' own words",
            ("carers_words",),
            "Quotes only with the carer's permission, and without names.",
        ),
        Section(
            "contacts",
            "Contacts",
            (
                "department_name",
                "department_address",
                "department_phone",
                "department_email",
                "hub_phone",
                "hub_email",
                "hub_hours",
            ),
            "The regulations ask for the contact details of the department or organisation responsible for the "
            "statement. The partnership's Short Break Hub is named from the platform.",
        ),
        Section(
            "consultation",
            "How carers were consulted",
            ("consultation",),
            "The regulations ask that carers' views, and those of bodies representing carers, are taken into "
            "account. Say who was asked, how and when.",
        ),
    )
}

HELP = {
    "purpose": "For example, how the statement fits your local carers strategy.",
    "what_is_a_break": "In plain words: a break from caring, of any length, that helps the carer to have a life "
    "alongside caring.",
    "adult_carers": "Carers aged 18 or over: how they get an adult carer support plan.",
    "young_carers": "Carers under 18, or 18 and still at school: how they get a young carer statement.",
    "eligibility": "How the local eligibility criteria are applied, and what happens if a carer does not meet them.",
    "outcomes": "What breaks should make possible for carers and the people they care for.",
    "breaks_note": "Leave empty if the directory says it all.",
    "arranging": "What a carer does first, and what happens next.",
    "emergencies": "Who to call out of hours, and how emergency planning works locally.",
    "costs": "Whether carers are charged for support, and what a break may cost the person cared for.",
    "carers_words": "What carers told you about breaks.",
    "consultation": "Who was asked, how and when, and what changed because of it.",
}

CONTACT_LABELS = {
    "department_name": ("Department or organisation responsible", "For example, Carers Services, Partnership X"),
    "department_address": ("Its address", ""),
    "department_phone": ("Its phone number", ""),
    "department_email": ("Its email address", ""),
    "hub_phone": ("The Short Break Hub's phone number", ""),
    "hub_email": ("The Short Break Hub's email address", ""),
    "hub_hours": ("When the Short Break Hub is open", "For example, Monday to Friday, 9am to 5pm"),
}


def _text_field(name: str) -> forms.CharField:
    label = TEXT_FIELDS[name]
    return forms.CharField(
        label=label,
        help_text=HELP[name],
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea,
        error_messages={"max_length": f"{label} must be {TEXT_LIMIT:,} characters or fewer"},
    )


def _contact_field(name: str) -> forms.Field:
    label, help_text = CONTACT_LABELS[name]
    if name.endswith("_email"):
        return forms.EmailField(
            label=label,
            required=False,
            help_text=help_text,
            error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
        )
    if name == "department_name":
        return NameField(
            label=label,
            required=False,
            max_length=200,
            help_text=help_text,
            error_messages={"max_length": "The department's name must be 200 characters or fewer"},
        )
    if name == "department_address":
        return forms.CharField(
            label=label,
            required=False,
            max_length=500,
            widget=forms.Textarea,
            error_messages={"max_length": "The address must be 500 characters or fewer"},
        )
    limit = 200 if name == "hub_hours" else 30
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        help_text=help_text,
        error_messages={"max_length": f"{label} must be {limit} characters or fewer"},
    )


class StatementSectionForm(forms.Form):
    """One section's text. Every field may be left empty while drafting; publishing asks for what it needs."""

    def __init__(self, *args, section: Section, **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section
        self.title = section.heading
        layout = []
        for name in section.fields:
            if name in TEXT_FIELDS:
                self.fields[name] = _text_field(name)
                layout.append(Field.textarea(name, label_size=Size.MEDIUM, rows=6, max_characters=TEXT_LIMIT))
            else:
                self.fields[name] = _contact_field(name)
                if name == "department_address":
                    layout.append(Field.textarea(name, label_size=Size.SMALL, rows=3))
                elif name.endswith("_phone"):
                    layout.append(Field.text(name, field_width=20, autocomplete="off", spellcheck="false"))
                elif name.endswith("_email"):
                    layout.append(Field.text(name, field_width=30, spellcheck="false"))
                else:
                    layout.append(Field.text(name, label_size=Size.SMALL))
        self.helper = gds_helper(*layout)


class StatementPublishForm(forms.Form):
    title = "Publish the statement"
    next_review_on = DayMonthYearField(
        subject="the next review date",
        label="Next review date",
        help_text=f"Within {services.LONGEST_REVIEW_YEARS} years. For example, 1 4 2027",
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.helper = gds_helper(
            Field("next_review_on", context={"legend_size": Size.for_legend(Size.MEDIUM)}), "submission_key"
        )

    def clean_next_review_on(self):
        value = self.cleaned_data["next_review_on"]
        try:
            services.check_review_date(value, today=timezone.localdate())
        except ValidationError as error:
            raise ValidationError(error.message_dict["next_review_on"]) from None
        return value
