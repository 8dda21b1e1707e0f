"""The feedback form: the version's questions as GOV.UK radios on the five-point scale, and room for words."""

from crispy_forms_gds.layout import Field, Size
from django import forms

from breakthrough.forms import NameField, gds_helper
from breakthrough.submissions import SubmissionKeyField, give_fresh_key
from brokerage.models import Agreement

COMMENT_LENGTH = 2000


class FeedbackForm(forms.Form):
    """One field `q_<code>` per question asked of this respondent; `helped_by` only for a cared-for person."""

    comment = forms.CharField(
        label="Is there anything else you want to tell us about the break?",
        help_text="Optional. Please do not write anyone's name.",
        required=False,
        max_length=COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": f"Write {COMMENT_LENGTH} characters or fewer"},
    )
    share_comment = forms.TypedChoiceField(
        label="Can we share what you wrote with the provider?",
        help_text="Without your name. They only see it once 5 or more people have told us about this break.",
        choices=[("yes", "Yes, share it without my name"), ("no", "No, keep it for the Short Break Hub")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        required=False,
    )
    helped_by = NameField(
        label="Who helped them answer?",
        help_text="For example, their mum, or their support worker.",
        max_length=200,
        required=False,
        error_messages={"max_length": "Write 200 characters or fewer"},
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, questions, for_person=None, threshold: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)
        self.questions = list(questions)
        self.for_person = for_person
        self.fields[
            "share_comment"
        ].help_text = f"Without a name. They only see it once {threshold} or more people have told us about this break."
        layout = []
        for question in self.questions:
            name = f"q_{question.code}"
            self.fields[name] = forms.TypedChoiceField(
                label=question.text,
                choices=[(str(value), label) for value, label in Agreement.choices],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose how much you agree: {question.text}",
                    "invalid_choice": f"Choose how much you agree: {question.text}",
                },
            )
            layout.append(Field.radios(name, legend_size=Size.SMALL))
        if for_person is None:
            del self.fields["helped_by"]
        else:
            self.fields["helped_by"].required = True
            self.fields["helped_by"].error_messages["required"] = "Say who helped them answer"
            self.fields["comment"].label = "Is there anything else they want to tell us about the break?"
            self.fields["share_comment"].label = "Can we share what they said with the provider?"
            layout.insert(0, Field.text("helped_by"))
        layout += [
            Field.textarea("comment", max_characters=COMMENT_LENGTH),
            Field.radios("share_comment", legend_size=Size.SMALL),
            Field("submission_key"),
        ]
        self.helper = gds_helper(*layout)

    def scores(self) -> dict[str, int]:
        return {q.code: self.cleaned_data.get(f"q_{q.code}") for q in self.questions}
