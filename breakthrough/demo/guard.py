"""The guard every demo entry point calls first: demo data (a published password and authenticator secret)
must never reach production."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DemoRefused(ImproperlyConfigured):
    """Demo data (a published password and authenticator secret) must never reach production."""


def refuse_in_production(what: str) -> None:
    if getattr(settings, "DJANGO_ENV", "development") == "production" or getattr(settings, "PRODUCTION", False):
        raise DemoRefused(f"{what} is for demonstration and development only; it refuses to run in production.")
