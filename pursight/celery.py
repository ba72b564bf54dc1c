"""The Celery application. Tasks take ids and JSON primitives, load the row, call a service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")

app = Celery("pursight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task(name: str):
    """The registered task ``name``, for services that queue work of their own app's tasks
    module without importing it (tasks import services, never the reverse). A process that has
    not imported the task modules yet (a worker does at start) imports them first, so that the
    task runs as its ``delay_on_commit`` would: eagerly without a broker, routed with one."""
    if name not in app.tasks:
        app.autodiscover_tasks(force=True)
    return app.tasks[name]
