"""Scans extend the data source admin, and compliance the schema-change admin, through the
registries the lower apps own (filled in the higher apps' ``ready()``), never by replacing or
patching the lower app's admin class."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin

from governance.compliance.admin import SchemaChangeDriftActions
from governance.datasources.admin import DataSourceAdmin
from governance.datasources.extensions import datasource_admin
from governance.datasources.models import DataSource
from governance.scans.admin import DataSourceScanActions, SchemaChangeAdmin
from governance.scans.extensions import schema_change_admin
from governance.scans.models import SchemaChange


def test_the_data_source_admin_is_the_datasources_apps_own_class() -> None:
    source_admin = admin.site._registry[DataSource]
    assert type(source_admin) is DataSourceAdmin
    assert DataSourceScanActions in list(datasource_admin)  # the glossary adds its own too


def test_scans_add_their_action_button_and_column_in_order() -> None:
    source_admin = admin.site._registry[DataSource]
    actions = [a if isinstance(a, str) else a.__name__ for a in source_admin.actions]
    assert actions[0] == "test_connections" and "scan_now" in actions
    assert source_admin.actions_detail == ["test_connection_detail", "scan_detail"]
    assert source_admin.detail_gate_actions == {
        "test_connection_detail": "test",
        "scan_detail": "scan",
    }
    assert source_admin.list_display[-2:] == ["last_scan_at", "browse"]
    # The datasources app's own declaration knows nothing of scans.
    assert DataSourceAdmin.actions == ["test_connections"]
    assert "browse" not in DataSourceAdmin.list_display


def test_compliance_adds_its_action_and_filter_without_patching_the_class() -> None:
    change_admin = admin.site._registry[SchemaChange]
    assert type(change_admin) is SchemaChangeAdmin
    assert list(schema_change_admin) == [SchemaChangeDriftActions]
    assert SchemaChangeAdmin.list_filter == ["change", "asset_type", "datasource"]
    assert SchemaChangeAdmin.actions == []
    filters = change_admin.list_filter
    assert filters[:3] == ["change", "asset_type", "datasource"]
    assert [f.parameter_name for f in filters[3:]] == ["acknowledged"]
    assert [a.__name__ for a in change_admin.actions] == ["acknowledge_schema_changes"]


def _extended() -> tuple[list, ...]:
    source_admin = admin.site._registry[DataSource]
    change_admin = admin.site._registry[SchemaChange]
    return (
        list(source_admin.actions),
        list(source_admin.actions_detail),
        list(source_admin.list_display),
        list(change_admin.list_filter),
        list(change_admin.actions),
    )


def test_a_second_ready_adds_nothing() -> None:
    before, sources = _extended(), len(datasource_admin)
    apps.get_app_config("scans").ready()
    # What ComplianceConfig.ready() does for the schema-change admin (the rest of its ready()
    # belongs to compliance's own tests).
    schema_change_admin.register("compliance", SchemaChangeDriftActions)
    assert _extended() == before
    assert len(datasource_admin) == sources and len(schema_change_admin) == 1
