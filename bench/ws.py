#!/usr/bin/env python
"""Live feed benchmark: N WebSocket clients on one scan run's page, through daphne and Redis.

Starts one or more daphne processes (``--processes``) on the same PostgreSQL catalog and Redis
channel layer, connects ``--clients`` sockets (spread over the processes, bearer token), subscribes
all of them to one scan run, then publishes ``--events`` progress events from this process the way
a worker does (``pursight.realtime.publish`` inside a transaction: sent after the commit, with the
commit's timestamp). Reports, per load: events delivered to every client, fan-out latency from
the publisher's commit to arrival (p50, p95, max over all deliveries), server errors and sockets
the server closed, and the web processes' peak RSS. Then all clients leave at once.

    .venv/bin/python bench/ws.py [--clients 50,200,1000] [--processes 1] [--events 16]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="50,200,1000")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--events", type=int, default=16)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/pursight_bench_ws"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--publish", type=int, help=argparse.SUPPRESS)  # the publisher child
    args = parser.parse_args()
    if args.publish:
        setup_django({})  # the parent's environment
        publish(args.publish, args.events)
        return

    import psycopg

    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    name = args.database_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    var = tempfile.mkdtemp(prefix="pursight-ws-bench-")
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
    try:
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
        for s in servers:
            s.send_signal(signal.SIGTERM)
        for s in servers:
            try:
                s.wait(timeout=10)
            except subprocess.TimeoutExpired:
                s.kill()
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
