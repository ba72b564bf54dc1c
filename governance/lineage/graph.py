"""Reading lineage as a viewer sees it: the graph around an asset, impact lists and counts.

Traversal is a breadth-first search by level: each level is one query over the open edges of the
whole frontier (``upstream_table_id IN (...)`` on the ``(table, closed_at)`` indexes), so a
graph of depth ``d`` costs ``d`` queries per direction plus a constant few, whatever the size of
the lineage (``bench/lineage_graph.py`` measures it at 100,000 edges). Cycles terminate: a node
is expanded once.

**Permissions.** Every node is checked through the gate (a table through its data source's
collection, at no query once the scope is resolved). An asset the viewer may not see is never
named, typed or counted:

* the traversal stops at it (what lies behind a hidden asset is not explored, so neither its
  neighbours nor their number can be inferred);
* all hidden neighbours of one visible node on one side are drawn as *one* placeholder node
  ("hidden upstream" / "hidden downstream") with an opaque id that is new in each response: the
  viewer learns that something they may not see feeds (or is fed by) that asset, never how many
  such assets there are nor whether two visible assets share one;
* counts (asset panels, impact lists) count visible assets only and say "and assets hidden from
  you" as a yes/no, exactly what the graph shows.

An ``asset`` the viewer may not see answers like a missing one (:class:`AssetNotFound`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q

from governance.catalog.models import CatalogColumn, CatalogTable
from pursight import permissions

from .models import LineageEdge

UP, DOWN, BOTH = "up", "down", "both"
DIRECTIONS = (UP, DOWN, BOTH)
DEFAULT_DEPTH = 3
MAX_DEPTH = 10
MAX_NODES = 500  # visible nodes drawn at most; a larger neighbourhood is cut (``truncated``)
MAX_IMPACT = 5000  # rows of an impact list at most
ORIGIN_VERBS = {
    "view": "view",
    "openlineage": "OpenLineage job",
    "dbt": "dbt model",
    "manual": "manual edge",
}


class LineageInputError(ValueError):
    """A bad parameter (answered 400 with the message)."""


class AssetNotFound(LookupError):
    """No asset of that name the viewer may see (answered 404, hidden or missing alike)."""

    message = "No asset with this qualified name."


@dataclass
class Asset:
    """The asset a graph or impact list starts from: a table, or a column of its table."""

    table: CatalogTable
    column: CatalogColumn | None = None

    @property
    def kind(self) -> str:
        return "column" if self.column is not None else "table"

    @property
    def qualified_name(self) -> str:
        return (self.column or self.table).qualified_name


def parse_direction(value: str | None) -> str:
    value = (value or BOTH).strip().lower()
    if value not in DIRECTIONS:
        raise LineageInputError("direction must be one of up, down, both.")
    return value


def parse_depth(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_DEPTH
    try:
        depth = int(str(value).strip())
    except ValueError:
        raise LineageInputError(f"depth must be a whole number from 1 to {MAX_DEPTH}.") from None
    if not 1 <= depth <= MAX_DEPTH:
        raise LineageInputError(f"depth must be a whole number from 1 to {MAX_DEPTH}.")
    return depth


def _table_qs() -> Any:
    return CatalogTable.objects.select_related("schema", "datasource")


def resolve_asset(user: Any, qualified_name: str | None) -> Asset:
    """The table or column named ``qualified_name`` if ``user`` may view it (two queries at
    most); hidden and missing names raise the same :class:`AssetNotFound`."""
    name = (qualified_name or "").strip()
    if not name:
        raise LineageInputError("asset is required: the qualified name of a table or column.")
    if "\x00" in name:  # no text the database holds has one (PostgreSQL cannot compare it)
        raise LineageInputError("asset: a qualified name cannot contain a NUL character.")
    if len(name) > 1200:
        raise AssetNotFound
    table = (
        permissions.restrict(_table_qs(), user, as_subquery=True)
        .filter(qualified_name=name)
        .first()
    )
    if table is not None:
        return Asset(table)
    column = (
        permissions.restrict(
            CatalogColumn.objects.select_related(
                "table__schema", "table__datasource", "datasource"
            ),
            user,
            as_subquery=True,
        )
        .filter(qualified_name=name)
        .first()
    )
    if column is None:
        raise AssetNotFound
    return Asset(column.table, column)


def visible(user: Any, table: CatalogTable) -> bool:
    """May ``user`` see ``table`` (its data source loaded: no query)?"""
    return permissions.can(user, permissions.VIEW, table)


def table_display(table: CatalogTable) -> str:
    return f"{table.datasource.name}.{table.schema.name}.{table.name}"


def column_display(column: CatalogColumn, table: CatalogTable | None = None) -> str:
    table = table or column.table
    return f"{table_display(table)}.{column.name}"


# --- the table graph ---------------------------------------------------------------------------


@dataclass
class Graph:
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self, root: str, direction: str, depth: int) -> dict[str, Any]:
        return {
            "root": root,
            "direction": direction,
            "depth": depth,
            "truncated": self.truncated,
            "nodes": self.nodes,
            "edges": self.edges,
        }


def _pairs(
    frontier: Sequence[int], direction: str, include_closed: bool
) -> list[tuple[int, int, str, bool]]:
    """Distinct ``(upstream, downstream, origin, blocked)`` of the edges touching ``frontier``
    on one side: one query."""
    side = "upstream_table_id" if direction == DOWN else "downstream_table_id"
    qs = LineageEdge.objects.filter(**{f"{side}__in": list(frontier)})
    if not include_closed:
        qs = qs.filter(closed_at__isnull=True)
    return list(
        qs.order_by()
        .values_list("upstream_table_id", "downstream_table_id", "origin", "propagation_blocked")
        .distinct()
    )


# What a node needs of its table, read with the edges of a level (one query per level).
_NODE_FIELDS = (
    "name",
    "schema__name",
    "datasource__name",
    "datasource__collection_id",
    "kind",
    "qualified_name",
    "removed_at",
)


@dataclass
class _Node:
    name: str
    schema: str
    datasource: str
    collection_id: int | None
    kind: str
    qualified_name: str
    removed: bool

    @classmethod
    def of(cls, table: CatalogTable) -> _Node:
        return cls(
            table.name,
            table.schema.name,
            table.datasource.name,
            table.datasource.collection_id,
            table.kind,
            table.qualified_name,
            table.removed_at is not None,
        )


def _level(
    frontier: Sequence[int], side: str, include_closed: bool, shown_sources: set[int] | None
) -> list[tuple[int, int, str, bool, bool]]:
    """The edges of one level on one side, ``(upstream, downstream, origin, blocked, shown)``
    where ``shown`` says whether the table at their other end is visible. One query on the
    edge rows alone: each edge carries its ends' data sources, so visibility is decided in SQL
    with no join to the tables.

    ``shown_sources``: the data sources whose tables the viewer may see (None: every one).
    For a scoped viewer the edges to hidden tables are folded into one row per frontier table
    naming only the hidden table of smallest id (no origin, not blocked): the graph draws all
    of them as one placeholder per visible table and side, with no facts about the edges. So a
    2,000-way hub with a hundred visible neighbours reads about a hundred rows, not 2,000.

    Plain SQL (both backends): the ORM's compilation of this grouped, conditional query cost
    several times the query itself on the hot path (``bench/lineage_graph.py``)."""
    meta = LineageEdge._meta
    q = connection.ops.quote_name

    def col(name: str) -> str:
        return q(meta.get_field(name).column)

    up, down = col("upstream_table"), col("downstream_table")
    key = up if side == DOWN else down
    other_source = col("downstream_datasource" if side == DOWN else "upstream_datasource")
    table = q(meta.db_table)
    front = sorted(set(frontier))
    if not front:
        return []
    where = f"{key} IN ({', '.join(['%s'] * len(front))})"
    if not include_closed:
        where += f" AND {col('closed_at')} IS NULL"
    edge = f"{up}, {down}, {col('origin')}, {col('propagation_blocked')}"
    if shown_sources is None:
        sql, params = f"SELECT DISTINCT {edge} FROM {table} WHERE {where}", list(front)
    else:
        # 0 is no data source's id: an empty scope makes every neighbour hidden.
        sources = sorted(shown_sources) or [0]
        shown = f"{other_source} IN ({', '.join(['%s'] * len(sources))})"
        folded = f"{up}, MIN({down})" if side == DOWN else f"MIN({up}), {down}"
        sql = (
            f"SELECT DISTINCT {edge}, 1 FROM {table} WHERE {where} AND {shown} "
            f"UNION ALL SELECT {folded}, '', %s, 0 FROM {table} "
            f"WHERE {where} AND NOT ({shown}) GROUP BY {key}"
        )
        params = [*front, *sources, False, *front, *sources]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if shown_sources is None:
        return [(u, d, origin, bool(blocked), True) for u, d, origin, blocked in rows]
    return [(u, d, origin, bool(blocked), bool(shown)) for u, d, origin, blocked, shown in rows]


def _details(table_ids: Iterable[int]) -> dict[int, _Node]:
    """What the drawn (visible) tables show (one query)."""
    ids = sorted(table_ids)
    if not ids:
        return {}
    return {
        pk: _Node(n, sc, ds, cid, k, qn, rm is not None)
        for pk, n, sc, ds, cid, k, qn, rm in CatalogTable.objects.filter(pk__in=ids).values_list(
            "pk", *_NODE_FIELDS
        )
    }


def _shown_sources(scope: permissions.Scope) -> set[int] | None:
    """The data sources whose tables ``scope`` shows (one small query; None, and no query, for
    a platform-wide reader). A table is visible exactly where its data source's collection is
    (the catalog's registration with the gate)."""
    if scope.everything:
        return None
    from governance.datasources.models import DataSource

    return set(
        DataSource.objects.filter(collection_id__in=sorted(scope.collection_ids)).values_list(
            "pk", flat=True
        )
    )


def table_graph(
    user: Any,
    asset: Asset,
    *,
    direction: str = BOTH,
    depth: int = DEFAULT_DEPTH,
    expand: Iterable[int] = (),
    include_closed: bool = False,
    max_nodes: int = MAX_NODES,
) -> Graph:
    """The tables within ``depth`` edges of ``asset``'s table (one query per level and
    direction), hidden ones as anonymous placeholders; ``expand``: table ids whose columns (and
    column-level edges) are added (two queries). Beyond ``max_nodes`` visible tables the
    search stops (``truncated``)."""
    root = asset.table
    scope = permissions.action_scope(user, CatalogTable, permissions.VIEW)
    shown_sources = _shown_sources(scope)
    seen_level: dict[int, int] = {root.pk: 0}
    pair_info: dict[tuple[int, int], dict[str, Any]] = {}
    hidden_ids: set[int] = set()
    truncated = False
    directions = [UP, DOWN] if direction == BOTH else [direction]
    for side in directions:
        frontier = [root.pk]
        expanded: set[int] = {root.pk}
        for level in range(1, depth + 1):
            if not frontier or truncated:
                break
            next_frontier: list[int] = []
            for u, d, origin, blocked, shown in _level(
                frontier, side, include_closed, shown_sources
            ):
                other = d if side == DOWN else u
                if other in hidden_ids:
                    pass
                elif not shown:
                    hidden_ids.add(other)
                elif other not in seen_level:
                    if len(seen_level) >= max_nodes:
                        truncated = True
                        continue
                    seen_level[other] = level if side == DOWN else -level
                info = pair_info.setdefault((u, d), {"origins": set(), "blocked": False})
                info["origins"].add(origin)
                info["blocked"] |= blocked
                if other in seen_level and other not in expanded:
                    expanded.add(other)
                    next_frontier.append(other)
            frontier = next_frontier
    nodes = _details(set(seen_level) - {root.pk})
    nodes[root.pk] = _Node.of(root)
    return _assemble(root, nodes, seen_level, pair_info, hidden_ids, expand, truncated)


def _assemble(
    root: CatalogTable,
    nodes: dict[int, _Node],
    seen_level: dict[int, int],
    pair_info: dict[tuple[int, int], dict[str, Any]],
    hidden_ids: set[int],
    expand: Iterable[int],
    truncated: bool,
) -> Graph:
    from governance.catalog.extensions import asset_url

    sentinel = 987654321987
    url_pattern = asset_url("table", sentinel).replace(str(sentinel), "{}")
    graph = Graph(truncated=truncated)
    for tid, level in sorted(seen_level.items(), key=lambda kv: (kv[1], kv[0])):
        n = nodes[tid]
        graph.nodes.append(
            {
                "id": f"t{tid}",
                "kind": "table",
                "hidden": False,
                "name": n.name,
                "label": f"{n.schema}.{n.name}",
                "table_kind": n.kind,
                "datasource": n.datasource,
                "qualified_name": n.qualified_name,
                "display_name": f"{n.datasource}.{n.schema}.{n.name}",
                "level": level,
                "root": tid == root.pk,
                "removed": n.removed,
                "url": url_pattern.format(tid),
            }
        )
    placeholders: dict[tuple[int, str], str] = {}
    drawn: set[str] = set()
    for (u, d), info in sorted(pair_info.items()):
        if u in seen_level and d in seen_level:
            source, target = f"t{u}", f"t{d}"
        elif u in seen_level and d in hidden_ids:
            source, target = f"t{u}", _placeholder(graph, placeholders, u, DOWN)
        elif d in seen_level and u in hidden_ids:
            source, target = _placeholder(graph, placeholders, d, UP), f"t{d}"
        else:
            continue
        edge_id = f"{source}-{target}"
        if edge_id in drawn:  # several hidden assets behind one placeholder: one edge
            continue
        drawn.add(edge_id)
        hidden = source.startswith("h") or target.startswith("h")
        graph.edges.append(
            {
                "id": edge_id,
                "source": source,
                "target": target,
                "level": "table",
                "hidden": hidden,
                # Facts about a hidden endpoint's edges are the owner's: not shown.
                "origins": [] if hidden else sorted(info["origins"]),
                "blocked": False if hidden else info["blocked"],
            }
        )
    wanted = [t for t in dict.fromkeys(expand) if t in seen_level]
    if wanted:
        _add_columns(graph, wanted, set(seen_level))
    return graph


def _placeholder(
    graph: Graph, placeholders: dict[tuple[int, str], str], tid: int, side: str
) -> str:
    key = (tid, side)
    if key not in placeholders:
        pid = f"h{len(placeholders) + 1}"
        placeholders[key] = pid
        graph.nodes.append(
            {
                "id": pid,
                "kind": "hidden",
                "hidden": True,
                "label": "Hidden upstream" if side == UP else "Hidden downstream",
            }
        )
    return placeholders[key]


def _add_columns(graph: Graph, table_ids: list[int], in_graph: set[int]) -> None:
    """The columns of ``table_ids`` and the open column edges between tables of the graph
    that touch them (two queries)."""
    columns = list(
        CatalogColumn.objects.live()
        .filter(table_id__in=table_ids)
        .order_by("table_id", "ordinal", "name")
        .values_list("pk", "table_id", "name", "data_type", "qualified_name")
    )
    for cid, tid, name, data_type, qn in columns:
        graph.nodes.append(
            {
                "id": f"c{cid}",
                "kind": "column",
                "hidden": False,
                "parent": f"t{tid}",
                "name": name,
                "label": name,
                "data_type": data_type,
                "qualified_name": qn,
            }
        )
    ids = set(table_ids)
    rows = (
        LineageEdge.objects.open()
        .filter(level="column")
        .filter(Q(upstream_table_id__in=table_ids) | Q(downstream_table_id__in=table_ids))
        .filter(upstream_table_id__in=sorted(in_graph), downstream_table_id__in=sorted(in_graph))
        .order_by()
        .values_list(
            "upstream_table_id",
            "upstream_column_id",
            "downstream_table_id",
            "downstream_column_id",
            "origin",
            "propagation_blocked",
        )
        .distinct()
    )
    covered: set[tuple[str, str]] = set()
    for ut, uc, dt, dc, origin, blocked in rows:
        covered.add((f"t{ut}", f"t{dt}"))
        # A column edge into a table not expanded lands on the table node.
        source = f"c{uc}" if ut in ids else f"t{ut}"
        target = f"c{dc}" if dt in ids else f"t{dt}"
        graph.edges.append(
            {
                "id": f"{source}-{target}-{origin}",
                "source": source,
                "target": target,
                "level": "column",
                "hidden": False,
                "origins": [origin],
                "blocked": blocked,
            }
        )
    # A table pair now drawn column by column loses its table-level arrow (one arrow per flow).
    graph.edges = [
        e for e in graph.edges if e["level"] != "table" or (e["source"], e["target"]) not in covered
    ]


# --- impact: everything downstream ---------------------------------------------------------------


@dataclass
class ImpactRow:
    kind: str  # table | column
    pk: int
    display_name: str
    qualified_name: str
    depth: int
    via: str  # the display name of the asset it is reached from
    origins: list[str]
    blocked: bool


@dataclass
class Impact:
    rows: list[ImpactRow]
    hidden: bool  # some downstream assets are hidden from the viewer (never how many)
    truncated: bool


def impact(user: Any, asset: Asset, *, depth: int = MAX_DEPTH, limit: int = MAX_IMPACT) -> Impact:
    """Everything downstream of ``asset`` the viewer may see, nearest first.

    A table: the downstream tables (every open edge). A column: the downstream columns over
    open column-level edges. One query per level, one for the assets of each level.
    """
    if asset.column is not None:
        return _column_impact(user, asset.column, depth, limit)
    return _table_impact(user, asset.table, depth, limit)


def _table_impact(user: Any, root: CatalogTable, depth: int, limit: int) -> Impact:
    seen: dict[int, ImpactRow] = {}
    names = {root.pk: table_display(root)}
    hidden = truncated = False
    frontier = [root.pk]
    for level in range(1, depth + 1):
        if not frontier:
            break
        rows = _pairs(frontier, DOWN, False)
        new = {d for _, d, _, _ in rows if d not in seen and d != root.pk}
        tables = _table_qs().in_bulk(sorted(new)) if new else {}
        edges: dict[int, tuple[int, set[str], bool]] = {}
        for u, d, origin, blocked in rows:
            if d in tables:
                via, origins, b = edges.get(d, (u, set(), False))
                origins.add(origin)
                edges[d] = (via, origins, b or blocked)
        frontier = []
        for d, (via, origins, blocked) in sorted(edges.items()):
            t = tables[d]
            if not visible(user, t):
                hidden = True
                continue
            if len(seen) >= limit:
                truncated = True
                break
            names[d] = table_display(t)
            seen[d] = ImpactRow(
                "table", d, names[d], t.qualified_name, level, names[via], sorted(origins), blocked
            )
            frontier.append(d)
    return Impact(list(seen.values()), hidden, truncated)


def _column_impact(user: Any, root: CatalogColumn, depth: int, limit: int) -> Impact:
    seen: dict[int, ImpactRow] = {}
    names = {root.pk: column_display(root)}
    hidden = truncated = False
    frontier = [root.pk]
    for level in range(1, depth + 1):
        if not frontier:
            break
        rows = list(
            LineageEdge.objects.open()
            .filter(upstream_column_id__in=frontier)
            .order_by()
            .values_list(
                "upstream_column_id", "downstream_column_id", "origin", "propagation_blocked"
            )
            .distinct()
        )
        new = {d for _, d, _, _ in rows if d not in seen and d != root.pk}
        columns = (
            CatalogColumn.objects.select_related("table__schema", "table__datasource").in_bulk(
                sorted(new)
            )
            if new
            else {}
        )
        edges: dict[int, tuple[int, set[str], bool]] = {}
        for u, d, origin, blocked in rows:
            if d in columns:
                via, origins, b = edges.get(d, (u, set(), False))
                origins.add(origin)
                edges[d] = (via, origins, b or blocked)
        frontier = []
        for d, (via, origins, blocked) in sorted(edges.items()):
            c = columns[d]
            if not visible(user, c.table):
                hidden = True
                continue
            if len(seen) >= limit:
                truncated = True
                break
            names[d] = column_display(c)
            seen[d] = ImpactRow(
                "column", d, names[d], c.qualified_name, level, names[via], sorted(origins), blocked
            )
            frontier.append(d)
    return Impact(list(seen.values()), hidden, truncated)


# --- counts for asset pages ----------------------------------------------------------------------


@dataclass
class Neighbours:
    upstream: int = 0
    downstream: int = 0
    hidden_upstream: bool = False
    hidden_downstream: bool = False


def neighbours(user: Any, table_id: int) -> Neighbours:
    """How many visible tables feed / are fed by ``table_id`` directly (two queries), and
    whether any hidden one does (yes/no only: what the graph shows)."""
    pairs = list(
        LineageEdge.objects.open()
        .filter(Q(upstream_table_id=table_id) | Q(downstream_table_id=table_id))
        .order_by()
        .values_list("upstream_table_id", "downstream_table_id")
        .distinct()
    )
    others = {u if d == table_id else d for u, d in pairs} - {table_id}
    tables = _table_qs().in_bulk(sorted(others)) if others else {}
    out = Neighbours()
    ups = {u for u, d in pairs if d == table_id and u != table_id}
    downs = {d for u, d in pairs if u == table_id and d != table_id}
    for tid in ups:
        if tid in tables and visible(user, tables[tid]):
            out.upstream += 1
        elif tid in tables:
            out.hidden_upstream = True
    for tid in downs:
        if tid in tables and visible(user, tables[tid]):
            out.downstream += 1
        elif tid in tables:
            out.hidden_downstream = True
    return out


def edges_by_table(table_ids: Sequence[int]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Open edges per table, for the catalog export (an operator's command that exports every
    asset): ``{table id: {"upstream": [...], "downstream": [...]}}`` naming the other table
    (and columns) by qualified name, with each edge's origin. One query."""
    ids = list(table_ids)
    if not ids:
        return {}
    out: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"upstream": [], "downstream": []}
    )
    rows = (
        LineageEdge.objects.open()
        .filter(Q(upstream_table_id__in=ids) | Q(downstream_table_id__in=ids))
        .order_by("id")
        .values_list(
            "upstream_table_id",
            "upstream_table__qualified_name",
            "upstream_column__qualified_name",
            "downstream_table_id",
            "downstream_table__qualified_name",
            "downstream_column__qualified_name",
            "level",
            "origin",
            "origin_ref",
            "propagation_blocked",
        )
    )
    wanted = set(ids)
    for ut, uqn, ucol, dt, dqn, dcol, level, origin, ref, blocked in rows:
        common = {
            "level": level,
            "upstream": uqn,
            "downstream": dqn,
            "upstream_column": ucol,
            "downstream_column": dcol,
            "origin": origin,
            "origin_ref": ref,
            "propagation_blocked": blocked,
        }
        if dt in wanted:
            out[dt]["upstream"].append(common)
        if ut in wanted:
            out[ut]["downstream"].append(common)
    return dict(out)
