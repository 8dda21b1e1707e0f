"""Every form in the project renders GOV.UK inputs: each <input>, <select> and <textarea> has its GOV.UK class
(govuk-input, govuk-select...), so it has the Design System's border and focus state, and no number is asked for
with type="number".

The forms are found by walking every module of the project's apps, so a new form is checked without being
listed here; only the keyword arguments a form needs to be built are listed (REQUIRED).
"""

import datetime
import importlib
import inspect
import pkgutil
import re
from types import SimpleNamespace

import pytest
from crispy_forms.utils import render_crispy_form
from django import forms
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import Locality, User
from brokerage.funds.statements import Month
from brokerage.models import BreakFor, CaredForPerson, Fund, Offer, OfferKind
from commissioning.statement.forms import SECTIONS
from ras.models import PriceScale
from tests.factories import (
    CarerFactory,
    NightFactory,
    OfferFactory,
    PartnershipFactory,
    SessionFactory,
    UserFactory,
    cares_for,
)
from tests.page_checks import CONTROL_CLASSES
from tests.ras.factories import questionnaire_version

pytestmark = pytest.mark.django_db

APPS = ("breakthrough", "brokerage", "ras", "audits", "commissioning")
SKIP_MODULES = (".migrations", ".management", ".demo")
# The widgets the renderers give a GOV.UK class to (crispy-forms-gds, includes/field.html, allauth's elements).
GOVUK_WIDGETS = (
    forms.TextInput,
    forms.EmailInput,
    forms.PasswordInput,
    forms.Textarea,
    forms.Select,
    forms.CheckboxInput,
    forms.CheckboxSelectMultiple,
    forms.RadioSelect,
    forms.HiddenInput,
    forms.ClearableFileInput,
    forms.MultiWidget,
)


def _project_forms() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not any(skip in module.name for skip in SKIP_MODULES):
                importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = {
        cls
        for cls in subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in APPS
        and not (issubclass(cls, forms.ModelForm) and cls._meta.model is None)  # an abstract base of model forms
    }
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


# The keyword arguments each form that needs some is built with (anything that gives it its dynamic fields).
REQUIRED = {
    "AcceptInvitationForm": lambda: {"email": "new.worker@example.org"},
    # allauth's forms take the user as a plain keyword.
    "ReauthenticateForm": lambda: {"user": UserFactory()},
    "ChangePasswordForm": lambda: {"user": UserFactory()},
    "SetPasswordForm": lambda: {"user": UserFactory()},
    "AddEmailForm": lambda: {"user": UserFactory()},
    "ResetPasswordKeyForm": lambda: {"user": UserFactory(), "temp_key": "key"},
    "WhoIsGoingForm": lambda: {
        "offer": OfferFactory(break_for=BreakFor.BOTH),
        "household": _relationships(),
        "carer_is_user": True,
    },
    "StayForm": lambda: {"places_left": lambda first, last: {}, "today": timezone.localdate()},
    "ProfileForm": lambda: {"localities": Locality.objects.all()},
    "OfferForm": lambda: {"localities": Locality.objects.all()},
    "NewCarerForm": lambda: {"localities": Locality.objects.all()},
    "OutcomeForm": lambda: {"people": CaredForPerson.objects.all()},
    "FeedbackForm": lambda: {"questions": _feedback_questions()},
    "SupportForm": lambda: {"offers": Offer.objects.all()},
    "ReviewForm": lambda: {"outcomes": [SimpleNamespace(pk=1, text="I have time for myself")]},
    "SupportInvoiceForm": lambda: {"payee": True},
    "PooledBookingForm": lambda: {
        "session": SessionFactory(offer=OfferFactory(break_for=BreakFor.BOTH)),
        "households": _households(),
    },
    "RefundForm": lambda: {"refundable": 5000},
    "DashboardFilterForm": lambda: {"localities": Locality.objects.all()},
    "GrantApplyForm": lambda: {"max_award": 50_000},
    "GrantDecisionForm": lambda: {"budget_lines": Fund.objects.all()},
    "GrantSchemeForm": lambda: {"budget_lines": Fund.objects.all()},
    "PeriodEndSettleForm": lambda: {"budget_lines": Fund.objects.all()},
    "StatementMonthForm": lambda: {"months": [Month(2026, 4), Month(2026, 5)]},
    "ReferralForm": lambda: {"household": _relationships()},
    "StaffReferralForm": lambda: {"household": _relationships()},
    "AssignForm": lambda: {"workers": User.objects.all()},
    "QuestionnaireForm": lambda: {"choose_partnership": True},
    "ScaleCreateForm": lambda: {"choose_partnership": True},
    "StartForm": lambda: {"versions": _questionnaire().__class__.objects.all()},
    "DomainForm": lambda: {"domain": _questionnaire().domains.first(), "answers": {}},
    "VirtualBudgetForm": lambda: {"domains": list(_questionnaire().domains.all()), "scales": PriceScale.objects.all()},
    "ScaleForm": lambda: {"circumstances": ["Lives alone"]},
    "PartnersForm": lambda: {
        "partners": [SimpleNamespace(pk=1, user=SimpleNamespace(get_display_name=lambda: "Morag"))]
    },
    "TargetFigureForm": lambda: {"audits": []},
    "TargetForm": lambda: {"choices": [("total", "The whole partnership: 3"), ("row-0", "Locality X North: 3")]},
    "PublishForm": lambda: {"first": False},
    "NamePartnersForm": lambda: {"partners": _partners()},
    "StatementSectionForm": lambda: {"section": SECTIONS["contacts"]},
}


def _partners():
    from breakthrough.models import CarerPartner

    carer = CarerFactory(user=UserFactory())
    CarerPartner.objects.create(
        partnership=PartnershipFactory(),
        user=carer.user,
        invited_by=UserFactory(),
        agreement="I agree",
        agreed_at=timezone.now(),
    )
    return CarerPartner.objects.current()


def _questionnaire():
    return questionnaire_version(PartnershipFactory())


def _relationships():
    carer = CarerFactory()
    cares_for(carer)
    return list(carer.relationships.select_related("cared_for"))


def _build(cls) -> forms.BaseForm:
    needed = [
        name
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if parameter.kind == parameter.KEYWORD_ONLY and parameter.default is parameter.empty
    ]
    if needed and cls.__name__ not in REQUIRED:
        pytest.fail(f"{cls.__module__}.{cls.__name__} needs {needed}: add it to REQUIRED in {__name__}")
    return cls(**(REQUIRED[cls.__name__]() if cls.__name__ in REQUIRED else {}))


FORMS = _project_forms()
CONTROL = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)


def test_the_walk_finds_the_project_forms():
    names = {cls.__name__ for cls in FORMS}
    assert {"DirectorySearchForm", "StayForm", "OfferForm", "ScaleForm", "LoginForm"} <= names
    assert len(FORMS) > 70


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_field_of_every_form_uses_a_govuk_widget(form_class):
    """Not type="number" (Django's widget for IntegerField and DecimalField): use WholeNumberField or
    DecimalNumberField from breakthrough.forms, which ask for a number as GOV.UK does."""
    form = _build(form_class)
    for name, field in form.fields.items():
        widgets = getattr(field.widget, "widgets", [field.widget])
        for widget in widgets:
            assert not isinstance(widget, forms.NumberInput), (
                f"{form_class.__name__}.{name} renders <input type=number>: use WholeNumberField or DecimalNumberField"
            )
            # The exact class: crispy-forms-gds picks the GOV.UK class by the widget's class name, so a subclass
            # such as TimeInput or URLInput (both TextInputs) gets none.
            assert type(widget) in GOVUK_WIDGETS or isinstance(widget, forms.MultiWidget), (
                f"{form_class.__name__}.{name}: {type(widget).__name__} gets no GOV.UK class"
            )


@pytest.mark.parametrize(
    "form_class",
    [cls for cls in FORMS if "helper" in cls.__init__.__code__.co_names],
    ids=lambda cls: f"{cls.__module__}.{cls.__name__}",
)
def test_every_crispy_form_renders_every_control_with_a_govuk_class(form_class, x):
    form = _build(form_class)
    html = render_crispy_form(form)
    controls = [(tag, attrs) for tag, attrs in CONTROL.findall(html) if 'type="hidden"' not in attrs]
    visible_fields = [field for field in form if not field.is_hidden]
    assert bool(controls) == bool(visible_fields), f"{form_class.__name__} rendered {len(controls)} inputs"
    for tag, attrs in controls:
        classes = re.search(r'class="([^"]*)"', attrs)
        assert CONTROL_CLASSES & set(classes.group(1).split() if classes else []), (
            f"{form_class.__name__}: <{tag}{' '.join(attrs.split())}> has no GOV.UK class"
        )


def _number_inputs(html: str) -> dict[str, str]:
    return {name: tag for tag, name in re.findall(r'(<input[^>]*name="(age|max_cost|nights)"[^>]*>)', html)}


def test_the_directory_and_stay_number_inputs_are_govuk_inputs(client, carer_a):
    """Age and "Most you want to pay" in the directory and "Number of nights" on the stay page were type="number"
    with no govuk-input class: no GOV.UK border, width or focus state."""
    html = client.get(reverse("brokerage:directory:search")).content.decode()
    inputs = _number_inputs(html)
    assert 'class="govuk-input govuk-input--width-3"' in inputs["age"]
    assert 'inputmode="numeric"' in inputs["age"]
    assert 'class="govuk-input govuk-input--width-5"' in inputs["max_cost"]
    assert 'inputmode="decimal"' in inputs["max_cost"]
    assert 'type="text"' in inputs["age"]
    assert 'type="text"' in inputs["max_cost"]

    cottage = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH)
    NightFactory(offer=cottage, date=timezone.localdate() + datetime.timedelta(days=3))
    client.force_login(carer_a.user)
    html = client.get(reverse("brokerage:bookings:stay", kwargs={"offer_pk": cottage.pk})).content.decode()
    assert 'class="govuk-input govuk-input--width-2"' in _number_inputs(html)["nights"]
    # With an error the border turns red, as every other GOV.UK input's does.
    html = client.get(
        reverse("brokerage:bookings:stay", kwargs={"offer_pk": cottage.pk}), {"nights": "three"}
    ).content.decode()
    assert "govuk-input--error" in _number_inputs(html)["nights"]


def _feedback_questions():
    from tests.brokerage.feedback.helpers import publish_questions

    partnership = PartnershipFactory()
    version = publish_questions(partnership, UserFactory())
    return list(version.questions.all())


def _households():
    households = []
    for _ in range(2):
        carer = CarerFactory()
        households.append((carer, [cares_for(carer)]))
    return households


ERROR_BORDERS = {"govuk-input--error", "govuk-select--error", "govuk-textarea--error", "govuk-file-upload--error"}


@pytest.mark.parametrize(
    "form_class",
    [cls for cls in FORMS if "helper" in cls.__init__.__code__.co_names],
    ids=lambda cls: f"{cls.__module__}.{cls.__name__}",
)
def test_every_control_of_a_field_with_an_error_has_the_red_border(form_class, x):
    """Sent empty, every required field has an error; each of its text, e-mail, password, select and textarea
    controls must then carry the Design System's error class (crispy-forms-gds gave e-mail inputs none)."""
    form = _build(form_class)
    form.data, form.is_bound = {}, True
    form.full_clean()
    html = render_crispy_form(form)
    for name in form.errors:
        if name == "__all__" or name not in form.fields:
            continue
        widget = form.fields[name].widget
        if isinstance(widget, forms.MultiWidget | forms.CheckboxInput | forms.RadioSelect | forms.HiddenInput):
            continue  # dates mark each part they blame; choices have their group's red bar instead
        for attrs in re.findall(rf'<(?:input|select|textarea)\b([^>]*\bname="{form[name].html_name}"[^>]*)>', html):
            classes = set(re.search(r'class="([^"]*)"', attrs).group(1).split())
            assert classes & ERROR_BORDERS, f"{form_class.__name__}.{name}: {' '.join(attrs.split())}"


def test_an_email_input_with_an_error_has_the_red_border(client):
    """The case crispy-forms-gds missed: the sign-in page's e-mail address, sent empty."""
    html = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()
    email = re.search(r'<input[^>]*name="login"[^>]*>', html).group(0)
    assert 'type="email"' in email
    assert "govuk-input--error" in email
