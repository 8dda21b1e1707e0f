"""The demo authenticator: every demo member of staff shares one published TOTP secret (and has recovery
codes), so anyone can sign in as them; `manage.py demo_totp` prints the current code."""

from __future__ import annotations

from urllib.parse import quote

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt, encrypt
from django.conf import settings

from breakthrough.models import User

from .guard import refuse_in_production

# Every demo member of staff shares this authenticator secret (base32, 20 bytes): add it to any
# authenticator app, or run `manage.py demo_totp <email>`. Published on purpose; never in production.
DEMO_TOTP_SECRET = "BREAKTHROUGHDEMOTOTPSECRET234567"


def ensure_demo_authenticator(user: User) -> None:
    """An authenticator app with the demo secret, and recovery codes, stored the way allauth stores them."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        TOTP.activate(user, DEMO_TOTP_SECRET)
    elif decrypt(totp.data.get("secret", "")) != DEMO_TOTP_SECRET:
        totp.data = {**totp.data, "secret": encrypt(DEMO_TOTP_SECRET)}
        totp.save(update_fields=["data"])
    RecoveryCodes.activate(user)  # keeps existing codes


class NotADemoAuthenticator(Exception):
    pass


def demo_totp_code(email: str, *, at: float) -> str:
    """The 6-digit code a demo login's authenticator app shows at time `at` (a Unix timestamp)."""
    refuse_in_production("demo_totp")
    authenticator = Authenticator.objects.filter(user__email__iexact=email, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        raise NotADemoAuthenticator(f"{email} has no authenticator app set up (is it a demo staff login?).")
    secret = decrypt(authenticator.data["secret"])
    if secret != DEMO_TOTP_SECRET:
        raise NotADemoAuthenticator(f"{email}'s authenticator was not set up by seed_demo; use its own app.")
    return format_hotp_value(hotp_value(secret, int(at) // mfa_settings.TOTP_PERIOD))


def otpauth_uri(account: str = "demo staff") -> str:
    """The demo secret as an authenticator app's link (what a QR code would hold)."""
    issuer = quote(getattr(settings, "MFA_TOTP_ISSUER", "Breakthrough"))
    return f"otpauth://totp/{issuer}:{quote(account)}?secret={DEMO_TOTP_SECRET}&issuer={issuer}&digits=6&period=30"
