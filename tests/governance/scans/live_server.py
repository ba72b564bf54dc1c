"""A PurSight web server (daphne) for the live scan-progress browser test, in its own process.

    python tests/governance/scans/live_server.py PORT TARGET_SQLITE GATE_FILE

With eager tasks (no broker: ``make run`` without Redis), "Scan now" runs the scan in a thread
of the web process and its progress reaches the browser through the in-memory channel layer,
which does not cross processes: so the scan, the socket and the pages are all served here,
from this process's own database (``DATABASE_URL``, set by the test). Before serving it
migrates, creates a Data Source Admin ``steward`` and registers ``TARGET_SQLITE``, and prints
one JSON line with their ids. The third batch of tables of a scan waits until ``GATE_FILE``
exists, so that the test sees the run in the middle of its work, then at its end.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a-Long-pass-phrase-42"


def prepare(target: str) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from governance.datasources.services import register_datasource
    from governance.rbac import services as rbac
    from governance.rbac.models import Role

    call_command("migrate", verbosity=0)
    sales = rbac.create_collection(actor=None, name="Sales")
    steward = get_user_model().objects.create_user("steward", "s@example.com", PASSWORD)
    role = Role.objects.get(slug="data-source-admin")
    rbac.assign_role(actor=None, role=role, collection=sales, user=steward)  # makes staff
    source = register_datasource(
        actor=None, name="warehouse", kind="sqlite", database=target, collection=sales
    )
    connections.close_all()
    return {"source": source.pk, "user": steward.pk}


def hold_third_batch(gate: Path) -> None:
    from governance.scans import services

    sample = services._sample_batch
    calls = {"n": 0}

    def held(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            deadline = time.monotonic() + 300
            while not gate.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return sample(*args, **kwargs)

    services._sample_batch = held


def main() -> None:
    port, target, gate = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")
    import django

    django.setup()
    ids = prepare(target)
    hold_third_batch(gate)
    print(json.dumps(ids), flush=True)
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(["-b", "127.0.0.1", "-p", port, "pursight.asgi:application"])


if __name__ == "__main__":
    main()
