"""The admin of workflows (a form per step with its dependencies, the DAG drawn), their runs
(a live timeline; cancel, resume, approve) and schedules (next run)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from unfold.decorators import action, display

from pursight import permissions
from pursight.admin import (
    GovernedTabularInline,
    ObjectActionsMixin,
    PurSightModelAdmin,
    ReadOnlyAdminMixin,
)

from . import definition as defs
from . import graph, services
from .choices import RUN_FINAL, RunState, ScheduleKind, StepState
from .models import Schedule, StepRun, Workflow, WorkflowRun, WorkflowStep
from .steps import step_types, type_choices


def _when(value: Any) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i:s") if value else "—"


# --- workflows ------------------------------------------------------------------------------


class StepForm(forms.ModelForm):
    type = forms.ChoiceField(choices=())
    after = forms.CharField(
        required=False,
        help_text="Keys of the steps it comes after, separated by commas.",
        widget=forms.TextInput(attrs={"placeholder": "scan, evaluate"}),
    )
    params = forms.JSONField(
        required=False,
        initial=dict,
        help_text='The step\'s parameters as JSON, e.g. {"scan": 3}.',
        widget=forms.Textarea(attrs={"rows": 2, "cols": 36}),
    )

    class Meta:
        model = WorkflowStep
        fields = ["key", "type", "params", "after", "retries", "retry_backoff", "timeout"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "—"), *type_choices()]
        self.fields["type"].help_text = "; ".join(
            f"{t.key}: {', '.join(t.form.base_fields) or 'no parameters'}" for t in step_types
        )
        if self.instance.pk:
            self.initial["after"] = ", ".join(self.instance.depends_on)

    def clean_after(self) -> list[str]:
        text = self.cleaned_data.get("after") or ""
        return [a.strip() for a in text.split(",") if a.strip()]


class StepFormSet(BaseInlineFormSet):
    """Validates the steps together: the DAG (no cycle, known keys), each step's typed
    parameters, objects the author may see."""

    user: Any = None

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        raw = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            raw.append(
                {
                    "key": data["key"],
                    "type": data["type"],
                    "params": data.get("params") or {},
                    "after": data.get("after") or [],
                    "retries": data.get("retries") or 0,
                    "retry_backoff": data.get("retry_backoff") or 0,
                    "timeout": data.get("timeout") or 3600,
                }
            )
        try:
            self.specs = defs.validate_steps(raw, user=self.user)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class StepInline(GovernedTabularInline):
    model = WorkflowStep
    form = StepForm
    formset = StepFormSet
    extra = 1
    fields = ["key", "type", "params", "after", "retries", "retry_backoff", "timeout"]
    ordering = ["position", "id"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = ["name", "title", "description", "collection", "owner", "enabled"]


@admin.register(Workflow)
class WorkflowAdmin(ObjectActionsMixin, PurSightModelAdmin):
    form = WorkflowForm
    list_display = ["name", "title", "collection", "enabled", "step_count", "version"]
    list_filter = ["enabled", "collection"]
    list_select_related = ["collection"]
    search_fields = ["name", "title", "description"]
    readonly_fields = ["dag", "version"]
    fieldsets = [
        (None, {"fields": ["name", "title", "description", "collection", "owner", "enabled"]}),
        ("Graph", {"fields": ["dag", "version"]}),
    ]
    inlines = [StepInline]
    actions_detail = ["run_detail", "export_detail"]
    detail_gate_actions = {"run_detail": "run"}

    def get_queryset(self, request: HttpRequest) -> Any:
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_steps=Count("steps"))

    @display(description="Steps", ordering="n_steps")
    def step_count(self, obj: Workflow) -> int:
        return obj.n_steps

    @display(description="DAG")
    def dag(self, obj: Workflow) -> Any:
        if obj.pk is None:
            return "Drawn once the workflow is saved."
        nodes = [
            graph.Node(s.key, _label(s.type), s.depends_on)
            for s in obj.steps.order_by("position", "id")
        ]
        return graph.render(nodes, title=f"Steps of {obj}")

    def save_model(self, request: HttpRequest, obj: Workflow, form: Any, change: bool) -> None:
        """Saved with its steps, by the service, in :meth:`save_related`."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        specs = next(
            (getattr(fs, "specs", None) for fs in formsets if isinstance(fs, StepFormSet)), None
        )
        data = {k: form.cleaned_data.get(k) for k in ("name", "title", "description", "enabled")}
        collection = form.cleaned_data.get("collection")
        data["collection"] = collection.pk if collection else None
        data["steps"] = [s.as_dict() for s in specs or []]
        workflow = services.save_workflow(
            actor=request.user, data=data, workflow=form.instance if change else None
        )
        owner = form.cleaned_data.get("owner")
        if owner is not None and workflow.owner_id != owner.pk:
            Workflow.objects.filter(pk=workflow.pk).update(owner=owner)
        form.instance.pk = workflow.pk
        for fs in formsets:  # saved by the service: nothing for the admin's change message
            fs.new_objects, fs.changed_objects, fs.deleted_objects = [], [], []

    def has_run_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return permissions.can_any(request.user, Workflow, "run")

    @action(description="Run now", url_path="run", icon="play_arrow", permissions=["run"])
    def run_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self.object_action(
            request,
            object_id,
            "run",
            title="Run now",
            question=lambda workflow: f"Start a run of the workflow '{workflow}' now?",
            service=_start,
            arg="workflow",
            done=lambda run: f"Workflow run #{run.pk} started; its page follows it.",
            then=lambda workflow, run: redirect(self.change_url(run or workflow)),
        )

    @action(description="Export YAML", url_path="export", icon="download")
    def export_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        workflow = self.gated_object(request, object_id, "view")
        response = HttpResponse(services.export_workflow(workflow), content_type="application/yaml")
        response["Content-Disposition"] = f'attachment; filename="{workflow.name}.yaml"'
        return response


def _label(type_key: str) -> str:
    try:
        return step_types[type_key].label
    except KeyError:
        return type_key


def _start(*, actor: Any, workflow: Workflow) -> WorkflowRun:
    return services.start_run(actor=actor, workflow=workflow)


# --- runs -----------------------------------------------------------------------------------

STATE_KIND = {
    RunState.PENDING: "info",
    RunState.RUNNING: "warning",
    RunState.SUCCEEDED: "success",
    RunState.FAILED: "danger",
    RunState.CANCELLED: "info",
}


class StepRunInline(GovernedTabularInline):
    model = StepRun
    fields = ["key", "type", "state", "attempts", "started_at", "finished_at", "error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["position", "id"]


def live_panel(run: WorkflowRun, request: HttpRequest) -> dict[str, Any]:
    status = services.run_status(run)
    specs = {s["key"]: s for s in run.definition.get("steps", [])}
    nodes = [
        graph.Node(
            s["key"], _label(s["type"]), specs.get(s["key"], {}).get("after", []), s["state"]
        )
        for s in status["steps"]
    ]
    waiting_approvals = [
        s["key"]
        for s in status["steps"]
        if s["type"] == "approval"
        and s["state"] == StepState.WAITING
        and (request.user.is_superuser or request.user.pk in (s["result"].get("approvers") or []))
    ]
    return {
        "id": run.pk,
        "socket": "/ws/live/",
        "status": status,
        "labels": dict(StepState.choices),
        "run_labels": dict(RunState.choices),
        "final": run.state in RUN_FINAL,
        "graph": graph.render(nodes, title=f"Steps of run #{run.pk}"),
        "approvals": waiting_approvals,
        "state_label": run.get_state_display(),
    }


@admin.register(WorkflowRun)
class WorkflowRunAdmin(ReadOnlyAdminMixin, ObjectActionsMixin, PurSightModelAdmin):
    list_display = [
        "id",
        "workflow",
        "state_label",
        "trigger",
        "progress",
        "created_at",
        "duration",
    ]
    list_filter = ["state", "trigger", "workflow"]
    list_select_related = ["workflow"]
    search_fields = ["workflow__name", "error"]
    readonly_fields = [
        "workflow",
        "state",
        "trigger",
        "requested_by",
        "schedule",
        "created_at",
        "started_at",
        "finished_at",
        "resumed",
        "error",
    ]
    fieldsets = [
        (None, {"fields": ["workflow", "trigger", "requested_by", "schedule", "resumed"]}),
        ("Timing", {"fields": ["created_at", "started_at", "finished_at"]}),
    ]
    change_form_outer_before_template = "orchestration/workflowrun_live.html"
    inlines = [StepRunInline]
    actions_detail = ["cancel_detail", "resume_detail"]
    detail_gate_actions = {"cancel_detail": "cancel", "resume_detail": "resume"}

    def get_queryset(self, request: HttpRequest) -> Any:
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                n_steps=Count("steps"),
                n_done=Count(
                    "steps",
                    filter=Q(
                        steps__state__in=[
                            StepState.SUCCEEDED,
                            StepState.SKIPPED,
                            StepState.FAILED,
                            StepState.CANCELLED,
                        ]
                    ),
                ),
            )
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            context["workflowrun_live"] = live_panel(obj, request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="orchestration_workflowrun_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        """An approver's decision on a waiting approval step (POST only)."""
        from django.http import HttpResponseNotAllowed

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self.gated_object(request, object_id, "decide")
        ok = self.call_service(
            request,
            services.decide_approval,
            run=run,
            step_key=request.POST.get("step", ""),
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
        if ok is not None:
            self.report(request, True, f"Decision recorded on step '{ok.key}'.")
        return redirect(self.change_url(run))

    @display(description="State", label=STATE_KIND)
    def state_label(self, obj: WorkflowRun) -> str:
        return obj.state

    @display(description="Steps done")
    def progress(self, obj: WorkflowRun) -> str:
        return f"{obj.n_done}/{obj.n_steps}"

    @display(description="Duration")
    def duration(self, obj: WorkflowRun) -> str:
        d = obj.duration_seconds
        return "—" if d is None else f"{d:.1f} s"

    def has_cancel_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.state_allows(request, object_id, "cancel", (RunState.PENDING, RunState.RUNNING))

    def has_resume_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.state_allows(
            request, object_id, "resume", (RunState.FAILED, RunState.CANCELLED)
        )

    @action(description="Cancel", url_path="cancel", icon="stop", permissions=["cancel"])
    def cancel_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self.object_action(
            request,
            object_id,
            "cancel",
            title="Cancel",
            question=lambda run: f"Cancel workflow run #{run.pk} of {run.workflow}?",
            service=services.cancel_run,
            arg="run",
            done=lambda run: f"Run #{run.pk} cancelled.",
        )

    @action(description="Resume", url_path="resume", icon="replay", permissions=["resume"])
    def resume_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self.object_action(
            request,
            object_id,
            "resume",
            title="Resume",
            question=lambda run: (
                f"Resume workflow run #{run.pk} from its failed steps? Steps "
                "that succeeded are not run again."
            ),
            service=services.resume_run,
            arg="run",
            done=lambda run: f"Run #{run.pk} resumed from its failed steps.",
        )


# --- schedules ------------------------------------------------------------------------------


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = [
            "name",
            "workflow",
            "scan",
            "kind",
            "cron",
            "every",
            "period",
            "timezone",
            "enabled",
        ]
        help_texts = {
            "workflow": "What it runs: a workflow, or a scan (exactly one of the two).",
            "scan": "A plain scan, for a schedule that runs no workflow.",
            "every": "With “Every…”: how many periods between two runs.",
            "timezone": "An IANA time zone, e.g. Europe/Paris: when a cron expression's hours are.",
        }


@admin.register(Schedule)
class ScheduleAdmin(PurSightModelAdmin):
    form = ScheduleForm
    list_display = [
        "name",
        "target",
        "when",
        "timezone",
        "enabled",
        "next_run_display",
        "last_fired_at",
        "last_outcome",
    ]
    list_filter = ["enabled", "kind"]
    list_select_related = ["workflow", "scan", "scan__datasource", "periodic_task"]
    search_fields = ["name"]
    readonly_fields = ["next_run_display", "last_fired_at", "last_outcome"]
    fieldsets = [
        (None, {"fields": ["name", "workflow", "scan", "enabled"]}),
        ("When", {"fields": ["kind", "cron", "every", "period", "timezone", "next_run_display"]}),
        ("Last fired", {"fields": ["last_fired_at", "last_outcome"]}),
    ]

    def save_service(self, request: HttpRequest, obj: Schedule, form: Any, change: bool) -> None:
        services.save_schedule(actor=request.user, schedule=obj)

    def delete_model(self, request: HttpRequest, obj: Schedule) -> None:
        services.delete_schedule(actor=request.user, schedule=obj)

    @display(description="Runs")
    def target(self, obj: Schedule) -> str:
        return f"workflow {obj.workflow}" if obj.workflow_id else f"scan {obj.scan}"

    @display(description="When")
    def when(self, obj: Schedule) -> str:
        if obj.kind == ScheduleKind.CRON:
            return f"cron {obj.cron}"
        return f"every {obj.every} {obj.period}"

    @display(description="Next run")
    def next_run_display(self, obj: Schedule) -> str:
        if obj.pk is None:
            return "—"
        when = services.next_run(obj)
        return _when(when) if when else "disabled"


def unregister_beat_admin() -> None:
    """One way to edit schedules: PurSight's (gated), not beat's raw tables. Called from
    ``ready()`` (after the admin's autodiscovery registered them)."""
    from django_celery_beat import models as beat

    for model in (
        beat.PeriodicTask,
        beat.IntervalSchedule,
        beat.CrontabSchedule,
        beat.SolarSchedule,
        beat.ClockedSchedule,
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
