"""A PurSight web server (daphne) for the badge browser test, in its own process.

    python tests/racine/activity/badge_server.py PORT GATE_DIR

(``GATE_DIR`` holds the SQLite file of the data source ``shop`` and must be a file source root.)

Live events travel through the in-memory channel layer, which does not cross processes: the
notifications are made here, by this process. Before serving it migrates, creates ``reader``
(staff, reads collection Sales and its source ``shop``) and ``colleague``, and prints one JSON
line with their ids. Each file ``mention-N`` that appears in ``GATE_DIR`` makes ``colleague``
mention ``reader`` in a comment on ``shop`` (a domain event, recorded as the receiver does).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a-Long-pass-phrase-42"


def prepare(database: Path) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from guardian.shortcuts import assign_perm

    from governance.datasources.services import register_datasource
    from governance.rbac import services as rbac

    call_command("migrate", verbosity=0)
    sales = rbac.create_collection(actor=None, name="Sales")
    users = get_user_model().objects
    reader = users.create_user("reader", "reader@example.com", PASSWORD, is_staff=True)
    colleague = users.create_user("colleague", "colleague@example.com", PASSWORD, is_staff=True)
    for user in (reader, colleague):
        assign_perm("rbac.view_catalog", user, sales)
    source = register_datasource(
        actor=None, name="shop", kind="sqlite", database=str(database), collection=sales
    )
    connections.close_all()
    return {"reader": reader.pk, "colleague": colleague.pk, "source": source.pk}


def watch(gate_dir: Path, ids: dict[str, int]) -> None:
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from governance.datasources.models import DataSource
    from racine.activity import services

    done: set[str] = set()
    while True:
        for path in sorted(gate_dir.glob("mention-*")):
            if path.name in done:
                continue
            done.add(path.name)
            close_old_connections()
            services.record_domain_event(
                kind="comment.created",
                obj=DataSource.objects.get(pk=ids["source"]),
                actor=get_user_model().objects.get(pk=ids["colleague"]),
                data={"mentions": [ids["reader"]], "excerpt": f"Look ({path.name})"},
            )
        time.sleep(0.1)


def main() -> None:
    port, gate_dir = sys.argv[1], Path(sys.argv[2])
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")
    import django

    django.setup()
    ids = prepare(gate_dir / "shop.sqlite")
    print(json.dumps(ids), flush=True)
    threading.Thread(target=watch, args=(gate_dir, ids), daemon=True).start()
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(["-b", "127.0.0.1", "-p", port, "pursight.asgi:application"])


if __name__ == "__main__":
    main()
