"""Support plan pages. The carer works on their plan under /carer/plan/, the hub under the carer's record
(/hub/carers/<carer_pk>/plans/); both use these views (`carer_pk` is given only on the hub's side), with the
role checked in urls.py. Every plan is fetched through a selector that answers 404 outside the user's scope.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from breakthrough.access import visible
from breakthrough.audit import log_action
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Role
from brokerage import selectors as household_selectors
from brokerage.funds import selectors as funds_selectors
from brokerage.funds import support_invoices
from brokerage.models import CaredForPerson, Plan, PlanDocument
from brokerage.plans import forms, selectors, services

SECTION_TITLES = {
    "outcomes": ("Outcomes", "outcome", "What the carer, and the people they care for, want to be different"),
    "supports": ("Supports", "support", "The breaks and help chosen, how often, and what they cost"),
    "risks": ("Risks", "risk", "What could go wrong, and how it is handled"),
}


class PlanUrls:
    """The addresses of a plan's pages on the side (carer's or hub's) the user is on."""

    def __init__(self, plan: Plan | None, carer_pk=None, carer_id=None):
        self.plan_pk, self.carer_pk = (plan.pk if plan else None), carer_pk
        self.carer_id = carer_id or (plan.carer_id if plan else None)

    def url(self, name: str, **kwargs) -> str:
        if self.plan_pk is not None and name != "versions":
            kwargs.setdefault("pk", self.plan_pk)
        if self.carer_pk is not None:
            return reverse(f"brokerage:plans:staff_{name}", kwargs={"carer_pk": self.carer_id, **kwargs})
        return reverse(f"brokerage:plans:carer_{name}", kwargs=kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.url(name)

    def section(self, section: str) -> str:
        return self.url("section", section=section)

    def add(self, section: str) -> str:
        return self.url("item_add", section=section)

    def item(self, section: str, item) -> str:
        return self.url("item_edit", section=section, item=item.pk)

    def remove(self, section: str, item) -> str:
        return self.url("item_remove", section=section, item=item.pk)


def _plan(request, pk, carer_pk) -> tuple[Plan, PlanUrls]:
    plan = selectors.plan_get(fetched_by=request.user, pk=pk, carer_pk=carer_pk)
    return plan, PlanUrls(plan, carer_pk)


def _carer(request, carer_pk):
    if carer_pk is None:
        return household_selectors.carer_of_user(user=request.user)
    return household_selectors.carer_get(fetched_by=request.user, pk=carer_pk)


def _is_staff(request) -> bool:
    return request.user.role != Role.CARER


def _not_editable(request, plan, urls):
    if plan.state == Plan.State.SUBMITTED:
        messages.error(request, "This plan is waiting for approval, so it cannot be changed now.")
    else:
        messages.error(request, "This version is approved, so it cannot be changed. Start a new version to change it.")
    return redirect(urls.plan)


def _form_page(request, form, *, plan, urls, title, back_url, submit="Save and continue", extra=None):
    context = {"form": form, "plan": plan, "urls": urls, "title": title, "back_url": back_url, "submit": submit}
    return render(request, "brokerage/plans/form.html", {**context, **(extra or {})})


# ---------------------------------------------------------------------------------------------
# The carer's versions, and starting a plan
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def versions(request, carer_pk=None):
    """Every version of the carer's plan; POST starts the first one (or a new version of the approved one)."""
    carer = _carer(request, carer_pk)
    form = forms.ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_start(carer=carer, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The plan is started. Work through each part, then send it for approval.")
            return redirect(PlanUrls(plan, carer_pk).plan)
    plans = selectors.carer_plans(carer=carer, fetched_by=request.user)
    urls = PlanUrls(None, carer_pk, carer_id=carer.pk)
    rows = [{"plan": plan, "url": PlanUrls(plan, carer_pk).plan} for plan in plans]
    context = {
        "carer": carer,
        "rows": rows,
        "current": selectors.plan_current(plans),
        "current_url": None,
        "form": form,
        "urls": urls,
        "staff": carer_pk is not None,
        "can_start": not any(plan.state in Plan.OPEN for plan in plans),
    }
    if context["current"] is not None:
        context["current_url"] = PlanUrls(context["current"], carer_pk).plan
    return render(request, "brokerage/plans/versions.html", context)


# ---------------------------------------------------------------------------------------------
# A plan: its task list and everything in it
# ---------------------------------------------------------------------------------------------


def _tasks(plan: Plan, urls: PlanUrls, check: dict, missing: list[str]) -> list[dict]:
    def status(done, started):
        return "Completed" if done else ("In progress" if started else "Not yet started")

    outcomes, supports, risks = plan.outcomes.all(), plan.supports.all(), plan.risks.all()
    details_done = bool(plan.starts_on and plan.ends_on and plan.review_on and plan.emergency_name)
    budget_status = "Cannot start yet" if not supports else ("Needs attention" if check["problem"] else "Completed")
    return [
        {"name": "Outcomes", "hint": SECTION_TITLES["outcomes"][2], "url": urls.section("outcomes"),
         "status": status(bool(outcomes), bool(outcomes))},
        {"name": "Supports", "hint": SECTION_TITLES["supports"][2], "url": urls.section("supports"),
         "status": status(bool(supports), bool(supports))},
        {"name": "Risks", "hint": SECTION_TITLES["risks"][2], "url": urls.section("risks"),
         "status": status(bool(risks), bool(risks))},
        {"name": "Dates and who to call in an emergency", "hint": "The plan period, the review date, and a contact",
         "url": urls.details, "status": status(details_done, bool(plan.starts_on or plan.emergency_name))},
        {"name": "Budget check", "hint": "The plan's cost against the approved budget",
         "url": urls.budget if supports else None, "status": budget_status},
        {"name": "Send for approval", "hint": "An assessor reads the plan and approves it or returns it",
         "url": urls.submit if not missing and not check["problem"] else None,
         "status": "Not yet started" if not missing and not check["problem"] else "Cannot start yet"},
    ]  # fmt: skip


def _with_results(plan: Plan) -> list:
    """The outcomes, each with `result` (its review's result, in words, or None)."""
    results = selectors.review_results(plan) if plan.state == Plan.State.REVIEWED else {}
    outcomes = list(plan.outcomes.all())
    for outcome in outcomes:
        outcome.result = results.get(outcome.pk)
    return outcomes


def _with_money(request, plan: Plan, supports: list, staff: bool) -> bool:
    """Give each support of an approved version `money` (planned, invoiced, paid: one query for them all) and, on
    the hub's side, `invoice_url` where the hub records an off-platform supplier's invoice against it."""
    if plan.state in Plan.OPEN:
        return False
    money = funds_selectors.plan_support_money(plan=plan, fetched_by=request.user)
    for support in supports:
        support.money = money.get(support.pk)
        hub = staff and support_invoices.hub_may_record(support)
        support.invoice_url = reverse("brokerage:funds:hub_support_invoice_new", args=[support.pk]) if hub else None
    return bool(money)


def plan_page(request, pk, carer_pk=None):
    plan, urls = _plan(request, pk, carer_pk)
    supports = list(plan.supports.all())
    spending = _with_money(request, plan, supports, staff=carer_pk is not None)
    total = sum(s.total_pence for s in supports)
    check = services.budget_check(plan, total=total)
    missing = services.plan_missing(plan) if plan.is_editable else []
    document = getattr(plan, "document", None) if plan.state not in Plan.OPEN else None
    context = {
        "plan": plan,
        "urls": urls,
        "staff": carer_pk is not None,
        "tasks": _tasks(plan, urls, check, missing) if plan.is_editable else None,
        "outcomes": _with_results(plan),
        "supports": supports,
        "spending": spending,
        "risks": plan.risks.all(),
        "check": check,
        "document": document,
        "review": getattr(plan, "review", None),
        "can_decide": plan.state == Plan.State.SUBMITTED and request.user.role == Role.ASSESSOR,
        "can_review": carer_pk is not None and plan.state in Plan.IN_FORCE,
        "can_change": plan.state in Plan.CHANGEABLE and not plan.carer.plans.filter(state__in=Plan.OPEN).exists(),
    }
    return render(request, "brokerage/plans/plan.html", context)


@require_http_methods(["GET", "POST"])
def details(request, pk, carer_pk=None):
    plan, urls = _plan(request, pk, carer_pk)
    if not plan.is_editable:
        return _not_editable(request, plan, urls)
    initial = {name: getattr(plan, name) for name in services.DETAIL_FIELDS}
    form = forms.DetailsForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update_details(plan=plan, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The dates and emergency contact are saved.")
            return redirect(urls.plan)
    return _form_page(request, form, plan=plan, urls=urls, title=form.title, back_url=urls.plan)


def _section(section: str) -> str:
    if section not in services.SECTIONS:
        raise Http404("No such part of the plan.")
    return section


def section_page(request, pk, section, carer_pk=None):
    plan, urls = _plan(request, pk, carer_pk)
    section = _section(section)
    items = getattr(plan, section).all()
    rows = [{"item": item, "url": urls.item(section, item), "remove_url": urls.remove(section, item)} for item in items]
    title, noun, hint = SECTION_TITLES[section]
    context = {
        "plan": plan,
        "urls": urls,
        "section": section,
        "rows": rows,
        "title": title,
        "noun": noun,
        "hint": hint,
        "add_url": urls.add(section),
        "total": sum(item.total_pence for item in items) if section == "supports" else None,
    }
    return render(request, "brokerage/plans/section.html", context)


def _item_form(request, plan, section, item):
    initial = forms.FORMS[section].initial_for(item) if item is not None else None
    if section == "outcomes":
        people = visible(request.user, CaredForPerson).filter(relationships__carer_id=plan.carer_id)
        return forms.OutcomeForm(posted(request), initial=initial, people=people.order_by("first_name", "pk"))
    if section == "supports":
        search = forms.OfferSearchForm(request.GET)
        search.is_valid()
        offers = selectors.offer_choices(
            fetched_by=request.user, carer=plan.carer, search=search.cleaned_data.get("q", "")
        )
        form = forms.SupportForm(
            posted(request), initial=initial, offers=offers, current_offer_id=item.offer_id if item else None
        )
        form.search = search
        return form
    return forms.RiskForm(posted(request), initial=initial)


@require_http_methods(["GET", "POST"])
def item_page(request, pk, section, item=None, carer_pk=None):
    """Add (no `item`) or change an outcome, support or risk."""
    plan, urls = _plan(request, pk, carer_pk)
    section = _section(section)
    if not plan.is_editable:
        return _not_editable(request, plan, urls)
    instance = None
    if item is not None:
        instance = getattr(plan, section).filter(pk=item).first()
        if instance is None:
            raise Http404("No such part of the plan.")
    form = _item_form(request, plan, section, instance)
    if request.method == "POST" and form.is_valid():
        data = form.service_data() if section == "supports" else form.cleaned_data
        try:
            services.item_save(plan=plan, section=section, data=data, by=request.user, item=instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            noun = SECTION_TITLES[section][1]
            messages.success(request, f"The {noun} is saved.")
            return redirect(urls.section(section))
    noun = SECTION_TITLES[section][1]
    title = f"Change the {noun}" if instance else f"Add a{'n' if noun[0] in 'aeiou' else ''} {noun}"
    extra = {"search": getattr(form, "search", None), "search_url": request.path}
    return _form_page(
        request, form, plan=plan, urls=urls, title=title, back_url=urls.section(section), submit="Save", extra=extra
    )


@require_http_methods(["GET", "POST"])
def item_remove(request, pk, section, item, carer_pk=None):
    plan, urls = _plan(request, pk, carer_pk)
    section = _section(section)
    if not plan.is_editable:
        return _not_editable(request, plan, urls)
    instance = getattr(plan, section).filter(pk=item).first()
    if instance is None:
        raise Http404("No such part of the plan.")
    form = forms.ConfirmForm(posted(request))
    noun = SECTION_TITLES[section][1]
    if request.method == "POST" and form.is_valid():
        try:
            services.item_remove(plan=plan, section=section, item=instance, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"The {noun} is removed.")
            return redirect(urls.section(section))
    context = {
        "plan": plan,
        "form": form,
        "title": f"Remove this {noun}?",
        "body": str(instance),
        "submit": "Remove",
        "warning": True,
        "back_url": urls.section(section),
    }
    return render(request, "brokerage/plans/confirm.html", context)


@require_http_methods(["GET", "POST"])
def budget(request, pk, carer_pk=None):
    """The plan's cost against the approved budget; over it, the reason the approver reads."""
    plan, urls = _plan(request, pk, carer_pk)
    check = services.budget_check(plan)
    form = forms.OverBudgetForm(posted(request), initial={"reason": plan.over_budget_reason})
    if request.method == "POST":
        if not plan.is_editable:
            return _not_editable(request, plan, urls)
        if form.is_valid():
            try:
                services.plan_set_over_budget_reason(plan=plan, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, "The reason is saved. The assessor will read it.")
                return redirect(urls.plan)
    context = {
        "plan": plan,
        "urls": urls,
        "check": check,
        "form": form if check["over"] else None,
        "supports_url": urls.section("supports"),
    }
    return render(request, "brokerage/plans/budget.html", context)


@require_http_methods(["GET", "POST"])
def submit(request, pk, carer_pk=None):
    plan, urls = _plan(request, pk, carer_pk)
    form = forms.ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_submit(plan=plan, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The plan is sent for approval. An assessor will read it.")
            return redirect(urls.plan)
    problems = []
    if plan.is_editable:
        problems = services.plan_missing(plan)
        check = services.budget_check(plan)
        if check["problem"]:
            problems.append(check["problem"])
    else:
        problems = ["Only a draft or returned plan can be sent for approval."]
    context = {
        "plan": plan,
        "form": form,
        "title": "Send the plan for approval?",
        "body": "An assessor will read the plan and approve it, or return it to you with what needs to change. "
        "You cannot change the plan while it is waiting.",
        "problems": problems,
        "submit": "Send for approval",
        "back_url": urls.plan,
    }
    return render(request, "brokerage/plans/confirm.html", context)


@require_http_methods(["GET", "POST"])
def new_version(request, pk, carer_pk=None):
    plan, urls = _plan(request, pk, carer_pk)
    form = forms.ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            new = services.plan_new_version(plan=plan, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, "A new version is started. The approved one stays in place until this is approved."
            )
            return redirect(PlanUrls(new, carer_pk).plan)
    context = {
        "plan": plan,
        "form": form,
        "title": "Change the plan?",
        "body": f"This starts version {plan.number + 1}, a copy of this one to change. It is sent for approval "
        f"again; until then version {plan.number} stays in place.",
        "submit": "Start a new version",
        "back_url": urls.plan,
    }
    return render(request, "brokerage/plans/confirm.html", context)


def pdf_download(request, pk, carer_pk=None):
    """The version's PDF, for the carer and their partnership's staff (never a public media URL)."""
    plan, _ = _plan(request, pk, carer_pk)
    document = PlanDocument.objects.filter(plan=plan, state=PlanDocument.State.RENDERED).first()
    if document is None or not document.file:
        raise Http404("The plan's PDF is not ready.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    log_action(document, "brokerage.plandocument.downloaded", user=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=f"support-plan-version-{plan.number}.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# The hub only: the decision, the PDF again, the review, and the partnership's plans
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def decide(request, carer_pk, pk):
    """An assessor approves a submitted plan or returns it with what needs to change."""
    plan, urls = _plan(request, pk, carer_pk)
    if plan.state != Plan.State.SUBMITTED:
        messages.error(request, "This plan is not waiting for approval.")
        return redirect(urls.plan)
    form = forms.DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == form.APPROVE:
                services.plan_approve(plan=plan, by=request.user)
                done = "The plan is approved. Its PDF is on this page as soon as it is made."
            else:
                services.plan_return(plan=plan, by=request.user, reason=form.cleaned_data["reason"])
                done = "The plan is returned with what needs to change."
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(urls.plan)
    check = services.budget_check(plan)
    return _form_page(
        request,
        form,
        plan=plan,
        urls=urls,
        title=form.title,
        back_url=urls.plan,
        submit="Save decision",
        extra={"check": check, "decision": True},
    )


@require_http_methods(["GET", "POST"])
def pdf_retry(request, carer_pk, pk):
    plan, urls = _plan(request, pk, carer_pk)
    form = forms.ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.document_retry(plan=plan, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The PDF is being made again.")
            return redirect(urls.plan)
    document = PlanDocument.objects.filter(plan=plan).first()
    context = {
        "plan": plan,
        "form": form,
        "title": "Try making the PDF again?",
        "body": f"The last try failed: {document.last_error}" if document and document.last_error else "",
        "submit": "Try again",
        "back_url": urls.plan,
    }
    return render(request, "brokerage/plans/confirm.html", context)


@require_http_methods(["GET", "POST"])
def review(request, carer_pk, pk):
    plan, urls = _plan(request, pk, carer_pk)
    if plan.state not in Plan.IN_FORCE:
        messages.error(request, "Only an approved plan that is not yet reviewed can be reviewed.")
        return redirect(urls.plan)
    outcomes = list(plan.outcomes.all())
    form = forms.ReviewForm(posted(request), outcomes=outcomes)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_review_record(
                plan=plan, by=request.user, what_changed=form.cleaned_data["what_changed"], results=form.results()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The review is saved. Start a new version to change the plan.")
            return redirect(urls.plan)
    return _form_page(request, form, plan=plan, urls=urls, title=form.title, back_url=urls.plan, submit="Save review")


def hub_list(request):
    """The partnership's plans: waiting for approval, review due, being written, approved."""
    show = request.GET.get("show", "waiting")
    if show not in selectors.PLAN_LISTS:
        show = "waiting"
    page = Paginator(selectors.plan_list(fetched_by=request.user, show=show), 50).get_page(request.GET.get("page"))
    counts = selectors.plan_list_counts(fetched_by=request.user)
    tabs = [
        {"key": key, "label": label, "count": counts[key], "current": key == show}
        for key, (label, _) in selectors.PLAN_LISTS.items()
    ]
    rows = [
        {"plan": plan, "url": reverse("brokerage:plans:staff_plan", kwargs={"carer_pk": plan.carer_id, "pk": plan.pk})}
        for plan in page
    ]
    context = {"page": page, "rows": rows, "tabs": tabs, "show": show, "label": selectors.PLAN_LISTS[show][0]}
    return render(request, "brokerage/plans/hub_list.html", context)
