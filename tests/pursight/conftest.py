from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters live in the cache: start every test clean."""
    from django.core.cache import cache

    cache.clear()
