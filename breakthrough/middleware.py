from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

# Pages a member of staff may use before setting up an authenticator app: signing in and out,
# the set-up pages themselves, accepting an invitation, the public pages and static files.
_OPEN_PREFIXES = (
    "/accounts/",
    "/invitations/",
    "/static/",
    "/healthz",
    "/accessibility/",
    "/privacy/",
    "/openreferral/",  # the public Open Referral feed: the directory, nothing personal
)


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


# Pages that read the same for everyone who is not signed in, and hold nothing about anyone: a browser or a
# shared cache may keep them. By URL name, so a new page is private until someone decides otherwise.
PUBLIC_PAGES = frozenset(
    {
        "home",
        "accessibility",
        "privacy",
        "healthz",
        "brokerage:directory:search",
        "brokerage:directory:offer",
        "brokerage:directory:calendar",
        # The Open Referral feed (commissioning/openreferral): the directory as JSON, the same for everyone.
        "openreferral:index",
        "openreferral:openapi",
        "openreferral:services",
        "openreferral:service",
        "openreferral:service_at_locations",
        "openreferral:service_at_location",
        "openreferral:taxonomies",
        "openreferral:taxonomy",
        "openreferral:taxonomy_terms",
        "openreferral:taxonomy_term",
        # The Short Breaks Services Statement: published versions only (a draft is never public).
        "commissioning:statements",
        "commissioning:statement",
        "commissioning:statement_versions",
        "commissioning:statement_version",
        "commissioning:statement_pdf",
    }
)
NO_STORE = "private, no-store"


def may_be_stored(request, response) -> bool:
    """The rule for Cache-Control, in one place.

    Nothing sent to someone signed in is kept: on a shared computer the back button would show it after they
    sign out. Nor is any page that is not public (sign-in, password reset, an invitation, an error), nor a response
    that sets a cookie. A public page for someone not signed in keeps its defaults. A private response the view
    marked `private` itself for someone not signed in (the calendar feed at its secret address, which calendar
    apps poll) keeps the view's rule: no browser history to protect, and it never reaches a shared cache.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if response.cookies:
        return False
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in PUBLIC_PAGES:
        return True
    own = response.get("Cache-Control", "")
    return "private" in own and "no-store" not in own and "public" not in own


class PrivatePagesAreNotStoredMiddleware:
    """Sends `Cache-Control: private, no-store` on every response that must not be kept (see may_be_stored).

    Sits just inside WhiteNoise, so static files keep their long cache life, and outside everything else, so a
    redirect or an error from another middleware gets the header too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not may_be_stored(request, response):
            response["Cache-Control"] = NO_STORE
        return response
