"""django-allauth adapter: every self-registration is a carer, and e-mail goes out through Celery.

Every account e-mail names the service and links to SITE_URL. The project does not use django.contrib.sites,
so allauth's templates would read an empty `current_site`: the adapter gives them the service's name and address,
and builds every link in an e-mail on SITE_URL rather than on whatever host the request came in on.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.urls import reverse

from breakthrough.models import Role
from breakthrough.tasks import send_email


@dataclass(frozen=True)
class ServiceSite:
    """What allauth's templates read as `current_site`: the service's name and the host of SITE_URL."""

    name: str
    domain: str


def service_site() -> ServiceSite:
    return ServiceSite(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def site_link(path: str) -> str:
    """An absolute link on SITE_URL to a path of this site."""
    return settings.SITE_URL.rstrip("/") + path


def _on_site(value):
    """An absolute link to this site, moved onto SITE_URL; anything else as it was."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return value
    request = allauth_context.request
    here = request.build_absolute_uri("/").rstrip("/") if request is not None else None
    if here and value.startswith(here + "/"):
        return site_link(value[len(here) :])
    return value


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.CARER
        if commit:
            user.save()
            from brokerage.services import carer_register

            carer_register(user=user)
        return user

    def get_email_confirmation_url(self, request, emailconfirmation):
        return site_link(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_link(path.replace("UID-KEY", quote(key)))

    def mail_context(self, email: str, context: dict) -> dict:
        """The context every account e-mail is rendered with: the service's name and address, and its links."""
        ctx = {
            "request": allauth_context.request,
            "email": email,
            "current_site": service_site(),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
            "reset_password_url": site_link(reverse("account_reset_password")),
        }
        ctx.update({key: _on_site(value) for key, value in context.items()})
        return ctx

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, self.mail_context(email, context))
        send_email.delay_on_commit(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            html=next((content for content, mime in getattr(message, "alternatives", []) if mime == "text/html"), None),
        )
