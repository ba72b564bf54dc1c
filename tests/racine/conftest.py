"""Shared by Racine's live tests: the channel layer (and presence store) under test."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from channels.layers import channel_layers

from pursight.testing import service_url


@pytest.fixture(params=["memory", "redis"])
def layer(request: Any, settings: Any) -> Any:
    """The channel layer and the presence store: in memory, or Redis (as in production;
    skipped without ``REDIS_URL``, which CI sets)."""
    from racine.workspaces import presence

    settings.PURSIGHT_PRESENCE_PREFIX = f"test-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        url = service_url("REDIS_URL")
        settings.REDIS_URL = url
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "pursight.layers.ResilientRedisChannelLayer",
                "CONFIG": {"hosts": [url], "prefix": settings.PURSIGHT_PRESENCE_PREFIX},
            }
        }
    else:
        settings.REDIS_URL = ""
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()
    presence._redis.clear()
