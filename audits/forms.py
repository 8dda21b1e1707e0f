from crispy_forms_gds.layout import Field, Size
from django import forms

from breakthrough.forms import DayMonthYearField, PastDateField, PeriodInOrderMixin, WholeNumberField, gds_helper


def _text(max_length: int, subject: str, *, required: str | None = None, **kwargs):
    return forms.CharField(
        max_length=max_length,
        required=required is not None,
        widget=forms.Textarea,
        error_messages={
            "required": required or "",
            "max_length": f"{subject} must be {max_length:,} characters or fewer",
        },
        **kwargs,
    )


def _date(field_class, name: str, subject: str, label: str):
    return field_class(subject=subject, label=label, help_text="For example, 1 4 2026")


class AuditStartForm(PeriodInOrderMixin, forms.Form):
    title = "Start an audit"
    period_start = _date(PastDateField, "period_start", "the first day", "First day of the period")
    period_end = _date(DayMonthYearField, "period_end", "the last day", "Last day of the period")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field("period_start", context={"legend_size": Size.for_legend(Size.MEDIUM)}),
            Field("period_end", context={"legend_size": Size.for_legend(Size.MEDIUM)}),
        )


class FindingsForm(forms.Form):
    title = "What the audit found"
    in_place = _text(
        5000, "What is in place", label="What is in place", help_text="The breaks and support there are now."
    )
    what_works = _text(
        5000, "What works", label="What works", help_text="What carers and the figures say is going well."
    )
    what_does_not = _text(
        5000, "What does not work", label="What does not work", help_text="Gaps, waits and what carers find hard."
    )
    what_needs_to_happen = _text(
        5000, "What needs to happen", label="What needs to happen", help_text="What the partnership will do next."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            *(Field.textarea(name, label_size=Size.MEDIUM, rows=5, max_characters=5000) for name in self.fields)
        )


class CarerViewForm(forms.Form):
    title = "Add carers' views"
    summary = _text(
        5000,
        "What carers said",
        required="Enter what carers said",
        label="What carers said",
        help_text="In their words where you can, without names.",
    )
    gathered_by = forms.CharField(
        label="Who gathered them",
        help_text="For example, the carers' centre's forum, or a named carer partner.",
        max_length=200,
        error_messages={
            "required": "Enter who gathered the views",
            "max_length": "Who gathered them must be 200 characters or fewer",
        },
    )
    gathered_on = _date(PastDateField, "gathered_on", "the date they were gathered", "When they were gathered")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.textarea("summary", label_size=Size.MEDIUM, rows=6, max_characters=5000),
            Field.text("gathered_by", label_size=Size.MEDIUM),
            Field("gathered_on", context={"legend_size": Size.for_legend(Size.MEDIUM)}),
        )


class ConfirmForm(forms.Form):
    title = "Run the audit again"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper()


class NamePartnersForm(forms.Form):
    title = "Carer partners named on this audit"
    carer_partners = forms.ModelMultipleChoiceField(
        label="Carer partners named on this audit",
        help_text="The partners you tick can read this audit: its figures, what it found and carers' views. "
        "They cannot change it.",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose from your partnership's current carer partners",
            "invalid_pk_value": "Choose from your partnership's current carer partners",
        },
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["carer_partners"]
        field.queryset = partners
        field.label_from_instance = lambda partner: partner.user.get_display_name()
        self.helper = gds_helper(Field.checkboxes("carer_partners", legend_size=Size.MEDIUM))


class MinimumEntitlementForm(forms.Form):
    title = "Minimum entitlement"
    minimum_nights = WholeNumberField(
        label="Nights of break a year",
        help_text="The least a carer with the highest assessed need should get in a year, in nights. The audit "
        "counts it pro rata to its period. For example, 14.",
        min_value=1,
        max_value=365,
        error_messages={
            "required": "Enter the minimum entitlement in nights a year",
            "invalid": "The minimum entitlement must be a whole number, like 14",
            "min_value": "The minimum entitlement must be at least 1 night",
            "max_value": "The minimum entitlement must be 365 nights or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.text("minimum_nights", field_width=3, label_size=Size.MEDIUM))
