"""The Celery app. Worker: `celery -A breakthrough worker -l info`; beat: `celery -A breakthrough beat -l info`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breakthrough.settings")

app = Celery("breakthrough")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Apps that grew packages keep their tasks beside each concept, not in one tasks.py.
app.autodiscover_tasks(["brokerage.bookings", "brokerage.providers", "brokerage.plans", "commissioning.plans"])
