"""allauth's forms with messages that say what to do, as the GOV.UK Design System asks ("Enter your password")."""

from allauth.account import forms

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"

MESSAGES = {
    "login": {"required": "Enter your email address", "invalid": EMAIL_FORMAT},
    "email": {"required": "Enter your email address", "invalid": EMAIL_FORMAT},
    "password": {"required": "Enter your password"},
    "oldpassword": {"required": "Enter your current password"},
    "password1": {"required": "Create a password"},
    "password2": {"required": "Enter the password again"},
}


class PlainMessages:
    """Replace Django's "This field is required." on the fields above."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, messages in MESSAGES.items():
            if name in self.fields:
                self.fields[name].error_messages.update(messages)


class LoginForm(PlainMessages, forms.LoginForm):
    pass


class SignupForm(PlainMessages, forms.SignupForm):
    pass


class ResetPasswordForm(PlainMessages, forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(PlainMessages, forms.ResetPasswordKeyForm):
    pass


class ChangePasswordForm(PlainMessages, forms.ChangePasswordForm):
    pass


class SetPasswordForm(PlainMessages, forms.SetPasswordForm):
    pass


class AddEmailForm(PlainMessages, forms.AddEmailForm):
    pass


class ReauthenticateForm(PlainMessages, forms.ReauthenticateForm):
    pass
