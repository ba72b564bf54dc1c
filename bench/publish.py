#!/usr/bin/env python
"""How long a synchronous publisher (a Celery worker, a command, an after-commit hook) takes to
hand one live event to the Redis channel layer (``pursight.realtime.send_now``).

    .venv/bin/python bench/publish.py [--events 40] [--gap-ms 50] [--redis-url redis://...]

Sends ``--events`` progress events to a page nobody watches, ``--gap-ms`` apart, from this
process, and prints p50, p95 and max of the send time, and the first send's (which connects).
Needs Redis (default: the local service, database 15).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--gap-ms", type=float, default=50.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")
    import django

    django.setup()
    from pursight import realtime

    times = []
    for n in range(args.events):
        started = time.perf_counter()
        realtime.send_now("scanrun", 0, "progress", {"n": n}, relay=False)
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(args.gap_ms / 1000)
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"{args.events} sends: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, "
        f"max {max(times):.2f} ms, first {times[0]:.2f} ms"
    )


if __name__ == "__main__":
    main()
