"""Fixtures of the live feed's tests on the real Redis channel layer."""

from __future__ import annotations

from typing import Any

import pytest
from channels.layers import channel_layers, get_channel_layer

from pursight.testing import service_url


@pytest.fixture
def redis_layer(settings: Any) -> Any:
    url = service_url("REDIS_URL")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "pursight.layers.ResilientRedisChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": "pursight-test-live"},
        }
    }
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


@pytest.fixture
def watched_run(make_user, make_collection, grant, make_source, shop_db) -> Any:
    from governance.scans import services

    collection = make_collection("A")
    user = make_user("watcher")
    grant(user, "view_catalog", collection)
    source = make_source(shop_db, collection=collection)
    run = services.start_scan(
        actor=None, scan=services.default_scan(actor=None, source=source), enqueue=False
    )
    return user, run
