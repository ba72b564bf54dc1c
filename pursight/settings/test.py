"""Test settings: the same as base, with fast hashing and tasks run by the test itself."""

import os
from urllib.parse import urlsplit, urlunsplit

# Under pytest-xdist each worker takes its own Redis database (the given one, then the ones
# below it), so that two workers' pages, presence, caches and queues never meet. Set before the
# base settings read REDIS_URL; tests and the processes they start read it from the environment.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _parts = urlsplit(os.environ["REDIS_URL"])
    _db = int(_parts.path.strip("/") or 0)
    _parts = _parts._replace(path=f"/{(_db - int(_worker[2:])) % 16}")
    os.environ["REDIS_URL"] = urlunsplit(_parts)

# The default classifier model is the small one (seconds to train, not minutes), here and in
# the servers and workers tests start (they inherit the environment). Tests of the engine's
# quality train the models they measure themselves.
os.environ.setdefault("PURSIGHT_CLASSIFIER_SMALL", "1")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

PURSIGHT_CLASSIFIER = {
    **PURSIGHT_CLASSIFIER,  # noqa: F405
    "DEFAULT_SMALL": env.bool("PURSIGHT_CLASSIFIER_SMALL"),
}

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

# SQLite: the test database is a file (WAL, a busy timeout), not the in-memory shared cache,
# where a reader and a writer in two threads (a workflow run's background thread, a live
# server) fail at once with "database table is locked" instead of waiting their turn.
# One file per test process (two runs in one checkout never meet), in the temporary directory;
# Django deletes it at the end of the run.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"pursight-test-{os.getpid()}.sqlite3")
    }

# PostgreSQL: the test connections do not wait for the write-ahead log to reach the disk at each
# commit (test databases are thrown away; the transactional tests commit and truncate often).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
