"""Test settings: the same as base, with fast hashing and tasks run by the test itself."""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests call services and task bodies directly; the integration test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Throttle counters live in the cache, which outlives a test: tests that check throttling set
# their own rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
}
# Scans classify in this process unless a test asks for the helper process (tests/…/test_helper).
PURSIGHT_SCAN = {
    **PURSIGHT_SCAN,  # noqa: F405
    "CLASSIFY_IN_HELPER": env.bool("PURSIGHT_SCAN_CLASSIFY_IN_HELPER", default=False),
}
