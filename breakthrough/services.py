"""Writes to the shared kernel: inviting staff and accepting an invitation."""

import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from breakthrough.audit import log_action
from breakthrough.models import Invitation, Organisation, Role, User
from breakthrough.tasks import send_email

# Which kinds of organisation each invited role may belong to.
ROLE_ORGANISATION_KINDS = {
    Role.BROKER: {Organisation.Kind.HUB},
    Role.ASSESSOR: {Organisation.Kind.HUB, Organisation.Kind.PARTNERSHIP_BODY},
    Role.COMMISSIONER: {Organisation.Kind.PARTNERSHIP_BODY},
    Role.PROVIDER: {Organisation.Kind.PROVIDER},
    Role.VOLUNTEER: {Organisation.Kind.HUB, Organisation.Kind.PROVIDER},
    Role.NATIONAL: {Organisation.Kind.NATIONAL_BODY},
    Role.ADMIN: {Organisation.Kind.PLATFORM},
}


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})


@transaction.atomic
def invitation_create(*, email: str, role: str, organisation: Organisation, invited_by: User) -> tuple[Invitation, str]:
    """Invite a member of staff; e-mails them a link that works once, until it expires. Returns the raw token."""
    if invited_by.role != Role.ADMIN:
        raise ValidationError("Only a platform administrator can invite staff.")
    email = email.strip().lower()
    if role == Role.CARER or role not in ROLE_ORGANISATION_KINDS:
        raise ValidationError({"role": "Choose a staff role: carers register themselves."})
    if organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
        raise ValidationError(
            {
                "organisation": (
                    f"A {Role(role).label.lower()} cannot belong to a {organisation.get_kind_display().lower()}."
                )
            }
        )
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone already has an account with this email address."})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        organisation=organisation,
        token_hash=Invitation.hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + settings.INVITATION_LIFETIME,
    )
    context = {
        "invitation": invitation,
        "url": invitation_url(token),
        "hours": int(settings.INVITATION_LIFETIME.total_seconds() // 3600),
    }
    send_email.delay_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}you are invited to join {organisation.name}",
        body=render_to_string("breakthrough/email/invitation.txt", context),
        to=[email],
    )
    log_action(
        invitation,
        "breakthrough.invitation.created",
        user=invited_by,
        data={"role": role, "organisation": organisation.pk},
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation behind a link, or None when the link is wrong, used or expired."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=Invitation.hash_token(token)).first()
    )
    return invitation if invitation is not None and invitation.is_open else None


@transaction.atomic
def invitation_accept(*, token: str, first_name: str, last_name: str, password: str) -> User:
    """Turn an invitation into an account. The invitation is locked so a double submit makes one account."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=Invitation.hash_token(token)).first()
    if invitation is None or not invitation.is_open:
        raise ValidationError("This invitation link has expired or has already been used. Ask for a new one.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("Someone already has an account with this email address.")
    user = User.objects.create_user(
        invitation.email,
        password,
        first_name=first_name,
        last_name=last_name,
        role=invitation.role,
        organisation=invitation.organisation,
        is_staff=invitation.role == Role.ADMIN,
        is_superuser=invitation.role == Role.ADMIN,
    )
    # The link reached this address, so the address is verified.
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    log_action(invitation, "breakthrough.invitation.accepted", user=user)
    return user
