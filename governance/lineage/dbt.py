"""Lineage from a dbt project's ``manifest.json``.

Each model, snapshot or seed is a relation (``database``/``schema``/``alias``) in the data
source the project builds into; a node's ``depends_on.nodes`` (models, sources, seeds,
snapshots) give table edges, and its compiled SQL, when the manifest holds it (after
``dbt compile``/``run``), is parsed with :mod:`.sql` for column edges. A relation that names
another database of the same server resolves in the data source that scans it.

Each node is an ``origin_ref`` (``<source id>/<project>/<unique id>``); re-importing the
project closes the edges of nodes that left it or lost a dependency.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from governance.catalog.models import CatalogColumn
from pursight import audit, events

from . import resolve, sql
from .choices import EdgeOrigin
from .services import Edge, SyncResult, edge_sources, sync_edges

RELATION_TYPES = frozenset({"model", "seed", "snapshot", "source"})
WITH_DEPENDENCIES = frozenset({"model", "snapshot"})


class ManifestError(ValueError):
    """A manifest that cannot be read (the message says where)."""


@dataclass(frozen=True)
class Relation:
    unique_id: str
    resource_type: str
    database: str
    schema: str
    name: str


@dataclass
class Node:
    relation: Relation
    depends_on: list[str]
    compiled: str


@dataclass
class Manifest:
    project: str
    adapter: str
    relations: dict[str, Relation]
    nodes: list[Node]


@dataclass
class DbtImport:
    project: str = ""
    nodes: int = 0
    table_edges: int = 0
    column_edges: int = 0
    parsed: int = 0
    unresolved: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    sync: SyncResult = field(default_factory=SyncResult)

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "nodes": self.nodes,
            "table_edges": self.table_edges,
            "column_edges": self.column_edges,
            "compiled_sql_parsed": self.parsed,
            "unresolved": self.unresolved,
            "problems": self.problems,
            **self.sync.as_dict(),
        }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def read_manifest(path: str | Path) -> Manifest:
    """Load and check a manifest file; :class:`ManifestError` says what is wrong."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ManifestError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
        raise ManifestError(f"{path} is not valid JSON{where}.") from None
    return parse_manifest(data)


def parse_manifest(data: Any) -> Manifest:
    if not isinstance(data, dict):
        raise ManifestError("The manifest must be a JSON object.")
    for key in ("nodes", "sources"):
        if key in data and not isinstance(data[key], dict):
            raise ManifestError(f"The manifest's {key!r} must be an object.")
    if "nodes" not in data:
        raise ManifestError("Not a dbt manifest: it has no 'nodes'.")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    relations: dict[str, Relation] = {}
    nodes: list[Node] = []
    packages: set[str] = set()
    for section in ("nodes", "sources"):
        for unique_id, node in (data.get(section) or {}).items():
            if not isinstance(node, dict):
                raise ManifestError(f"{section}.{unique_id} must be an object.")
            kind = _text(node.get("resource_type")) or unique_id.split(".", 1)[0]
            if kind not in RELATION_TYPES:
                continue
            if section == "nodes" and _text(node.get("package_name")):
                packages.add(node["package_name"])
            name = (
                _text(node.get("identifier"))
                if kind == "source"
                else _text(node.get("alias")) or _text(node.get("name"))
            ) or _text(node.get("name"))
            if not name or not _text(node.get("schema")):
                raise ManifestError(f"{section}.{unique_id} has no schema or name.")
            relation = Relation(unique_id, kind, _text(node.get("database")), node["schema"], name)
            relations[unique_id] = relation
            if kind in WITH_DEPENDENCIES:
                depends = node.get("depends_on") or {}
                deps = depends.get("nodes") if isinstance(depends, dict) else None
                if deps is not None and not (
                    isinstance(deps, list) and all(isinstance(d, str) for d in deps)
                ):
                    raise ManifestError(f"{section}.{unique_id}.depends_on.nodes must be a list.")
                compiled = _text(node.get("compiled_code")) or _text(node.get("compiled_sql"))
                nodes.append(Node(relation, list(deps or []), compiled))
    project = _text(metadata.get("project_name")) or (
        sorted(packages)[0] if len(packages) == 1 else ""
    )
    return Manifest(project or "dbt", _text(metadata.get("adapter_type")), relations, nodes)


def import_manifest(*, actor: Any, source: Any, manifest: Manifest) -> DbtImport:
    """Record the lineage of ``manifest``'s nodes, built into ``source``."""
    result = DbtImport(project=manifest.project, nodes=len(manifest.nodes))
    dialect = sql.dialect_of(source.kind)
    catalog = source.database if source.kind == "postgresql" else ""

    def name_of(rel: Relation) -> resolve.DatasetName:
        return resolve.dataset_in(source, rel.schema, rel.name, rel.database)

    resolver = resolve.Resolver(prefer=source)
    wanted = {rel.unique_id: name_of(rel) for rel in manifest.relations.values()}
    hits = resolver.tables(wanted.values())
    by_id = {uid: hits[name] for uid, name in wanted.items() if name in hits}

    # Columns of every relation the compiled SQL may read, for SELECT * and attribution.
    needed = {by_id[d].id for n in manifest.nodes if n.compiled for d in n.depends_on if d in by_id}
    needed |= {
        by_id[n.relation.unique_id].id for n in manifest.nodes if n.relation.unique_id in by_id
    }
    table_cols: dict[int, dict[str, int]] = {}
    for table_id, name, pk in (
        CatalogColumn.objects.live()
        .filter(table_id__in=sorted(needed))
        .order_by("table_id", "ordinal", "name")
        .values_list("table_id", "name", "pk")
    ):
        table_cols.setdefault(table_id, {})[name] = pk

    reports: dict[str, list[Edge]] = {}
    prefix = f"{source.pk}/{manifest.project}/"
    for node in manifest.nodes:
        rel = node.relation
        ref = f"{prefix}{rel.unique_id}"[:500]
        target = by_id.get(rel.unique_id)
        if target is None:
            result.unresolved.append(f"{rel.unique_id} ({name_of(rel)})")
            continue
        edges: list[Edge] = []
        problems: list[str] = []
        for dep in node.depends_on:
            hit = by_id.get(dep)
            if hit is None:
                if dep in manifest.relations:
                    label = f"{dep} ({name_of(manifest.relations[dep])})"
                    if label not in result.unresolved:
                        result.unresolved.append(label)
                continue
            if hit.id != target.id:
                edges.append(Edge(hit.id, target.id, **edge_sources(hit, target)))
        if node.compiled:
            edges += _column_edges(
                node, target, manifest, by_id, table_cols, dialect, catalog, problems
            )
            if not problems:
                result.parsed += 1
        if problems:
            result.problems[rel.unique_id] = problems
        reports[ref] = list(dict.fromkeys(edges))
        result.table_edges += sum(1 for e in edges if e.upstream_column is None)
        result.column_edges += sum(1 for e in edges if e.upstream_column is not None)

    with transaction.atomic():
        result.sync = sync_edges(
            origin=EdgeOrigin.DBT,
            reports=reports,
            seen_at=timezone.now(),
            scope_prefix=prefix,
        )
        audit.record(
            actor=actor, action="lineage.dbt_imported", obj=source, changes=result.as_dict()
        )
        if result.sync.changed:
            events.emit(
                "lineage.changed",
                source,
                actor=actor,
                origin=EdgeOrigin.DBT,
                project=manifest.project,
                **result.sync.as_dict(),
            )
    return result


def _column_edges(
    node: Node,
    target: resolve.TableHit,
    manifest: Manifest,
    by_id: dict[str, resolve.TableHit],
    table_cols: dict[int, dict[str, int]],
    dialect: str,
    catalog: str,
    problems: list[str],
) -> list[Edge]:
    """Column edges of one node from its compiled SQL. The SQL names relations as the manifest
    does (``database.schema.alias``): they are mapped to the catalog tables they resolved to."""
    mapping: dict[tuple[str, ...], list[str]] = {}
    alias_of: dict[tuple[str, str], resolve.TableHit] = {}
    for dep in node.depends_on:
        hit, rel = by_id.get(dep), manifest.relations.get(dep)
        if hit is None or rel is None:
            continue
        key = (rel.database or catalog, rel.schema, rel.name) if catalog else (rel.schema, rel.name)
        mapping[key] = list(table_cols.get(hit.id, {}))
        alias_of[(rel.schema.casefold(), rel.name.casefold())] = hit
    found = sql.parse_query(
        node.compiled,
        dialect=dialect,
        schema=sql.catalog_schema(mapping, dialect=dialect),
        default_schema=node.relation.schema,
        default_catalog=(node.relation.database or catalog) if catalog else None,
    )
    problems.extend(found.problems)
    own = table_cols.get(target.id, {})
    own_folded = {k.casefold(): v for k, v in own.items()}
    edges = []
    for e in found.columns:
        hit = alias_of.get((e.source.schema.casefold(), e.source.name.casefold()))
        if hit is None:
            problems.append(f"Reads {e.source}, which is not among the node's dependencies.")
            continue
        cols = table_cols.get(hit.id, {})
        up = cols.get(e.source_column) or {k.casefold(): v for k, v in cols.items()}.get(
            e.source_column.casefold()
        )
        down = own.get(e.target_column) or own_folded.get(e.target_column.casefold())
        if up is None:
            problems.append(f"Column {e.source}.{e.source_column} is not in the catalog.")
        elif down is None:
            problems.append(f"Output column {e.target_column!r} is not in the catalog.")
        else:
            edges.append(
                Edge(
                    hit.id,
                    target.id,
                    up,
                    down,
                    e.transformation,
                    **edge_sources(hit, target),
                )
            )
    return list(dict.fromkeys(edges))
