"""Compliance admin: frameworks with controls and rules inline, the rule test bench, findings
with filters and bulk transitions, evaluation runs, reports and the compliance dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from unfold.decorators import action, display
from unfold.widgets import DATETIME_CLASSES, UnfoldAdminTextareaWidget

from pursight import permissions
from pursight.admin import (
    GovernedTabularInline,
    ObjectActionsMixin,
    PurSightModelAdmin,
    ReadOnlyAdminMixin,
    presence_filter,
)

from . import services
from .choices import FindingStatus, ReportFormat, ReportState
from .downloads import report_response
from .models import (
    ComplianceReport,
    Control,
    EvaluationRun,
    Finding,
    Framework,
    Rule,
    RuleResult,
)

NO_DATA = "No data"


def score_text(value: float | None) -> str:
    """A score as shown everywhere: a percentage, or "No data" when nothing was checked."""
    return NO_DATA if value is None else f"{value:.1f}%"


class ControlInline(GovernedTabularInline):
    model = Control
    fields = ["code", "title", "description"]


class RuleInline(GovernedTabularInline):
    model = Rule
    fields = ["code", "name", "control", "asset_type", "scope", "condition", "severity", "enabled"]
    show_change_link = True

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "control":
            framework_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Control.objects.filter(framework_id=framework_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _save_definition(actor: Any, obj: Any) -> Any:
    if isinstance(obj, Framework):
        return services.save_framework(actor=actor, framework=obj)
    if isinstance(obj, Control):
        return services.save_control(actor=actor, control=obj)
    return services.save_rule(actor=actor, rule=obj)


@admin.register(Framework)
class FrameworkAdmin(ObjectActionsMixin, PurSightModelAdmin):
    list_display = ["name", "code", "version", "enabled", "builtin", "rule_count", "score"]
    list_filter = ["enabled"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "version", "description", "url", "enabled", "edited_locally"]
    readonly_fields = ["edited_locally"]
    inlines = [ControlInline, RuleInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["evaluate_selected"]
    actions_detail = ["evaluate_detail", "report_csv", "report_pdf"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        if "code" in form.base_fields:
            form.base_fields["code"].error_messages["unique"] = (
                "A framework with this code already exists; choose another code."
            )
        return form

    def get_queryset(self, request: HttpRequest):
        # The score column: the latest results of the framework's rules on the data sources the
        # user may see (two subqueries for the whole page, never one query per row).
        results = (
            permissions.restrict(RuleResult.objects.all(), request.user)
            .filter(rule__framework=OuterRef("pk"), rule__enabled=True)
            .order_by()
            .values("rule__framework")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_rules=Count("rules", distinct=True),
                score_checked=Subquery(results.annotate(n=Sum("checked")).values("n")[:1]),
                score_failing=Subquery(results.annotate(n=Sum("failing")).values("n")[:1]),
            )
        )

    @display(description="Built in", boolean=True)
    def builtin(self, obj: Framework) -> bool:
        return obj.is_builtin

    @display(description="Rules", ordering="n_rules")
    def rule_count(self, obj: Framework) -> int:
        return obj.n_rules

    @display(description="Score")
    def score(self, obj: Framework) -> str:
        value = services.score(
            getattr(obj, "score_checked", None) or 0, getattr(obj, "score_failing", None) or 0
        )
        return score_text(value)

    @display(description="Edited locally")
    def edited_locally(self, obj: Framework) -> str:
        return ", ".join(obj.locally_edited_fields()) or "-"

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        _save_definition(request.user, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.delete_object(actor=request.user, obj=obj)
        for obj in instances:
            if isinstance(obj, Rule):
                obj.framework = form.instance
            _save_definition(request.user, obj)
        formset.save_m2m()

    def _evaluate(self, request: HttpRequest, framework: Framework) -> None:
        run = self.call_service(request, services.evaluate_framework, framework=framework)
        if run is not None:
            s = services.summarize(run)
            self.report(
                request,
                True,
                f"{framework}: {s.rules} rules, {s.checked} asset checks, {s.opened} opened"
                + (f" ({s.reopened} resolved but still violated, reopened)" if s.reopened else "")
                + f", {s.closed} closed, {s.still_open} open"
                + (f", {s.skipped} skipped (not available yet)" if s.skipped else "")
                + ".",
            )

    @admin.action(description="Evaluate now")
    def evaluate_selected(self, request: HttpRequest, queryset: Any) -> None:
        for framework in queryset:
            self._evaluate(request, framework)

    def _confirmed(
        self,
        request: HttpRequest,
        object_id: Any,
        title: str,
        act: Callable[[Framework], HttpResponse],
    ) -> HttpResponse:
        framework = self.visible_object(request, object_id)
        if framework is None:
            raise Http404
        return self.confirm_or_act(
            request,
            framework,
            title=title,
            question=f"{title}: {framework}?",
            act=lambda: act(framework),
        )

    @action(description="Evaluate now", url_path="evaluate", icon="rule")
    def evaluate_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        def act(framework: Framework) -> HttpResponse:
            self._evaluate(request, framework)
            return redirect(self.change_url(framework))

        return self._confirmed(request, object_id, "Evaluate every data source now", act)

    def _report(self, request: HttpRequest, object_id: Any, fmt: str, title: str) -> HttpResponse:
        def act(framework: Framework) -> HttpResponse:
            report = self.call_service(
                request, services.request_report, framework=framework, format=fmt
            )
            if report is not None:
                self.report(request, True, f"Report #{report.pk} queued; it appears under Reports.")
            return redirect(reverse("admin:compliance_compliancereport_changelist"))

        return self._confirmed(request, object_id, title, act)

    @action(description="Report (CSV)", url_path="report-csv", icon="table_view")
    def report_csv(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._report(request, object_id, ReportFormat.CSV, "Generate a CSV report")

    @action(description="Evidence pack (PDF)", url_path="report-pdf", icon="picture_as_pdf")
    def report_pdf(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._report(request, object_id, ReportFormat.PDF, "Generate a PDF evidence pack")


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = list(Rule.editable_fields)
        help_texts = {
            "scope": 'e.g. {"name_pattern": "^(pan|card_number)$", "datasource_kind": '
            '["postgresql"]}. Filters: collection, datasource, datasource_kind, name_pattern, '
            "schema_pattern, table_pattern, data_type_pattern, classification, "
            "sensitivity_label, tag.",
            "condition": 'e.g. {"type": "has_owner", "inherit": true} or {"type": "expression", '
            '"expr": {"==": ["nullable", false]}}.',
        }
        error_messages = {
            NON_FIELD_ERRORS: {
                "unique_together": "This framework already has a rule with this code; "
                "choose another code."
            },
            "scope": {"invalid": 'The scope must be written in JSON, e.g. {"tag": "pii"}.'},
            "condition": {
                "invalid": 'The condition must be written in JSON, e.g. {"type": "has_owner"}.'
            },
        }


@admin.register(Rule)
class RuleAdmin(PurSightModelAdmin):
    form = RuleForm
    change_form_template = "compliance/rule_change_form.html"
    list_display = ["name", "code", "framework", "control", "asset_type", "severity", "enabled"]
    list_filter = ["framework", "severity", "asset_type", "enabled"]
    list_select_related = ["framework", "control"]
    search_fields = ["code", "name"]

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        _save_definition(request.user, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and "_preview" in request.POST:
            return self.preview_view(request, object_id, form_url)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def preview_view(self, request: HttpRequest, object_id: str | None, form_url: str):
        """The test bench: evaluate the unsaved form data and show what it would flag.

        The same rule as the API: it needs the right to add a rule (platform-wide)."""
        if not services.may_use_test_bench(request.user):
            raise PermissionDenied("The rule test bench needs the Compliance Officer role.")
        obj = self.get_object(request, object_id) if object_id else None
        if object_id and obj is None:
            raise Http404
        add = obj is None
        form_class = self.get_form(request, obj, change=not add)
        form = form_class(request.POST, instance=obj)
        preview = None
        if form.is_valid():
            rule = form.save(commit=False)
            try:
                preview = services.preview_rule(actor=request.user, rule=rule)
            except ValidationError as exc:
                form.add_error(None, exc)
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form, list(fieldsets), {}, self.get_readonly_fields(request, obj), model_admin=self
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Rule test bench",
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "preview": preview,
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=form_url
        )


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return [("7d", "< 7 days"), ("30d", "7–30 days"), ("90d", "30–90 days"), ("older", "older")]

    def queryset(self, request: HttpRequest, queryset: Any):
        return queryset.filter(services.age_filter(self.value())) if self.value() else queryset


class CollectionFilter(admin.SimpleListFilter):
    title = "collection"
    parameter_name = "collection"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return [
            (c.pk, str(c)) for c in permissions.allowed_collections(request.user, "view_catalog")
        ]

    def queryset(self, request: HttpRequest, queryset: Any):
        return queryset.filter(datasource__collection=self.value()) if self.value() else queryset


class TransitionForm(forms.Form):
    """The input a bulk transition needs, in the admin's skin; validated by the service's own
    rules (:func:`services.check_transition_input`) before any finding is touched."""

    justification = forms.CharField(
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Why the risk is accepted (compensating control, planned fix, …).",
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(
            attrs={"type": "date", "class": " ".join(DATETIME_CLASSES)}, format="%Y-%m-%d"
        ),
        help_text="The finding reopens at the first evaluation after this day.",
    )
    reason = forms.CharField(
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Why the rule does not apply to these assets.",
    )
    note = forms.CharField(
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
        help_text="Optional, recorded in each finding's history.",
    )

    def __init__(self, *args: Any, to: str, needs: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.to = to
        for name in list(self.fields):
            if name not in needs and name != "note":
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            services.check_transition_input(
                to=self.to,
                justification=data.get("justification") or "",
                expires_on=data.get("expires_on"),
                reason=data.get("reason") or "",
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name not in self.errors:  # e.g. an unreadable date already said so
                    self.add_error(name if name in self.fields else None, messages)
        return data


@admin.register(Finding)
class FindingAdmin(ObjectActionsMixin, PurSightModelAdmin):
    list_display = [
        "asset_name",
        "rule",
        "framework",
        "severity_label",
        "status",
        "datasource",
        "assignee",
        "due_date",
        "first_seen",
        "last_seen_display",
    ]
    list_filter = [
        "framework",
        "severity",
        "status",
        CollectionFilter,
        ("assignee", admin.RelatedOnlyFieldListFilter),  # the assignees of visible findings
        AgeFilter,
    ]
    list_select_related = ["rule", "framework", "datasource", "assignee"]
    search_fields = ["qualified_name", "asset_name", "rule__code", "rule__name"]
    fields = [
        "rule",
        "framework",
        "asset_type",
        "asset_name",
        "qualified_name",
        "datasource",
        "status",
        "severity",
        "evidence_display",
        "remediation",
        "first_seen",
        "last_seen",
        "closed_at",
        "closed_by_run",
        "assignee",
        "due_date",
        "justification",
        "risk_expires_on",
        "reason",
        "history",
    ]
    readonly_fields = [f for f in fields if f not in ("assignee", "due_date")]

    @admin.display(description="last seen", ordering="last_seen")
    def last_seen_display(self, obj: Finding) -> Any:
        # Annotated by Finding's manager (later of its own and its rule's last confirmation).
        return obj.last_seen

    actions = [
        "acknowledge",
        "start_remediation",
        "resolve",
        "reopen",
        "accept_risk",
        "mark_false_positive",
    ]
    collection_permission = "manage_compliance"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self):
        urls = super().get_urls()
        dashboard = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="compliance_dashboard",
        )
        return [dashboard, *urls]

    @display(
        description="Severity",
        ordering="severity",
        label={"critical": "danger", "high": "warning", "medium": "info", "low": "success"},
    )
    def severity_label(self, obj: Finding) -> str:
        return obj.severity

    @display(description="Evidence")
    def evidence_display(self, obj: Finding) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.evidence, indent=2, default=str))

    @display(description="Remediation")
    def remediation(self, obj: Finding) -> str:
        return obj.rule.remediation

    @display(description="History")
    def history(self, obj: Finding) -> str:
        lines = [
            f"{e.at:%Y-%m-%d %H:%M} {e.actor_repr}: {e.from_status or '∅'} → {e.to_status}"
            + (f" ({e.note})" if e.note else "")
            for e in obj.events.all()
        ]
        return format_html("<pre>{}</pre>", "\n".join(lines))

    def save_service(self, request: HttpRequest, obj: Finding, form: Any, change: bool) -> None:
        services.assign_finding(
            actor=request.user, finding=obj, assignee=obj.assignee, due_date=obj.due_date
        )

    def _bulk(self, request: HttpRequest, queryset: Any, to: str, **kwargs: Any) -> None:
        result = services.bulk_transition(actor=request.user, findings=queryset, to=to, **kwargs)
        if result.done:
            verify = (
                " The next evaluation verifies it: a finding still violated is reopened."
                if to == FindingStatus.RESOLVED
                else ""
            )
            self.report(
                request,
                True,
                f"{len(result.done)} finding(s) now {FindingStatus(to).label.lower()}.{verify}",
            )
        for finding, error in result.refused[:10]:
            self.report(request, False, f"{finding}: {error}")
        if len(result.refused) > 10:
            self.report(request, False, f"… and {len(result.refused) - 10} more refused.")

    @admin.action(description="Acknowledge")
    def acknowledge(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk(request, queryset, FindingStatus.ACKNOWLEDGED)

    @admin.action(description="Start remediation")
    def start_remediation(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk(request, queryset, FindingStatus.IN_REMEDIATION)

    @admin.action(description="Resolve")
    def resolve(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk(request, queryset, FindingStatus.RESOLVED)

    @admin.action(description="Reopen")
    def reopen(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk(request, queryset, FindingStatus.OPEN)

    def _with_form(
        self, request: HttpRequest, queryset: Any, to: str, title: str, needs: list[str]
    ):
        """Bulk transitions needing input: an intermediate page (shown again with the input
        and its errors until valid), then the service."""
        if "apply" in request.POST:
            form = TransitionForm(request.POST, to=to, needs=needs)
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k in needs or k == "note"}
                self._bulk(
                    request,
                    queryset,
                    to,
                    **{k: (v or ("" if k != "expires_on" else None)) for k, v in data.items()},
                )
                return None
        else:
            form = TransitionForm(to=to, needs=needs)
        shown = 20
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "count": queryset.count(),
            "findings": list(queryset.select_related("rule")[:shown]),
            "shown": shown,
            "action": request.POST.get("action"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "cancel_url": reverse("admin:compliance_finding_changelist"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "compliance/transition_form.html", context)

    @admin.action(description="Accept risk…")
    def accept_risk(self, request: HttpRequest, queryset: Any):
        return self._with_form(
            request,
            queryset,
            FindingStatus.ACCEPTED_RISK,
            "Accept the risk",
            ["justification", "expires_on"],
        )

    @admin.action(description="Mark false positive…")
    def mark_false_positive(self, request: HttpRequest, queryset: Any):
        return self._with_form(
            request, queryset, FindingStatus.FALSE_POSITIVE, "Mark as false positive", ["reason"]
        )

    def dashboard_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise permissions.PermissionDenied("You may not view compliance findings.")
        data = services.dashboard(request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": "Compliance dashboard",
            "data": data,
            "chart": trend_svg(data["trend"]),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "compliance/dashboard.html", context)


COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777"]


def _spread_labels(
    labels: list[tuple[float, float, str, str, str]], gap: float = 13
) -> list[tuple[float, float, str, str, str]]:
    """Move the end-of-line labels apart vertically, keeping their order, so that frameworks
    with close scores (several at 0 % on a first day) do not print over each other. Labels
    that stand on the same side of the same point share one column and are spread within it."""
    columns: dict[tuple[float, str], list[tuple[float, float, str, str, str]]] = {}
    for label in labels:
        columns.setdefault((round(label[0]), label[2]), []).append(label)
    spread = []
    for column in columns.values():
        previous = None
        for lx, ly, anchor, color, text in sorted(column, key=lambda label: label[1]):
            if previous is not None and ly < previous + gap:
                ly = previous + gap
            spread.append((lx, ly, anchor, color, text))
            previous = ly
    return spread


def trend_svg(trend: dict[str, list[tuple[str, float | None]]], w: int = 720, h: int = 250) -> str:
    """A small inline SVG line chart of scores (0–100 %) per framework over days.

    Each framework's latest score is written beside its last marker; a day without data (no
    asset checked) breaks the line. With a single day the markers stand in the middle, with a
    note that the line appears with later evaluations.
    """
    days = sorted({d for points in trend.values() for d, _ in points})
    if not days:
        return ""
    left, right, top, bottom = 44, 44, 28, h - 64
    single = len(days) == 1

    def x(d: str) -> float:
        if single:
            return w / 2
        return left + (w - left - right) * days.index(d) / (len(days) - 1)

    def y(v: float) -> float:
        return bottom - (bottom - top) * v / 100

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
        f'style="max-width:{w}px" role="img" aria-label="Compliance score trend" '
        'font-family="inherit" font-size="11" fill="currentColor">'
    ]
    for v in (0, 50, 100):
        stroke = "#9ca3af" if v == 0 else "#e5e7eb"
        parts.append(
            f'<line x1="{left}" y1="{y(v)}" x2="{w - right}" y2="{y(v)}" stroke="{stroke}"/>'
            f'<text x="{left - 6}" y="{y(v) + 4}" text-anchor="end">{v}%</text>'
        )
    if single:
        parts.append(f'<text x="{w / 2}" y="{bottom + 18}" text-anchor="middle">{days[0]}</text>')
    else:
        parts.append(f'<text x="{left}" y="{bottom + 18}">{days[0]}</text>')
        parts.append(f'<text x="{w - right}" y="{bottom + 18}" text-anchor="end">{days[-1]}</text>')
    any_value = False
    labels: list[tuple[float, float, str, str, str]] = []  # x, y, anchor, colour, text
    for i, (code, points) in enumerate(sorted(trend.items())):
        color = COLORS[i % len(COLORS)]
        name = escape(code)
        valued = [(d, v) for d, v in points if v is not None]
        segment: list[str] = []
        for d, v in [*points, ("", None)]:  # a day without data ends a segment
            if v is not None:
                segment.append(f"{x(d):.1f},{y(v):.1f}")
                continue
            if len(segment) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                    f'points="{" ".join(segment)}"/>'
                )
            segment = []
        for d, v in valued:
            parts.append(
                f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="4" fill="{color}">'
                f"<title>{name} {d}: {v:.1f}%</title></circle>"
            )
        if valued:
            any_value = True
            d, v = valued[-1]
            anchor = "start" if single or x(d) < w - right - 1 else "end"
            dx = 8 if anchor == "start" else -8
            labels.append((x(d) + dx, y(v) - 6, anchor, color, f"{name} {v:.1f}%"))
        parts.append(
            f'<rect x="{left + 110 * i}" y="{h - 22}" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + 110 * i + 14}" y="{h - 13}">'
            f"{name}{'' if valued else ' (no data)'}</text>"
        )
    parts.extend(
        f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" fill="{color}" '
        f'font-weight="600">{text}</text>'
        for lx, ly, anchor, color, text in _spread_labels(labels)
    )
    if not any_value:
        parts.append(
            f'<text x="{w / 2}" y="{(top + bottom) / 2}" text-anchor="middle">'
            "No data: the evaluations checked no asset.</text>"
        )
    elif single:
        parts.append(
            f'<text x="{w / 2}" y="{top - 12}" text-anchor="middle" fill="#6b7280">'
            "One day of data so far: the trend line appears with evaluations on later days."
            "</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = [
        "id",
        "framework",
        "datasource",
        "trigger",
        "state",
        "started_at",
        "score_display",
        "assets_checked",
        "rules_evaluated",
        "rules_skipped",
        "findings_opened",
        "findings_closed",
        "findings_open",
    ]
    # The gate narrows the rows (and the data source filter) to the user's collections.
    list_filter = ["framework", "datasource", "trigger", "state"]
    list_select_related = ["framework", "datasource"]

    @display(description="Score", ordering="score")
    def score_display(self, obj: EvaluationRun) -> str:
        # A run that checked no asset has no score (older runs may have stored one).
        return score_text(obj.score if obj.assets_checked else None)


@admin.register(ComplianceReport)
class ComplianceReportAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = ["__str__", "framework", "format", "state", "requested_at", "size", "download"]
    list_filter = ["framework", "format", "state"]
    exclude = ["content"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def get_queryset(self, request: HttpRequest):
        return services.visible_reports(request.user).defer("content")

    def get_urls(self):
        download = path(
            "<int:report_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="compliance_compliancereport_download",
        )
        return [download, *super().get_urls()]

    @display(description="File")
    def download(self, obj: ComplianceReport) -> str:
        if obj.state != ReportState.DONE:
            return obj.error[:80] if obj.error else "-"
        url = reverse("admin:compliance_compliancereport_download", args=[obj.pk])
        return format_html('<a href="{}">Download</a>', url)

    def download_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        report = (
            services.visible_reports(request.user)
            .filter(pk=report_id, state=ReportState.DONE)
            .first()
        )
        if report is None:
            raise Http404
        return report_response(report)


# --- schema drift: compliance extends the scans' schema-change admin (it sits above scans) ---


AcknowledgedFilter = presence_filter(
    "compliance_ack", "acknowledged", "acknowledged", ("no", "Open drift"), ("yes", "Acknowledged")
)


class SchemaChangeDriftActions:
    """What compliance adds to the schema-change admin: registered in
    :meth:`ComplianceConfig.ready` into ``scans.extensions.schema_change_admin``; its methods run
    as the schema-change admin's (:mod:`pursight.admin_extensions`)."""

    actions = ["acknowledge_schema_changes"]
    list_filter = [AcknowledgedFilter]

    @admin.action(description="Acknowledge (no longer counts as open drift)")
    def acknowledge_schema_changes(self, request: HttpRequest, queryset: Any) -> None:
        count = self.call_service(request, services.acknowledge_schema_changes, changes=queryset)
        if count is not None:
            self.report(request, True, f"Acknowledged {count} schema changes.")
