"""The catalog export's column extensions: a registry the catalog owns, filled in ``ready()``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.catalog import classifying, exporting
from governance.datasources.models import DataSource

pytestmark = pytest.mark.django_db


def _columns(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for s in data["sources"]
        for sc in s["schemas"]
        for t in sc["tables"]
        for c in t["columns"]
    ]


def test_the_catalog_registers_its_classifications_once() -> None:
    def count() -> int:
        return list(exporting.column_extensions).count(classifying.export_column_classifications)

    assert count() == 1
    apps.get_app_config("catalog").ready()
    assert count() == 1


def test_a_registered_extension_adds_to_every_column_in_one_call(
    make_source, scan_source, shop_db
) -> None:
    source = make_source(shop_db, name="shop")
    scan_source(source)
    calls: list[list[int]] = []

    def lengths(column_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        calls.append(list(column_ids))
        return {cid: {"extra": cid} for cid in column_ids}

    exporting.column_extensions.register("test.extra", lengths)
    try:
        qs = DataSource.objects.filter(pk=source.pk)
        with CaptureQueriesContext(connection) as ctx:
            data = exporting.export_catalog(qs)
        exporting.column_extensions.register("test.extra", lengths)  # again: still once
        with CaptureQueriesContext(connection) as again:
            exporting.export_catalog(qs)
    finally:
        exporting.column_extensions.unregister("test.extra")
    columns = _columns(data)
    assert columns and all("extra" in c for c in columns)
    assert len(calls) == 2 and len(calls[0]) == len(columns)
    assert len(again.captured_queries) == len(ctx.captured_queries)
    assert "test.extra" not in exporting.column_extensions
    assert "extra" not in _columns(exporting.export_catalog(qs))[0]
