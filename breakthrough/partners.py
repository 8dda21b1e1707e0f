"""Carer partners (Breakthrough Manifesto point 6: carers as partners in commissioning), for every app to use.

A partnership's commissioners invite a carer registered with the partnership; the carer reads the wording and
agrees (the wording is stored beside the date), and either side may end it. Audits and transformation plans
name current partners, who may then read them. This module is the one place that knows how: its services write,
its selectors read, and the apps that name partners (audits now, plans next) tell the carer's home page what a
partner may read through `register_reading_source`, so brokerage (the home page) and the apps that name partners
never import each other.

A carer is found by their e-mail address among the carers registered with the partnership (the brokerage's
carer record, reached through the user's `carer` relation, holds the partnership). The commissioner is told the
same thing whether or not the address belongs to such a carer, so the invitation form cannot be used to find out
who is a carer.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.access import get_visible_or_404, visible
from breakthrough.audit import log_action
from breakthrough.locking import locking_transaction
from breakthrough.models import CarerPartner, Partnership, Role, User
from breakthrough.submissions import earlier_submission
from breakthrough.tasks import send_email

# What a carer agrees to. Changing it changes what later agreements store; earlier ones keep the words they saw.
AGREEMENT = (
    "I agree to be a carer partner of {partnership}.\n"
    "{partnership}'s commissioners may name me on their local audits and plans for short breaks. I can then read "
    "what I am named on: the figures, what the commissioners found and the views carers gave.\n"
    "I will not share what I read there unless the partnership has published it.\n"
    "The partnership's commissioners can see my name and e-mail address as a carer partner, and that I agreed.\n"
    "Being a partner does not change the breaks or support I get.\n"
    "I can stop being a carer partner at any time from my home page. I then stop being able to read what I was "
    "named on."
)

NOT_A_PARTNER = "This invitation has ended. Ask your partnership's commissioners to invite you again."
WORDING_CHANGED = "The wording changed while you were reading it. Read it again below, then agree."


def agreement_wording(partnership: Partnership) -> str:
    return AGREEMENT.format(partnership=partnership.name)


def wording_digest(wording: str) -> str:
    """A short fingerprint of the wording the page showed, sent back with the agreement to check it is the same."""
    return hashlib.sha256(wording.encode()).hexdigest()[:16]


def partner_name(partner: CarerPartner) -> str:
    return partner.user.get_display_name()


# ----------------------------------------------------------------------------------------------
# Selectors
# ----------------------------------------------------------------------------------------------


def partners_list(*, fetched_by) -> QuerySet:
    """The partners of the commissioner's partnership, every state, newest invitation first."""
    return visible(fetched_by, CarerPartner).select_related("user", "partnership").order_by("-invited_at", "-pk")


def partner_get(*, fetched_by, pk: int) -> CarerPartner:
    """One partner row the user may see (a commissioner's partnership's, or a carer's own), or 404."""
    return get_visible_or_404(fetched_by, CarerPartner.objects.select_related("user", "partnership"), pk=pk)


def current_partners(partnership_id: int) -> QuerySet:
    """The partnership's current partners (agreed, not ended): the only ones an audit or a plan may name."""
    return (
        CarerPartner.objects.current()
        .filter(partnership_id=partnership_id)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email", "pk")
    )


def carer_invitations(*, fetched_by) -> QuerySet:
    """The carer's open invitations: sent, not yet agreed to, not ended."""
    return (
        visible(fetched_by, CarerPartner)
        .filter(user=fetched_by, agreed_at__isnull=True, withdrawn_at__isnull=True)
        .select_related("partnership")
        .order_by("invited_at", "pk")
    )


def carer_partnerships(*, fetched_by) -> QuerySet:
    """The partnerships the carer is a current partner of."""
    return visible(fetched_by, CarerPartner).current().filter(user=fetched_by).select_related("partnership")


@dataclass(frozen=True)
class Reading:
    """Something a carer partner is named on and may read: its title, where it is, and a line about it."""

    title: str
    url: str
    hint: str


_READING_SOURCES: list[Callable[..., Iterable[Reading]]] = []


def register_reading_source(source: Callable[..., Iterable[Reading]]) -> None:
    """An app that names partners (in its AppConfig.ready) gives `source(fetched_by=user)`: what they may read."""
    if source not in _READING_SOURCES:
        _READING_SOURCES.append(source)


def partner_readings(*, fetched_by) -> list[Reading]:
    """Everything the carer is named on as a current partner, from every app that names partners."""
    if fetched_by.role != Role.CARER:
        return []
    return [reading for source in _READING_SOURCES for reading in source(fetched_by=fetched_by)]


# ----------------------------------------------------------------------------------------------
# Services
# ----------------------------------------------------------------------------------------------


def _check_commissioner(by, partnership_id: int) -> None:
    if by.role != Role.COMMISSIONER or by.partnership_id != partnership_id:
        raise ValidationError("Only a commissioner of this partnership can do this.")


def _registered_carer(partnership_id: int, email: str) -> User | None:
    return (
        User.objects.filter(
            role=Role.CARER, is_active=True, email__iexact=email.strip(), carer__partnership_id=partnership_id
        )
        .order_by("pk")
        .first()
    )


def _email_invitation(partner: CarerPartner) -> None:
    url = settings.SITE_URL.rstrip("/") + reverse("partner_agree", kwargs={"pk": partner.pk})
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}will you be a carer partner of {partner.partnership.name}?",
        body=render_to_string(
            "breakthrough/email/carer_partner_invited.txt",
            {"partner": partner, "url": url, "site_name": settings.SITE_NAME, "site_url": settings.SITE_URL},
        ),
        to=[partner.user.email],
    )


def _after_checks() -> None:
    """Nothing: a seam the concurrency tests hold two sends at, after every check and before the write."""


@locking_transaction
def carer_partner_invite(*, partnership_id: int, email: str, by, submission_key: str | None = None):
    """Invite the carer with this e-mail address, if one is registered with the partnership, and e-mail them a
    link to the wording. Returns their partner row, or None when no such carer is registered (the caller says
    the same either way). Twice is once: the same form sent again (its key) does nothing more; a carer already
    invited is invited again (a reminder: the same row, a fresh date and e-mail); an ended partner is invited
    anew on the same row; a current partner is left as they are."""
    _check_commissioner(by, partnership_id)
    earlier = earlier_submission(CarerPartner, submission_key, partnership_id=partnership_id)
    if earlier is not None:
        return earlier
    partnership = Partnership.objects.get(pk=partnership_id)
    user = _registered_carer(partnership_id, email)
    if user is None:
        log_action(partnership, "breakthrough.carer_partner.invitation_unmatched", user=by)
        return None
    partner = CarerPartner.objects.select_for_update().filter(partnership_id=partnership_id, user=user).first()
    _after_checks()
    if partner is not None and submission_key and partner.submission_key == submission_key:
        return partner  # the same form, sent while the first send held the lock
    now = timezone.now()
    if partner is None:
        try:
            with transaction.atomic():
                partner = CarerPartner.objects.create(
                    partnership=partnership, user=user, invited_by=by, invited_at=now, submission_key=submission_key
                )
        except IntegrityError:
            # The same invitation sent at the same moment (the same key, or another tab): the first one wrote the
            # row and sends the e-mail; this one finds the row.
            return CarerPartner.objects.get(partnership_id=partnership_id, user=user)
        log_action(partner, "breakthrough.carer_partner.invited", user=by)
    elif partner.is_current:
        return partner
    else:
        again = partner.withdrawn_at is None
        partner.invited_by, partner.invited_at, partner.submission_key = by, now, submission_key
        partner.agreed_at, partner.agreement, partner.withdrawn_at, partner.ended_by = None, "", None, None
        partner.save()
        log_action(partner, "breakthrough.carer_partner.invited", user=by, data={"again": again})
    _email_invitation(partner)
    return partner


@locking_transaction
def carer_partner_agree(*, partner: CarerPartner, by, digest: str) -> CarerPartner:
    """The carer agrees to the wording the page showed them (`digest`); it is stored with the date. Agreeing twice
    (a double click, a resend) agrees once."""
    if by.role != Role.CARER or by.pk != partner.user_id:
        raise ValidationError("Only the carer invited can agree.")
    partner = CarerPartner.objects.select_for_update().select_related("partnership").get(pk=partner.pk)
    if partner.is_current:
        return partner
    if partner.withdrawn_at is not None:
        raise ValidationError(NOT_A_PARTNER)
    wording = agreement_wording(partner.partnership)
    if digest != wording_digest(wording):
        raise ValidationError(WORDING_CHANGED)
    partner.agreement, partner.agreed_at = wording, timezone.now()
    partner.save(update_fields=["agreement", "agreed_at"])
    log_action(partner, "breakthrough.carer_partner.agreed", user=by)
    return partner


@locking_transaction
def carer_partner_end(*, partner: CarerPartner, by) -> CarerPartner:
    """End a partnership: the carer withdraws (or declines an invitation), or a commissioner of the partnership
    ends it. From then on nothing names them and they read nothing they were named on. Ending twice ends once."""
    if by.role == Role.CARER:
        if by.pk != partner.user_id:
            raise ValidationError("Only the carer partner can withdraw.")
    else:
        _check_commissioner(by, partner.partnership_id)
    partner = CarerPartner.objects.select_for_update().get(pk=partner.pk)
    if partner.withdrawn_at is not None:
        return partner
    action = ("withdrawn" if partner.agreed_at else "declined") if by.role == Role.CARER else "ended"
    partner.withdrawn_at, partner.ended_by = timezone.now(), by
    partner.save(update_fields=["withdrawn_at", "ended_by"])
    log_action(partner, f"breakthrough.carer_partner.{action}", user=by)
    return partner
