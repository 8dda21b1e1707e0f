"""Booking questions: when a stay is, who is going and how it is paid for; the reason for cancelling."""

import datetime

from crispy_forms_gds.layout import Field, Size
from django import forms

from breakthrough.forms import WholeNumberField, gds_helper
from breakthrough.submissions import SubmissionKeyField, give_fresh_key
from brokerage.bookings import rules
from brokerage.directory.forms import SearchDateField
from brokerage.models import BreakFor, PaymentSource

ME = "me"


class WhoIsGoingForm(forms.Form):
    """Checkboxes for "me" and each cared-for person the break is for; the payment source.

    Only the people the booking rules let take the break on `day` are offered (bookings.rules.person_problem);
    the others are named, with why, in the hint. A choice the rules refuse as a party (who the break is for,
    more guests than a property sleeps, more people than `places_left`) is an error here, by the question, so
    the check page's "Book" button is never one the booking then refuses."""

    title = "Who is going on this break?"
    people = forms.MultipleChoiceField(
        label="Who is going on this break?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose who is going on the break"},
    )
    payment_source = forms.ChoiceField(
        label="How will the break be paid for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the break will be paid for"},
    )

    def __init__(self, *args, offer, household, carer_is_user: bool, day=None, places_left=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.carer_is_user = carer_is_user
        self.places_left = places_left
        choices, why_not = [], []
        if offer.break_for in (BreakFor.CARER, BreakFor.BOTH):
            choices.append((ME, "Me" if carer_is_user else "The carer"))
        self.household = {}
        if offer.break_for in (BreakFor.CARED_FOR, BreakFor.BOTH):
            for relationship in household:
                person = relationship.cared_for
                problem = rules.person_problem(offer, person, day) if day is not None else ""
                if problem:
                    why_not.append(f"{person.full_name} cannot go: {problem}.")
                else:
                    self.household[str(person.pk)] = person
                    choices.append((str(person.pk), person.full_name))
        self.fields["people"].choices = choices
        hints = []
        if offer.break_for == BreakFor.BOTH:
            hints.append("This break is for the carer and the person cared for, together.")
        if offer.uses_nights:
            hints.append(
                "The property is let to your household as a whole"
                + (f", for up to {offer.sleeps} guest{'s' if offer.sleeps != 1 else ''}." if offer.sleeps else ".")
            )
        self.fields["people"].help_text = " ".join(hints + why_not)
        if offer.is_free:
            self.fields["payment_source"].choices = [(PaymentSource.FREE, "It is free")]
            self.fields["payment_source"].initial = PaymentSource.FREE
        else:
            self.fields["payment_source"].choices = [
                (PaymentSource.FUND, PaymentSource.FUND.label),
                (PaymentSource.SELF, PaymentSource.SELF.label),
            ]
        self.helper = gds_helper(
            Field.checkboxes("people", legend_size=Size.LARGE, legend_tag="h1"),
            Field.radios("payment_source", legend_size=Size.MEDIUM),
        )

    def who(self) -> tuple[bool, list]:
        chosen = self.cleaned_data["people"]
        return ME in chosen, [self.household[pk] for pk in chosen if pk in self.household]

    def clean_people(self):
        chosen = self.cleaned_data["people"]
        includes_carer = ME in chosen
        people = [self.household[pk] for pk in chosen if pk in self.household]
        problem = rules.party_problem(
            self.offer, includes_carer=includes_carer, cared_for=people, you=self.carer_is_user
        )
        if problem:
            raise forms.ValidationError(problem)
        places = rules.places_for(self.offer, includes_carer=includes_carer, cared_for=people)
        if self.places_left is not None and 0 < self.places_left < places:
            left = self.places_left
            raise forms.ValidationError(
                f"There {'is' if left == 1 else 'are'} {left} place{'' if left == 1 else 's'} left: "
                f"choose {left} {'person' if left == 1 else 'people'} or fewer"
            )
        return chosen


class CheckForm(forms.Form):
    """The check page's button: only the hidden submission key, so the same page sent twice books once."""

    submission_key = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        give_fresh_key(self)

    @property
    def key(self) -> str | None:
        if not self.is_bound:
            return self.initial["submission_key"]
        return (self.cleaned_data.get("submission_key") or None) if self.is_valid() else None


class CrisisForm(forms.Form):
    crisis = forms.BooleanField(label="This family is in crisis: put them first on the waiting list", required=False)


class ReasonForm(forms.Form):
    title = "Why are you cancelling?"
    reason = forms.CharField(
        label="Why are you cancelling?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Say why you are cancelling",
            "max_length": "Reason must be 1,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.textarea("reason", label_size=Size.LARGE, label_tag="h1"))


MOST_NIGHTS = 14


class StayForm(forms.Form):
    """The first night and the number of nights of a stay at a property.

    The first night must be in the future and one the property has opened; every night of the stay must be
    open and have room, or the error says which nights are not.
    """

    title = "When do you want to stay?"
    first_night = SearchDateField(
        label="First night",
        help_text="The night you arrive. For example, 27 3 2027",
    )
    nights = WholeNumberField(
        label="Number of nights",
        min_value=1,
        max_value=MOST_NIGHTS,
        help_text=f"From 1 to {MOST_NIGHTS}",
        error_messages={
            "required": "Enter the number of nights",
            "invalid": "Enter the number of nights as a whole number, like 3",
            "min_value": "The stay must be at least 1 night",
            "max_value": f"The stay can be at most {MOST_NIGHTS} nights",
        },
    )

    def __init__(self, *args, places_left, today, **kwargs):
        """`places_left(first, last)` gives {date: places left} for the nights the property opened in that range."""
        super().__init__(*args, **kwargs)
        self.places_left = places_left
        self.today = today
        self.fields["first_night"].error_messages["required"] = "Enter the first night of the stay"
        self.helper = gds_helper(
            Field("first_night", context={"legend_size": Size.for_legend(Size.MEDIUM)}),
            Field.text("nights", field_width=2),
        )

    def clean_first_night(self):
        first = self.cleaned_data["first_night"]
        if first is None:
            raise forms.ValidationError("Enter the first night of the stay", code="required")
        if first <= self.today:
            raise forms.ValidationError("The first night must be in the future", code="past")
        return first

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("first_night")
        if first is None:
            return cleaned
        count = cleaned.get("nights") or 1
        stay = [first + datetime.timedelta(days=i) for i in range(count)]
        room = self.places_left(stay[0], stay[-1])
        if first not in room:
            self.add_error(
                "first_night", f"The property is not open on {_days([first])}: choose one of the open nights"
            )
            return cleaned
        if cleaned.get("nights") is None:
            return cleaned
        closed = [day for day in stay if day not in room]
        full = [day for day in stay if day in room and room[day] <= 0]
        if closed:
            self.add_error("nights", f"The property is not open on {_days(closed)}")
        if full:
            self.add_error("nights", f"The property is full on {_days(full)}")
        return cleaned


def _days(days: list) -> str:
    words = [f"{day:%A} {day.day} {day:%B %Y}" for day in days]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
