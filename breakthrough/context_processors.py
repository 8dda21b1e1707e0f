from django.urls import reverse

from breakthrough.models import Role

# (label, URL name[, section]): the item is current on every page under its section, which is its own URL
# unless given (About you links to its check page, but its question pages are under /carer/about-you/).
# Each role's menu holds the few places it works in every day (six at most, so that it fits one line at
# 1280px); everything else is linked from those pages: a carer's details, people, referral and budget from
# their home page; grants and direct payments from "Your money"; price scales from "Assessments"; finance
# exports from "Funds"; a provider's details from their home page.
_NAV = {
    Role.CARER: [
        ("Home", "brokerage:carer_home"),
        ("Your breaks", "brokerage:bookings:breaks"),
        ("Your plan", "brokerage:plans:carer_versions"),
        ("Your money", "brokerage:funds_carer:money", "/carer/money/"),
    ],
    Role.BROKER: [
        ("Referrals", "brokerage:referrals:queue"),
        ("Caseload", "brokerage:caseload"),
        ("Plans", "brokerage:plans:hub_list"),
        ("Funds", "brokerage:funds:fund_list"),
        ("Grants", "brokerage:grants:panel", "/hub/grants/"),
    ],
    Role.ASSESSOR: [
        ("Referrals", "brokerage:referrals:queue"),
        ("Caseload", "brokerage:caseload"),
        ("Assessments", "ras:assessment_list", "/hub/assessments/"),
        ("Resource panel", "ras:panel"),
        ("Plans", "brokerage:plans:hub_list"),
    ],
    Role.PROVIDER: [
        ("Home", "brokerage:provider_home"),
        ("Offers", "brokerage:providers:offer_list", "/provider/offers/"),
        ("Bookings", "brokerage:providers:booking_list"),
        ("Invoices", "brokerage:funds:provider_invoices"),
        ("Compliance", "brokerage:providers:compliance_list"),
    ],
    Role.VOLUNTEER: [("Home", "brokerage:volunteer_home")],
    Role.COMMISSIONER: [
        ("Partnership dashboard", "commissioning:home"),
        ("Local audits", "audits:list"),
        ("Outcomes", "commissioning:outcomes"),
        ("Transformation plans", "commissioning:plans:list"),
        ("Carer partners", "commissioning:partners"),
        ("Services statement", "commissioning:statement_manage"),
    ],
    Role.NATIONAL: [("National figures", "commissioning:national"), ("Outcomes", "commissioning:national_outcomes")],
    Role.ADMIN: [
        ("Platform", "platform_home"),
        ("Invite staff", "invitation_create"),
        ("Caseload", "brokerage:caseload"),
        ("Finance exports", "brokerage:funds_carer:finance_exports"),
    ],
}

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
