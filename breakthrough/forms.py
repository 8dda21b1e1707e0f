"""Form pieces every app shares: GOV.UK form helpers and field types with plain-language messages."""

from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from breakthrough.models import Organisation, Role, User
from breakthrough.postcodes import normalise_postcode


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


class PastDateField(DateInputField):
    """A GOV.UK date input whose errors say what to do, and which refuses impossible or future dates."""

    def __init__(self, *, subject: str, **kwargs):
        self.subject = subject
        super().__init__(**kwargs)
        for widget in self.widget.widgets:  # a number keypad on phones, as the GOV.UK date input does
            widget.attrs["inputmode"] = "numeric"
        message = f"Enter {subject}"
        self.error_messages.update({"required": message, "incomplete": f"{message} (day, month and year)"})

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            value = date(day=int(day), month=int(month), year=int(year))
        except ValueError:
            raise ValidationError(f"{self.subject.capitalize()} must be a real date", code="invalid") from None
        if value > date.today():
            raise ValidationError(f"{self.subject.capitalize()} must be in the past", code="future")
        if value.year < 1900:
            raise ValidationError(f"{self.subject.capitalize()} must be after 1900", code="too_old")
        return value


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
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter your first name"}
    )
    last_name = forms.CharField(label="Last name", max_length=150, error_messages={"required": "Enter your last name"})
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
