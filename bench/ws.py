#!/usr/bin/env python
"""Live feed benchmark: N WebSocket clients on one live page, through daphne and Redis.

``--page scanrun`` (the default):
Starts one or more daphne processes (``--processes``) on the same PostgreSQL catalog and Redis
channel layer, connects ``--clients`` sockets (spread over the processes, bearer token), subscribes
all of them to one scan run, then publishes ``--events`` progress events from this process the way
a worker does (``pursight.realtime.publish`` inside a transaction: sent after the commit, with the
commit's timestamp). Reports, per load: events delivered to every client, fan-out latency from
the publisher's commit to arrival (p50, p95, max over all deliveries), server errors and sockets
the server closed, and the web processes' peak RSS. Then all clients leave at once.

    .venv/bin/python bench/ws.py [--clients 50,200,1000] [--processes 1] [--events 16]

``--page workspace``: N people (one socket each, distinct users, bearer tokens) on one
workspace's board. It checks that presence counts everyone once all have joined (and nobody
once all have left), then measures the fan-out latency of ``--events`` activity events (published
like the activity stream does, ``racine.workspaces.live.broadcast`` after a commit, from another
process; after one warm-up event that is not counted) and of ``--events`` co-edit updates of the
workspace's notes (Yjs updates made with pycrdt, sent by one editor's socket as
``doc.update``; latency from the send to the arrival at each other socket). A Celery worker
(one, ``-P solo``) saves the notes' plain text every few seconds as in a deployment, so its
audit record and activity event (sent to the same sockets) load the machine during the
measure.

    .venv/bin/python bench/ws.py --page workspace [--clients 200] [--events 16]

Needs PostgreSQL and Redis (``--database-url``, ``--redis-url``; defaults: the local services).
The catalog database ``pursight_bench_ws`` is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare(database_url: str) -> tuple[str, int]:
    """A fresh catalog with one user, their token and a queued scan run they may see."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from governance.datasources.models import DataSource
    from governance.rbac import services as rbac
    from governance.rbac.models import Role
    from governance.scans import services as scans
    from pursight.core import tokens

    user = get_user_model().objects.create_user("watcher", "w@example.com", "x", is_staff=True)
    collection = rbac.create_collection(actor=None, name="Bench", parent=None)
    rbac.assign_role(
        actor=None, role=Role.objects.get(slug="data-reader"), collection=collection, user=user
    )
    source = DataSource.objects.create(
        name="ws-bench",
        kind="postgresql",
        host="127.0.0.1",
        port=5432,
        database="none",
        collection=collection,
    )
    run = scans.start_scan(
        actor=None, scan=scans.default_scan(actor=None, source=source), enqueue=False
    )
    return tokens.create_token(actor=user, name="bench").raw, run.pk


async def client(
    url: str, token: str, run_id: int, ready: asyncio.Event, stats: dict, events: int
) -> None:
    import websockets

    headers = {"Authorization": f"Bearer {token}", "Origin": "http://127.0.0.1"}
    async with websockets.connect(
        url, additional_headers=headers, open_timeout=60, max_queue=None
    ) as ws:
        json.loads(await ws.recv())  # the greeting: {"hello": {"socket": ..., "user": ...}}
        await ws.send(json.dumps({"action": "subscribe", "page": "scanrun", "id": run_id}))
        reply = json.loads(await ws.recv())
        if "subscribed" not in reply:
            stats["refused"] += 1
            return
        stats["subscribed"] += 1
        if stats["subscribed"] == stats["expected"]:
            ready.set()
        got = 0
        try:
            while got < events:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
                if "event" not in message:
                    continue
                latency = (time.time() - message["sent_at"]) * 1000
                stats["latency"].append(latency)
                stats["by_event"].setdefault(message["data"]["seq"], []).append(latency)
                got += 1
        except TimeoutError:
            pass
        except websockets.ConnectionClosed as exc:
            stats["closed"].append(exc.rcvd.code if exc.rcvd else None)
        stats["delivered"].append(got)
        await stats["leave"].wait()  # everyone leaves at once


def publish(run_id: int, events: int) -> None:
    from django.db import transaction

    from pursight import realtime

    for n in range(events):
        with transaction.atomic():
            realtime.publish("scanrun", run_id, "progress", {"state": "running", "seq": n})
        time.sleep(0.05)


async def load(ports: list[int], token: str, run_id: int, clients: int, events: int) -> dict:
    stats = {
        "expected": clients,
        "subscribed": 0,
        "refused": 0,
        "latency": [],
        "delivered": [],
        "closed": [],
        "leave": asyncio.Event(),
        "by_event": {},
    }
    ready = asyncio.Event()
    tasks = []
    for i in range(clients):
        url = f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/live/"
        tasks.append(asyncio.create_task(client(url, token, run_id, ready, stats, events)))
        if i % 20 == 19:
            await asyncio.sleep(0.05)  # open in bursts of 20 (daphne's listen backlog is 50)
    await asyncio.wait_for(ready.wait(), timeout=120)
    started = time.monotonic()
    # The publisher is another process (a worker, in production): the clients' loop runs alone.
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--publish", str(run_id), "--events", str(events)
    )
    await publisher.wait()
    while len(stats["delivered"]) + len(stats["closed"]) < stats["subscribed"]:
        await asyncio.sleep(0.05)
        if time.monotonic() - started > 60:
            break
    stats["leave"].set()
    await asyncio.gather(*tasks, return_exceptions=True)
    if os.environ.get("PURSIGHT_BENCH_VERBOSE"):
        for seq, values in sorted(stats["by_event"].items()):
            print(f"  event {seq}: p50 {percentile(values, 50):.1f} max {max(values):.1f} ms")
    return stats


# --- --page workspace --------------------------------------------------------------------------


def prepare_workspace(people: int) -> dict:
    """A workspace with ``people`` members (the first an editor, the others viewers), each with
    a token, all able to see its pinned data source (a group's grant on its collection)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from governance.datasources.models import DataSource
    from governance.rbac import services as rbac
    from pursight.core import tokens
    from racine.workspaces import services as workspaces

    collection = rbac.create_collection(actor=None, name="Bench", parent=None)
    group = Group.objects.create(name="bench-readers")
    assign_perm("rbac.view_catalog", group, collection)
    source = DataSource.objects.create(
        name="ws-bench",
        kind="postgresql",
        host="127.0.0.1",
        port=5432,
        database="none",
        collection=collection,
    )
    ws = workspaces.create_workspace(actor=None, name="Bench workspace")
    workspaces.pin(actor=None, workspace=ws, target=source)
    User = get_user_model()
    raw = []
    for n in range(people):
        user = User.objects.create_user(f"member{n:04d}", f"m{n}@example.com", "x", is_staff=True)
        user.groups.add(group)
        role = "editor" if n == 0 else "viewer"
        workspaces.invite_member(actor=None, workspace=ws, user=user, role=role)
        raw.append(tokens.create_token(actor=user, name="bench").raw)
    return {"workspace": ws.pk, "source": source.pk, "tokens": raw}


def publish_activity(workspace_id: int, events: int) -> None:
    """Activity events about the pinned source, the way the activity stream publishes them
    (after the commit; ``sent_at`` is the commit's time). ``events`` 0: one warm-up event
    (``seq`` -1, not counted), which makes every socket resolve the event's requirement once
    (its gate cache) and run its periodic re-check of the page."""
    from django.db import transaction

    from governance.datasources.models import DataSource
    from racine.workspaces import live
    from racine.workspaces.models import Pin

    source = DataSource.objects.select_related("collection").get(
        pk=Pin.objects.filter(workspace_id=workspace_id).values("target_id")[:1]
    )
    for n in range(events) if events else [-1]:
        with transaction.atomic():
            live.broadcast(
                source,
                "activity",
                {"id": n, "kind": "description.edited", "summary": "bench", "seq": n},
                workspace_ids=[workspace_id],
            )
        time.sleep(0.05)


async def workspace_client(
    url: str, token: str, ws_id: int, index: int, stats: dict, events: int, writer: bool
) -> None:
    import websockets

    headers = {"Authorization": f"Bearer {token}", "Origin": "http://127.0.0.1"}
    try:
        connection = await websockets.connect(
            url, additional_headers=headers, open_timeout=120, max_queue=None
        )
    except (OSError, websockets.InvalidHandshake, websockets.InvalidMessage) as exc:
        stats["refused"] += 1
        stats["errors"].append(f"connect: {exc!r}")
        return
    async with connection as ws:
        json.loads(await ws.recv())  # hello
        await ws.send(json.dumps({"action": "subscribe", "page": "workspace", "id": ws_id}))
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), timeout=120))
            if "subscribed" in reply or ("error" in reply and "event" not in reply):
                break
        if "subscribed" not in reply:
            stats["refused"] += 1
            return
        stats["subscribed"] += 1
        if writer:
            stats["writer"] = ws
        if stats["subscribed"] == stats["expected"]:
            stats["ready"].set()
        activity = coedit = 0
        try:
            while not stats["leave"].is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                now = time.time()
                message = json.loads(raw)
                event = message.get("event")
                if event == "presence":
                    data = message["data"]
                    if data["version"] >= stats["presence"].get(index, (-1, 0))[0]:
                        stats["presence"][index] = (data["version"], len(data["users"]))
                elif event == "activity":
                    if message["data"].get("seq", -1) < 0:
                        stats["warm"] += 1
                        continue
                    latency = (now - message["sent_at"]) * 1000
                    stats["activity"].append(latency)
                    stats["by_event"].setdefault(message["data"]["seq"], []).append(latency)
                    activity += 1
                elif event == "doc.update":
                    if coedit:  # the first one is the warm-up
                        sent = stats["coedit_sent"][coedit]
                        stats["coedit"].append((now - sent) * 1000)
                        stats["coedit_by_update"].setdefault(coedit, []).append((now - sent) * 1000)
                    else:
                        stats["coedit_warm"] += 1
                    coedit += 1
                elif event == "doc.sync":
                    stats["sync"].put_nowait(message["data"])
                elif "error" in message:
                    stats["errors"].append(message["error"])
        except websockets.ConnectionClosed as exc:
            stats["closed"].append(exc.rcvd.code if exc.rcvd else None)
        stats["delivered_activity"].append(activity)
        stats["delivered_coedit"].append(max(0, coedit - 1))


async def load_workspace(ports: list[int], people: dict, clients: int, events: int) -> dict:
    import base64

    from pycrdt import Doc, Text

    from racine.workspaces import presence

    ws_id = people["workspace"]
    stats: dict = {
        "expected": clients,
        "subscribed": 0,
        "refused": 0,
        "ready": asyncio.Event(),
        "leave": asyncio.Event(),
        "presence": {},
        "activity": [],
        "coedit": [],
        "coedit_sent": [],
        "coedit_by_update": {},
        "sync": asyncio.Queue(),
        "errors": [],
        "closed": [],
        "delivered_activity": [],
        "delivered_coedit": [],
        "warm": 0,
        "coedit_warm": 0,
        "by_event": {},
    }
    started = time.monotonic()
    tasks = []
    for i in range(clients):
        url = f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/live/"
        task = workspace_client(url, people["tokens"][i], ws_id, i, stats, events, i == 0)
        tasks.append(asyncio.create_task(task))
        if i % 20 == 19:
            # People arrive in groups of 20: each group is on the board (its state built, a
            # few queries each) before the next opens its sockets.
            deadline = time.monotonic() + 60
            while stats["subscribed"] + stats["refused"] <= i and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
    await asyncio.wait_for(stats["ready"].wait(), timeout=300)
    stats["join_seconds"] = time.monotonic() - started
    # Presence: every socket's newest list counts everyone (debounced: wait until it settles).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counts = [stats["presence"].get(i, (0, 0))[1] for i in range(clients)]
        if all(c == clients for c in counts):
            break
        await asyncio.sleep(0.1)
    stats["presence_ok"] = sum(
        1 for i in range(clients) if stats["presence"].get(i, (0, 0))[1] == clients
    )
    stats["presence_stored"] = len(presence.current("workspace", ws_id)["users"])
    # Activity: published by another process, as by a worker or a web request; first one
    # warm-up event, until every socket has it.
    for count in (0, events):
        publisher = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--publish-activity", str(ws_id), "--events", str(count)
        )
        await publisher.wait()
        if not count:
            started = time.monotonic()
            await _settle(stats, "warm", clients, timeout=120)
            stats["warm_seconds"] = time.monotonic() - started
            if os.environ.get("PURSIGHT_BENCH_VERBOSE"):
                print("  measuring activity", flush=True)
    await _settle(stats, "activity", (clients) * events)
    # Co-editing: one editor types; every other socket receives each update.
    writer = stats["writer"]
    await writer.send(
        json.dumps({"action": "doc.join", "page": "workspace", "id": ws_id, "field": "notes"})
    )
    sync = await asyncio.wait_for(stats["sync"].get(), timeout=30)
    doc = Doc()
    text = doc.get("text", type=Text)
    if sync.get("update"):
        doc.apply_update(base64.b64decode(sync["update"]))
    for n in range(events + 1):  # update 0 warms up (every socket receives it first)
        if n == 1:
            await _settle(stats, "coedit_warm", clients - 1, timeout=120)
        before = doc.get_state()
        text += f" word{n}"
        update = doc.get_update(before)
        stats["coedit_sent"].append(time.time())
        await writer.send(
            json.dumps(
                {
                    "action": "doc.update",
                    "page": "workspace",
                    "id": ws_id,
                    "field": "notes",
                    "update": base64.b64encode(update).decode(),
                }
            )
        )
        await asyncio.sleep(0.1)
    await _settle(stats, "coedit", (clients - 1) * events)
    stats["leave"].set()
    await asyncio.gather(*tasks, return_exceptions=True)
    if os.environ.get("PURSIGHT_BENCH_VERBOSE"):
        for seq, values in sorted(stats["by_event"].items()):
            print(f"  activity {seq}: p50 {percentile(values, 50):.1f} max {max(values):.1f} ms")
        for seq, values in sorted(stats["coedit_by_update"].items()):
            print(
                f"  co-edit {seq}: min {min(values):.1f} p50 {percentile(values, 50):.1f} "
                f"max {max(values):.1f} ms"
            )
    # Everyone left: presence is empty again (once the leaves are processed).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats["presence_after"] = len(presence.current("workspace", ws_id)["users"])
        if stats["presence_after"] == 0:
            break
        await asyncio.sleep(0.2)
    # The worker and the editor's leaving saved the notes' plain text: the last save holds
    # every word typed (the final save waits for the leave to be processed).
    typed = f" word{events}"

    def saved() -> tuple[int, bool]:
        from pursight.core.models import AuditEvent
        from racine.workspaces.models import Workspace

        notes = Workspace.objects.get(pk=ws_id).notes
        return AuditEvent.objects.filter(action="workspace.notes").count(), notes.endswith(typed)

    while time.monotonic() < deadline:
        stats["notes_saves"], stats["notes_complete"] = await asyncio.to_thread(saved)
        if stats["notes_complete"]:
            break
        await asyncio.sleep(0.2)
    return stats


async def _settle(stats: dict, key: str, expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout

    def count() -> int:
        value = stats[key]
        return value if isinstance(value, int) else len(value)

    while count() < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def report_workspace(stats: dict, clients: int, events: int, errors: int, servers: list) -> None:
    act, co = stats["activity"], stats["coedit"]
    full_act = sum(1 for d in stats["delivered_activity"] if d == events)
    full_co = sum(1 for d in stats["delivered_coedit"] if d == events)
    print(f"| clients | {clients} (joined in {stats['join_seconds']:.1f} s) |")
    print("| --- | --- |")
    print(
        f"| presence once all joined | {stats['presence_ok']} of {clients} sockets see "
        f"{clients} people; stored: {stats['presence_stored']} |"
    )
    print(f"| presence once all left | {stats.get('presence_after')} people |")
    print(
        f"| notes' plain text saved (audit records) / last save holds every word | "
        f"{stats.get('notes_saves')} / {'yes' if stats.get('notes_complete') else 'NO'} |"
    )
    print(
        f"| warm-up event (first re-check of every socket) | to all in "
        f"{stats.get('warm_seconds', float('nan')):.1f} s |"
    )
    print(f"| activity: events to every client | {events} of {events} to {full_act} of {clients} |")
    print(
        f"| activity fan-out p50 / p95 / max | {percentile(act, 50):.1f} / "
        f"{percentile(act, 95):.1f} / {max(act, default=float('nan')):.1f} ms |"
    )
    print(
        f"| co-edit: updates to every other client | {events} of {events} to {full_co} of "
        f"{clients - 1} |"
    )
    print(
        f"| co-edit fan-out p50 / p95 / max | {percentile(co, 50):.1f} / "
        f"{percentile(co, 95):.1f} / {max(co, default=float('nan')):.1f} ms |"
    )
    print(
        f"| server errors / closed by server / refused | {errors} / {len(stats['closed'])} / "
        f"{stats['refused']} |"
    )
    print(f"| errors answered to clients | {len(stats['errors'])} {stats['errors'][:3]} |")
    print(f"| web RSS (MB) | {' + '.join(f'{rss_mb(s.pid):.0f}' for s in servers)} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", choices=["scanrun", "workspace"], default="scanrun")
    parser.add_argument("--clients", default=None, help="loads (default 50,200,1000; 200)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--events", type=int, default=16)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/pursight_bench_ws"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--publish", type=int, help=argparse.SUPPRESS)  # the publisher child
    parser.add_argument("--publish-activity", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.clients is None:
        args.clients = "200" if args.page == "workspace" else "50,200,1000"
    if args.publish:
        setup_django({})  # the parent's environment
        publish(args.publish, args.events)
        return
    if args.publish_activity:
        setup_django({})
        publish_activity(args.publish_activity, args.events)
        return

    import psycopg

    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    name = args.database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    var = tempfile.mkdtemp(prefix="pursight-ws-bench-")
    trained = ROOT / "var" / "classifier"  # the worker loads the checkout's trained model
    if trained.is_dir():
        os.symlink(trained, Path(var) / "classifier")
    env = {
        "DJANGO_SETTINGS_MODULE": "pursight.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "PURSIGHT_VAR_DIR": var,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": "bench-" + "x" * 50,
        "CHANNELS_PREFIX": "bench-ws",
    }
    setup_django(env)  # also the environment of the publisher child
    if args.page == "workspace":
        most = max(int(c) for c in args.clients.split(","))
        people = prepare_workspace(most)
    else:
        token, run_id = prepare(args.database_url)
    ports = [free_port() for _ in range(args.processes)]
    logs = [Path(var) / f"daphne-{p}.log" for p in ports]
    servers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "pursight.asgi:application",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    workers = []
    if args.page == "workspace":
        # The co-edited text is saved by a worker (audit, activity): one, as in a deployment.
        workers.append(
            subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "celery"),
                    "-A",
                    "pursight",
                    "worker",
                    "-Q",
                    "default",
                    "-P",
                    "solo",
                    "-l",
                    "info",
                ],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=(Path(var) / "worker.log").open("w"),
                stderr=subprocess.STDOUT,
            )
        )
    try:
        if workers:  # ready once it answers (it loads the classifier first, as deployed)
            from pursight.celery import app as celery_app

            deadline = time.monotonic() + 600
            while not celery_app.control.ping(timeout=1.0):
                if time.monotonic() > deadline or workers[0].poll() is not None:
                    raise SystemExit(f"the worker did not start; see {var}/worker.log")
        for port in ports:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
        print(
            f"{args.processes} daphne process(es), {args.events} events, "
            f"{os.cpu_count()} cores, PostgreSQL + Redis on this machine"
        )
        if args.page == "workspace":
            gc.freeze()
            for clients in [int(c) for c in args.clients.split(",")]:
                gc.disable()
                stats = asyncio.run(load_workspace(ports, people, clients, args.events))
                gc.enable()
                gc.collect()
                time.sleep(1.0)
                errors = sum(
                    line.count("Traceback") + line.count("MaxConnectionsError")
                    for log in logs
                    for line in log.read_text(errors="replace").splitlines()
                )
                report_workspace(stats, clients, args.events, errors, servers)
            return
        print(
            "| clients | events to every client | fan-out latency p50 / p95 / max | "
            "server errors | closed by server | web RSS (MB) |"
        )
        print("| ---: | --- | --- | ---: | ---: | ---: |")
        # The measuring process holds Django's whole heap: keep its garbage collector from
        # pausing the clients' loop (a gen-2 pass takes ~100 ms here), so that the figures are
        # the server's, not the client's.
        gc.freeze()
        for clients in [int(c) for c in args.clients.split(",")]:
            gc.disable()
            stats = asyncio.run(load(ports, token, run_id, clients, args.events))
            gc.enable()
            gc.collect()
            time.sleep(1.0)  # let the servers log the mass disconnect
            errors = sum(
                line.count("Traceback") + line.count("MaxConnectionsError")
                for log in logs
                for line in log.read_text(errors="replace").splitlines()
            )
            full = sum(1 for d in stats["delivered"] if d == args.events)
            lat = stats["latency"]
            print(
                f"| {clients} | {args.events} of {args.events} to {full} of {clients} | "
                f"{percentile(lat, 50):.1f} / {percentile(lat, 95):.1f} / "
                f"{max(lat, default=float('nan')):.1f} ms | {errors} | {len(stats['closed'])} | "
                f"{' + '.join(f'{rss_mb(s.pid):.0f}' for s in servers)} |",
                flush=True,
            )
    finally:
        for s in servers + workers:
            s.send_signal(signal.SIGTERM)
        for s in servers + workers:
            try:
                s.wait(timeout=10)
            except subprocess.TimeoutExpired:
                s.kill()
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if os.environ.get("PURSIGHT_BENCH_KEEP"):
            print(f"logs kept in {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
