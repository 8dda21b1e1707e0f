from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

# Pages a member of staff may use before setting up an authenticator app: signing in and out,
# the set-up pages themselves, accepting an invitation, the public pages and static files.
_OPEN_PREFIXES = ("/accounts/", "/invitations/", "/static/", "/healthz", "/accessibility/", "/privacy/")


class StaffMustUseTwoFactorMiddleware:
    """Staff reach no page with personal data until they have an authenticator app (TOTP) set up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff_role
            and not request.path.startswith(_OPEN_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
