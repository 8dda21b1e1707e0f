"""Kernel tasks. Thin: plain JSON arguments in, one call out; safe to run twice."""

import socket

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> int:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


@shared_task
def heartbeat() -> dict:
    """Proves a worker is alive and reading the broker: returns who answered and when."""
    return {"worker": socket.gethostname(), "at": timezone.now().isoformat()}
