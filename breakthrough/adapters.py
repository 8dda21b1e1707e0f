"""django-allauth adapter: every self-registration is a carer, and e-mail goes out through Celery."""

from allauth.account.adapter import DefaultAccountAdapter

from breakthrough.models import Role
from breakthrough.tasks import send_email


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.CARER
        if commit:
            user.save()
            from brokerage.services import carer_register

            carer_register(user=user)
        return user

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        send_email.delay_on_commit(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            html=next((content for content, mime in getattr(message, "alternatives", []) if mime == "text/html"), None),
        )
