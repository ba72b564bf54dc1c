"""The step types a workflow is made of: a registry of typed steps.

Each :class:`StepType` declares its parameters as a Django form (typed fields, validated when
the workflow is saved; object choices narrowed by the permission gate to what the author may
see, so a hidden id fails like a missing one), who may run it (``authorize``, checked when a
run starts, for whoever starts it), and how it runs:

- ``run(ctx)`` executes in a worker and returns an :class:`Outcome`: done (with a result that
  later steps and conditions read), failed (``transient`` failures are retried with backoff),
  or waiting for something outside the worker (a scan run, a report, an approval, a delay);
- ``poll(ctx)`` tells whether a waiting step is done (called when what it waits for announces
  its end, by delayed polls and by the reconciler); ``cancel(ctx)`` stops what it waits for.

Steps call governance through its services only. Other apps may register their own step
types in ``ready()`` (``step_types.register(key, StepType(...))``).
"""

from __future__ import annotations

import contextlib
import operator
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from pursight import permissions
from pursight.registry import Registry

# --- outcomes -------------------------------------------------------------------------------


class TransientStepError(Exception):
    """A failure worth retrying (a service or a connection briefly unavailable)."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientStepError,
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)

DONE, WAIT, FAIL = "done", "wait", "fail"


@dataclass
class Outcome:
    kind: str
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    transient: bool = False
    waiting_for: str = ""
    poll_in: float | None = None  # seconds until the next timed poll of a waiting step

    @classmethod
    def done(cls, **result: Any) -> Outcome:
        return cls(DONE, result)

    @classmethod
    def failed(cls, error: str, *, transient: bool = False, **result: Any) -> Outcome:
        return cls(FAIL, result, error=error, transient=transient)

    @classmethod
    def wait(cls, waiting_for: str, *, poll_in: float | None = None, **result: Any) -> Outcome:
        return cls(WAIT, result, waiting_for=waiting_for, poll_in=poll_in)


@dataclass
class Context:
    """What a step sees while it runs: who runs it, its parameters, earlier results."""

    actor: Any  # the user who started the run (None: the system)
    params: dict[str, Any]
    step: Any  # the StepRun
    run: Any  # the WorkflowRun
    results: dict[str, dict[str, Any]]  # results of the steps it depends on, by key
    is_cancelled: Callable[[], bool] = lambda: False
    now: Callable[[], Any] = timezone.now  # the reconciler's clock when it polls


@dataclass(frozen=True)
class StepType:
    key: str
    label: str
    form: type[forms.Form]
    run: Callable[[Context], Outcome]
    description: str = ""
    authorize: Callable[[Any, dict[str, Any]], None] = lambda actor, params: None
    poll: Callable[[Context], Outcome | None] | None = None
    cancel: Callable[[Context], None] | None = None
    icon: str = "bolt"


step_types: Registry[StepType] = Registry("workflow step types")


def get_type(key: str) -> StepType:
    try:
        return step_types[key]
    except KeyError:
        known = ", ".join(sorted(t.key for t in step_types))
        raise ValidationError(f"Unknown step type '{key}'; choose among {known}.") from None


def type_choices() -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in step_types]


# --- parameters -----------------------------------------------------------------------------


class ParamsForm(forms.Form):
    """Parameters of one step type. ``user`` narrows object choices through the gate (None:
    the system, which sees everything). ``to_json`` turns cleaned values into JSON."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            qs = getattr(f, "queryset", None)
            if qs is None or user is None:
                continue
            if qs.model is get_user_model():
                f.queryset = permissions.restrict_people(qs, user)
            else:
                f.queryset = permissions.restrict_choices(qs, user)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value is None:  # an optional parameter left out: not stored
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif hasattr(value, "values_list"):
                value = sorted(value.values_list("pk", flat=True))
            out[name] = value
        return out


def validate_params(type_key: str, params: Any, *, user: Any = None) -> dict[str, Any]:
    """The step's parameters, validated and normalised; ``ValidationError`` with the fields'
    messages otherwise."""
    step_type = get_type(type_key)
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationError("Parameters must be a mapping of names to values.")
    unknown = sorted(set(params) - set(step_type.form.base_fields))
    if unknown:
        allowed = ", ".join(step_type.form.base_fields) or "none"
        raise ValidationError(
            f"Unknown parameter(s) {', '.join(unknown)} for a '{type_key}' step (allowed: "
            f"{allowed})."
        )
    data = {k: v for k, v in params.items() if v is not None}
    form = step_type.form(data=data, user=user)
    if not form.is_valid():
        messages = [
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in form.errors.items()
        ]
        raise ValidationError(messages)
    return form.to_json()


def _model(label: str) -> Any:
    from django.apps import apps

    return apps.get_model(label)


def _load(label: str, pk: Any) -> Any:
    obj = _model(label)._default_manager.filter(pk=pk).first()
    if obj is None:
        raise ValidationError(f"The {label.split('.')[-1].lower()} {pk} no longer exists.")
    return obj


def _need(actor: Any, action: str, obj: Any, what: str) -> None:
    if actor is None or permissions.can(actor, action, obj):
        return
    if obj.pk is not None and not permissions.can(actor, permissions.VIEW, obj):
        # Hidden from the actor: refused exactly like a missing one (never named).
        raise ValidationError(f"The {obj._meta.model_name} {obj.pk} no longer exists.")
    raise permissions.PermissionDenied(f"You may not {what}.")


# --- scan and classify ----------------------------------------------------------------------


class ScanParams(ParamsForm):
    scan = forms.ModelChoiceField(queryset=None, help_text="The scan to run.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.base_fields["scan"].queryset = _model("scans.Scan").objects.all()
        super().__init__(*args, **kwargs)


def _authorize_scan(actor: Any, params: dict[str, Any]) -> None:
    scan = _load("scans.Scan", params["scan"])
    _need(actor, "run", scan, f"run the scan '{scan}'")


SCAN_RUN = "scans.ScanRun"


def _start_scan(ctx: Context, scan: Any) -> Outcome:
    from governance.scans import services as scans
    from governance.scans.choices import Trigger

    trigger = Trigger.SCHEDULE if ctx.run.trigger == "schedule" else Trigger.API
    try:
        run = scans.start_scan(actor=ctx.actor, scan=scan, trigger=trigger)
    except scans.ScanError as exc:  # already running: worth waiting and trying again
        return Outcome.failed(str(exc), transient=True)
    return Outcome.wait(f"{SCAN_RUN}:{run.pk}", poll_in=30, scan_run=run.pk)


def _run_scan(ctx: Context) -> Outcome:
    return _start_scan(ctx, _load("scans.Scan", ctx.params["scan"]))


def _poll_scan(ctx: Context) -> Outcome | None:
    from governance.scans.choices import RunState
    from governance.scans.models import COUNTER_FIELDS, ScanRun

    run = ScanRun.objects.filter(pk=ctx.step.result.get("scan_run")).first()
    if run is None:
        return Outcome.failed("The scan run was deleted.")
    if run.state == RunState.SUCCEEDED:
        counters = {name: getattr(run, name) for name in COUNTER_FIELDS}
        return Outcome.done(scan_run=run.pk, state=run.state, **counters)
    if run.state in (RunState.FAILED, RunState.CANCELLED):
        return Outcome.failed(
            f"Scan run #{run.pk} {run.state}: {run.error or 'no reason given'}",
            scan_run=run.pk,
            state=run.state,
        )
    return None


def _cancel_scan(ctx: Context) -> None:
    from governance.scans import services as scans
    from governance.scans.models import ScanRun

    run = ScanRun.objects.filter(pk=ctx.step.result.get("scan_run")).first()
    if run is not None and run.is_active:
        with contextlib.suppress(scans.ScanError):
            scans.cancel_run(actor=None, run=run)


class ClassifyParams(ParamsForm):
    datasource = forms.ModelChoiceField(queryset=None, help_text="The data source to rescan.")
    rule_set = forms.ModelChoiceField(
        queryset=None, help_text="The scan rule set (classification rules) to apply."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.base_fields["datasource"].queryset = _model("datasources.DataSource").objects.all()
        self.base_fields["rule_set"].queryset = _model("scanrules.ScanRuleSet").objects.all()
        super().__init__(*args, **kwargs)


def _authorize_classify(actor: Any, params: dict[str, Any]) -> None:
    source = _load("datasources.DataSource", params["datasource"])
    _need(actor, "scan", source, f"scan the data source '{source.name}'")


def _run_classify(ctx: Context) -> Outcome:
    """Rescan the source with the rule set, through a scan of that source and rule set
    (created once, reused by later runs)."""
    from governance.scans import services as scans
    from governance.scans.models import Scan

    source = _load("datasources.DataSource", ctx.params["datasource"])
    rule_set = _load("scanrules.ScanRuleSet", ctx.params["rule_set"])
    scan = Scan.objects.filter(datasource=source, rule_set=rule_set, is_default=False).first()
    if scan is None:
        scan = Scan(
            datasource=source,
            rule_set=rule_set,
            name=f"Classify with {rule_set.name}"[:100],
            description="Created by a workflow's classify step.",
        )
        scans.save_scan(actor=ctx.actor, scan=scan)
    return _start_scan(ctx, scan)


# --- compliance -----------------------------------------------------------------------------


class EvaluateParams(ParamsForm):
    framework = forms.ModelChoiceField(queryset=None)
    datasource = forms.ModelChoiceField(
        queryset=None, required=False, help_text="Empty: every data source (platform-wide)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.base_fields["framework"].queryset = _model("compliance.Framework").objects.all()
        self.base_fields["datasource"].queryset = _model("datasources.DataSource").objects.all()
        super().__init__(*args, **kwargs)


def _authorize_evaluate(actor: Any, params: dict[str, Any]) -> None:
    from governance.compliance.services.access import check_evaluate

    framework = _load("compliance.Framework", params["framework"])
    source = params.get("datasource")
    source = _load("datasources.DataSource", source) if source else None
    if source is not None:
        _need(actor, permissions.VIEW, source, "")  # hidden: like a missing one
    check_evaluate(actor, framework, source)


SEVERE = ("high", "critical")


def _run_evaluate(ctx: Context) -> Outcome:
    from governance.compliance import services as compliance
    from governance.compliance.choices import Trigger
    from governance.compliance.models import Finding

    framework = _load("compliance.Framework", ctx.params["framework"])
    source = ctx.params.get("datasource")
    trigger = Trigger.SCHEDULE if ctx.run.trigger == "schedule" else Trigger.API
    run = compliance.evaluate_framework(
        actor=ctx.actor,
        framework=framework,
        datasource=_load("datasources.DataSource", source) if source else None,
        trigger=trigger,
    )
    new = Finding.objects.filter(first_run=run)
    return Outcome.done(
        evaluation_run=run.pk,
        opened=run.findings_opened,
        closed=run.findings_closed,
        open=run.findings_open,
        score=run.score,
        new_high=new.filter(severity__in=SEVERE).count(),
        new_critical=new.filter(severity="critical").count(),
    )


class ReportParams(ParamsForm):
    framework = forms.ModelChoiceField(queryset=None)
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("pdf", "PDF evidence pack")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.base_fields["framework"].queryset = _model("compliance.Framework").objects.all()
        super().__init__(*args, **kwargs)


REPORT = "compliance.ComplianceReport"


def _run_report(ctx: Context) -> Outcome:
    from governance.compliance import services as compliance

    framework = _load("compliance.Framework", ctx.params["framework"])
    report = compliance.request_report(
        actor=ctx.actor, framework=framework, format=ctx.params["format"]
    )
    return Outcome.wait(f"{REPORT}:{report.pk}", poll_in=5, report=report.pk)


def _poll_report(ctx: Context) -> Outcome | None:
    from governance.compliance.choices import ReportState
    from governance.compliance.models import ComplianceReport

    report = (
        ComplianceReport.objects.filter(pk=ctx.step.result.get("report"))
        .only("state", "filename", "findings_count", "error", "size")
        .first()
    )
    if report is None:
        return Outcome.failed("The report was deleted.")
    if report.state == ReportState.DONE:
        return Outcome.done(
            report=report.pk,
            filename=report.filename,
            findings=report.findings_count,
            size=report.size,
        )
    if report.state == ReportState.FAILED:
        return Outcome.failed(f"The report failed: {report.error}", report=report.pk)
    return None


# --- the classifier -------------------------------------------------------------------------


class TrainParams(ParamsForm):
    use_feedback = forms.BooleanField(
        required=False, initial=True, help_text="Learn from the stewards' decisions."
    )
    small = forms.BooleanField(required=False, help_text="A reduced model (seconds).")


def _authorize_train(actor: Any, params: dict[str, Any]) -> None:
    from governance.classifications.models import ClassifierModel

    _need(actor, "activate", ClassifierModel(), "train and activate classifier models")


def _run_train(ctx: Context) -> Outcome:
    from governance.catalog import classifying
    from governance.classifications import services as classifications

    feedback: list[Any] = []
    warnings: list[str] = []
    if ctx.params.get("use_feedback", True):
        feedback, warnings = classifying.feedback_items()
    row = classifications.train_and_activate(
        actor=ctx.actor, feedback=feedback, small=bool(ctx.params.get("small"))
    )
    return Outcome.done(model=row.version, feedback_columns=len(feedback), warnings=warnings[:20])


# --- people ---------------------------------------------------------------------------------


class ApprovalParams(ParamsForm):
    approvers = forms.ModelMultipleChoiceField(
        queryset=None, help_text="Who may approve (any one of them). "
    )
    message = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.base_fields["approvers"].queryset = get_user_model().objects.filter(is_active=True)
        super().__init__(*args, **kwargs)


APPROVAL = "orchestration.approval"


def _run_approval(ctx: Context) -> Outcome:
    from . import approvals

    ref = approvals.gateway().request(ctx)
    return Outcome.wait(ref, approvers=ctx.params["approvers"], message=ctx.params["message"])


def _poll_approval(ctx: Context) -> Outcome | None:
    from . import approvals

    decision = approvals.gateway().decision(ctx)
    if decision is None:
        return None
    if decision.approved:
        return Outcome.done(decision="approved", by=decision.by, note=decision.note)
    return Outcome.failed(
        f"Rejected by {decision.by_name}" + (f": {decision.note}" if decision.note else "."),
        decision="rejected",
        by=decision.by,
        note=decision.note,
    )


class NotifyParams(ParamsForm):
    recipients = forms.ModelMultipleChoiceField(queryset=None, required=False)
    include_owner = forms.BooleanField(required=False, initial=True)
    message = forms.CharField(max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.base_fields["recipients"].queryset = get_user_model().objects.filter(is_active=True)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("recipients") and not data.get("include_owner"):
            raise ValidationError("Name at least one recipient or include the owner.")
        return data


def _run_notify(ctx: Context) -> Outcome:
    from . import notifying

    ids = set(ctx.params.get("recipients") or [])
    owner = ctx.run.workflow.owner_id
    if ctx.params.get("include_owner") and owner:
        ids.add(owner)
    sent = notifying.notify(
        ctx.run, user_ids=sorted(ids), title=f"{ctx.run.workflow}: {ctx.params['message']}"
    )
    return Outcome.done(notified=sent)


# --- time and logic -------------------------------------------------------------------------


class DelayParams(ParamsForm):
    seconds = forms.IntegerField(min_value=1, max_value=7 * 24 * 3600)


def _run_delay(ctx: Context) -> Outcome:
    until = timezone.now() + timedelta(seconds=ctx.params["seconds"])
    return Outcome.wait(
        f"orchestration.delay:{ctx.step.pk}",
        poll_in=ctx.params["seconds"],
        until=until.isoformat(),
    )


def _poll_delay(ctx: Context) -> Outcome | None:
    from datetime import datetime

    until = datetime.fromisoformat(ctx.step.result["until"])
    if ctx.now() >= until:
        return Outcome.done(waited=ctx.params["seconds"])
    return None


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class ConditionParams(ParamsForm):
    step = forms.SlugField(max_length=50, help_text="An earlier step (one this step follows).")
    field = forms.SlugField(
        max_length=60, help_text="A value of that step's result, e.g. new_high."
    )
    op = forms.ChoiceField(choices=[(k, k) for k in OPERATORS])
    value = forms.FloatField()


def _run_condition(ctx: Context) -> Outcome:
    result = ctx.results.get(ctx.params["step"])
    if result is None:
        return Outcome.failed(f"The step '{ctx.params['step']}' has no result.")
    actual = result.get(ctx.params["field"])
    if not isinstance(actual, int | float) or isinstance(actual, bool):
        return Outcome.failed(
            f"The result of '{ctx.params['step']}' has no number '{ctx.params['field']}' "
            f"(it has: {', '.join(sorted(result)) or 'nothing'})."
        )
    passed = OPERATORS[ctx.params["op"]](actual, ctx.params["value"])
    return Outcome.done(passed=passed, actual=actual)


class NoopParams(ParamsForm):
    sleep = forms.FloatField(
        required=False, min_value=0, max_value=600, help_text="Seconds to hold the worker."
    )
    fail_attempts = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10,
        help_text="Fail the first N attempts with a transient error (rehearse retries).",
    )


def _run_noop(ctx: Context) -> Outcome:
    """Do nothing (optionally for a while in the worker): checks the orchestrator itself."""
    fail = ctx.params.get("fail_attempts") or 0
    if ctx.step.attempts <= fail:
        raise TransientStepError(f"Rehearsed failure (attempt {ctx.step.attempts} of {fail}).")
    deadline = time.monotonic() + (ctx.params.get("sleep") or 0)
    while time.monotonic() < deadline:
        if ctx.is_cancelled():
            return Outcome.failed("Cancelled while running.")
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    return Outcome.done(attempt=ctx.step.attempts, worker=ctx.step.worker)


def register_defaults() -> None:
    for step in (
        StepType(
            "scan",
            "Scan a source",
            ScanParams,
            _run_scan,
            "Run a scan and wait for it to finish.",
            _authorize_scan,
            _poll_scan,
            _cancel_scan,
            icon="radar",
        ),
        StepType(
            "classify",
            "Classify (rescan with a rule set)",
            ClassifyParams,
            _run_classify,
            "Rescan a data source with a scan rule set and wait for it.",
            _authorize_classify,
            _poll_scan,
            _cancel_scan,
            icon="label",
        ),
        StepType(
            "evaluate",
            "Evaluate a framework",
            EvaluateParams,
            _run_evaluate,
            "Evaluate a compliance framework; the result counts new findings (new_high).",
            _authorize_evaluate,
            icon="rule",
        ),
        StepType(
            "train",
            "Train the classifier",
            TrainParams,
            _run_train,
            "Retrain the classifier (with the stewards' decisions) and activate it.",
            _authorize_train,
            icon="model_training",
        ),
        StepType(
            "report",
            "Export a compliance report",
            ReportParams,
            _run_report,
            "Build a compliance report (CSV or PDF) and wait for it.",
            poll=_poll_report,
            icon="description",
        ),
        StepType(
            "approval",
            "Wait for an approval",
            ApprovalParams,
            _run_approval,
            "Wait until one of the approvers approves (a rejection fails the run).",
            poll=_poll_approval,
            icon="approval",
        ),
        StepType(
            "notify",
            "Notify",
            NotifyParams,
            _run_notify,
            "Send a notification to people's inboxes.",
            icon="notifications",
        ),
        StepType(
            "delay",
            "Wait (delay)",
            DelayParams,
            _run_delay,
            "Wait a number of seconds without holding a worker.",
            poll=_poll_delay,
            icon="schedule",
        ),
        StepType(
            "condition",
            "Condition",
            ConditionParams,
            _run_condition,
            "Compare a number of an earlier step's result; when false, the steps after it "
            "are skipped.",
            icon="call_split",
        ),
        StepType(
            "noop",
            "No-op",
            NoopParams,
            _run_noop,
            "Do nothing (optionally hold the worker a while): checks the orchestrator.",
            icon="check",
        ),
    ):
        step_types.register(step.key, step)
