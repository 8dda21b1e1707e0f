"""Building blocks for the statement's tests: a draft with what publishing needs, and a published version."""

import datetime

from django.utils import timezone

from commissioning.statement import services

READY = {
    "department_name": "Carers Services",
    "department_email": "carers@x.example",
    "department_phone": "0131 000 0000",
    "consultation": "We asked the carers' forum in March.",
}


def ready_draft(partnership, commissioner, **fields):
    return services.statement_draft_save(partnership=partnership, by=commissioner, **(READY | fields))


def next_year() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=365)


def publish(partnership, commissioner, *, key=None, **fields):
    """Version N+1 of the partnership's statement, published through the service."""
    ready_draft(partnership, commissioner, **fields)
    return services.statement_publish(
        partnership=partnership, by=commissioner, next_review_on=next_year(), submission_key=key
    )


def statement_kwargs(w):
    """The public pages' kwargs: partnership X with one published version."""
    x = w.personas["commissioner_x"]
    statement = publish(x.organisation.partnership, x)
    return {"partnership": statement.partnership.slug}


def version_kwargs(w):
    return statement_kwargs(w) | {"version": 1}
