#!/usr/bin/env python3
"""Profile one endpoint of the load benchmark in-process, on generated data.

    python scripts/with_postgres.py -- python bench/profile_endpoint.py session_upload [--requests 50] [--holds 30000]

Prepares the database as `run_load.py` does (migrate, catalog, generated
data, device tokens), then sends the endpoint's requests (bench/workload.py)
through Django's test client with the production settings: no network and no
gunicorn, only what the app itself spends. Prints the mean time and the
queries of one request, then a pyinstrument profile of `--requests` of them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import workload
from bench.run_load import app_environment, data_arguments, prepare

ENDPOINTS = [
    "catalog_list", "catalog_list_304", "catalog_detail", "catalog_detail_304", "catalog_plan", "catalog_plan_304",
    "session_upload", "session_list", "trainer_clients", "trainer_alerts", "progress",
]  # fmt: skip


def request_maker(endpoint: str, fixture: dict, *, keyed: bool = False) -> Callable:
    """A function that sends one request of `endpoint` through a test client and checks its status
    (`keyed`: an upload carries an Idempotency-Key, as the load benchmark sends it)."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT="application/json")

    def headers(token: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    if endpoint.startswith("catalog_"):
        kind, revalidate = endpoint.split("_")[1], endpoint.endswith("_304")

        def catalog():
            path = workload.catalog_path(kind, fixture)
            extra = {"HTTP_IF_NONE_MATCH": fixture["etags"][path]} if revalidate else {}
            return client.get(path, **extra), 304 if revalidate else 200

        return catalog
    if endpoint == "session_upload":
        return lambda: (
            client.post(
                "/api/v1/sessions/",
                json.dumps(workload.upload_body(fixture)),
                content_type="application/json",
                **headers(random.choice(fixture["clients"])),
                **({"HTTP_IDEMPOTENCY_KEY": secrets.token_hex(8)} if keyed else {}),
            ),
            201,
        )
    if endpoint == "session_list":
        return lambda: (client.get("/api/v1/sessions/", **headers(random.choice(fixture["clients"]))), 200)
    if endpoint == "progress":  # the request bench/run_load.py sends: one uploaded exercise's history

        def progress():
            exercise = random.choice(fixture["upload_exercises"])["slug"]
            path = f"/api/v1/progress/?exercise={exercise}"
            return client.get(path, **headers(random.choice(fixture["clients"]))), 200

        return progress
    path = workload.TRAINER_PATHS[endpoint.replace("_", " ")]
    return lambda: (client.get(path, **headers(random.choice(fixture["trainers"]))), 200)


def _backend_cpu_seconds() -> float:
    """The CPU seconds the database server process serving this connection has spent (PostgreSQL on
    this machine: its /proc entry), or 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", choices=ENDPOINTS)
    parser.add_argument("--requests", type=int, default=50, help="requests profiled (default 50)")
    parser.add_argument("--flat", type=int, metavar="N", help="cProfile's N costliest functions instead of a call tree")
    parser.add_argument("--callers", metavar="NAME", help="with --flat: who calls the functions matching NAME")
    parser.add_argument("--keyed", action="store_true", help="uploads carry an Idempotency-Key (as the load sends)")
    parser.add_argument(
        "--uploads", type=int, default=0, metavar="N",
        help="first send N 40-hold uploads from the signed-in clients, as `make bench` has sent them by the time "
        "it measures the reads: a client's first page of sessions then holds 40 holds a session",
    )  # fmt: skip
    data_arguments(parser)
    parser.set_defaults(clients=300, holds=30_000)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory() as scratch:
        fixture = prepare(args, app_environment(), Path(scratch) / "fixture.json")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    send = request_maker(args.endpoint, fixture, keyed=args.keyed)
    upload = request_maker("session_upload", fixture, keyed=True)
    for _ in range(args.uploads):
        response, expected = upload()
        if response.status_code != expected:
            raise SystemExit(f"profile: an upload answered {response.status_code}: {response.content[:300]!r}")

    def checked():
        response, expected = send()
        if response.status_code != expected:
            raise SystemExit(f"profile: {response.status_code}, not {expected}: {response.content[:300]!r}")

    for _ in range(5):  # warm up: first requests import and compile
        checked()
    backend = _backend_cpu_seconds()
    begun, begun_cpu = time.perf_counter(), time.process_time()
    batches = []  # CPU per request of each batch of 10: on a shared machine the quietest batches say the most
    for start in range(0, args.requests, 10):
        batch, batch_cpu = min(10, args.requests - start), time.process_time()
        for _ in range(batch):
            checked()
        batches.append((time.process_time() - batch_cpu) / batch * 1000)
    mean_ms = (time.perf_counter() - begun) / args.requests * 1000
    cpu_ms = (time.process_time() - begun_cpu) / args.requests * 1000
    db_ms = (_backend_cpu_seconds() - backend) / args.requests * 1000
    with CaptureQueriesContext(connection) as queries:
        checked()
    cost = (
        f"{mean_ms:.1f} ms a request in-process ({cpu_ms:.1f} ms of it the app's CPU; "
        f"median batch {statistics.median(batches):.1f} ms, quietest batch {min(batches):.1f} ms; "
        f"{db_ms:.2f} ms of the database server's CPU)"
    )
    print(f"\n{args.endpoint}: {cost}, {len(queries)} queries:")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
    if args.flat:  # where the time is spent, function by function
        profile = cProfile.Profile()
        profile.runcall(lambda: [checked() for _ in range(args.requests)])
        stats = pstats.Stats(profile).sort_stats("tottime")
        stats.print_stats(args.flat)
        if args.callers:
            stats.sort_stats("cumtime").print_callers(args.callers)
        return 0
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.requests):
            checked()
    print(profiler.output_text(color=False, short_mode=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
