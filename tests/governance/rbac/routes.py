"""Discover the API's viewset routes from the URLconf (nothing hard-coded that can go stale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # URL name, e.g. "datasource-detail"
    viewset: type
    actions: tuple[tuple[str, str], ...]  # (http method, viewset action)
    detail: bool
    route: str

    @property
    def model(self) -> Any:
        qs = getattr(self.viewset, "queryset", None)
        if qs is not None:
            return qs.model
        serializer = getattr(self.viewset, "serializer_class", None)
        meta = getattr(serializer, "Meta", None)
        return getattr(meta, "model", None)


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            found.append((prefix + str(p.pattern), p))
    return found


def api_routes(prefix: str = "api/v1/") -> list[Route]:
    routes: dict[str, Route] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None)
        if not route.startswith(prefix) or cls is None or not actions or "format" in route:
            continue
        routes.setdefault(
            pattern.name,
            Route(
                name=pattern.name,
                viewset=cls,
                actions=tuple(sorted(actions.items())),
                detail="<pk>" in route or "(?P<pk>" in route,
                route=route,
            ),
        )
    return sorted(routes.values(), key=lambda r: r.name)
