"""Helpers of the lineage graph and propagation tests (no tests here): catalog rows and edges
made directly with the ORM, in two collections (``A`` visible to the viewer, ``B`` hidden)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from governance.catalog.models import CatalogColumn, CatalogSchema, CatalogTable, qualified
from governance.lineage.models import LineageEdge


def make_table(
    source: Any, name: str, columns: list[str], *, kind: str = "table", schema: str = "public"
) -> CatalogTable:
    now = timezone.now()
    sch, _ = CatalogSchema.objects.get_or_create(
        datasource=source,
        name=schema,
        defaults={
            "qualified_name": qualified(source.pk, schema),
            "first_seen": now,
            "last_seen": now,
        },
    )
    table = CatalogTable.objects.create(
        datasource=source,
        schema=sch,
        name=name,
        kind=kind,
        qualified_name=qualified(source.pk, schema, name),
        first_seen=now,
        last_seen=now,
    )
    for i, col in enumerate(columns):
        CatalogColumn.objects.create(
            datasource=source,
            table=table,
            name=col,
            data_type="text",
            ordinal=i,
            qualified_name=qualified(source.pk, schema, name, col),
            first_seen=now,
            last_seen=now,
        )
    return table


def column(table: CatalogTable, name: str) -> CatalogColumn:
    return CatalogColumn.objects.get(table=table, name=name)


def edge(
    up: CatalogTable,
    down: CatalogTable,
    *,
    cols: tuple[str, str] | None = None,
    origin: str = "view",
    ref: str = "",
    **kw: Any,
) -> LineageEdge:
    fields: dict[str, Any] = {
        "upstream_table": up,
        "downstream_table": down,
        "origin": origin,
        "origin_ref": ref or down.name,
        "last_seen": timezone.now(),
        "level": "table",
    }
    if cols:
        fields.update(
            level="column",
            upstream_column=column(up, cols[0]),
            downstream_column=column(down, cols[1]),
        )
    fields.update(kw)
    return LineageEdge.objects.create(**fields)


@dataclass
class LineageWorld:
    a: Any  # collection the viewer reads
    b: Any  # collection hidden from the viewer
    src_a: Any
    src_b: Any
    viewer: Any
    curator: Any
    tables: dict[str, CatalogTable] = field(default_factory=dict)


def build_world(make_collection: Any, make_source: Any, make_user: Any, grant: Any) -> LineageWorld:
    """``raw`` (A) → ``secret_stage`` (B, hidden) → ``report`` (A); ``raw`` → ``v_customers``
    (A, a view) → ``mart`` (A); ``other_secret`` (B) → ``v_customers``."""
    a, b = make_collection("A"), make_collection("B")
    src_a = make_source(collection=a, name="sales")
    src_b = make_source(collection=b, name="vault")
    viewer, curator = make_user("viewer"), make_user("curator")
    grant(viewer, "view_catalog", a)
    grant(curator, "view_catalog", a)
    grant(curator, "curate_catalog", a)
    w = LineageWorld(a, b, src_a, src_b, viewer, curator)
    t = w.tables
    t["raw"] = make_table(src_a, "customers", ["id", "card", "email"])
    t["v"] = make_table(src_a, "v_customers", ["id", "card", "email"], kind="view")
    t["mart"] = make_table(src_a, "mart", ["id", "card"])
    t["secret"] = make_table(src_b, "secret_stage", ["id", "card"])
    t["report"] = make_table(src_a, "report", ["id", "card"])
    t["other"] = make_table(src_b, "other_secret", ["id"])
    edge(t["raw"], t["v"], cols=("card", "card"), ref="sales.public.v_customers")
    edge(t["raw"], t["v"], cols=("email", "email"), ref="sales.public.v_customers")
    edge(t["v"], t["mart"], cols=("card", "card"), origin="dbt", ref="model.shop.mart")
    edge(t["raw"], t["secret"], cols=("card", "card"), origin="openlineage", ref="job.copy")
    edge(t["secret"], t["report"], cols=("card", "card"), origin="openlineage", ref="job.rep")
    edge(t["other"], t["v"], origin="manual", ref="")
    return w
