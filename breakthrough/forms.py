"""Form pieces every app shares: GOV.UK form helpers and field types with plain-language messages."""

import datetime

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

from breakthrough.models import Organisation, Role, User
from breakthrough.postcodes import normalise_postcode
from breakthrough.validators import refuse_bidi_controls

# The error border of each kind of control, as the Design System names it.
ERROR_CLASSES = {forms.Select: "govuk-select--error", forms.Textarea: "govuk-textarea--error"}
NO_ERROR_BORDER = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.HiddenInput)


class GovukBoundField(BoundField):
    """A field with an error gets the Design System's red border whatever its widget: crispy-forms-gds marks only
    text inputs, selects and textareas, so an e-mail or password input with an error kept its black border."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if not self.form.is_bound or not self.errors or isinstance(widget, (*NO_ERROR_BORDER, forms.MultiWidget)):
            return attrs
        error_class = next((css for kind, css in ERROR_CLASSES.items() if isinstance(widget, kind)), None)
        if error_class is None and isinstance(widget, forms.widgets.Input) and not isinstance(widget, forms.FileInput):
            error_class = "govuk-input--error"
        classes = (attrs.get("class") or widget.attrs.get("class", "")).split()
        if error_class and error_class not in classes:
            attrs["class"] = " ".join([*classes, error_class])
        return attrs


class GovukFormRenderer(DjangoTemplates):
    """Django's template renderer, with every form's fields bound as GovukBoundField (settings.FORM_RENDERER)."""

    bound_field_class = GovukBoundField


class PeriodInOrderMixin:
    """For a form with `period_start` and `period_end` fields: the last day may not come before the first."""

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The last day must be the same as or after the first day")
        return data


class PostcodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault(
            "error_messages", {"required": "Enter your postcode", "max_length": "Enter a real postcode, like EH1 1YZ"}
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalise_postcode(value) if value else value


def _keypad(widget, inputmode: str) -> dict:
    """The attributes a number's text input gets, unless the widget was given its own."""
    wanted = {"inputmode": inputmode, "spellcheck": "false"}
    return {name: value for name, value in wanted.items() if name not in widget.attrs}


class WholeNumberField(forms.IntegerField):
    """A whole number in a GOV.UK text input with a numeric keypad, as GOV.UK asks for numbers.

    Not `<input type="number">` (Django's default): browsers round it, change it on a scroll, answer "1e3" and
    "about 40" with their own messages instead of ours, and crispy-forms-gds gives it no `govuk-input` class,
    so it had no GOV.UK border or focus state. Every number field in the project uses this or
    DecimalNumberField (tests/breakthrough/test_form_markup.py checks).
    """

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), **_keypad(widget, "numeric")}


class DecimalNumberField(forms.DecimalField):
    """A number that may have a decimal point, in a GOV.UK text input (see WholeNumberField).

    `inputmode="decimal"`, not "numeric": the numeric keypad of some phones has no decimal point.
    """

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), **_keypad(widget, "decimal")}


class NameField(forms.CharField):
    """A person's, an organisation's or an offer's name: refuses the hidden characters that reorder text."""

    default_validators = [refuse_bidi_controls]


# Every date a person types is in these years: enough for a date of birth, a plan or a certificate's expiry, and
# far enough inside what Python and PostgreSQL can hold that a day or a fortnight either side never overflows.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
EXAMPLE = "27 3 2027"
_PARTS = ("day", "month", "year")


def date_in_range(value: datetime.date) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


class DayMonthYearField(DateInputField):
    """The GOV.UK date input (day, month and year boxes) every form in the project uses.

    Whatever is typed gets a message by the field, never an error page: a missing part, letters, a NUL, a year
    that is not 4 numbers, an impossible date (31 2 2025) or a year outside EARLIEST_YEAR..LATEST_YEAR (so
    99999999999999999999 is a message, not an OverflowError). Digits from any script (Arabic-Indic, full-width)
    count as the numbers they are; spaces around a part are ignored. `subject` names the date in the messages:
    "Enter the date of birth as a day, month and year, like 27 3 2027".
    """

    earliest_year = EARLIEST_YEAR
    latest_year = LATEST_YEAR

    def __init__(self, *, subject: str = "the date", **kwargs):
        self.subject = subject
        super().__init__(**kwargs)
        for part in self.fields:
            # The parts are checked together in compress(), with messages that name the date: not by
            # crispy-forms-gds' generic "Enter a valid date" pattern, nor Django's NUL check on each box.
            part.validators = []
        for widget in self.widget.widgets:  # a number keypad on phones, as the GOV.UK date input does
            widget.attrs["inputmode"] = "numeric"
        self.error_messages.update({"required": f"Enter {subject}", "incomplete": self.message("incomplete")})

    def message(self, code: str) -> str:
        subject = self.subject[0].upper() + self.subject[1:]
        return {
            "incomplete": f"Enter {self.subject} as a day, month and year, like {EXAMPLE}",
            "invalid": f"{subject} must be a real date, like {EXAMPLE}",
            "year_digits": f"{subject} must have a year with 4 numbers, like 2027",
            "out_of_range": f"{subject} must be in a year from {self.earliest_year} to {self.latest_year}",
        }[code]

    def compress(self, data_list):
        day, month, year = ([str(part or "").strip() for part in data_list] + ["", "", ""])[:3]
        if not (day or month or year):
            # Boxes holding only spaces are empty too (Django's own required check counts a space as an answer).
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if not (day and month and year):
            raise ValidationError(self.message("incomplete"), code="incomplete")
        if not all(part.isdecimal() for part in (day, month, year)) or len(day) > 2 or len(month) > 2:
            raise ValidationError(self.message("invalid"), code="invalid")
        if len(year) != 4:
            raise ValidationError(self.message("year_digits"), code="year_digits")
        try:
            value = datetime.date(day=int(day), month=int(month), year=int(year))
        except ValueError:
            raise ValidationError(self.message("invalid"), code="invalid") from None
        return self.check(value)

    def check(self, value: datetime.date) -> datetime.date:
        """The field's own rule on a real date; here, that it lies in the years a person may type."""
        if not self.earliest_year <= value.year <= self.latest_year:
            raise ValidationError(self.message("out_of_range"), code="out_of_range")
        return value


class PastDateField(DayMonthYearField):
    """A date that has happened: a date of birth, the date of a contact. Refuses future dates and years
    before 1900."""

    def check(self, value):
        subject = self.subject[0].upper() + self.subject[1:]
        if value > datetime.date.today():
            raise ValidationError(f"{subject} must be in the past", code="future")
        if value.year < self.earliest_year:
            raise ValidationError(f"{subject} must be after {self.earliest_year}", code="too_old")
        return value


def iso_date_or_none(value: str | None) -> datetime.date | None:
    """A date written YYYY-MM-DD in a link's query (?from=2027-03-27), or None when it is anything else:
    malformed, impossible, or outside the years a form would take."""
    try:
        parsed = datetime.date.fromisoformat(value or "")
    except ValueError:
        return None
    return parsed if date_in_range(parsed) else None


def month_or_none(value: str | None) -> datetime.date | None:
    """The first day of a month written YYYY-MM in a link's query (?month=2027-03), or None."""
    year, _, month = (value or "").partition("-")
    if not (len(year) == 4 and year.isascii() and year.isdigit() and 1 <= len(month) <= 2 and month.isascii()):
        return None
    if not month.isdigit() or not 1 <= int(month) <= 12:
        return None
    first = datetime.date(int(year), int(month), 1)
    return first if date_in_range(first) else None


def apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's validation error on the form, beside the field it names where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def gds_helper(*fields) -> FormHelper:
    """A crispy helper that renders GOV.UK markup for the given layout; the page supplies <form> and button."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if fields:
        helper.layout = Layout(*fields)
    return helper


class InvitationForm(forms.Form):
    title = "Invite a member of staff"
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the right format, like name@example.org",
        },
    )
    role = forms.ChoiceField(label="Role", error_messages={"required": "Select their role"})
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        empty_label="Choose an organisation",
        error_messages={
            "required": "Select the organisation they work for",
            "invalid_choice": "Select the organisation they work for",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Choose a role")] + [c for c in Role.choices if c[0] != Role.CARER]
        self.fields["organisation"].queryset = Organisation.objects.select_related("partnership")
        self.helper = gds_helper(
            Field.text("email", field_width=30, autocomplete="off", spellcheck="false"),
            Field.select("role"),
            Field.select("organisation"),
        )


class AcceptInvitationForm(forms.Form):
    title = "Set up your account"
    first_name = NameField(label="First name", max_length=150, error_messages={"required": "Enter your first name"})
    last_name = NameField(label="Last name", max_length=150, error_messages={"required": "Enter your last name"})
    password1 = forms.CharField(
        label="Create a password",
        help_text="At least 10 characters. Avoid common words and anything about you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        error_messages={"required": "Create a password"},
    )
    password2 = forms.CharField(
        label="Confirm your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        error_messages={"required": "Enter your password again"},
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.helper = gds_helper(
            Field.text("first_name", field_width=20, autocomplete="given-name"),
            Field.text("last_name", field_width=20, autocomplete="family-name"),
            Field("password1"),
            Field("password2"),
        )

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The passwords do not match")
        elif one:
            probe = User(
                email=self.email, first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", "")
            )
            try:
                password_validation.validate_password(one, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def posted(request):
    """A form's data: the POST on a POST, else None (unbound). Not `request.POST or None`: a form sent with
    nothing filled in (say, no radio chosen) must be checked and show its errors, not come back blank."""
    return request.POST if request.method == "POST" else None


def posted_files(request):
    return request.FILES if request.method == "POST" else None


class PartnerAgreeForm(forms.Form):
    """The carer's yes to the wording on the page; `digest` says which wording the page showed."""

    title = "Agree to be a carer partner"
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper()


class PartnerEndForm(forms.Form):
    """A confirmation with nothing to fill in: ending or withdrawing from a carer partnership."""

    title = "Stop being a carer partner"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper()
