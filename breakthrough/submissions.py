"""Twice is once for forms: the one mechanism behind every form whose double submit must not act twice.

A form that creates something (a booking, a micro-grant application, a direct-payment spend) carries a hidden
key made when the page is first shown (`SubmissionKeyField`, `give_fresh_key`), so a double click, a
browser retry or the back button followed by a resend all carry the same key. The service passes it to
`earlier_submission` before it does anything (a resend finds what the first send made and returns it), and
writes the row through `create_once`, so that two sends at the same moment, which both found nothing, make one
row: the model's unique constraint on (owner, submission_key) refuses the second insert, which then returns
the row the first one made.

The key is scoped to its owner (the carer, or the fund), in the constraint as in the lookup. A key is only
"the same form again" for the household that sent it; another household's key (copied, guessed or a clash)
is their own fresh submission, never an error and never an answer with someone else's row.
"""

import uuid

from django import forms
from django.db import IntegrityError, models, transaction

KEY_LENGTH = 64


class SubmissionKeyField(forms.CharField):
    """A hidden key made when the form is first shown: the same form sent twice carries the same key."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, max_length=KEY_LENGTH, **kwargs)


def new_key() -> str:
    return uuid.uuid4().hex


def give_fresh_key(form, field: str = "submission_key") -> None:
    """An unbound form gets a new key; a bound one keeps the key it was sent with."""
    if not form.is_bound:
        form.initial.setdefault(field, new_key())


def key_field(**kwargs) -> models.CharField:
    """The model field; pair it with `unique_per(owner, name=...)` in the model's constraints."""
    return models.CharField(max_length=KEY_LENGTH, null=True, blank=True, **kwargs)


def unique_per(owner: str, *, name: str) -> models.UniqueConstraint:
    """One row per owner and key (rows without a key are not constrained: NULLs are distinct)."""
    return models.UniqueConstraint(fields=[owner, "submission_key"], name=name)


def earlier_submission(model, key: str | None, **owner):
    """The row an earlier send of the same form made (`owner`: e.g. carer=carer), or None."""
    if not key:
        return None
    return model._default_manager.filter(submission_key=key, **owner).first()


def create_once(model, *, key: str | None, owner: dict, **fields):
    """Create the row with its key: (row, True); or, when the same form sent at the same moment made it
    first, (that row, False). Without a key this is a plain create."""
    if not key:
        return model._default_manager.create(**owner, **fields), True
    try:
        with transaction.atomic():
            return model._default_manager.create(submission_key=key, **owner, **fields), True
    except IntegrityError:
        existing = earlier_submission(model, key, **owner)
        if existing is None:
            raise
        return existing, False
