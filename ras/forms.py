"""Forms for the RAS pages: GOV.UK markup through crispy-forms-gds, a message beside each field."""

from decimal import Decimal, InvalidOperation

from crispy_forms_gds.layout import Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError

from breakthrough.forms import DecimalNumberField, NameField, WholeNumberField, gds_helper
from breakthrough.models import Partnership
from ras.models import PanelDecision, PricingMethod

BAND_ROWS = 8
ADJUSTMENT_ROWS = 6


class MoneyField(forms.CharField):
    """An amount in pounds and pence, like 38.00 or £1,748; cleaned to whole pence (an int)."""

    def __init__(self, *, subject: str, signed: bool = False, maximum_pounds: int = 10_000_000, **kwargs):
        self.subject, self.signed, self.maximum_pounds = subject, signed, maximum_pounds
        kwargs.setdefault("error_messages", {"required": f"Enter {subject}"})
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "spellcheck": "false"})

    def clean(self, value):
        raw = (super().clean(value) or "").strip().replace("£", "").replace(",", "").replace("−", "-")
        if not raw:
            return None
        example = "-50.00" if self.signed else "38.00"
        try:
            pounds = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(f"Enter {self.subject} in pounds, like {example}") from None
        if not pounds.is_finite() or pounds.as_tuple().exponent < -2:
            raise ValidationError(f"Enter {self.subject} in pounds and pence, like {example}")
        if pounds < 0 and not self.signed:
            raise ValidationError(f"{self.subject.capitalize()} cannot be less than £0")
        if abs(pounds) > self.maximum_pounds:
            raise ValidationError(f"{self.subject.capitalize()} must be £{self.maximum_pounds:,} or less")
        return int(pounds * 100)


def pounds_text(pence) -> str:
    """Whole pence as the text a money field shows: 3800 -> '38.00'."""
    return "" if pence is None else f"{Decimal(pence) / 100:.2f}"


# ---------------------------------------------------------------------------------------------
# Questionnaires
# ---------------------------------------------------------------------------------------------


class QuestionnaireForm(forms.Form):
    title = "Add a questionnaire"
    name = NameField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter a name for the questionnaire", "max_length": "Use 200 characters or fewer"},
    )
    partnership = forms.ModelChoiceField(
        label="Partnership",
        queryset=Partnership.objects.all(),
        empty_label="Choose a partnership",
        error_messages={"required": "Choose the partnership", "invalid_choice": "Choose the partnership"},
    )

    def __init__(self, *args, choose_partnership: bool, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [Field.text("name", field_width=30)]
        if choose_partnership:
            fields.append(Field.select("partnership"))
        else:
            del self.fields["partnership"]
        self.helper = gds_helper(*fields)


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------


class StartForm(forms.Form):
    title = "Start an assessment"
    questionnaire_version = forms.ModelChoiceField(
        label="Which questionnaire?",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose a questionnaire", "invalid_choice": "Choose a questionnaire"},
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire_version"].queryset = versions
        self.fields["questionnaire_version"].label_from_instance = lambda v: (
            f"{v.questionnaire.name} (version {v.number})"
        )
        self.helper = gds_helper(Field.radios("questionnaire_version", legend_size=Size.MEDIUM))


def _question_field(question, *, required: bool) -> forms.ChoiceField:
    return forms.TypedChoiceField(
        label=question.text,
        help_text=question.hint,
        choices=[(str(o.pk), o.text) for o in question.options.all()],
        coerce=int,
        widget=forms.RadioSelect,
        required=required,
        error_messages={"required": f"Answer “{question.text}”", "invalid_choice": f"Answer “{question.text}”"},
    )


class DomainForm(forms.Form):
    """One domain's questions as radios. Continuing needs every answer; saving to come back later does not."""

    def __init__(self, *args, domain, answers: dict[int, int], required: bool = True, **kwargs):
        initial = {f"q{q.pk}": str(answers[q.pk]) for q in domain.questions.all() if q.pk in answers}
        super().__init__(*args, initial=initial, **kwargs)
        self.questions = {f"q{q.pk}": q for q in domain.questions.all()}
        for name, question in self.questions.items():
            self.fields[name] = _question_field(question, required=required)
        self.helper = gds_helper(*(Field.radios(name, legend_size=Size.SMALL) for name in self.questions))

    def answers(self) -> dict:
        """{question: option or None}: the options chosen (None where left blank)."""
        chosen = {}
        for name, question in self.questions.items():
            value = self.cleaned_data.get(name)
            chosen[question] = next((o for o in question.options.all() if o.pk == value), None)
        return chosen


class PanelForm(forms.Form):
    title = "The panel's decision"
    outcome = forms.ChoiceField(
        label="What does the panel decide?",
        choices=PanelDecision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or change the budget"},
    )
    amount_pence = MoneyField(
        subject="the budget the panel approves",
        label="If changed: the budget the panel approves, in pounds",
        required=False,
    )
    reason = forms.CharField(
        label="If changed: why",
        help_text="The carer reads this, so write it plainly",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        error_messages={"max_length": "Use 2000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Field.text("amount_pence", field_width=10),
            Field.textarea("reason", rows=4),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == PanelDecision.Outcome.CHANGED:
            if cleaned.get("amount_pence") is None and "amount_pence" not in self.errors:
                self.add_error("amount_pence", "Enter the budget the panel approves")
            if not (cleaned.get("reason") or "").strip() and "reason" not in self.errors:
                self.add_error("reason", "Write down why the panel changed the budget")
        return cleaned


class VirtualBudgetForm(forms.Form):
    """Every question of a questionnaire (all optional: a question left blank counts no points) and a scale."""

    title = "Virtual budget"
    scale = forms.ModelChoiceField(
        label="Price scale",
        queryset=None,
        empty_label=None,
        error_messages={"required": "Choose a price scale", "invalid_choice": "Choose a price scale"},
    )

    def __init__(self, *args, domains, scales, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scale"].queryset = scales
        self.fields["scale"].label_from_instance = lambda s: (
            f"{s.financial_year_label}, version {s.number} ({s.get_status_display().lower()})"
        )
        self.domains = domains
        layout = [Field.select("scale")]
        self.questions = {}
        for domain in domains:
            names = []
            for question in domain.questions.all():
                name = f"q{question.pk}"
                self.questions[name] = (domain, question)
                self.fields[name] = _question_field(question, required=False)
                names.append(name)
            layout.append(
                Fieldset(
                    *(Field.radios(n, legend_size=Size.SMALL) for n in names),
                    legend=domain.name,
                    legend_size=Size.MEDIUM,
                )
            )
        self.helper = gds_helper(*layout)

    def inputs(self) -> dict:
        """The answers as `budget_compute` takes them."""
        points = {domain.pk: 0 for domain in self.domains}
        circumstances = set()
        for name, (domain, question) in self.questions.items():
            option = next((o for o in question.options.all() if o.pk == self.cleaned_data.get(name)), None)
            if option is not None:
                points[domain.pk] += option.points
                if option.circumstance:
                    circumstances.add(option.circumstance)
        return {
            "domain_points": [(domain.name, points[domain.pk]) for domain in self.domains],
            "circumstances": circumstances,
        }


# ---------------------------------------------------------------------------------------------
# Price scales
# ---------------------------------------------------------------------------------------------


class ScaleCreateForm(forms.Form):
    title = "Make a new draft price scale"
    financial_year = WholeNumberField(
        label="Financial year starting in April of",
        help_text="For example, 2026 for April 2026 to March 2027",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "Enter the year the financial year starts in",
            "invalid": "Enter the year as 4 digits, like 2026",
            "min_value": "Enter a year between 2000 and 2100",
            "max_value": "Enter a year between 2000 and 2100",
        },
    )
    partnership = forms.ModelChoiceField(
        label="Partnership",
        queryset=Partnership.objects.all(),
        empty_label="Choose a partnership",
        error_messages={"required": "Choose the partnership", "invalid_choice": "Choose the partnership"},
    )

    def __init__(self, *args, choose_partnership: bool, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [Field.text("financial_year", field_width=4)]
        if choose_partnership:
            fields.append(Field.select("partnership"))
        else:
            del self.fields["partnership"]
        self.helper = gds_helper(*fields)


class ScaleForm(forms.Form):
    """A draft scale's terms, with rows for its bands and adjustments (blank rows are ignored)."""

    title = "Change the draft price scale"
    method = forms.ChoiceField(
        label="How are points turned into money?",
        choices=PricingMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how points are turned into money"},
    )
    price_per_point_pence = MoneyField(
        subject="the price for each point", label="Price for each point, in pounds", required=False
    )
    floor_pence = MoneyField(
        subject="the floor",
        label="Floor, in pounds",
        help_text="Nobody's budget is less than this. Enter 0 for no floor.",
        required=False,
    )
    ceiling_pence = MoneyField(
        subject="the ceiling",
        label="Ceiling, in pounds",
        help_text="Nobody's budget is more than this. Leave blank for no ceiling.",
        required=False,
    )
    contingency_percent = DecimalNumberField(
        label="Contingency held back for the panel, as a percentage",
        help_text="For example, 5 or 2.5",
        min_value=Decimal("0"),
        max_value=Decimal("50"),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "required": "Enter the contingency (0 for none)",
            "invalid": "Enter the contingency as a number, like 5 or 2.5",
            "min_value": "The contingency cannot be less than 0%",
            "max_value": "The contingency must be 50% or less",
            "max_decimal_places": "Enter the contingency to 2 decimal places at most",
            "max_digits": "Enter the contingency as a number, like 5 or 2.5",
            "max_whole_digits": "The contingency must be 50% or less",
        },
    )
    annual_budget_pence = MoneyField(
        subject="the partnership's short breaks budget for the year",
        label="The partnership's short breaks budget for the year, in pounds",
        help_text="Recalibration sets the total of every budget against it",
        maximum_pounds=10_000_000_000,
        required=False,
    )

    def __init__(self, *args, circumstances: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contingency_percent"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        band_fields = []
        for i in range(1, BAND_ROWS + 1):
            self.fields[f"band_{i}_from"] = self._points(f"Band {i}: from (points)", f"where band {i} starts")
            self.fields[f"band_{i}_to"] = self._points(
                f"Band {i}: to (points)", f"where band {i} ends", help_text="Leave blank for 'or more'"
            )
            self.fields[f"band_{i}_amount"] = MoneyField(
                subject=f"the amount for band {i}", label=f"Band {i}: amount, in pounds", required=False
            )
            band_fields += [
                Field.text(f"band_{i}_from", field_width=4),
                Field.text(f"band_{i}_to", field_width=4),
                Field.text(f"band_{i}_amount", field_width=10),
            ]
        choices = [("", "None")] + [(c, c) for c in circumstances]
        adjustment_fields = []
        for i in range(1, ADJUSTMENT_ROWS + 1):
            self.fields[f"adjustment_{i}_circumstance"] = forms.ChoiceField(
                label=f"Adjustment {i}: when the answers record", choices=choices, required=False
            )
            self.fields[f"adjustment_{i}_name"] = NameField(
                label=f"Adjustment {i}: name the carer reads",
                max_length=120,
                required=False,
                error_messages={"max_length": "Use 120 characters or fewer"},
            )
            self.fields[f"adjustment_{i}_amount"] = MoneyField(
                subject=f"the amount of adjustment {i}",
                label=f"Adjustment {i}: amount, in pounds (a minus sign takes it away)",
                signed=True,
                required=False,
            )
            adjustment_fields += [
                Field.select(f"adjustment_{i}_circumstance"),
                Field.text(f"adjustment_{i}_name", field_width=30),
                Field.text(f"adjustment_{i}_amount", field_width=10),
            ]
        self.helper = gds_helper(
            Fieldset(
                Field.radios("method", legend_size=Size.SMALL),
                Field.text("price_per_point_pence", field_width=10),
                Field.text("floor_pence", field_width=10),
                Field.text("ceiling_pence", field_width=10),
                Field.text("contingency_percent", field_width=5),
                Field.text("annual_budget_pence", field_width=20),
                legend="Terms",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(*band_fields, legend="Bands (when priced by bands)", legend_size=Size.MEDIUM),
            Fieldset(*adjustment_fields, legend="Adjustments", legend_size=Size.MEDIUM),
        )

    @staticmethod
    def _points(label, subject, **kwargs):
        field = WholeNumberField(
            label=label,
            min_value=0,
            max_value=10_000,
            required=False,
            error_messages={
                "invalid": f"Enter {subject} as a whole number of points",
                "min_value": f"Enter {subject} as 0 points or more",
                "max_value": f"Enter {subject} as 10,000 points or fewer",
            },
            **kwargs,
        )
        return field

    @staticmethod
    def initial_for(scale) -> dict:
        initial = {
            "method": scale.method,
            "price_per_point_pence": pounds_text(scale.price_per_point_pence),
            "floor_pence": pounds_text(scale.floor_pence),
            "ceiling_pence": pounds_text(scale.ceiling_pence),
            "contingency_percent": scale.contingency_percent.normalize(),
            "annual_budget_pence": pounds_text(scale.annual_budget_pence),
        }
        for i, band in enumerate(scale.bands.all(), start=1):
            initial |= {
                f"band_{i}_from": band.points_from,
                f"band_{i}_to": band.points_to,
                f"band_{i}_amount": pounds_text(band.amount_pence),
            }
        for i, adjustment in enumerate(scale.adjustments.all(), start=1):
            initial |= {
                f"adjustment_{i}_circumstance": adjustment.circumstance,
                f"adjustment_{i}_name": adjustment.name,
                f"adjustment_{i}_amount": pounds_text(adjustment.amount_pence),
            }
        return initial

    def clean(self):
        cleaned = super().clean()
        self.bands, self.adjustments = [], []
        for i in range(1, BAND_ROWS + 1):
            start, end, amount = (cleaned.get(f"band_{i}_{part}") for part in ("from", "to", "amount"))
            if start is None and end is None and amount is None:
                continue
            if start is None and f"band_{i}_from" not in self.errors:
                self.add_error(f"band_{i}_from", f"Enter where band {i} starts")
            if amount is None and f"band_{i}_amount" not in self.errors:
                self.add_error(f"band_{i}_amount", f"Enter the amount for band {i}")
            if start is not None and end is not None and end < start:
                self.add_error(f"band_{i}_to", f"Band {i} must end at or after where it starts")
            self.bands.append({"points_from": start, "points_to": end, "amount_pence": amount})
        for i in range(1, ADJUSTMENT_ROWS + 1):
            code, name, amount = (cleaned.get(f"adjustment_{i}_{part}") for part in ("circumstance", "name", "amount"))
            name = (name or "").strip()
            if not code and not name and amount is None:
                continue
            if not code:
                self.add_error(f"adjustment_{i}_circumstance", f"Choose when adjustment {i} applies")
            if not name:
                self.add_error(f"adjustment_{i}_name", f"Enter a name for adjustment {i}")
            if not amount and f"adjustment_{i}_amount" not in self.errors:
                self.add_error(f"adjustment_{i}_amount", f"Enter the amount of adjustment {i} (not £0)")
            self.adjustments.append({"circumstance": code, "name": name, "amount_pence": amount})
        per_point = cleaned.get("method") == PricingMethod.PER_POINT
        if per_point and cleaned.get("price_per_point_pence") is None and "price_per_point_pence" not in self.errors:
            self.add_error("price_per_point_pence", "Enter the price for each point")
        return cleaned

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in (
                "method",
                "price_per_point_pence",
                "floor_pence",
                "ceiling_pence",
                "contingency_percent",
                "annual_budget_pence",
            )
        }
        data["floor_pence"] = data["floor_pence"] or 0
        return data
