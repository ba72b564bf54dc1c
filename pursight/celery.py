"""The Celery application. Tasks take ids and JSON primitives, load the row, call a service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")

app = Celery("pursight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
