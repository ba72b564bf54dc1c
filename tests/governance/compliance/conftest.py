"""Fixtures of the compliance tests: catalogs built directly with the ORM."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone


@dataclass
class Catalog:
    """Build schemas, tables and columns of a data source directly with the ORM."""

    source: Any

    def schema(self, name: str, **kw: Any) -> Any:
        from governance.catalog.models import CatalogSchema, qualified

        now = timezone.now()
        return CatalogSchema.objects.create(
            datasource=self.source,
            name=name,
            qualified_name=qualified(self.source.pk, name),
            first_seen=now,
            last_seen=now,
            **kw,
        )

    def table(self, schema: Any, name: str, **kw: Any) -> Any:
        from governance.catalog.models import CatalogTable, qualified

        now = timezone.now()
        return CatalogTable.objects.create(
            datasource=self.source,
            schema=schema,
            name=name,
            qualified_name=qualified(self.source.pk, schema.name, name),
            first_seen=now,
            last_seen=now,
            **kw,
        )

    def column(self, table: Any, name: str, **kw: Any) -> Any:
        from governance.catalog.models import CatalogColumn, qualified

        now = timezone.now()
        kw.setdefault("data_type", "text")
        return CatalogColumn.objects.create(
            datasource=self.source,
            table=table,
            name=name,
            qualified_name=qualified(self.source.pk, table.schema.name, table.name, name),
            first_seen=now,
            last_seen=now,
            **kw,
        )


@pytest.fixture
def catalog_of(make_source: Callable[..., Any]) -> Callable[..., Catalog]:
    def make(**source_kw: Any) -> Catalog:
        return Catalog(make_source(**source_kw))

    return make


@pytest.fixture
def framework(db: Any) -> Any:
    from governance.compliance.models import Control, Framework

    fw = Framework.objects.create(code="test", name="Test framework")
    Control.objects.create(framework=fw, code="C1", title="Control one")
    return fw


@pytest.fixture
def make_rule(framework: Any) -> Callable[..., Any]:
    from governance.compliance import services
    from governance.compliance.models import Rule

    counter = {"n": 0}

    def make(asset_type: str, condition: dict, scope: dict | None = None, **kw: Any) -> Any:
        counter["n"] += 1
        rule = Rule(
            framework=framework,
            control=framework.controls.first(),
            code=kw.pop("code", f"r{counter['n']}"),
            name=kw.pop("name", f"Rule {counter['n']}"),
            asset_type=asset_type,
            scope=scope or {},
            condition=condition,
            **kw,
        )
        return services.save_rule(actor=None, rule=rule)

    return make


@pytest.fixture
def evaluate(framework: Any) -> Callable[..., Any]:
    from governance.compliance import services

    def run(datasource: Any = None, fw: Any = None, **kw: Any) -> Any:
        return services.evaluate_framework(
            actor=None, framework=fw or framework, datasource=datasource, **kw
        )

    return run
