from django.urls import reverse

from breakthrough.models import Role

# (label, URL name[, section]): the item is current on every page under its section, which is its own URL
# unless given (About you links to its check page, but its question pages are under /carer/about-you/).
_NAV = {
    Role.CARER: [
        ("Home", "brokerage:carer_home"),
        ("About you", "brokerage:about_you_check", "/carer/about-you/"),
        ("People you care for", "brokerage:people_list"),
        ("Your breaks", "brokerage:bookings:breaks"),
        ("Your plan", "brokerage:plans:carer_versions"),
        ("Help from the hub", "brokerage:referrals:your_referrals"),
        ("Your budget", "ras:carer_budget"),
    ],
    Role.BROKER: [("Referrals", "brokerage:referrals:queue"), ("Caseload", "brokerage:caseload")],
    Role.ASSESSOR: [
        ("Caseload", "brokerage:caseload"),
        ("Assessments", "ras:assessment_list", "/hub/assessments/"),
        ("Resource panel", "ras:panel"),
        ("Price scales", "ras:scale_list", "/hub/scales/"),
    ],
    Role.PROVIDER: [
        ("Home", "brokerage:provider_home"),
        ("Offers", "brokerage:providers:offer_list", "/provider/offers/"),
        ("Bookings", "brokerage:providers:booking_list"),
        ("Compliance", "brokerage:providers:compliance_list"),
        ("Details", "brokerage:providers:profile"),
    ],
    Role.VOLUNTEER: [("Home", "brokerage:volunteer_home")],
    Role.COMMISSIONER: [("Partnership overview", "commissioning:home")],
    Role.NATIONAL: [("National figures", "commissioning:national")],
    Role.ADMIN: [
        ("Platform", "platform_home"),
        ("Invite staff", "invitation_create"),
        ("Caseload", "brokerage:caseload"),
    ],
}

# Support plans: the hub's list of plans waiting for approval or review.
for _role in (Role.BROKER, Role.ASSESSOR):
    _NAV[_role].append(("Plans", "brokerage:plans:hub_list"))

# Items for everyone, signed in or not, after the role's own.
_EVERYONE = [("Find a break", "brokerage:directory:search")]


def navigation(request):
    """Role-aware navigation, and whether to offer the "Exit this page" button (carers and the public)."""
    user = getattr(request, "user", None)
    items = []
    signed_in = user is not None and user.is_authenticated
    for label, name, *section in (_NAV.get(user.role, []) if signed_in else []) + _EVERYONE:
        url = reverse(name)
        items.append({"label": label, "url": url, "section": section[0] if section else url, "active": False})
    # One current item: the one whose section (its URL, unless a wider one is given) is the longest match.
    matches = [item for item in items if item["section"] != "/" and request.path.startswith(item["section"])]
    if matches:
        max(matches, key=lambda item: len(item["section"]))["active"] = True
    return {
        "nav_items": items,
        "show_exit_this_page": user is None or not user.is_authenticated or user.role == Role.CARER,
    }
