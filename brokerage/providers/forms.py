"""Forms for the provider portal. Staff pages: one page with fieldsets, messages beside each field."""

import datetime
from decimal import Decimal, InvalidOperation

from crispy_forms_gds.layout import Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError

from breakthrough.forms import DayMonthYearField, NameField, PostcodeField, WholeNumberField, gds_helper
from breakthrough.models import Locality
from brokerage.models import (
    AccessibilityFeature,
    BookingMode,
    BreakFor,
    ComplianceKind,
    NeedsLevel,
    OfferKind,
    PriceUnit,
    Regulator,
    Setting,
)
from brokerage.models.offers import NEEDS_FIELDS

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# What a file must start with to be what its name says it is.
UPLOAD_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
WEEKDAYS = [
    (str(i), d) for i, d in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
]


# Any real date, in the years a person may type (breakthrough.forms.DayMonthYearField).
AnyDateField = DayMonthYearField


class TimeField(forms.TimeField):
    # A GOV.UK text input: crispy-forms-gds gives Django's TimeInput no govuk-input class (no border or focus).
    widget = forms.TextInput

    def __init__(self, *, subject: str, **kwargs):
        kwargs.setdefault("input_formats", ["%H:%M", "%H.%M", "%H%M"])
        kwargs.setdefault("help_text", "Use the 24-hour clock, for example 09:30 or 17:00")
        kwargs.setdefault(
            "error_messages",
            {"required": f"Enter {subject}", "invalid": f"Enter {subject} as hours and minutes, like 09:30 or 17:00"},
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.strftime("%H:%M") if isinstance(value, datetime.time) else value


class PlacesField(WholeNumberField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Places")
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Enter the number of places",
                "invalid": "Enter the number of places as a whole number, like 8",
                "min_value": "Enter at least 1 place",
                "max_value": "Enter 500 places or fewer",
            },
        )
        super().__init__(min_value=1, max_value=500, **kwargs)


def _date_field(name: str):
    return Field(name, context={"legend_size": Size.for_legend(Size.SMALL)})


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    title = "Your organisation's details"
    summary = forms.CharField(
        label="About your organisation",
        help_text="What carers and families should know about you, in plain words",
        max_length=2000,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": "About your organisation must be 2000 characters or fewer"},
    )
    regulator = forms.ChoiceField(
        label="Which care regulator are you registered with?",
        choices=Regulator.choices,
        error_messages={"required": "Select your regulator", "invalid_choice": "Select your regulator"},
    )
    registration_number = forms.CharField(
        label="Registration number",
        help_text="Leave blank only if you are not registered",
        max_length=50,
        required=False,
        error_messages={"max_length": "The registration number must be 50 characters or fewer"},
    )
    email = forms.EmailField(
        label="Email address for bookings",
        required=False,
        error_messages={"invalid": "Enter an email address in the right format, like name@example.org"},
    )
    phone = forms.CharField(label="Phone number", max_length=30, required=False)
    website = forms.URLField(
        label="Website",
        required=False,
        assume_scheme="https",
        # A text input: crispy-forms-gds gives type="url" no GOV.UK class (no border, no focus state).
        widget=forms.TextInput(attrs={"autocomplete": "url"}),
        error_messages={"invalid": "Enter a web address in the right format, like https://www.example.org"},
    )
    localities = forms.ModelMultipleChoiceField(
        label="Areas you serve",
        queryset=Locality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose areas in the partnerships you serve"},
    )

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["localities"].queryset = localities
        self.fields["localities"].label_from_instance = lambda loc: f"{loc.name} ({loc.partnership.name})"
        self.helper = gds_helper(
            Field.textarea("summary", rows=5, max_characters=2000),
            Fieldset(
                Field.select("regulator"),
                Field.text("registration_number", field_width=20),
                legend="Registration",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("email", field_width=30, spellcheck="false"),
                Field.text("phone", field_width=20),
                Field.text("website", field_width=30, spellcheck="false"),
                legend="Contact",
                legend_size=Size.MEDIUM,
            ),
            Field.checkboxes("localities", legend_size=Size.MEDIUM),
        )

    def clean(self):
        cleaned = super().clean()
        regulator = cleaned.get("regulator")
        if regulator and regulator != Regulator.NOT_REGULATED and not cleaned.get("registration_number", "").strip():
            self.add_error(
                "registration_number",
                "Enter your registration number with the regulator, or choose 'Not registered'",
            )
        return cleaned


# ---------------------------------------------------------------------------------------------
# Offers
# ---------------------------------------------------------------------------------------------


class OfferForm(forms.Form):
    title = NameField(
        label="Name of the offer",
        max_length=120,
        error_messages={
            "required": "Enter the name of the offer",
            "max_length": "The name must be 120 characters or fewer",
        },
    )
    summary = forms.CharField(
        label="What it is, in a sentence",
        max_length=300,
        error_messages={
            "required": "Say what the offer is in a sentence",
            "max_length": "The sentence must be 300 characters or fewer",
        },
    )
    description = forms.CharField(
        label="More about it (optional)",
        help_text="What happens, what to bring, and anything families should know",
        max_length=4000,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": "The description must be 4000 characters or fewer"},
    )
    kind = forms.ChoiceField(
        label="Kind of break",
        choices=[("", "Choose a kind of break"), *OfferKind.choices],
        error_messages={"required": "Select the kind of break", "invalid_choice": "Select the kind of break"},
    )
    break_for = forms.ChoiceField(
        label="Who takes the break?",
        choices=BreakFor.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who takes the break", "invalid_choice": "Select who takes the break"},
    )
    setting = forms.ChoiceField(
        label="Where does it happen?",
        choices=Setting.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where it happens", "invalid_choice": "Select where it happens"},
    )
    min_age = WholeNumberField(
        label="Youngest age (optional)",
        min_value=0,
        max_value=120,
        required=False,
        error_messages={
            "invalid": "Enter the youngest age as a whole number, like 5",
            "min_value": "The youngest age must be 0 or more",
            "max_value": "The youngest age must be 120 or less",
        },
    )
    max_age = WholeNumberField(
        label="Oldest age (optional)",
        min_value=0,
        max_value=120,
        required=False,
        error_messages={
            "invalid": "Enter the oldest age as a whole number, like 18",
            "min_value": "The oldest age must be 0 or more",
            "max_value": "The oldest age must be 120 or less",
        },
    )
    sleeps = WholeNumberField(
        label="How many guests does it sleep? (bookable properties only)",
        help_text="A property is let to one household at a time, for up to this many guests.",
        min_value=1,
        max_value=50,
        required=False,
        error_messages={
            "invalid": "Enter how many guests it sleeps as a whole number, like 4",
            "min_value": "It must sleep at least 1 guest",
            "max_value": "Enter 50 guests or fewer",
        },
    )
    needs_levels = forms.MultipleChoiceField(
        label="Levels of need it supports",
        choices=NeedsLevel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one level of need the offer supports",
            "invalid_choice": "Choose levels of need from the list",
        },
    )
    features = forms.ModelMultipleChoiceField(
        label="Accessibility features (optional)",
        queryset=AccessibilityFeature.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose accessibility features from the list"},
    )
    locality = forms.ModelChoiceField(
        label="Area",
        queryset=Locality.objects.none(),
        empty_label="Choose an area",
        error_messages={"required": "Select the area", "invalid_choice": "Select one of the areas you serve"},
    )
    postcode = PostcodeField(label="Postcode", error_messages={"required": "Enter the postcode where it happens"})
    price_unit = forms.ChoiceField(
        label="How is it charged?",
        choices=PriceUnit.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how it is charged, or 'Free'",
            "invalid_choice": "Select how it is charged",
        },
    )
    price = forms.CharField(
        label="Price in pounds",
        help_text="For example, 12.50. Leave blank if it is free",
        required=False,
        max_length=12,
    )
    booking_mode = forms.ChoiceField(
        label="How is it booked?",
        choices=BookingMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how it is booked", "invalid_choice": "Select how it is booked"},
    )

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = localities
        self.fields["locality"].label_from_instance = lambda loc: f"{loc.name} ({loc.partnership.name})"
        self.helper = gds_helper(
            Fieldset(
                Field.text("title", field_width=30),
                Field.text("summary"),
                Field.textarea("description", rows=5, max_characters=4000),
                Field.select("kind"),
                legend="What it is",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.radios("break_for", legend_size=Size.SMALL),
                Field.radios("setting", legend_size=Size.SMALL),
                Field.text("min_age", field_width=3),
                Field.text("max_age", field_width=3),
                Field.text("sleeps", field_width=3),
                Field.checkboxes("needs_levels", legend_size=Size.SMALL),
                Field.checkboxes("features", legend_size=Size.SMALL),
                legend="Who it is for",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.select("locality"),
                Field.text("postcode", field_width=10),
                legend="Where",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.radios("price_unit", legend_size=Size.SMALL),
                Field.text("price", field_width=5),
                Field.radios("booking_mode", legend_size=Size.SMALL),
                legend="Price and booking",
                legend_size=Size.MEDIUM,
            ),
        )

    @staticmethod
    def initial_for(offer) -> dict:
        pounds = Decimal(offer.price_pence) / 100
        return {
            "title": offer.title,
            "summary": offer.summary,
            "description": offer.description,
            "kind": offer.kind,
            "break_for": offer.break_for,
            "setting": offer.setting,
            "min_age": offer.min_age,
            "max_age": offer.max_age,
            "sleeps": offer.sleeps,
            "needs_levels": offer.needs_levels,
            "features": list(offer.features.all()),
            "locality": offer.locality_id,
            "postcode": offer.postcode,
            "price_unit": offer.price_unit,
            "price": f"{pounds:.2f}" if offer.price_pence else "",
            "booking_mode": offer.booking_mode,
        }

    def clean_price(self):
        raw = (self.cleaned_data.get("price") or "").strip().replace("£", "").replace(",", "")
        if not raw:
            return None
        try:
            pounds = Decimal(raw)
        except InvalidOperation:
            raise ValidationError("Enter the price in pounds, like 12.50") from None
        if not pounds.is_finite() or pounds <= 0:
            raise ValidationError("Enter a price more than £0, or choose 'Free'")
        if pounds.as_tuple().exponent < -2:
            raise ValidationError("Enter the price in pounds and pence, like 12.50")
        if pounds > Decimal("100000"):
            raise ValidationError("Enter a price of £100,000 or less")
        return int(pounds * 100)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_age"), cleaned.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", "The oldest age must be the same as or more than the youngest age")
        unit = cleaned.get("price_unit")
        if unit and unit != PriceUnit.FREE and "price" in cleaned and not cleaned.get("price"):
            self.add_error("price", "Enter the price, or choose 'Free'")
        return cleaned

    def service_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {
            name: cleaned[name]
            for name in (
                "title",
                "summary",
                "description",
                "kind",
                "break_for",
                "setting",
                "min_age",
                "max_age",
                "sleeps",
                "locality",
                "postcode",
                "price_unit",
                "booking_mode",
            )
        }
        data["price_pence"] = 0 if cleaned["price_unit"] == PriceUnit.FREE else cleaned["price"]
        for level, field in NEEDS_FIELDS.items():
            data[field] = level in cleaned["needs_levels"]
        return data


# ---------------------------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------------------------


class SessionForm(forms.Form):
    title = "Add a session"
    date = AnyDateField(subject="the date", label="Date", help_text="For example, 14 3 2027")
    starts_at = TimeField(subject="the start time", label="Start time")
    ends_at = TimeField(subject="the end time", label="End time")
    ends_next_day = forms.BooleanField(label="It ends the next day (an overnight session)", required=False)
    places = PlacesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            _date_field("date"),
            Field.text("starts_at", field_width=5),
            Field.text("ends_at", field_width=5),
            Field.checkbox("ends_next_day"),
            Field.text("places", field_width=3),
        )


class ScheduleForm(forms.Form):
    title = "Add a repeating session"
    weekday = forms.ChoiceField(
        label="Day of the week",
        choices=[("", "Choose a day"), *WEEKDAYS],
        error_messages={"required": "Select the day of the week", "invalid_choice": "Select the day of the week"},
    )
    starts_at = TimeField(subject="the start time", label="Start time")
    ends_at = TimeField(subject="the end time", label="End time")
    ends_next_day = forms.BooleanField(label="It ends the next day (an overnight session)", required=False)
    places = PlacesField()
    first_date = AnyDateField(subject="the first date", label="First date", help_text="For example, 6 1 2027")
    last_date = AnyDateField(
        subject="the last date", label="Last date", help_text="At most a year after the first date"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.select("weekday"),
            Field.text("starts_at", field_width=5),
            Field.text("ends_at", field_width=5),
            Field.checkbox("ends_next_day"),
            Field.text("places", field_width=3),
            _date_field("first_date"),
            _date_field("last_date"),
        )

    def clean_weekday(self):
        return int(self.cleaned_data["weekday"])


class SessionPlacesForm(forms.Form):
    title = "Change the number of places"
    places = PlacesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.text("places", field_width=3))


class NightsForm(forms.Form):
    title = "Open nights"
    first_date = AnyDateField(subject="the first night", label="First night", help_text="For example, 6 1 2027")
    last_date = AnyDateField(subject="the last night", label="Last night")
    places = PlacesField(label="Places each night")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            _date_field("first_date"), _date_field("last_date"), Field.text("places", field_width=3)
        )


class ScheduleEndForm(forms.Form):
    title = "End this repeating session"
    last_date = AnyDateField(
        subject="the new last date",
        label="New last date",
        help_text="Today or later. Sessions after this date are cancelled. For example, 6 1 2027",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(_date_field("last_date"))


class SchedulePlacesForm(forms.Form):
    title = "Change places for every coming session"
    places = PlacesField(label="Places in each session")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.text("places", field_width=3))


class NightsCloseForm(forms.Form):
    title = "Close nights"
    first_date = AnyDateField(subject="the first night", label="First night", help_text="For example, 6 1 2027")
    last_date = AnyDateField(subject="the last night", label="Last night")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(_date_field("first_date"), _date_field("last_date"))


# ---------------------------------------------------------------------------------------------
# Compliance
# ---------------------------------------------------------------------------------------------


def validate_upload(upload) -> None:
    """A PDF, JPEG or PNG of at most 5 MB that really is what its name says."""
    name = (upload.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in UPLOAD_SIGNATURES:
        raise ValidationError("The file must be a PDF, JPG or PNG")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError("The file must be smaller than 5 MB")
    if upload.size == 0:
        raise ValidationError("The file is empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in UPLOAD_SIGNATURES[extension]):
        raise ValidationError("The file must be a PDF, JPG or PNG: this one is not")


class ComplianceForm(forms.Form):
    title = "Add a compliance document"
    kind = forms.ChoiceField(
        label="What is it?",
        choices=ComplianceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the document is", "invalid_choice": "Select what the document is"},
    )
    reference = forms.CharField(
        label="Reference or certificate number",
        max_length=100,
        error_messages={
            "required": "Enter the reference or certificate number",
            "max_length": "The reference must be 100 characters or fewer",
        },
    )
    holder = NameField(
        label="Who it covers (optional)",
        help_text="For example, a member of staff's name, or 'all staff and volunteers'",
        max_length=200,
        required=False,
        error_messages={"max_length": "Who it covers must be 200 characters or fewer"},
    )
    issued_on = AnyDateField(subject="the date it was issued", label="Date issued", help_text="For example, 27 3 2026")
    expires_on = AnyDateField(subject="the expiry date", label="Expiry date", help_text="For example, 27 3 2027")
    file = forms.FileField(
        label="Upload a copy (optional)",
        help_text="A PDF, JPG or PNG, smaller than 5 MB",
        required=False,
        error_messages={"invalid": "The file could not be read: try again", "empty": "The file is empty"},
    )

    def __init__(self, *args, replacing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if replacing is not None:
            del self.fields["kind"]
        fields = [] if replacing is not None else [Field.radios("kind", legend_size=Size.SMALL)]
        self.helper = gds_helper(
            *fields,
            Field.text("reference", field_width=20),
            Field.text("holder", field_width=30),
            _date_field("issued_on"),
            _date_field("expires_on"),
            Field("file"),
        )

    def clean_issued_on(self):
        issued = self.cleaned_data.get("issued_on")
        if issued and issued > datetime.date.today() + datetime.timedelta(days=366):
            raise ValidationError("The date issued must be within the next year")
        return issued

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and expires and expires <= issued:
            self.add_error("expires_on", "The expiry date must be after the date it was issued")
        return cleaned


# ---------------------------------------------------------------------------------------------
# Bookings: confirm or decline a request; attendance
# ---------------------------------------------------------------------------------------------


class BookingDecisionForm(forms.Form):
    title = "Confirm or decline this request"
    CONFIRM, DECLINE = "confirm", "decline"
    decision = forms.ChoiceField(
        label="Can you take this booking?",
        choices=[(CONFIRM, "Confirm"), (DECLINE, "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select confirm or decline"},
    )
    reason = forms.CharField(
        label="If you decline, why?",
        help_text="The carer is told this, so say what they could do instead if you can",
        max_length=1000,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": "The reason must be 1000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.radios("decision", legend_size=Size.MEDIUM, inline=True),
            Field.textarea("reason", rows=4, max_characters=1000),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.DECLINE and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why you are declining, so the carer knows")
        return cleaned


ATTENDED, NO_SHOW = "attended", "no_show"
ATTENDANCE_CHOICES = [(ATTENDED, "Attended"), (NO_SHOW, "Did not attend")]


def attendance_rows(bookings, data=None) -> list[dict]:
    """One row per booking for the attendance page: {booking, field, value, error}.

    `field` is the radio group's name. Without `data` the value is what is recorded already; with it, what
    was sent (so nothing chosen is lost when another row has a problem). A row with no choice has an error.
    """
    rows = []
    for booking in bookings:
        field = f"attendance-{booking.pk}"
        recorded = {"attended": ATTENDED, "no_show": NO_SHOW}.get(booking.state, "")
        value = recorded if data is None else data.get(field, "")
        error = ""
        if data is not None and value not in (ATTENDED, NO_SHOW):
            value, error = "", "Select attended or did not attend"
        rows.append({"booking": booking, "field": field, "value": value, "error": error, "recorded": recorded})
    return rows
