"""The carer's task list: which question pages make up each task, their order, and each task's status."""

from django.urls import reverse
from django.utils.formats import date_format

from brokerage import forms
from brokerage.models import CaredForPerson, Carer, CaringRelationship, Consent

ABOUT_YOU_STEPS = [
    ("name", forms.NameForm),
    ("contact", forms.ContactForm),
    ("where-you-live", forms.WhereForm),
    ("carer-type", forms.CarerTypeForm),
    ("hours", forms.HoursForm),
    ("what-a-break-means", forms.BreakMeaningForm),
    ("consent", forms.ConsentForm),
]

PERSON_STEPS = [
    ("name", forms.PersonNameForm),
    ("date-of-birth", forms.PersonDateOfBirthForm),
    ("needs", forms.PersonNeedsForm),
    ("conditions", forms.PersonConditionsForm),
    ("what-matters", forms.PersonWhatMattersForm),
]

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not yet started", "In progress", "Completed"


def task_list(carer: Carer, people: list[CaringRelationship]) -> list[dict]:
    if carer.about_you_completed_at:
        about = COMPLETED
    elif carer.first_name:
        about = IN_PROGRESS
    else:
        about = NOT_STARTED
    if carer.people_completed_at:
        household = COMPLETED
    elif people:
        household = IN_PROGRESS
    else:
        household = NOT_STARTED
    first_step = ABOUT_YOU_STEPS[0][0]
    return [
        {
            "name": "About you",
            "hint": "Your details and what a break would mean to you",
            "url": reverse("brokerage:about_you_check")
            if about != NOT_STARTED
            else reverse("brokerage:about_you_step", kwargs={"step": first_step}),
            "status": about,
        },
        {
            "name": "People you care for",
            "hint": "Who they are and the support they need",
            "url": reverse("brokerage:people_list"),
            "status": household,
        },
    ]


def _row(label, value, url, *, multiline=False):
    return {"label": label, "value": value, "url": f"{url}?return=check", "multiline": multiline}


def about_you_rows(carer: Carer, consents: dict[str, Consent]) -> list[dict]:
    def step(name):
        return reverse("brokerage:about_you_step", kwargs={"step": name})

    def consent_text(kind):
        consent = consents.get(kind)
        if consent is None:
            return ""
        answer = "Yes" if consent.given else "No"
        return f"{answer} (since {date_format(consent.recorded_at, 'j F Y')})"

    return [
        _row("Name", carer.full_name, step("name")),
        _row("Contact by", carer.get_preferred_contact_display(), step("contact")),
        _row("Phone number", carer.phone, step("contact")),
        _row("Postcode", carer.postcode, step("where-you-live")),
        _row("Area", carer.locality.name if carer.locality else "", step("where-you-live")),
        _row("You are", carer.get_carer_type_display(), step("carer-type")),
        _row(
            "Hours caring a week",
            "" if carer.hours_caring_per_week is None else str(carer.hours_caring_per_week),
            step("hours"),
        ),
        _row("What a break would mean to you", carer.break_meaning, step("what-a-break-means"), multiline=True),
        _row("The hub may keep your details", consent_text(Consent.Kind.KEEP_DETAILS), step("consent")),
        _row("Contact about breaks and events", consent_text(Consent.Kind.CONTACT), step("consent")),
    ]


def person_rows(person: CaredForPerson, relationship: CaringRelationship) -> list[dict]:
    def step(name):
        return reverse("brokerage:person_step", kwargs={"pk": person.pk, "step": name})

    return [
        _row("Name", person.full_name, step("name")),
        _row("Relationship to you", relationship.relationship, step("name")),
        _row(
            "Date of birth",
            date_format(person.date_of_birth, "j F Y") if person.date_of_birth else "",
            step("date-of-birth"),
        ),
        _row("Support needed", person.get_needs_level_display(), step("needs")),
        _row("Conditions or disabilities", person.conditions, step("conditions"), multiline=True),
        _row("How they communicate", person.communication_needs, step("conditions"), multiline=True),
        _row("What matters to them", person.what_matters, step("what-matters"), multiline=True),
    ]
