"""Factories for the referral tests: a referral (new, self-referred, routine) and a partnership's criteria."""

import datetime

import factory
from django.utils import timezone

from brokerage.models import CaseNote, EligibilityCriteria, NeedsLevel, Referral, Urgency


class EligibilityCriteriaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilityCriteria

    text = "Unpaid carers who live in the partnership and care for someone with a high or complex need."


class ReferralFactory(factory.django.DjangoModelFactory):
    """A new self-referral for `carer` about everyone they care for. Pass `carer`; the rest follows it."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    partnership = factory.SelfAttribute("carer.partnership")
    source = Referral.Source.SELF
    needs_level = NeedsLevel.HIGH
    happening_now = "I have not had a night's sleep in weeks."
    urgency = Urgency.ROUTINE
    crisis = False
    submitted_by = factory.SelfAttribute("carer.user")
    submitted_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def people(referral, create, extracted, **kwargs):
        if create:
            referral.cared_for.set(extracted or [r.cared_for for r in referral.carer.relationships.all()])


class CaseNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNote

    contacted_on = factory.LazyFunction(timezone.localdate)
    kind = CaseNote.Kind.PHONE
    text = "Spoke to the carer about a sitter for Tuesday evenings."
