"""What layers above the glossary plug into it, registered from their ``AppConfig.ready()``.

``term_transition_guards``
    Callables ``(term, to, actor) -> Pending | None`` asked, in registration order, before
    :func:`governance.glossary.services.transition_term` changes a term's status. A guard that
    returns :class:`Pending` stops the change (the term keeps its status) and owns what comes
    next: an approval engine records a request and, once it is decided, applies the change with
    ``transition_term(..., guarded=False)``. ``None`` lets the next guard decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pursight.registry import Registry


@dataclass(frozen=True)
class Pending:
    """A transition held for approval: ``message`` is shown to the user; ``reference`` is the
    guard's own handle (an approval request)."""

    message: str
    reference: Any = None


TransitionGuard = Callable[[Any, str, Any], "Pending | None"]
term_transition_guards: Registry[TransitionGuard] = Registry("glossary term transition guards")
