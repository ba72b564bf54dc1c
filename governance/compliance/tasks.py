"""Celery tasks of compliance: thin wrappers that load ids and call services.

Services queue these tasks by name (``services.reports.BUILD_REPORT``) and never import this
module: the imports point one way, tasks → services → models.
"""

from __future__ import annotations

from celery import shared_task

from governance.datasources.models import DataSource

from .choices import Trigger
from .models import Framework
from .services import reports, runs


@shared_task(name="governance.compliance.tasks.evaluate_framework")
def evaluate_framework(framework_id: int, trigger: str = Trigger.SCHEDULE) -> int | None:
    framework = Framework.objects.filter(pk=framework_id, enabled=True).first()
    if framework is None:
        return None
    return runs.evaluate_framework(actor=None, framework=framework, trigger=trigger).pk


@shared_task(name="governance.compliance.tasks.evaluate_datasource")
def evaluate_datasource(datasource_id: int, trigger: str = Trigger.SCAN) -> list[int]:
    source = DataSource.objects.filter(pk=datasource_id).first()
    if source is None:
        return []
    return [r.pk for r in runs.evaluate(actor=None, datasource=source, trigger=trigger)]


@shared_task(name="governance.compliance.tasks.evaluate_all")
def evaluate_all() -> list[int]:
    """The scheduled evaluation: one task per enabled framework."""
    ids = list(Framework.objects.filter(enabled=True).values_list("pk", flat=True))
    for pk in ids:
        evaluate_framework.delay(pk, Trigger.SCHEDULE)
    return ids


@shared_task(
    name="governance.compliance.tasks.build_report", acks_late=True, reject_on_worker_lost=True
)
def build_report(report_id: int) -> str | None:
    report = reports.build_report(report_id)
    return report.state if report else None
