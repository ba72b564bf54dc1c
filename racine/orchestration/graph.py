"""A workflow's DAG drawn as server-rendered SVG (no script): steps in columns by depth, edges
as curves from a step to those that follow it. The run page colours the nodes by state and its
script recolours them live (each node carries ``data-step``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 210, 46, 60, 18, 12
# The second line is "<label> · <state>" (the live page rewrites the state): the label is cut
# so that it fits beside the longest state at 11 px.
LABEL_CHARS = 19

STATE_FILL = {
    "pending": "#e5e7eb",
    "running": "#bfdbfe",
    "waiting": "#fde68a",
    "succeeded": "#bbf7d0",
    "failed": "#fecaca",
    "skipped": "#f3f4f6",
    "cancelled": "#d1d5db",
    "": "#eef2ff",
}


@dataclass
class Node:
    key: str
    label: str
    after: Sequence[str]
    state: str = ""


def layout(nodes: Sequence[Node]) -> dict[str, tuple[int, int]]:
    """Column (longest path from a root) and row of each node."""
    by_key = {n.key: n for n in nodes}
    depth: dict[str, int] = {}

    def depth_of(key: str, seen: frozenset[str] = frozenset()) -> int:
        if key in depth:
            return depth[key]
        if key in seen:  # a cycle (refused on save; drawn flat if ever met)
            return 0
        node = by_key[key]
        parents = [p for p in node.after if p in by_key]
        depth[key] = 1 + max((depth_of(p, seen | {key}) for p in parents), default=-1)
        return depth[key]

    rows: dict[int, int] = {}
    place: dict[str, tuple[int, int]] = {}
    for n in nodes:
        col = depth_of(n.key)
        place[n.key] = (col, rows.get(col, 0))
        rows[col] = rows.get(col, 0) + 1
    return place


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render(nodes: Sequence[Node], *, title: str = "Workflow steps") -> SafeString:
    if not nodes:
        return mark_safe('<p class="text-sm text-base-500">No steps yet.</p>')
    place = layout(nodes)
    cols = max(c for c, _ in place.values()) + 1
    rows = max(r for _, r in place.values()) + 1
    width = PAD * 2 + cols * NODE_W + (cols - 1) * GAP_X
    height = PAD * 2 + rows * NODE_H + (rows - 1) * GAP_Y

    def xy(key: str) -> tuple[int, int]:
        c, r = place[key]
        return PAD + c * (NODE_W + GAP_X), PAD + r * (NODE_H + GAP_Y)

    edges = []
    for n in nodes:
        x2, y2 = xy(n.key)
        for parent in n.after:
            if parent not in place:
                continue
            x1, y1 = xy(parent)
            sx, sy, ex, ey = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
            mid = (sx + ex) // 2
            edges.append((f"M{sx},{sy} C{mid},{sy} {mid},{ey} {ex - 6},{ey}",))
    edge_html = format_html_join(
        "",
        '<path d="{}" fill="none" stroke="#94a3b8" stroke-width="1.5" '
        'marker-end="url(#wf-arrow)"/>',
        edges,
    )
    node_html = format_html_join(
        "",
        '<g class="wf-node" data-step="{}" data-state="{}" transform="translate({},{})">'
        "<title>{}</title>"
        '<rect width="{}" height="{}" rx="8" fill="{}" stroke="#64748b"/>'
        '<text x="10" y="19" font-size="13" font-weight="600" fill="#0f172a">{}</text>'
        '<text x="10" y="36" font-size="11" fill="#475569">{}</text></g>',
        (
            (
                n.key,
                n.state,
                *xy(n.key),
                f"{n.key}: {n.label}" + (f" ({n.state})" if n.state else ""),
                NODE_W,
                NODE_H,
                STATE_FILL.get(n.state, STATE_FILL[""]),
                n.key[:22],
                _cut(n.label, LABEL_CHARS) + (f" · {n.state}" if n.state else ""),
            )
            for n in nodes
        ),
    )
    return format_html(
        '<div style="overflow-x:auto;max-width:100%">'
        '<svg class="wf-graph" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg">'
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#94a3b8"/></marker></defs>{}{}</svg></div>',
        title,
        width,
        height,
        width,
        height,
        edge_html,
        node_html,
    )
