"""Fixtures of the workflow tests: a collection with a source and its scan, workflows built
from definitions, and on-commit callbacks run as a real commit would."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """``with committed(): ...``: on-commit callbacks (step messages, events, live updates)
    run at the end of the block, and those they schedule too, as after a real commit."""

    @contextmanager
    def block() -> Any:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    return block


@pytest.fixture
def collection(make_collection: Callable[..., Any]) -> Any:
    return make_collection("Ops")


@pytest.fixture
def make_workflow(db: Any, collection: Any) -> Callable[..., Any]:
    from racine.orchestration import services

    counter = {"n": 0}

    def make(steps: list[dict[str, Any]], *, actor: Any = None, **top: Any) -> Any:
        counter["n"] += 1
        data = {"name": f"wf-{counter['n']}", "collection": collection.pk, "steps": steps, **top}
        return services.save_workflow(actor=actor, data=data)

    return make


def noop(key: str, *after: str, **params: Any) -> dict[str, Any]:
    extra = {k: params.pop(k) for k in ("retries", "retry_backoff", "timeout") if k in params}
    return {"key": key, "type": "noop", "after": list(after), "params": params, **extra}
