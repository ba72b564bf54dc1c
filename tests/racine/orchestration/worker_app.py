"""The Celery app of the workflow worker tests: PurSight's, without the classifier warm-up
that scans connect to worker start (these workers run no scan; loading the model would cost
seconds per test and hold database locks while the test database is flushed)."""

import django

django.setup()

from celery.signals import worker_process_init, worker_ready  # noqa: E402

from governance.scans import tasks as scan_tasks  # noqa: E402
from pursight.celery import app  # noqa: E402

worker_process_init.disconnect(scan_tasks.warm_up)
worker_ready.disconnect(scan_tasks.warm_up_executor)

__all__ = ["app"]
