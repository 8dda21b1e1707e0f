"""Forms for transformation plans: one page per part, a message beside each field."""

from decimal import Decimal, InvalidOperation

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.core.exceptions import ValidationError

from audits import figures as definitions
from breakthrough.forms import DayMonthYearField, DecimalNumberField, PeriodInOrderMixin, gds_helper
from breakthrough.submissions import SubmissionKeyField, give_fresh_key
from commissioning.plans import measures
from commissioning.plans.models import Commitment, Level, Milestone, Risk, Stage

MAX_POUNDS = Decimal("100000000")  # £100 million: more than any partnership commits to one line


def _date(subject: str, label: str, **kwargs):
    return DayMonthYearField(subject=subject, label=label, help_text="For example, 31 3 2027", **kwargs)


def _text(label: str, max_length: int, required: str, **kwargs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={"required": required, "max_length": f"{label} must be {max_length:,} characters or fewer"},
        **kwargs,
    )


def _date_field(name):
    return Field(name, context={"legend_size": Size.for_legend(Size.MEDIUM)})


class PlanForm(PeriodInOrderMixin, forms.Form):
    title = "Write a transformation plan"
    submission_key = SubmissionKeyField()
    plan_title = _text("Title", 200, "Enter the plan's title", help_text="For example, Short breaks 2027 to 2029")
    period_start = _date("the first day", "First day of the plan's period")
    period_end = _date("the last day", "Last day of the plan's period")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.helper = gds_helper(
            Field("submission_key"),
            Field.text("plan_title", label_size=Size.MEDIUM),
            _date_field("period_start"),
            _date_field("period_end"),
        )


class PartnersForm(forms.Form):
    title = "Carer partners named on the plan"
    partners = forms.MultipleChoiceField(
        label="Carer partners named on the plan",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only carers who have agreed to be partners, and not withdrawn, are listed. They can read the plan "
        "and comment on it.",
        error_messages={"invalid_choice": "Choose only carers from the list"},
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].choices = [(str(p.pk), p.user.get_display_name()) for p in partners]
        self.helper = gds_helper(Field.checkboxes("partners", legend_size=Size.MEDIUM))


class TargetFigureForm(forms.Form):
    """The first step of a target: which figure, and which audit its baseline comes from."""

    title = "Add a target"
    figure = forms.ChoiceField(
        label="Figure",
        error_messages={"required": "Choose a figure", "invalid_choice": "Choose a figure from the list"},
    )
    run = forms.ChoiceField(
        label="Audit the baseline comes from",
        error_messages={
            "required": "Choose the audit the baseline comes from",
            "invalid_choice": "Choose a finished audit from the list",
        },
    )

    def __init__(self, *args, audits, **kwargs):
        super().__init__(*args, **kwargs)
        figures = sorted(measures.targetable(), key=lambda f: (list(definitions.STEPS).index(f.step), f.label))
        self.fields["figure"].choices = [("", "Choose a figure")] + [
            (f.code, f"{definitions.STEPS[f.step]}: {f.label}") for f in figures
        ]
        self.fields["run"].choices = [("", "Choose an audit")] + [
            (str(r.pk), f"{r.period_start:%-d %B %Y} to {r.period_end:%-d %B %Y}") for r in audits
        ]
        self.helper = gds_helper(Field.select("figure"), Field.select("run"))


class TargetForm(forms.Form):
    """The second step: the part of the figure (its total or one row of the audit's table), the value and date."""

    title = "Set the target"
    narrowed_to = forms.ChoiceField(
        label="What the target counts",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the target counts",
            "invalid_choice": "Choose what the target counts from the list",
        },
    )
    target_value = DecimalNumberField(
        label="Target value",
        max_digits=14,
        decimal_places=2,
        error_messages={
            "required": "Enter the target value",
            "invalid": "Enter the target value as a number, like 40 or 12.5",
            "max_digits": "Enter a target value of less than a million million",
            "max_decimal_places": "Enter the target value with no more than 2 decimal places",
            "max_whole_digits": "Enter a target value of less than a million million",
        },
    )
    deadline = _date("the deadline", "Deadline")

    def __init__(self, *args, choices: list[tuple[str, str]], unit_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["narrowed_to"].choices = choices
        if unit_hint:
            self.fields["target_value"].help_text = unit_hint
        self.helper = gds_helper(
            Field.radios("narrowed_to", legend_size=Size.MEDIUM),
            Field.text("target_value", field_width=10, label_size=Size.MEDIUM),
            _date_field("deadline"),
        )


class AmountField(forms.CharField):
    """Pounds typed as text ("45", "£1,250.50"), cleaned to whole pence with Decimal (never float)."""

    def clean(self, value):
        raw = (super().clean(value) or "").strip().replace("£", "").replace(",", "")
        if not raw:
            return None
        try:
            pounds = Decimal(raw)
        except InvalidOperation:
            raise ValidationError("Enter the money in pounds, like 25000 or 1250.50") from None
        if not pounds.is_finite() or pounds <= 0:
            raise ValidationError("Enter the money committed, more than £0")
        if pounds.as_tuple().exponent < -2:
            raise ValidationError("Enter the money in pounds and pence, like 1250.50")
        if pounds > MAX_POUNDS:
            raise ValidationError("Enter the money committed, £100,000,000 or less")
        return int(pounds * 100)


class CommitmentForm(forms.Form):
    title = "Add a resource commitment"
    what = _text(
        "What it is for",
        300,
        "Enter what the commitment is for",
        help_text="For example, a volunteer coordinator for 12 months",
    )
    resource = forms.ChoiceField(
        label="What is committed",
        choices=Commitment.Resource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select money or staff time", "invalid_choice": "Select money or staff time"},
    )
    amount = AmountField(
        label="Money, in pounds", required=False, max_length=20, help_text="For money only. For example, 25000"
    )
    hours = DecimalNumberField(
        label="Staff time, in hours",
        required=False,
        max_digits=8,
        decimal_places=1,
        help_text="For staff time only. For example, 150",
        error_messages={
            "invalid": "Enter the staff time in hours, like 150 or 7.5",
            "max_decimal_places": "Enter the hours with no more than 1 decimal place",
            "max_digits": "Enter fewer than 10 million hours",
            "max_whole_digits": "Enter fewer than 10 million hours",
        },
    )
    spend_kind = forms.ChoiceField(
        label="Spending the ledger counts against it",
        required=False,
        help_text="For money only: the ledger can say what was spent on one of these kinds of break in the plan's "
        "period. Choose none if the money is not spent through the platform's funds.",
        error_messages={"invalid_choice": "Choose a kind of spend from the list"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spend_kind"].choices = [("", "None: the ledger cannot say")] + [
            (k, v) for k, v in definitions.SPEND_KINDS.items() if k != "other"
        ]
        self.helper = gds_helper(
            Field.text("what", label_size=Size.MEDIUM),
            Field.radios("resource", legend_size=Size.MEDIUM, inline=True),
            Field.text("amount", field_width=10, label_size=Size.SMALL),
            Field.text("hours", field_width=5, label_size=Size.SMALL),
            Field.select("spend_kind", label_size=Size.SMALL),
        )

    def clean(self):
        data = super().clean()
        if data.get("resource") == Commitment.Resource.MONEY and not data.get("amount") and "amount" not in self.errors:
            self.add_error("amount", "Enter the money committed, more than £0")
        if data.get("resource") == Commitment.Resource.STAFF_TIME:
            hours = data.get("hours")
            if "hours" not in self.errors and (hours is None or hours <= 0):
                self.add_error("hours", "Enter the staff time committed, more than 0 hours")
        return data


class MilestoneForm(forms.Form):
    title = "Add a milestone"
    milestone = _text("Milestone", 300, "Enter the milestone")
    owner = _text("Owner", 200, "Enter who owns the milestone", help_text="A person or a team")
    due_on = _date("the due date", "Due date")
    state = forms.ChoiceField(
        label="State",
        choices=Milestone.State.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the milestone's state", "invalid_choice": "Select the milestone's state"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("milestone", label_size=Size.MEDIUM),
            Field.text("owner", label_size=Size.MEDIUM),
            _date_field("due_on"),
            Field.radios("state", legend_size=Size.MEDIUM),
        )


class InitiativeForm(forms.Form):
    title = "Add an initiative"
    initiative = _text("Initiative", 300, "Enter the initiative's name")
    description = _text(
        "What it is",
        3000,
        "Say what the initiative is",
        widget=forms.Textarea,
        help_text="What will be done, with whom, and the outcome it is for",
    )
    stage = forms.ChoiceField(
        label="Stage",
        choices=Stage.choices,
        widget=forms.RadioSelect,
        help_text="Intelligence: finding out what there is and what is needed. Ideas: developing new ways to give "
        "breaks. Implementation: testing and delivering them.",
        error_messages={"required": "Select the initiative's stage", "invalid_choice": "Select the initiative's stage"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.text("initiative", label_size=Size.MEDIUM),
            Field.textarea("description", label_size=Size.MEDIUM, rows=4, max_characters=3000),
            Field.radios("stage", legend_size=Size.MEDIUM),
        )


def _level(label: str):
    return forms.ChoiceField(
        label=label,
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": f"Select the {label.lower()}", "invalid_choice": f"Select the {label.lower()}"},
    )


class RiskForm(forms.Form):
    title = "Add a risk"
    risk = _text(
        "Risk", 2000, "Describe the risk", widget=forms.Textarea, help_text="What could go wrong, or hold breaks back"
    )
    evidence = _text(
        "Evidence",
        3000,
        "Give the evidence for the risk",
        widget=forms.Textarea,
        help_text="What shows it is a risk: figures, carers' views, experience",
    )
    likelihood = _level("Likelihood")
    impact = _level("Impact")
    mitigation = _text(
        "Mitigation",
        3000,
        "Say how the risk will be reduced",
        widget=forms.Textarea,
        help_text="What will be done to make it less likely or less harmful",
    )
    owner = _text("Owner", 200, "Enter who owns the risk")
    review_on = _date("the review date", "Review date")
    rule = forms.ChoiceField(
        label="Is it a rule that holds a break back?",
        choices=[("none", "No, it is not a rule")] + [c for c in Risk.Rule.choices if c[0]],
        widget=forms.RadioSelect,
        help_text="Promoting Variety asks commissioners to tell apart rules the law requires from rules of custom "
        "and practice, which can be changed.",
        error_messages={
            "required": "Select whether it is a rule, and which kind",
            "invalid_choice": "Select whether it is a rule, and which kind",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.textarea("risk", label_size=Size.MEDIUM, rows=3, max_characters=2000),
            Field.textarea("evidence", label_size=Size.MEDIUM, rows=3, max_characters=3000),
            Field.radios("likelihood", legend_size=Size.MEDIUM, inline=True),
            Field.radios("impact", legend_size=Size.MEDIUM, inline=True),
            Field.textarea("mitigation", label_size=Size.MEDIUM, rows=3, max_characters=3000),
            Field.text("owner", label_size=Size.MEDIUM),
            _date_field("review_on"),
            Field.radios("rule", legend_size=Size.MEDIUM),
        )


class PublishForm(forms.Form):
    title = "Publish the plan"
    what_changed = forms.CharField(
        label="What changed in this version",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Carer partners and anyone reading the plan's history see this.",
        error_messages={"max_length": "What changed must be 2,000 characters or fewer"},
    )

    def __init__(self, *args, first: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if first:
            del self.fields["what_changed"]
            self.helper = gds_helper()
        else:
            self.fields["what_changed"].required = True
            self.fields["what_changed"].error_messages["required"] = "Say what changed in this version"
            self.helper = gds_helper(
                Field.textarea("what_changed", label_size=Size.MEDIUM, rows=4, max_characters=2000)
            )


class ConfirmForm(forms.Form):
    title = "Change the plan"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper()


class CommentForm(forms.Form):
    title = "Comment on the plan"
    submission_key = SubmissionKeyField()
    text = _text(
        "Your comment",
        3000,
        "Enter your comment",
        widget=forms.Textarea,
        help_text="The plan's commissioners and carer partners see it, with your name and when you wrote it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.helper = gds_helper(
            Field("submission_key"), Field.textarea("text", label_size=Size.MEDIUM, rows=5, max_characters=3000)
        )
