"""The glossary in the console: tag sets (with their tags), terms (workflow buttons, linked
assets, CSV import and export), categories, tag rules, links and suggestions; the panel
actions of asset pages and the bulk "Add tags" page. Every page reads through the gate;
every change is a POST that calls a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from governance.catalog.extensions import asset_url
from pursight import audit, permissions
from pursight.admin import (
    GovernedTabularInline,
    ObjectActionsMixin,
    PurSightModelAdmin,
    ReadOnlyAdminMixin,
    site_urls,
)

from . import services
from .choices import TRANSITIONS, AssetType, SuggestionStatus, TermStatus
from .csv_io import COLUMNS
from .models import (
    Category,
    Tag,
    TagAssignment,
    TagRule,
    TagSet,
    Term,
    TermAssignment,
    TermSuggestion,
)
from .queries import visible_count

ASSET_PAGE_KIND = {
    AssetType.DATASOURCE: "source",
    AssetType.TABLE: "table",
    AssetType.COLUMN: "column",
}
ASSET_PLURAL = {
    AssetType.DATASOURCE: "data sources",
    AssetType.SCHEMA: "schemas",
    AssetType.TABLE: "tables or views",
    AssetType.COLUMN: "columns",
}
LINKED_SHOWN = 25


def asset_link(row: Any) -> str:
    """The asset of a link row, linked to its page (schemas have none: their name)."""
    asset = row.asset
    name = getattr(asset, "display_name", None) or str(asset)
    kind = ASSET_PAGE_KIND.get(row.asset_type)
    if kind is None:
        return (
            f"{row.datasource.name} / {name}" if "datasource" in row._state.fields_cache else name
        )
    return format_html('<a href="{}">{}</a>', asset_url(kind, row.asset_id), name)


def _service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ServiceValidatedForm(forms.ModelForm):
    """A model form whose ``clean`` asks the service to validate (without saving): the
    service's messages show on the form, not as a crash after it."""

    def service_check(self, obj: Any) -> None:  # pragma: no cover - overridden
        pass

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                self.service_check(self.instance)
            except ValidationError as exc:
                _service_errors(self, exc)
        return data


# --- tag sets and tags ----------------------------------------------------------------------


class TagSetForm(ServiceValidatedForm):
    class Meta:
        model = TagSet
        fields = ["name", "description", "mutually_exclusive"]

    def service_check(self, obj: TagSet) -> None:
        services.validate_tag_set(obj)


class TagInlineForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "description"]
        widgets = {"description": UnfoldAdminTextInputWidget}


class TagInline(GovernedTabularInline):
    model = Tag
    form = TagInlineForm
    fields = ["name", "description", "assets"]
    readonly_fields = ["assets"]

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        return qs.annotate(visible_count=visible_count(request.user, TagAssignment, "tag"))

    @display(description="Assets")
    def assets(self, obj: Tag) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:glossary_tagassignment_changelist") + f"?tag__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, getattr(obj, "visible_count", 0))


@admin.register(TagSet)
class TagSetAdmin(PurSightModelAdmin):
    form = TagSetForm
    list_display = ["name", "mutually_exclusive", "tag_list", "description"]
    list_filter = ["mutually_exclusive"]
    search_fields = ["name", "description", "tags__name"]
    inlines = [TagInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("tags")

    @display(description="Tags")
    def tag_list(self, obj: TagSet) -> str:
        return ", ".join(t.name for t in obj.tags.all()) or "—"

    def save_service(self, request: HttpRequest, obj: TagSet, form: Any, change: bool) -> None:
        services.save_tag_set(actor=request.user, tag_set=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for obj in formset.deleted_objects:
            self.delete_model(request, obj)
        for obj in formset.save(commit=False):
            try:
                services.save_tag(actor=request.user, tag=obj)
            except ValidationError as exc:
                self.report(request, False, f"{obj.name}: {'; '.join(exc.messages)}")


@admin.register(Tag)
class TagAdmin(PurSightModelAdmin):
    list_display = ["__str__", "tag_set", "description", "assets"]
    list_filter = ["tag_set"]
    list_select_related = ["tag_set"]
    search_fields = ["name", "tag_set__name", "description"]
    fields = ["tag_set", "name", "description"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return ["tag_set"] if obj is not None else []

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        return qs.annotate(visible_count=visible_count(request.user, TagAssignment, "tag"))

    @display(description="Assets")
    def assets(self, obj: Tag) -> str:
        count = getattr(obj, "visible_count", None)
        if count is None:
            return "—"
        url = reverse("admin:glossary_tagassignment_changelist") + f"?tag__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, count)

    def save_service(self, request: HttpRequest, obj: Tag, form: Any, change: bool) -> None:
        services.save_tag(actor=request.user, tag=obj)


# --- categories -----------------------------------------------------------------------------


class CategoryForm(ServiceValidatedForm):
    class Meta:
        model = Category
        fields = ["name", "parent", "description"]

    def service_check(self, obj: Category) -> None:
        services.validate_category(obj)


@admin.register(Category)
class CategoryAdmin(PurSightModelAdmin):
    form = CategoryForm
    list_display = ["full_name", "description", "term_count"]
    search_fields = ["full_name", "description"]
    autocomplete_fields = ["parent"]

    def get_queryset(self, request: HttpRequest):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_terms=Count("terms"))

    @display(description="Terms", ordering="n_terms")
    def term_count(self, obj: Category) -> str:
        url = reverse("admin:glossary_term_changelist") + f"?categories__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.n_terms)

    def save_service(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        services.save_category(actor=request.user, category=obj)


# --- terms ----------------------------------------------------------------------------------


class SynonymsField(forms.CharField):
    """A list of names, one per line (or separated by "|")."""

    widget = UnfoldAdminTextareaWidget(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [v.strip() for line in text.splitlines() for v in line.split("|") if v.strip()]


class TermForm(ServiceValidatedForm):
    synonyms = SynonymsField(
        required=False, help_text="One per line, in any language (matched to column names)."
    )

    class Meta:
        model = Term
        fields = [
            "name", "abbreviation", "definition", "synonyms", "categories", "related", "owners",
            "stewards",
        ]  # fmt: skip

    def service_check(self, obj: Term) -> None:
        obj.synonyms = self.cleaned_data.get("synonyms") or []


@admin.register(Term)
class TermAdmin(ObjectActionsMixin, PurSightModelAdmin):
    form = TermForm
    list_display = ["name", "status_label", "abbreviation", "category_list", "linked"]
    list_filter = ["status", "categories"]
    search_fields = ["name", "abbreviation", "synonyms", "definition"]
    autocomplete_fields = ["categories", "related"]
    filter_horizontal = ["owners", "stewards"]
    readonly_fields = ["status_label", "definition_preview", "linked_assets", "status_changed_at"]
    actions = ["export_selected"]
    actions_list = ["import_csv", "export_csv"]
    actions_detail = [
        "to_review", "approve", "back_to_draft", "deprecate", "restore",
    ]  # fmt: skip
    detail_gate_actions = {
        "to_review": "transition", "approve": "transition", "back_to_draft": "transition",
        "deprecate": "transition", "restore": "transition",
    }  # fmt: skip
    # Each button's target status and the statuses it is shown from.
    BUTTONS = {
        "to_review": TermStatus.IN_REVIEW,
        "approve": TermStatus.APPROVED,
        "back_to_draft": TermStatus.DRAFT,
        "deprecate": TermStatus.DEPRECATED,
        "restore": TermStatus.DRAFT,
    }

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        main = ["name", "abbreviation", "definition", "synonyms"]
        sets = [
            (None, {"fields": main}),
            ("Organisation", {"fields": ["categories", "related", "owners", "stewards"]}),
        ]
        if obj is not None:
            sets.insert(1, ("Status", {"fields": ["status_label", "status_changed_at"]}))
            sets.append(("Definition as shown", {"fields": ["definition_preview"]}))
            sets.append(("Linked assets", {"fields": ["linked_assets"]}))
        return sets

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request).prefetch_related("categories")
        return qs.annotate(visible_count=visible_count(request.user, TermAssignment, "term"))

    @display(
        description="Status",
        label={
            TermStatus.DRAFT.label: "info",
            TermStatus.IN_REVIEW.label: "warning",
            TermStatus.APPROVED.label: "success",
            TermStatus.DEPRECATED.label: "danger",
        },
    )
    def status_label(self, obj: Term) -> str:
        return obj.get_status_display()

    @display(description="Categories")
    def category_list(self, obj: Term) -> str:
        return ", ".join(c.full_name for c in obj.categories.all()) or "—"

    @display(description="Linked assets")
    def linked(self, obj: Term) -> str:
        count = getattr(obj, "visible_count", None)
        return "—" if count is None else str(count)

    @display(description="Definition")
    def definition_preview(self, obj: Term) -> str:
        # definition_html is rendered and sanitised by the service (nh3, allow-list).
        return mark_safe(obj.definition_html or "<p>—</p>")  # noqa: S308

    @display(description="Assets")
    def linked_assets(self, obj: Term) -> str:
        request = audit.current_request()
        if request is None or obj.pk is None:
            return "—"
        links = permissions.restrict(TermAssignment.objects.filter(term=obj), request.user)
        total = links.count()
        rows = list(
            links.select_related("datasource", "schema", "table__schema", "column__table").order_by(
                "asset_type", "asset_id"
            )[:LINKED_SHOWN]
        )
        if not rows:
            return "No asset you can see is linked to this term."
        items = format_html_join(
            "",
            "<li>{} <span class='ps-muted'>({}, {})</span></li>",
            ((asset_link(r), r.get_asset_type_display().lower(), r.datasource.name) for r in rows),
        )
        more = ""
        if total > len(rows):
            url = reverse("admin:glossary_termassignment_changelist") + f"?term__id__exact={obj.pk}"
            more = format_html('<p><a href="{}">All {} linked assets →</a></p>', url, total)
        return format_html("<ul class='ps-list'>{}</ul>{}", items, more)

    def detail_actions_state(self, request: HttpRequest, obj: Term) -> dict[str, bool]:
        allowed = TRANSITIONS.get(obj.status, ())
        fits = {name: status in allowed for name, status in self.BUTTONS.items()}
        fits["restore"] = obj.status == TermStatus.DEPRECATED
        if obj.status == TermStatus.DEPRECATED:
            fits["back_to_draft"] = False
        return fits

    def save_model(self, request: HttpRequest, obj: Term, form: Any, change: bool) -> None:
        # Many-to-many values are saved with the term (save_related is then a no-op).
        services.save_term(
            actor=request.user,
            term=obj,
            categories=form.cleaned_data.get("categories"),
            related=form.cleaned_data.get("related"),
            owners=form.cleaned_data.get("owners"),
            stewards=form.cleaned_data.get("stewards"),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _transition(self, request: HttpRequest, object_id: Any, name: str) -> HttpResponse:
        term = self.gated_object(request, object_id, "transition")
        to = self.BUTTONS[name]

        def act() -> HttpResponse:
            result = self.call_service(
                request,
                lambda actor: services.transition_term(term, to, actor),
            )
            if result is not None:
                self.report(request, True, result.message)
            return redirect(self.change_url(term))

        label = TermStatus(to).label.lower()
        return self.confirm_or_act(
            request,
            term,
            title=f"Make {label}",
            question=f"Change the status of '{term.name}' from "
            f"{term.get_status_display().lower()} to {label}?",
            act=act,
        )

    @action(description="Submit for review", url_path="to-review", icon="rate_review")
    def to_review(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._transition(request, object_id, "to_review")

    @action(description="Approve", url_path="approve", icon="verified")
    def approve(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._transition(request, object_id, "approve")

    @action(description="Back to draft", url_path="to-draft", icon="undo")
    def back_to_draft(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._transition(request, object_id, "back_to_draft")

    @action(description="Deprecate", url_path="deprecate", icon="block")
    def deprecate(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._transition(request, object_id, "deprecate")

    @action(description="Restore as draft", url_path="restore", icon="restore")
    def restore(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._transition(request, object_id, "restore")

    @admin.action(description="Export selected terms (CSV)")
    def export_selected(self, request: HttpRequest, queryset: Any) -> HttpResponse:
        return _csv_response(services.export_terms_csv(queryset))

    @action(description="Export CSV", url_path="export-csv", icon="download")
    def export_csv(self, request: HttpRequest) -> HttpResponse:
        return _csv_response(services.export_terms_csv())

    def has_import_csv_permission(self, request: HttpRequest) -> bool:
        return permissions.can_any(request.user, Term, "import")

    @action(
        description="Import CSV", url_path="import-csv", icon="upload", permissions=["import_csv"]
    )
    def import_csv(self, request: HttpRequest) -> HttpResponse:
        if not permissions.can_any(request.user, Term, "import"):
            raise permissions.PermissionDenied("You may not import glossary terms.")
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = services.import_terms_csv(
                    actor=request.user, data=form.cleaned_data["file"].read()
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                self.report(request, True, f"Imported the glossary: {result.summary}")
                return redirect(reverse("admin:glossary_term_changelist"))
        elif request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        context = {
            **self.admin_site.each_context(request),
            "title": "Import glossary terms",
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "columns": COLUMNS,
        }
        return TemplateResponse(request, "glossary/import.html", context)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A CSV file as exported (UTF-8), at most 5 MB.")


def _csv_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="glossary-terms.csv"'
    return response


# --- tag rules ------------------------------------------------------------------------------


class TagRuleForm(ServiceValidatedForm):
    class Meta:
        model = TagRule
        fields = ["name", "tag", "rule_set", "target", "name_pattern", "classification", "enabled"]

    def service_check(self, obj: TagRule) -> None:
        services.validate_tag_rule(obj)


@admin.register(TagRule)
class TagRuleAdmin(PurSightModelAdmin):
    form = TagRuleForm
    list_display = [
        "name",
        "tag",
        "target",
        "name_pattern",
        "classification",
        "rule_set",
        "enabled",
    ]
    list_filter = ["enabled", "target", "rule_set"]
    list_select_related = ["tag__tag_set", "classification", "rule_set"]
    search_fields = ["name", "name_pattern"]
    autocomplete_fields = ["tag"]

    def save_service(self, request: HttpRequest, obj: TagRule, form: Any, change: bool) -> None:
        services.save_tag_rule(actor=request.user, rule=obj)


# --- links and suggestions ------------------------------------------------------------------


class LinkAdminBase(ReadOnlyAdminMixin, PurSightModelAdmin):
    """Links are made on asset pages, by the bulk action or by rules: the lists show them and
    remove them (through the service)."""

    list_filter = ["asset_type", "source", "datasource"]
    actions = ["remove_selected"]
    search_fields = ["datasource__name"]

    @display(description="Asset")
    def asset_display(self, obj: Any) -> str:
        return asset_link(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return PurSightModelAdmin.has_delete_permission(self, request, obj)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.remove(request.user, obj)

    @admin.action(description="Remove selected links", permissions=["delete"])
    def remove_selected(self, request: HttpRequest, queryset: Any) -> None:
        rows = list(permissions.restrict(queryset, request.user, "delete"))
        try:
            with transaction.atomic():
                for row in rows:
                    self.remove(request.user, row)
        except (ValidationError, permissions.PermissionDenied) as exc:
            _report_error(request, exc)
            return
        self.report(request, True, f"Removed {len(rows)} link(s).")


@admin.register(TagAssignment)
class TagAssignmentAdmin(LinkAdminBase):
    list_display = ["tag", "asset_display", "asset_type", "datasource", "source", "created_at"]
    list_filter = ["tag", *LinkAdminBase.list_filter]
    list_select_related = [
        "tag__tag_set", "datasource", "schema", "table__schema", "column__table",
    ]  # fmt: skip
    search_fields = ["tag__name", "tag__tag_set__name", "table__name", "column__name"]

    def remove(self, actor: Any, row: TagAssignment) -> None:
        services.remove_tag(actor=actor, assignment=row)


@admin.register(TermAssignment)
class TermAssignmentAdmin(LinkAdminBase):
    list_display = ["term", "asset_display", "asset_type", "datasource", "source", "created_at"]
    list_filter = ["term", *LinkAdminBase.list_filter]
    list_select_related = [
        "term", "datasource", "schema", "table__schema", "column__table",
    ]  # fmt: skip
    search_fields = ["term__name", "table__name", "column__name"]

    def remove(self, actor: Any, row: TermAssignment) -> None:
        services.unlink_term(actor=actor, assignment=row)


@admin.register(TermSuggestion)
class TermSuggestionAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = [
        "term", "asset_display", "asset_type", "score", "matched", "status", "datasource",
    ]  # fmt: skip
    list_filter = ["status", "asset_type", "term", "datasource"]
    list_select_related = ["term", "datasource", "table__schema", "column__table"]
    search_fields = ["asset_name", "term__name", "matched"]
    actions = ["accept_selected", "reject_selected"]
    actions_list = ["find_suggestions"]

    @display(description="Asset")
    def asset_display(self, obj: TermSuggestion) -> str:
        return asset_link(obj)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return permissions.can_any(request.user, TermSuggestion, "decide")

    def _decide(self, request: HttpRequest, queryset: Any, accept: bool) -> None:
        rows = list(
            permissions.restrict(queryset, request.user, "decide")
            .filter(status=SuggestionStatus.PENDING)
            .select_related("term", "datasource", "table", "column")
        )
        done = self.call_service(
            request, services.decide_suggestions, suggestions=rows, accept=accept
        )
        if done is not None:
            verb = "Accepted" if accept else "Rejected"
            self.report(request, True, f"{verb} {done} suggestion(s).")

    @admin.action(description="Accept: link the term", permissions=["decide"])
    def accept_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, True)

    @admin.action(description="Reject: never suggest again", permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, False)

    @action(
        description="Find suggestions", url_path="find", icon="manage_search",
        permissions=["decide"],
    )  # fmt: skip
    def find_suggestions(self, request: HttpRequest) -> HttpResponse:
        """Match the names of the data sources the user curates to the terms (POST)."""
        changelist = reverse("admin:glossary_termsuggestion_changelist")
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "title": "Find term suggestions",
                "question": "Match the table and column names of the data sources you curate "
                "to the glossary's terms and synonyms now?",
                "cancel_url": changelist,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "pursight/confirm_action.html", context)
        ids = services.request_suggestions(actor=request.user)
        self.report(
            request,
            True,
            f"Matching {len(ids)} data source(s) to the glossary; suggestions appear here as "
            "they are found.",
        )
        return redirect(changelist)


# --- the asset panel's actions and the bulk tagging page --------------------------------------


def _back(request: HttpRequest, default: str, *, fragment: bool = True) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not fragment:
        target = target.partition("#")[0]
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _visible_asset(request: HttpRequest, asset_type: str, asset_id: Any) -> Any:
    try:
        assets = services.visible_assets(request.user, asset_type, [asset_id])
    except ValidationError:
        raise Http404 from None
    if not assets:
        raise Http404
    return assets[0]


def _report_error(request: HttpRequest, exc: Exception) -> None:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


def asset_links_view(request: HttpRequest, asset_type: str, asset_id: int) -> HttpResponse:
    """The asset panel's forms (POST only): add or remove a tag, link or unlink a term, accept
    or reject a suggestion. Hidden asset → 404; no right → 403 (the service's)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    asset = _visible_asset(request, asset_type, asset_id)
    kind = ASSET_PAGE_KIND.get(asset_type)
    default = asset_url(kind, asset.pk) if kind else reverse("admin:index")
    op = request.POST.get("op", "")
    user = request.user
    try:
        if op == "add_tag":
            tag = Tag.objects.select_related("tag_set").filter(pk=_int(request, "tag")).first()
            if tag is None:
                raise ValidationError("Choose a tag.")
            change = services.add_tags(
                actor=user, assets=[asset], tags=[tag], replace=request.POST.get("replace") == "1"
            )
            if change.added:
                messages.success(request, f"Tagged {tag}.")
        elif op == "remove_tag":
            row = services.links_of(TagAssignment, asset).filter(pk=_int(request, "link")).first()
            if row is None:
                raise Http404
            services.remove_tag(actor=user, assignment=row)
            messages.success(request, f"Removed {row.tag}.")
        elif op == "link_term":
            term = Term.objects.filter(pk=_int(request, "term")).first()
            if term is None:
                raise ValidationError("Choose a term.")
            services.link_term(actor=user, asset=asset, term=term)
            messages.success(request, f"Linked {term.name}.")
        elif op == "unlink_term":
            row = services.links_of(TermAssignment, asset).filter(pk=_int(request, "link")).first()
            if row is None:
                raise Http404
            services.unlink_term(actor=user, assignment=row)
            messages.success(request, f"Unlinked {row.term.name}.")
        elif op in ("accept", "reject"):
            row = (
                services.links_of(TermSuggestion, asset)
                .filter(pk=_int(request, "suggestion"))
                .select_related("term", "datasource", "table", "column")
                .first()
            )
            if row is None:
                raise Http404
            services.decide_suggestions(actor=user, suggestions=[row], accept=op == "accept")
            verb = "Linked" if op == "accept" else "Will not suggest again:"
            messages.success(request, f"{verb} {row.term.name}.")
        else:
            raise ValidationError("Unknown action.")
    except ValidationError as exc:
        _report_error(request, exc)
        # Back to the top of the page, where the message shows (not to the panel's anchor).
        return _back(request, default, fragment=False)
    return _back(request, default)


def _int(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return None


class TagAssetsForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(queryset=Tag.objects.none())
    replace = forms.BooleanField(
        required=False,
        label="Replace tags of mutually exclusive sets",
        help_text="Otherwise an asset that already carries another tag of such a set is an error.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = permissions.restrict_choices(
            Tag.objects.select_related("tag_set").order_by("tag_set__name", "name"), user
        )


def tag_assets_view(request: HttpRequest) -> HttpResponse:
    """Bulk tagging: ``?type=<asset type>&ids=1,2,3`` (from a list's "Add tags…" action).
    Only assets the user may see are listed; the service checks the right to tag them."""
    asset_type = request.GET.get("type", "")
    ids = [i for i in request.GET.get("ids", "").split(",") if i.strip()][: services.MAX_BULK]
    try:
        assets = services.visible_assets(request.user, asset_type, ids)
    except ValidationError:
        raise Http404 from None
    form = TagAssetsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.add_tags(
                actor=request.user,
                assets=assets,
                tags=list(form.cleaned_data["tags"]),
                replace=form.cleaned_data["replace"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Added {len(change.added)} tag(s) to {len(assets)} asset(s)"
                + (f"; {change.skipped} already there." if change.skipped else "."),
            )
            return _back(request, reverse("admin:glossary_tagassignment_changelist"))
    elif request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        **admin.site.each_context(request),
        "title": "Add tags",
        "form": form,
        "assets": assets[:50],
        "count": len(assets),
        "asset_label": (
            dict(AssetType.choices).get(asset_type, "")
            if len(assets) == 1
            else ASSET_PLURAL.get(asset_type, "")
        ).lower(),
        "next": request.GET.get("next", ""),
        "cancel_url": reverse("admin:glossary_tagassignment_changelist"),
    }
    return TemplateResponse(request, "glossary/tag_assets.html", context)


def _urls(site: Any) -> list[Any]:
    return [
        path(
            "glossary/asset/<str:asset_type>/<int:asset_id>/links/",
            site.admin_view(asset_links_view),
            name="glossary_asset_links",
        ),
        path("glossary/tag-assets/", site.admin_view(tag_assets_view), name="glossary_tag_assets"),
    ]


site_urls.register("glossary", _urls)


def tag_assets_url(asset_type: str, ids: Any, next_url: str = "") -> str:
    from urllib.parse import urlencode

    query = {"type": asset_type, "ids": ",".join(str(i) for i in ids)}
    if next_url:
        query["next"] = next_url
    return f"{reverse('admin:glossary_tag_assets')}?{urlencode(query)}"


class DataSourceTagActions:
    """Added to the data source list (``datasources.extensions.datasource_admin``)."""

    actions = ["add_tags_to_sources"]

    def has_tag_permission(self, request: HttpRequest) -> bool:
        return permissions.can_any(request.user, TagAssignment, "add")

    @admin.action(description="Add tags…", permissions=["tag"])
    def add_tags_to_sources(self, request: HttpRequest, queryset: Any) -> HttpResponse:
        ids = list(queryset.values_list("pk", flat=True)[: services.MAX_BULK])
        return redirect(tag_assets_url(AssetType.DATASOURCE, ids, request.get_full_path()))


# --- what the catalog's table and column lists may take (once they are extensible) -----------


def tag_filter(asset_type: str) -> type[admin.SimpleListFilter]:
    """A changelist filter of ``asset_type`` assets by tag (tags are global vocabulary; the
    list it filters is already narrowed by the gate)."""

    class TagFilter(admin.SimpleListFilter):
        title = "tag"
        parameter_name = "tag"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            tags = Tag.objects.select_related("tag_set").order_by("tag_set__name", "name")
            return [(str(t.pk), str(t)) for t in tags]

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            value = self.value()
            if not value or not value.isdigit():
                return queryset
            tagged = TagAssignment.objects.filter(asset_type=asset_type, tag_id=int(value))
            return queryset.filter(pk__in=tagged.values("asset_id"))

    TagFilter.__name__ = f"{asset_type.title()}TagFilter"
    return TagFilter


def _bulk_tag_action(asset_type: str) -> Any:
    @admin.action(description="Add tags…", permissions=["tag"])
    def add_tags_action(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse:
        ids = list(queryset.values_list("pk", flat=True)[: services.MAX_BULK])
        return redirect(tag_assets_url(asset_type, ids, request.get_full_path()))

    add_tags_action.__name__ = f"add_tags_to_{asset_type}s"
    return add_tags_action


def _has_tag_permission(self: Any, request: HttpRequest) -> bool:
    return permissions.can_any(request.user, TagAssignment, "add")


class TableTagActions:
    """For the catalog's table list: an "Add tags…" bulk action and a tag filter."""

    actions = ["add_tags_to_tables"]
    list_filter = [tag_filter(AssetType.TABLE)]
    add_tags_to_tables = staticmethod(_bulk_tag_action(AssetType.TABLE))
    has_tag_permission = _has_tag_permission


class ColumnTagActions:
    actions = ["add_tags_to_columns"]
    list_filter = [tag_filter(AssetType.COLUMN)]
    add_tags_to_columns = staticmethod(_bulk_tag_action(AssetType.COLUMN))
    has_tag_permission = _has_tag_permission
