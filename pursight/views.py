"""Operational endpoints."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _probe(check) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        detail = check()
        return {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 1), **(detail or {})}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _cache() -> dict[str, Any]:
    cache.set("pursight:healthz", "1", 10)
    if cache.get("pursight:healthz") != "1":
        raise RuntimeError("cache did not return the value just written")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _broker() -> dict[str, Any]:
    from pursight.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager (tasks run in the web process)"}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"mode": "broker"}


def _celery() -> dict[str, Any]:
    from pursight.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"workers": 0, "mode": "eager"}
    replies = app.control.ping(timeout=1.0) or []
    if not replies:
        raise RuntimeError("no Celery worker answered the ping")
    return {"workers": len(replies)}


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _probe(_database),
        "cache": _probe(_cache),
        "broker": _probe(_broker),
        "celery": _probe(_celery),
    }
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, status=200 if ok else 503
    )
