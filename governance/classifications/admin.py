from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse

from pursight import permissions
from pursight.admin import PurSightModelAdmin, ReadOnlyAdminMixin

from . import services, services_testbench
from .engine import ColumnInput
from .engine.examples import masked_examples, recognition
from .extensions import column_sources
from .models import Classification, ClassifierModel, LabelPolicy, SensitivityLabel

# The library is global (registered with the gate in apps.py): PurSightModelAdmin answers every
# permission question: any staff user reads it, platform-wide curators change it.


@admin.register(Classification)
class ClassificationAdmin(PurSightModelAdmin):
    list_display = [
        "code", "name", "category", "country", "default_label", "is_system", "is_active"
    ]  # fmt: skip
    list_filter = ["is_system", "is_active", "category", "country", "default_label"]
    list_select_related = ["default_label"]
    search_fields = ["code", "name", "description", "country"]
    # computed, shown on the change page of every classification
    DISPLAY_FIELDS = ["masked_examples", "recognised_by"]
    fieldsets = [
        (
            None,
            {"fields": list(services.INFO_FIELDS)},
        ),
        (
            "How it is recognised",
            {
                "fields": DISPLAY_FIELDS,
                "description": "Examples are synthetic values of the engine's own generator, "
                "masked as scan evidence is.",
            },
        ),
        (
            "Rule (custom classifications)",
            {
                "fields": list(services.MATCH_FIELDS),
                "description": "Regular expressions use RE2 syntax (linear time: no "
                "backreferences or look-arounds).",
            },
        ),
    ]

    change_form_template = "classifications/classification_change_form.html"

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and "_test" in request.POST:
            return self.test_bench_view(request, object_id, form_url)
        context = {**(extra_context or {}), **self._bench_context(request, None)}
        return super().changeform_view(request, object_id, form_url, context)

    def _bench_context(self, request: HttpRequest, result: Any) -> dict[str, Any]:
        return {
            "bench_allowed": services_testbench.may_use_test_bench(request.user),
            "bench_sources": [s.label for s in column_sources],
            # Columns to pick from (those the user may see; the source says which).
            "bench_choices": [
                choice
                for source in column_sources
                if hasattr(source, "choices")
                for choice in source.choices(request.user, request.POST.get("bench_column", ""))
            ],
            "bench": result,
            "bench_input": {
                k: request.POST.get(k, "")
                for k in ("bench_values", "bench_column", "bench_column_name", "bench_data_type")
            },
        }

    def test_bench_view(self, request: HttpRequest, object_id: str | None, form_url: str):
        """The test bench: run the rule as it stands in the form on pasted values or a catalog
        column, without saving. It needs the right to add a classification, as saving would."""
        services_testbench.check_test_bench(request.user)  # the gate's 403
        obj = self.get_object(request, object_id) if object_id else None
        if object_id and obj is None:
            raise Http404
        add = obj is None
        form = self.get_form(request, obj, change=not add)(request.POST, instance=obj)
        form.is_valid()  # fills cleaned_data; the bench only needs the rule's fields
        result = None
        bench_errors: list[str] = []
        rule_errors = [f for f in services.MATCH_FIELDS if f in form.errors]
        if obj is not None and obj.is_system:
            rule = obj
        elif rule_errors:
            rule = None
            bench_errors.append("Correct the rule's fields first: " + ", ".join(rule_errors) + ".")
        else:
            data = form.cleaned_data
            rule = Classification(
                code=data.get("code") or "",
                name=data.get("name") or "",
                **{f: data[f] for f in services.MATCH_FIELDS if f in data},
            )
        if rule is not None:
            try:
                column, masked, source = self._bench_column(request)
                result = services_testbench.test_rule(
                    actor=request.user, rule=rule, column=column, masked=masked, source=source
                )
            except ValidationError as exc:
                bench_errors.extend(exc.messages)
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form, list(fieldsets), {}, self.get_readonly_fields(request, obj), model_admin=self
        )
        context = {
            **self.admin_site.each_context(request),
            **self._bench_context(request, result),
            "bench_errors": bench_errors,
            "title": "Info-type test bench",
            "subtitle": str(obj) if obj else None,
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []) if rule_errors else [],
            "preserved_filters": self.get_preserved_filters(request),
        }
        return self.render_change_form(
            request, context, add=add, change=not add, obj=obj, form_url=form_url
        )

    def _bench_column(self, request: HttpRequest) -> tuple[ColumnInput, bool, str]:
        """The column to try the rule on: a named catalog column (sampled, shown masked) or
        the pasted values (shown as pasted)."""
        key = request.POST.get("bench_column", "").strip()
        if key:
            column = services_testbench.sample_column(actor=request.user, key=key)
            return column, True, f"column {key}"
        values = services_testbench.parse_values(request.POST.get("bench_values", ""))
        if not values:
            raise ValidationError("Paste some values (one per line) or name a column.")
        column = ColumnInput(
            name=request.POST.get("bench_column_name", "").strip() or "col_1",
            data_type=request.POST.get("bench_data_type", "").strip() or "text",
            values=values,
        )
        return column, False, "pasted values"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.is_system:
            return [*services.SYSTEM_READONLY, *self.DISPLAY_FIELDS]
        return list(self.DISPLAY_FIELDS)

    @admin.display(description="Masked examples")
    def masked_examples(self, obj: Classification) -> str:
        if obj is None or not obj.is_system:
            return "—"
        return ", ".join(masked_examples(obj.code)) or "—"

    @admin.display(description="Recognised by")
    def recognised_by(self, obj: Classification) -> str:
        if obj is None or not obj.is_system:
            return "the custom rule below"
        how = recognition(obj.code)
        parts = []
        if how.get("check"):
            parts.append(f"check: {how['check']}")
        if how.get("column_names"):
            parts.append("column names such as " + ", ".join(how["column_names"]))
        if how.get("needs_name"):
            parts.append("its formats are ambiguous: the column name must point at it")
        return "; ".join(parts) or "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivated, never deleted (the gate gives "delete" to nobody but root)

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_classification(actor=request.user, classification=obj)


@admin.register(LabelPolicy)
class LabelPolicyAdmin(PurSightModelAdmin):
    list_display = ["classification", "label", "note"]
    list_select_related = ["classification", "label"]
    autocomplete_fields = ["classification"]

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.set_label_policy(
            actor=request.user, classification=obj.classification, label=obj.label, note=obj.note
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.set_label_policy(actor=request.user, classification=obj.classification, label=None)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(SensitivityLabel)
class SensitivityLabelAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = ["name", "rank", "description"]


@admin.register(ClassifierModel)
class ClassifierModelAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = ["version", "trained_at", "is_active", "training_examples"]
    fields = ["version", "trained_at", "is_active", "metadata"]
    readonly_fields = fields
    actions = ["activate"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("data")

    @admin.display(description="Training columns")
    def training_examples(self, obj: ClassifierModel) -> Any:
        return obj.metadata.get("training_examples")

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return permissions.can_any(request.user, ClassifierModel, "activate")

    @admin.action(description="Activate the selected model version", permissions=["activate"])
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        if queryset.count() != 1:
            self.report(request, False, "Select exactly one model version.")
            return
        row = self.call_service(request, services.activate_model, row=queryset.get())
        if row is not None:
            self.report(request, True, f"Model {row.version} is now active.")
