"""Pages for the carer's household (the carer's task list) and the staff caseload.

Views are small: fetch through a selector (which goes through the access choke point), validate a
form, call a service, redirect. Nothing here reads a personal record by primary key on its own.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from breakthrough import partners
from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Role
from breakthrough.pagination import MOST_RESULTS, CappedPaginator
from breakthrough.selectors import organisation_of_user
from brokerage import forms, selectors, services
from brokerage.feedback import selectors as feedback_selectors
from brokerage.models import Consent
from brokerage.plans import selectors as plan_selectors
from brokerage.providers import selectors as provider_selectors
from brokerage.referrals import selectors as referral_selectors
from brokerage.referrals import wording as referral_wording
from brokerage.tasklist import ABOUT_YOU_STEPS, COMPLETED, PERSON_STEPS, about_you_rows, person_rows, task_list
from ras import selectors as ras_selectors

CASEWORK = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)


def _step_urls(steps, step, url_name, return_to, **kwargs):
    """Where Continue and Back go from `step` in a run of question pages."""
    names = [name for name, _ in steps]
    index = names.index(step)
    if return_to:
        return return_to, return_to
    back = reverse(url_name, kwargs={**kwargs, "step": names[index - 1]}) if index else None
    following = reverse(url_name, kwargs={**kwargs, "step": names[index + 1]}) if index + 1 < len(names) else None
    return following, back


# ----------------------------------------------------------------------------------------------
# The carer's own pages
# ----------------------------------------------------------------------------------------------


@role_required(Role.CARER)
def carer_home(request):
    from brokerage.bookings import selectors as booking_selectors

    carer = selectors.carer_of_user(user=request.user)
    people = selectors.household_people(carer=carer, fetched_by=request.user)
    referral = referral_selectors.carer_latest_referral(carer=carer, fetched_by=request.user)
    tasks = task_list(carer, people)
    return render(
        request,
        "brokerage/carer_home.html",
        {
            "carer": carer,
            "people": people,
            "tasks": tasks,
            "tasks_to_do": any(task["status"] != COMPLETED for task in tasks),
            "exists": selectors.carer_support_exists(carer=carer, fetched_by=request.user),
            "breaks": booking_selectors.carer_summary(carer=carer, fetched_by=request.user),
            "feedback_tasks": feedback_selectors.carer_feedback_tasks(carer=carer, fetched_by=request.user),
            "partner_invitations": partners.carer_invitations(fetched_by=request.user),
            "partner_of": partners.carer_partnerships(fetched_by=request.user),
            "partner_readings": partners.partner_readings(fetched_by=request.user),
            "referral": referral,
            "referral_words": referral_wording.for_carer(referral) if referral else None,
        },
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def about_you_step(request, step):
    steps = dict(ABOUT_YOU_STEPS)
    if step not in steps:
        raise Http404("No such question.")
    carer = selectors.carer_of_user(user=request.user)
    check_url = reverse("brokerage:about_you_check")
    next_url, back_url = _step_urls(
        ABOUT_YOU_STEPS, step, "brokerage:about_you_step", check_url if request.GET.get("return") == "check" else None
    )
    form_class = steps[step]
    initial = None
    if form_class is forms.ConsentForm:
        initial = {kind: c.given for kind, c in services.consent_current(carer=carer).items()}
    form = form_class(posted(request), instance=carer, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if form_class is forms.ConsentForm:
                services.carer_record_consents(
                    carer=carer,
                    choices={
                        Consent.Kind.KEEP_DETAILS: form.cleaned_data["keep_details"],
                        Consent.Kind.CONTACT: form.cleaned_data["contact"],
                    },
                    by=request.user,
                )
            else:
                services.carer_update(carer=carer, data=form.cleaned_data, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(next_url or check_url)
    return render(
        request,
        "brokerage/question.html",
        {
            "form": form,
            "title": form.title,
            "back_url": back_url or reverse("brokerage:carer_home"),
            "section": "About you",
        },
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def about_you_check(request):
    carer = selectors.carer_of_user(user=request.user)
    missing = services.about_you_missing(carer=carer)
    if request.method == "POST":
        try:
            services.carer_complete_about_you(carer=carer, by=request.user)
        except ValidationError:
            pass  # the page below lists what is missing
        else:
            messages.success(request, "Your details are saved.")
            return redirect("brokerage:carer_home")
    rows = about_you_rows(carer, services.consent_current(carer=carer))
    return render(
        request,
        "brokerage/about_you_check.html",
        {"carer": carer, "rows": rows, "missing": missing, "error": request.method == "POST" and bool(missing)},
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def people_list(request):
    carer = selectors.carer_of_user(user=request.user)
    people = selectors.household_people(carer=carer, fetched_by=request.user)
    error = None
    if request.method == "POST":
        try:
            services.carer_complete_people(carer=carer, by=request.user)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, "The people you care for are saved.")
            return redirect("brokerage:carer_home")
    return render(request, "brokerage/people_list.html", {"carer": carer, "people": people, "error": error})


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def person_add(request):
    carer = selectors.carer_of_user(user=request.user)
    form = forms.PersonNameForm(posted(request))
    if request.method == "POST" and form.is_valid():
        person = services.cared_for_create(carer=carer, by=request.user, **form.cleaned_data)
        return redirect("brokerage:person_step", pk=person.pk, step=PERSON_STEPS[1][0])
    return render(
        request,
        "brokerage/question.html",
        {
            "form": form,
            "title": form.title,
            "back_url": reverse("brokerage:people_list"),
            "section": "People you care for",
        },
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def person_step(request, pk, step):
    steps = dict(PERSON_STEPS)
    if step not in steps:
        raise Http404("No such question.")
    carer = selectors.carer_of_user(user=request.user)
    person = selectors.cared_for_get(fetched_by=request.user, pk=pk, carer=carer)
    relationship = selectors.relationship_get(carer=carer, person=person)
    check_url = reverse("brokerage:person_check", kwargs={"pk": person.pk})
    next_url, back_url = _step_urls(
        PERSON_STEPS,
        step,
        "brokerage:person_step",
        check_url if request.GET.get("return") == "check" else None,
        pk=person.pk,
    )
    form_class = steps[step]
    if form_class is forms.PersonNameForm:
        initial = {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "relationship": relationship.relationship,
        }
        form = form_class(posted(request), initial=initial)
    else:
        form = form_class(posted(request), instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.cared_for_update(person=person, data=form.cleaned_data, relationship=relationship, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(next_url or check_url)
    return render(
        request,
        "brokerage/question.html",
        {
            "form": form,
            "title": form.title,
            "back_url": back_url or reverse("brokerage:people_list"),
            "section": f"About {person.first_name}",
        },
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def person_check(request, pk):
    carer = selectors.carer_of_user(user=request.user)
    person = selectors.cared_for_get(fetched_by=request.user, pk=pk, carer=carer)
    relationship = selectors.relationship_get(carer=carer, person=person)
    missing = services.cared_for_missing(person=person)
    if request.method == "POST":
        try:
            services.cared_for_confirm(person=person, by=request.user)
        except ValidationError:
            pass
        else:
            messages.success(request, f"{person.full_name}'s details are saved.")
            return redirect("brokerage:people_list")
    return render(
        request,
        "brokerage/person_check.html",
        {
            "person": person,
            "rows": person_rows(person, relationship),
            "missing": missing,
            "error": request.method == "POST" and bool(missing),
        },
    )


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def person_remove(request, pk):
    carer = selectors.carer_of_user(user=request.user)
    person = selectors.cared_for_get(fetched_by=request.user, pk=pk, carer=carer)
    form = forms.RemovePersonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm"] == "yes":
            services.cared_for_remove(carer=carer, person=person, by=request.user)
            messages.success(request, f"{person.full_name} has been removed.")
        return redirect("brokerage:people_list")
    return render(request, "brokerage/person_remove.html", {"form": form, "person": person})


# ----------------------------------------------------------------------------------------------
# Staff: the caseload and a carer's record
# ----------------------------------------------------------------------------------------------


CASELOAD_PAGE = 25


@role_required(*CASEWORK)
def caseload(request):
    form = forms.CaseloadSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    carers = selectors.carer_list(fetched_by=request.user, search=search)
    page = CappedPaginator(carers, CASELOAD_PAGE, most=MOST_RESULTS).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "search": search, "most_results": MOST_RESULTS}
    context["querystring"] = urlencode({"q": search}) if search else ""
    return render(request, "brokerage/caseload.html", {**context, "title": caseload_title(page, search)})


def caseload_title(page, search: str) -> str:
    """'Carers matching “mac” (page 2 of 4) – Caseload', as search results title theirs."""
    paginator = page.paginator
    found = f"More than {MOST_RESULTS:,} carers" if paginator.capped else f"{paginator.count:,} carers"
    if paginator.count == 1 and not paginator.capped:
        found = "1 carer"
    if search:
        found += f" matching “{search}”"
    if paginator.num_pages > 1:
        found += f" (page {page.number} of {paginator.num_pages})"
    return f"{found} – Caseload"


@role_required(*CASEWORK)
def carer_detail(request, pk):
    from brokerage.bookings import selectors as booking_selectors

    carer = selectors.carer_get(fetched_by=request.user, pk=pk)
    consents = services.consent_current(carer=carer)
    referrals = referral_selectors.carer_referrals(carer=carer, fetched_by=request.user)
    return render(
        request,
        "brokerage/carer_detail.html",
        {
            "carer": carer,
            "consents": consents.values(),
            "referrals": referrals,
            "has_open_referral": any(r.is_open for r in referrals),
            "case_notes": referral_selectors.carer_case_notes(carer=carer, fetched_by=request.user),
            "breaks": booking_selectors.carer_breaks(carer=carer, fetched_by=request.user),
            "waiting": booking_selectors.carer_waiting(carer=carer, fetched_by=request.user),
            "find_url": reverse("brokerage:directory:search") + f"?for={carer.pk}",
            "assessments": ras_selectors.assessment_list(fetched_by=request.user, carer=carer),
            "plans": plan_selectors.carer_plans(carer=carer, fetched_by=request.user),
            "can_assess": request.user.role in (Role.ASSESSOR, Role.ADMIN),
        },
    )


# ----------------------------------------------------------------------------------------------
# Landing pages for providers and volunteers
# ----------------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def provider_home(request):
    organisation = organisation_of_user(user=request.user)
    context = {
        "organisation": organisation,
        "offers": list(provider_selectors.offer_list(fetched_by=request.user)),
        "sessions": provider_selectors.upcoming_sessions(fetched_by=request.user, limit=10),
        "requests_waiting": list(provider_selectors.requests_waiting(fetched_by=request.user, limit=10)),
        "expiring": provider_selectors.compliance_expiring_soon(fetched_by=request.user),
        "now": timezone.now(),
    }
    return render(request, "brokerage/provider_home.html", context)


@role_required(Role.VOLUNTEER)
def volunteer_home(request):
    organisation = organisation_of_user(user=request.user)
    return render(request, "brokerage/volunteer_home.html", {"organisation": organisation})
