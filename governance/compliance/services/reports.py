"""Compliance reports: requested by a user, built in the background (CSV or a PDF evidence
pack, rendered by :mod:`governance.compliance.reports`), downloaded by their requester."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from pursight import audit, permissions
from pursight.celery import task as celery_task

from .. import reports
from ..choices import ReportFormat, ReportState
from ..models import ComplianceReport, Finding, Framework
from .access import user_of

log = logging.getLogger(__name__)

# Tasks call services, so services never import the tasks module: they queue a task by its
# name. ``apps.py`` imports the tasks when the app is ready, so the task is registered here and
# runs like ``build_report.delay_on_commit`` would (eagerly without a broker).
BUILD_REPORT = "governance.compliance.tasks.build_report"


@transaction.atomic
def request_report(*, actor: Any, framework: Framework, format: str) -> ComplianceReport:
    """Queue a report of ``framework`` for ``actor`` (built in the background)."""
    if user_of(actor) and not permissions.scope(actor, "view_catalog"):
        raise permissions.PermissionDenied("You need a role on at least one collection.")
    if format not in ReportFormat.values:
        raise ValidationError({"format": f"Unknown format '{format}' (csv or pdf)."})
    report = ComplianceReport.objects.create(
        framework=framework, format=format, requested_by=user_of(actor)
    )
    audit.record(actor=actor, action="compliancereport.request", obj=report)
    celery_task(BUILD_REPORT).delay_on_commit(report.pk)
    return report


def build_report(report_id: int) -> ComplianceReport | None:
    """Render a queued report (idempotent: a finished report is left alone)."""
    with transaction.atomic():
        report = (
            ComplianceReport.objects.select_for_update(of=("self",))
            .select_related("framework", "requested_by")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.state == ReportState.DONE:
            return report
        report.state = ReportState.RUNNING
        report.save(update_fields=["state"])
    try:
        content, count = reports.render(report, report_findings(report))
    except Exception as exc:  # a report failure is recorded on the row, never lost
        log.exception("compliance.report_failed report=%s", report_id)
        report.state = ReportState.FAILED
        report.error = str(exc)[:2000]
        report.finished_at = timezone.now()
        report.save(update_fields=["state", "error", "finished_at"])
        return report
    stamp = timezone.now()
    report.content = content
    report.size = len(content)
    report.findings_count = count
    report.filename = f"{report.framework.code}-{stamp:%Y%m%d-%H%M}.{report.format}"
    report.state = ReportState.DONE
    report.finished_at = stamp
    report.save()
    return report


def report_findings(report: ComplianceReport) -> QuerySet:
    """The findings a report shows: those its requester may see."""
    qs = Finding.objects.filter(framework=report.framework).select_related(
        "rule", "rule__control", "datasource", "datasource__collection", "assignee"
    )
    user = report.requested_by
    if user is not None:
        qs = permissions.restrict(qs, user)
    return qs.order_by("rule__control__code", "rule__code", "qualified_name", "pk")


def visible_reports(user: Any) -> QuerySet:
    qs = ComplianceReport.objects.select_related("framework")
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(requested_by=user)
