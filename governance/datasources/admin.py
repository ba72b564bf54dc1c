from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminPasswordWidget, UnfoldBooleanSwitchWidget

from pursight import permissions
from pursight.admin import ObjectActionsMixin, PurSightModelAdmin
from pursight.admin_extensions import ExtensibleAdminMixin, extensible

from . import services
from .extensions import datasource_admin
from .models import DataSource

KEPT_HELP = (
    "Stored (encrypted): never shown. Leave blank to keep it, or type a new one to replace it."
)
NONE_YET_HELP = "None stored yet. Stored encrypted and never shown once saved."


class DataSourceForm(forms.ModelForm):
    # The admin skin's own widgets: a plain PasswordInput has no border in it.
    password = forms.CharField(
        required=False,
        strip=False,
        widget=UnfoldAdminPasswordWidget(attrs={"autocomplete": "new-password"}),
        help_text=NONE_YET_HELP,
    )
    clear_password = forms.BooleanField(
        required=False,
        label="Remove the password",
        widget=UnfoldBooleanSwitchWidget,
        help_text="Remove the stored password when saving.",
    )

    class Meta:
        model = DataSource
        fields = [
            "name",
            "kind",
            "host",
            "port",
            "database",
            "username",
            "password",
            "clear_password",
            "options",
            "collection",
            "owner",
            "description",
            "encrypted_at_rest",
            "store_samples",
            "retention_days",
        ]
        error_messages = {
            "options": {"invalid": 'Options must be written in JSON, e.g. {"sslmode": "require"}.'},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whether a password (or secret options) is stored, in the field's own help: one row.
        if self.instance.has_password:
            self.fields["password"].help_text = KEPT_HELP
        options = self.fields.get("options")
        if options is not None and self.instance.has_secret_options:
            options.help_text = (
                f"{options.help_text} Secret options are stored (encrypted) for this source."
            )


@admin.register(DataSource)
class DataSourceAdmin(ExtensibleAdminMixin, ObjectActionsMixin, PurSightModelAdmin):
    # Apps above data sources (scans) add actions, buttons and columns through this registry.
    extensions = datasource_admin
    form = DataSourceForm
    list_display = extensible(
        [
            "name",
            "kind",
            "location_display",
            "collection",
            "owner",
            "test_status",
            "last_scan_at",
        ]
    )
    list_filter = ["kind", "collection", "last_test_ok"]
    list_select_related = ["collection", "owner"]
    search_fields = ["name", "host", "database", "description"]
    autocomplete_fields = ["owner"]
    readonly_fields = [
        "password_status",
        "secret_options_status",
        "last_test_display",
        "last_scan_at",
    ]
    actions = extensible(["test_connections"])
    actions_detail = extensible(["test_connection_detail"])
    detail_gate_actions = extensible({"test_connection_detail": "test"})

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if obj is None or self.has_change_permission(request, obj):
            # One row each: whether a password or secret options are stored is said in the
            # fields' help (DataSourceForm); "remove" only where there is a password.
            secrets = [
                "password",
                *(["clear_password"] if obj is not None and obj.has_password else []),
                "options",
            ]
        else:  # read only: the stored state in the password's own row
            secrets = ["password_status", "options", "secret_options_status"]
        return [
            (None, {"fields": ["name", "kind", "collection", "owner", "description"]}),
            ("Connection", {"fields": ["host", "port", "database", "username", *secrets]}),
            ("Governance", {"fields": ["encrypted_at_rest", "store_samples", "retention_days"]}),
            ("Status", {"fields": ["last_test_display", "last_scan_at"]}),
        ]

    @display(description="Password")
    def password_status(self, obj: DataSource) -> str:
        return "Stored (encrypted)" if obj and obj.has_password else "None stored"

    @display(description="Secret options")
    def secret_options_status(self, obj: DataSource) -> str:
        return "Stored (encrypted)" if obj and obj.has_secret_options else "None stored"

    @display(description="Last connection test")
    def last_test_display(self, obj: DataSource) -> str:
        if obj is None or obj.last_test_at is None:
            return "Never tested."
        when = timezone.localtime(obj.last_test_at).strftime("%Y-%m-%d %H:%M")
        outcome = "OK" if obj.last_test_ok else "Failed"
        message = f": {obj.last_test_message}" if obj.last_test_message else "."
        return f"{outcome} ({when}){message}"

    @display(description="Location")
    def location_display(self, obj: DataSource) -> str:
        return obj.location

    @display(
        description="Connection", label={"OK": "success", "Failed": "danger", "Untested": "info"}
    )
    def test_status(self, obj: DataSource) -> str:
        if obj.last_test_ok is None:
            return "Untested"
        return "OK" if obj.last_test_ok else "Failed"

    def has_test_permission(self, request: HttpRequest) -> bool:
        """The "Test connection" bulk action: offered to those who may test some source."""
        return permissions.can_any(request.user, DataSource, "test")

    def save_service(self, request: HttpRequest, obj: DataSource, form: Any, change: bool) -> None:
        data = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.cleaned_data
        }
        password = form.cleaned_data.get("password") or None
        if form.cleaned_data.get("clear_password"):
            password = ""
        if change:
            services.update_datasource(actor=request.user, source=obj, password=password, **data)
        else:
            created = services.register_datasource(
                actor=request.user, password=password or "", **data
            )
            obj.pk = created.pk

    def _test(self, request: HttpRequest, source: DataSource) -> None:
        outcome = services.test_connection(actor=request.user, source=source)
        self.report(request, outcome.ok, f"{source.name}: {outcome.message}")

    @admin.action(description="Test connection", permissions=["test"])
    def test_connections(self, request: HttpRequest, queryset: Any) -> None:
        for source in permissions.restrict(queryset, request.user, "test"):
            self._test(request, source)

    @action(description="Test connection", url_path="test-connection", icon="cable")
    def test_connection_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        source = self.gated_object(request, object_id, "test")

        def act() -> HttpResponse:
            self._test(request, source)
            return redirect(self.change_url(source))

        return self.confirm_or_act(
            request,
            source,
            title="Test connection",
            question=f"Connect to the data source '{source.name}' now?",
            act=act,
        )
