"""What apps above scans add to it, registered from their ``AppConfig.ready()``.

Other apps may import this module (never the app's ``admin``); see :mod:`pursight.registry`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pursight.registry import Registry

# Extensions of the schema-change admin (:mod:`pursight.admin_extensions`): compliance adds
# the acknowledge action and the drift filter.
schema_change_admin: Registry[type] = Registry("schema change admin")

# Steps the ``demo`` command runs after its scan, called as ``step(stdout=, user=, source=,
# run=)``: Racine adds a workspace with members, pins, a comment thread and a task.
demo_steps: Registry[Callable[..., Any]] = Registry("demo steps")
