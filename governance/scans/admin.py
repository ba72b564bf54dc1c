from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import action, display

from governance.datasources.models import DataSource
from pursight import permissions
from pursight.admin import (
    GovernedTabularInline,
    ObjectActionsMixin,
    PurSightModelAdmin,
    ReadOnlyAdminMixin,
)
from pursight.admin_extensions import ExtensibleAdminMixin, extensible
from pursight.celery import app as celery_app

from . import services
from .choices import FINAL_STATES, RunState
from .extensions import schema_change_admin
from .models import Scan, ScanRun, SchemaChange


def _start(*, actor: Any, scan: Scan) -> services.Launch:
    try:
        return services.launch_scan(actor=actor, scan=scan)
    except services.ScanError as exc:
        raise ValidationError(str(exc)) from None


def _start_default(*, actor: Any, source: DataSource) -> services.Launch:
    return _start(actor=actor, scan=services.default_scan(actor=actor, source=source))


def launch_message(launch: services.Launch) -> tuple[bool, str]:
    """What happened to a started run, in words: (success?, message)."""
    run = launch.run
    what = f"Scan run #{run.pk} of {run.scan}"
    handover = services.Handover
    if launch.handover == handover.QUEUED:
        return (
            True,
            f"{what} is queued for a worker; its page shows the progress once it starts.",
        )
    if launch.handover == handover.STARTED:
        return True, f"{what} started; its page shows the progress live."
    if launch.handover == handover.RAN:
        ok = run.state == RunState.SUCCEEDED
        error = f": {run.error}" if run.error else "."
        return ok, f"{what} ran and {run.get_state_display().lower()}{error}"
    if launch.handover == handover.FAILED:
        return False, f"{what} could not start: {launch.reason}."
    return True, f"{what} will start when the current transaction is committed."


class StartScanMixin(ObjectActionsMixin):
    def started(self, request: HttpRequest, launch: services.Launch | None) -> None:
        if launch is not None:
            self.report(request, *launch_message(launch))

    def launched(
        self, request: HttpRequest, fallback: Any, launch: services.Launch | None
    ) -> HttpResponseRedirect:
        """After a start (``then`` of :meth:`object_action`): what happened, then the run's
        page, or back to ``fallback``'s when nothing started."""
        self.started(request, launch)
        if launch is None:
            return redirect(self.change_url(fallback))
        return redirect(reverse("admin:scans_scanrun_change", args=[launch.run.pk]))


class DataSourceScanActions(StartScanMixin):
    """What scans add to the data source admin (they sit above data sources): registered in
    :meth:`ScansConfig.ready` into ``datasources.extensions.datasource_admin``; its methods run
    as the data source admin's (:mod:`pursight.admin_extensions`)."""

    actions = ["scan_now"]
    actions_detail = ["scan_detail"]
    detail_gate_actions = {"scan_detail": "scan"}
    list_display = ["browse"]

    @display(description="Catalog")
    def browse(self, obj: DataSource) -> str:
        schemas = reverse("admin:catalog_catalogschema_changelist")
        runs = reverse("admin:scans_scanrun_changelist")
        return format_html(
            '<a href="{}?datasource__id__exact={}">Schemas →</a> · '
            '<a href="{}?datasource__id__exact={}">Runs →</a>',
            schemas,
            obj.pk,
            runs,
            obj.pk,
        )

    def has_scan_permission(self, request: HttpRequest) -> bool:
        return permissions.can_any(request.user, DataSource, "scan")

    @admin.action(description="Scan now", permissions=["scan"])
    def scan_now(self, request: HttpRequest, queryset: Any) -> None:
        for source in permissions.restrict(queryset, request.user, "scan"):
            self.started(request, self.call_service(request, _start_default, source=source))

    @action(description="Scan now", url_path="scan", icon="radar")
    def scan_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self.object_action(
            request,
            object_id,
            "scan",
            title="Scan now",
            question=lambda source: f"Start a scan of the data source '{source.name}' now?",
            service=_start_default,
            arg="source",
            then=partial(self.launched, request),
        )


class RunInline(GovernedTabularInline):
    model = ScanRun
    fields = [
        "state",
        "trigger",
        "queued_at",
        "finished_at",
        "tables_done",
        "columns_added",
        "error",
    ]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["-queued_at"]


class ScanForm(forms.ModelForm):
    class Meta:
        model = Scan
        fields = ["name", "datasource", "rule_set", "description"]
        error_messages = {
            NON_FIELD_ERRORS: {
                "unique_together": "This data source already has a scan with this name; "
                "choose another name."
            }
        }


@admin.register(Scan)
class ScanAdmin(StartScanMixin, PurSightModelAdmin):
    form = ScanForm
    list_display = ["name", "datasource", "rule_set", "is_default", "last_run"]
    list_filter = ["datasource", "is_default"]
    list_select_related = ["datasource", "rule_set"]
    search_fields = ["name", "datasource__name"]
    fields = ["name", "datasource", "rule_set", "description"]
    actions = ["run_scans"]
    actions_detail = ["run_detail"]
    detail_gate_actions = {"run_detail": "run"}
    inlines = [RunInline]

    def get_queryset(self, request: HttpRequest):
        from django.db.models import Max

        return super().get_queryset(request).annotate(last_run_at=Max("runs__queued_at"))

    def save_service(self, request: HttpRequest, obj: Scan, form: Any, change: bool) -> None:
        services.save_scan(actor=request.user, scan=obj)

    @display(description="Last run", ordering="last_run_at")
    def last_run(self, obj: Scan) -> Any:
        return obj.last_run_at

    def has_run_permission(self, request: HttpRequest) -> bool:
        return permissions.can_any(request.user, Scan, "run")

    @admin.action(description="Run scan", permissions=["run"])
    def run_scans(self, request: HttpRequest, queryset: Any) -> None:
        for scan in permissions.restrict(queryset, request.user, "run"):
            self.started(request, self.call_service(request, _start, scan=scan))

    @action(description="Run now", url_path="run", icon="play_arrow")
    def run_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self.object_action(
            request,
            object_id,
            "run",
            title="Run now",
            question=lambda scan: f"Start a run of the scan '{scan}' now?",
            service=_start,
            arg="scan",
            then=partial(self.launched, request),
        )


COUNTER_ROWS = [("Schemas", "schemas"), ("Tables", "tables"), ("Columns", "columns")]
COUNTER_KINDS = ["seen", "added", "changed", "removed"]


def live_summary(status: dict[str, Any], *, worker: bool) -> str:
    """One sentence about a run's progress (static/scans/scanrun_live.js words it alike)."""
    state, done, total = status["state"], status["tables_done"], status["tables_total"]

    def tables(n: int) -> str:
        return f"{n} table{'' if n == 1 else 's'}"

    if state == RunState.QUEUED:
        return "Queued: waiting for a worker to start it." if worker else "Queued: starting…"
    if state == RunState.RUNNING:
        if not total:
            return "Listing schemas and tables…"
        return f"{done} of {tables(total)} scanned ({round((status['progress'] or 0) * 100)}%)."
    if state == RunState.SUCCEEDED:
        return f"Finished: {tables(total or done)} scanned."
    verb = "Cancelled" if state == RunState.CANCELLED else "Failed"
    return f"{verb} after {done} of {tables(total)}." if total else f"{verb}."


def live_panel(run: ScanRun) -> dict[str, Any]:
    """The live panel's context and the data its script starts from (``json_script``)."""
    status = services.run_status(run)
    worker = not celery_app.conf.task_always_eager
    return {
        "id": run.pk,
        "socket": "/ws/live/",
        "worker": worker,
        "status": status,
        "labels": dict(RunState.choices),
        "state_label": run.get_state_display(),
        "final": run.state in FINAL_STATES,
        "percent": round((status["progress"] or 0) * 100),
        "summary": live_summary(status, worker=worker),
        "rows": [
            {
                "label": label,
                "cells": [
                    {"name": f"{key}_{kind}", "value": status[f"{key}_{kind}"]}
                    for kind in COUNTER_KINDS
                ],
            }
            for label, key in COUNTER_ROWS
        ],
    }


class SchemaChangeInline(GovernedTabularInline):
    model = SchemaChange
    fields = ["change", "asset_type", "display_name", "details"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdminMixin, ObjectActionsMixin, PurSightModelAdmin):
    list_display = [
        "id",
        "scan",
        "state_label",
        "trigger",
        "progress_display",
        "tables_seen",
        "columns_seen",
        "columns_added",
        "columns_changed",
        "columns_removed",
        "queued_at",
        "duration",
    ]
    list_filter = ["state", "trigger", "datasource"]
    list_select_related = ["scan", "scan__datasource"]
    search_fields = ["scan__name", "datasource__name", "error"]
    readonly_fields = [
        "scan",
        "datasource",
        "state",
        "trigger",
        "requested_by",
        "queued_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "worker",
        "attempts",
        "tables_total",
        "tables_done",
        "schemas_seen",
        "schemas_added",
        "schemas_removed",
        "tables_seen",
        "tables_added",
        "tables_changed",
        "tables_removed",
        "columns_seen",
        "columns_added",
        "columns_changed",
        "columns_removed",
        "error",
        "warnings",
    ]
    # State, progress, counters and error are in the live panel above the fields
    # (scans/scanrun_live.html, kept up to date from /ws/live/); the fields are what does not
    # change while the run goes on.
    fieldsets = [
        (None, {"fields": ["scan", "datasource", "trigger", "requested_by"]}),
        (
            "Timing",
            {"fields": ["queued_at", "started_at", "finished_at", "heartbeat_at", "worker"]},
        ),
        ("Warnings", {"fields": ["attempts", "warnings"]}),
    ]
    change_form_outer_before_template = "scans/scanrun_live.html"
    inlines = [SchemaChangeInline]
    actions = ["cancel_runs"]
    actions_detail = ["cancel_detail"]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ScanRun | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context["scanrun_live"] = live_panel(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @display(
        description="State",
        label={
            RunState.QUEUED: "info",
            RunState.RUNNING: "warning",
            RunState.SUCCEEDED: "success",
            RunState.FAILED: "danger",
            RunState.CANCELLED: "info",
        },
    )
    def state_label(self, obj: ScanRun) -> str:
        return obj.state

    @display(description="Progress")
    def progress_display(self, obj: ScanRun) -> str:
        p = obj.progress
        return "—" if p is None else f"{p:.0%} ({obj.tables_done}/{obj.tables_total or 0} tables)"

    @display(description="Duration")
    def duration(self, obj: ScanRun) -> str:
        d = obj.duration_seconds
        return "—" if d is None else f"{d:.1f} s"

    def _cancel(self, *, actor: Any, run: ScanRun) -> ScanRun:
        try:
            return services.cancel_run(actor=actor, run=run)
        except services.ScanError as exc:
            raise ValidationError(str(exc)) from None

    @admin.action(description="Cancel")
    def cancel_runs(self, request: HttpRequest, queryset: Any) -> None:
        for run in permissions.restrict(queryset, request.user, "cancel"):
            if self.call_service(request, self._cancel, run=run):
                self.report(request, True, f"Run #{run.pk}: cancel requested.")

    def has_cancel_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        """The Cancel button: only on a queued or running run the user may cancel."""
        return self.state_allows(request, object_id, "cancel", (RunState.QUEUED, RunState.RUNNING))

    @action(description="Cancel", url_path="cancel", icon="stop", permissions=["cancel"])
    def cancel_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self.object_action(
            request,
            object_id,
            "cancel",
            title="Cancel",
            question=lambda run: f"Cancel scan run #{run.pk} of {run.scan}?",
            service=self._cancel,
            arg="run",
            done=lambda run: f"Run #{run.pk}: cancel requested.",
        )


@admin.register(SchemaChange)
class SchemaChangeAdmin(ReadOnlyAdminMixin, ExtensibleAdminMixin, PurSightModelAdmin):
    # Apps above scans (compliance) add actions and filters through this registry.
    extensions = schema_change_admin
    list_display = ["at", "change", "asset_type", "display_name", "datasource", "run"]
    list_filter = extensible(["change", "asset_type", "datasource"])
    actions = extensible([])
    list_select_related = ["datasource", "run"]
    search_fields = ["display_name", "qualified_name"]
