#!/usr/bin/env python3
"""The load benchmark: the service under gunicorn and PostgreSQL, a mixed load, and the ceiling.

    make bench                                    # = the line below, in a throwaway PostgreSQL
    python scripts/with_postgres.py -- python bench/run_load.py [--clients 3000 --holds 300000 …]

Against the database DATABASE_URL names (empty, or at least without data of
this seed), it:

1. migrates, loads the catalog and generates data (`bench/generate.py`);
2. signs some generated clients and every trainer in (device tokens made by
   `sessions.accounts.services.token_issue`: the login endpoint is throttled);
3. serves the app with gunicorn (sync workers) on a free port of 127.0.0.1
   with the production settings (DEBUG off; plain HTTP, so no SSL redirect);
4. serves `bench/ceiling.py` (a fixed JSON body) beside it, under the same
   gunicorn settings;
5. runs locust headless in a second process: a warm-up (every catalog URL,
   so that each worker's catalog cache is full, then the mixed load), the
   mixed workload (`--duration`), then each endpoint alone, `--repeats` runs
   of `--endpoint-duration`, each between two runs of the same load shape
   against the ceiling;
6. prints a table — per endpoint requests/s, p50/p95/p99, errors, and what
   it sustains alone as a share of the ceiling measured around it (the median
   of its runs) — checks the targets, and writes it all to
   bench/results/<UTC time>.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import workload, wrk

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"

# Endpoints measured alone with wrk, in this order: (request kind, name in the report, server).
# "app" is the service as deployed; "cache off" the same code with CATALOG_CACHE_URL=dummycache://,
# so that every catalog read runs its view, serializer and queries (the view cache and the WSGI
# cache in front of Django both use that cache).
ALONE = [
    ("catalog_list", "catalog list", "app"),
    ("catalog_list_304", "catalog list 304", "app"),
    ("catalog_detail", "catalog detail", "app"),
    ("catalog_detail_304", "catalog detail 304", "app"),
    ("catalog_plan", "catalog plan", "app"),
    ("catalog_plan_304", "catalog plan 304", "app"),
    ("catalog_list", "catalog list, cache off", "cache off"),
    ("catalog_detail", "catalog detail, cache off", "cache off"),
    ("catalog_list_token", "catalog list, token", "app"),
    ("catalog_detail_token", "catalog detail, token", "app"),
    ("session_upload", "session upload (40 holds)", "app"),
    ("session_list", "session list", "app"),
    ("trainer_clients", "trainer clients", "app"),
    ("trainer_alerts", "trainer alerts", "app"),
    ("progress", "progress", "app"),
]
MIXED_ONLY = ["session upload retry"]
UPLOAD = "session upload (40 holds)"
# The anonymous cached paths: each must keep its share of the ceiling against the code before. Their
# runs spread about ±10 % with the machine's neighbours, as wide as the margin judged; they get more
# slots than the rest (`--cached-repeats`), and the check pairs the two codes slot by slot.
CACHED = (
    "catalog list", "catalog list 304", "catalog detail", "catalog detail 304", "catalog plan", "catalog plan 304",
)  # fmt: skip
# The upload alone at fewer concurrent users than the rest of the run: where its p99 stays under 100 ms.
UPLOAD_CONCURRENCY = (1, 2, 4)
# The code the "before" columns run: the last commit before the work on the uncached paths.
BEFORE = "18d426e"


@dataclass(frozen=True)
class Target:
    what: str
    name: str
    # "share": share of the ceiling, alone; "p99": ms, mixed run; "p99_alone": ms, alone;
    # "cpu": app CPU ms a request, alone; "queries": per request, alone;
    # "speedup": req/s alone over the before code's; "keeps": share of the ceiling over the before code's,
    # the median over the slots of this code's run over the before code's run in the same slot
    kind: str
    bound: float

    def met(self, value: float) -> bool:
        return value >= self.bound if self.kind in ("share", "speedup", "keeps") else value <= self.bound

    def describe(self) -> str:
        return {
            "share": f"≥ {self.bound:.0%} of the ceiling",
            "p99": f"p99 < {self.bound:.0f} ms, mixed load",
            "p99_alone": f"p99 < {self.bound:.0f} ms alone, 8 users",
            "cpu": f"≤ {self.bound:g} ms app CPU a request",
            "queries": f"≤ {self.bound:g} queries a request",
            "speedup": f"≥ {self.bound:g}× the req/s before",
            "keeps": f"≥ {self.bound:.0%} of its share before",
        }[self.kind]

    def shown(self, value: float | None) -> str:
        if value is None:
            return "–"
        if self.kind in ("share", "keeps"):
            return f"{value:.0%}"
        if self.kind in ("p99", "p99_alone", "cpu"):
            return f"{value:.1f} ms"
        return f"{value:.2f}×" if self.kind == "speedup" else f"{value:g}"


TARGETS = [
    Target("catalog list", "catalog list", "share", 0.50),
    Target("catalog list, revalidated (304)", "catalog list 304", "share", 0.80),
    Target("catalog detail, revalidated (304)", "catalog detail 304", "share", 0.80),
    Target("catalog plan, revalidated (304)", "catalog plan 304", "share", 0.80),
    *(Target(f"{name}: keeps its share", name, "keeps", 0.90) for name in CACHED),
    Target("catalog list, cache off", "catalog list, cache off", "share", 0.04),
    Target("catalog list, cache off: queries", "catalog list, cache off", "queries", 3),
    Target("catalog detail, cache off", "catalog detail, cache off", "share", 0.03),
    Target("catalog detail, cache off: queries", "catalog detail, cache off", "queries", 4),
    Target("catalog list with a token (view cache hit)", "catalog list, token", "share", 0.15),
    Target("catalog detail with a token (view cache hit)", "catalog detail, token", "share", 0.15),
    Target("40-hold session upload: app CPU", UPLOAD, "cpu", 10.0),
    Target("40-hold session upload alone, 8 users", UPLOAD, "p99_alone", 100.0),
    Target("40-hold session upload, mixed load", UPLOAD, "p99", 100.0),
    Target("session list", "session list", "speedup", 2.0),
    Target("trainer clients", "trainer clients", "speedup", 2.0),
    Target("progress", "progress", "speedup", 2.0),
]  # fmt: skip


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load benchmark of StretchAPI against its ceiling.")
    data_arguments(parser)
    load = parser.add_argument_group("load")
    load.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    load.add_argument("--users", type=int, default=8, help="concurrent locust users (default 8)")
    load.add_argument("--duration", type=int, default=60, help="seconds of mixed load (default 60)")
    load.add_argument("--endpoint-duration", type=int, default=5, help="seconds of each run alone (default 5)")
    load.add_argument("--repeats", type=int, default=3, help="runs of each endpoint alone (default 3)")
    load.add_argument(
        "--cached-repeats",
        type=int,
        default=7,
        help="runs of each anonymous cached endpoint alone (default 7): whether each keeps its share is a "
        "margin of 10 %% on runs that spread about as much",
    )
    load.add_argument("--warm-up", type=int, default=5, help="seconds of unmeasured load first (default 5)")
    load.add_argument("--access-log", action="store_true", help="let gunicorn log every request (off by default)")
    parser.add_argument(
        "--before", default=BEFORE, help=f"commit whose code the 'before' columns run (default {BEFORE}; none: skip)"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the results (default bench/results)")
    parser.add_argument(
        "--only",
        type=lambda text: [name.strip() for name in text.split(";")],
        help="measure only these endpoints alone (names of the report, separated by ;), without the mixed load: "
        "for working on one path; a partial report",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only or []) - {name for _, name, _ in ALONE}
    if unknown:
        parser.error(
            f"--only: unknown endpoint(s) {', '.join(sorted(unknown))}; one of: {', '.join(n for _, n, _ in ALONE)}"
        )
    return args


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment() -> dict[str, str]:
    """The production settings, on plain HTTP at 127.0.0.1."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stretchapi.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def prepare(args: argparse.Namespace, env: dict[str, str], fixture_path: Path) -> dict:
    """Migrate, load the catalog, generate the data, sign users in; the fixture the load reads."""
    python = str(BIN / "python")
    log("migrate, collect the static files (as a deployment does) and load the catalog")
    run([python, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
    run([python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
    subprocess.run([python, "manage.py", "load_catalog"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    generate = [python, "bench/generate.py", "--clients", str(args.clients), "--holds", str(args.holds)]
    run([*generate, "--trainers", str(args.trainers), "--seed", str(args.seed)], env)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "SECURE_SSL_REDIRECT")})
    sys.path.insert(0, str(ROOT))
    return make_fixture(fixture_path, seed=args.seed, signed_in=args.signed_in)


def data_arguments(parser: argparse.ArgumentParser) -> None:
    size = parser.add_argument_group("data")
    size.add_argument("--clients", type=int, default=3000, help="generated clients (default 3000)")
    size.add_argument("--holds", type=int, default=300_000, help="generated holds (default 300 000)")
    size.add_argument("--trainers", type=int, default=40, help="generated trainers (default 40)")
    size.add_argument("--seed", type=int, default=1)
    size.add_argument("--signed-in", type=int, default=300, help="clients given a device token (default 300)")


# Servers -------------------------------------------------------------------------------


@contextmanager
def gunicorn(
    app: str, *, workers: int, env: dict[str, str], probe: str, access_log: bool, logs: Path, cwd: Path = ROOT
):
    """Serve `app` on a free port of 127.0.0.1 with the settings of scripts/start.sh; yield its URL."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--timeout", os.environ.get("GUNICORN_TIMEOUT", "30"), "--no-control-socket",
    ]  # fmt: skip
    if access_log:
        command += ["--access-logfile", "-"]
    with open(logs / f"gunicorn-{port}.log", "w") as out:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        SERVER_PIDS.add(server.pid)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url + probe, server)
            log(f"{app} on {url} ({workers} sync workers, pid {server.pid})")
            yield url
        finally:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bench: the server stopped (exit {server.returncode}); see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 -- our own http://127.0.0.1 URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"bench: {url} did not answer within {seconds:.0f} s")


# Load ----------------------------------------------------------------------------------


# CPU accounting ------------------------------------------------------------------------
# Throughput on a machine shared with other work moves with that work; the CPU time a request
# costs the app, PostgreSQL and the load generator does not. Each run records both.

SERVER_PIDS: set[int] = set()  # gunicorn masters started here; their workers are counted


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_processes() -> dict[str, list[int]]:
    """The gunicorn workers (`app`), and PostgreSQL's processes (`db`) when scripts/with_postgres.py started it."""
    pids = {"app": [worker for master in SERVER_PIDS for worker in _children(master)], "db": []}
    pid_file = Path(os.environ.get("PGTEST_DATA", "/nonexistent")) / "postmaster.pid"
    if pid_file.exists():
        postmaster = int(pid_file.read_text().split()[0])
        pids["db"] = [postmaster, *_children(postmaster)]
    return pids


def cpu_snapshot() -> dict[str, dict[int, float]]:
    return {side: {pid: _cpu_seconds(pid) for pid in pids} for side, pids in server_processes().items()}


def cpu_spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], side: str) -> float:
    return sum(cpu - before[side].get(pid, 0.0) for pid, cpu in after[side].items())


def locust(url: str, user_class: str, *, seconds: int, users: int, fixture: Path, logs: Path, endpoint: str = ""):
    """One headless locust run in its own process; the statistics it wrote, as a dict, with
    `cpu`: the CPU milliseconds the servers and the load generator spent, per request."""
    label = endpoint or user_class
    output = logs / f"locust-{label}.json"
    env = {**os.environ, "BENCH_FIXTURE": str(fixture), "BENCH_OUTPUT": str(output), "BENCH_ENDPOINT": endpoint,
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", url,
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--stop-timeout", "10",
        "--only-summary", "--loglevel", "WARNING", user_class,
    ]  # fmt: skip
    servers_before = cpu_snapshot()
    with open(logs / f"locust-{label}.log", "w") as out:
        subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    servers_after = cpu_snapshot()
    if not output.exists():
        raise SystemExit(f"bench: locust wrote no statistics for {label}; see {logs / f'locust-{label}.log'}")
    report = json.loads(output.read_text())
    requests = sum(r["count"] for r in report["requests"].values()) or 1
    client = report["cpu_seconds"]
    report["cpu"] = {
        "app_ms": 1000 * cpu_spent(servers_before, servers_after, "app") / requests,
        "db_ms": 1000 * cpu_spent(servers_before, servers_after, "db") / requests,
        "client_ms": 1000 * client / requests,
        "requests": requests,
    }
    return report


def make_fixture(path: Path, *, seed: int, signed_in: int) -> dict:
    """Device tokens for generated clients (those with sessions) and every trainer with clients,
    and the catalog facts the load needs to build valid requests."""
    import django

    django.setup()
    from django.db.models import Count, Q

    from catalog.models import Exercise
    from sessions.accounts.services import token_issue
    from sessions.models import User

    domain = f".s{seed}@bench.example"
    clients = (
        User.objects.filter(role="client", email__endswith=domain)
        .annotate(sessions=Count("stretch_sessions"))
        .filter(sessions__gt=0)
        .order_by("email")[:signed_in]
    )
    trainers = (
        User.objects.filter(role="trainer", email__endswith=domain)
        .annotate(clients=Count("client_links", filter=Q(client_links__ended_at__isnull=True)))
        .filter(clients__gt=0)
        .order_by("email")
    )
    exercises = list(Exercise.objects.filter(retired_at__isnull=True).select_related("pnf").prefetch_related("doses"))
    uploadable = []
    for e in exercises:
        dose = next((d for d in e.doses.all() if d.goal == "general_flexibility"), None)
        if dose is None:
            continue
        pnf = getattr(e, "pnf", None) if e.is_pnf else None
        uploadable.append(
            {
                "slug": e.slug,
                "per_side": e.laterality == "per_side",
                "target_intensity": [e.target_intensity_min, e.target_intensity_max],
                "hold_seconds": [dose.hold_seconds_min, dose.hold_seconds_max],
                "pnf": None
                if pnf is None
                else [pnf.contract_seconds_min, pnf.relax_seconds_min, pnf.assisted_hold_seconds_min],
            }
        )
    fixture = {
        "clients": [token_issue(user=u, device_name="bench")[1] for u in clients],
        "trainers": [token_issue(user=u, device_name="bench")[1] for u in trainers],
        "exercises": [{"slug": e.slug, "goals": sorted(d.goal for d in e.doses.all())} for e in exercises],
        "upload_exercises": uploadable,
    }
    fixture["etags"] = catalog_etags(fixture["exercises"])
    path.write_text(json.dumps(fixture))
    return fixture


def catalog_etags(exercises: list[dict]) -> dict[str, str]:
    """The ETag of every catalog URL the load reads, as a phone that read the catalog before holds them."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT="application/json")
    paths = [workload.catalog_path("list", {})]
    for exercise in exercises:
        paths.append(f"/api/v1/exercises/{exercise['slug']}/")
        paths += [workload.plan_path(exercise["slug"], goal) for goal in exercise["goals"]]
    return {path: client.get(path)["ETag"] for path in paths}


# Report --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = ""
    if shutil.which("lscpu"):
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name")), "")
    memory = ""
    if Path("/proc/meminfo").exists():
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{total_kib / 1024 / 1024:.0f} GiB"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "commit": commit.stdout.strip() + (" (with uncommitted changes)" if dirty else ""),
        "load_average_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def cpu_per_request(runs: list[dict]) -> dict[str, float]:
    """CPU milliseconds a request cost, over `runs`: the app's workers, PostgreSQL, locust, all three."""
    requests = sum(run["cpu"]["requests"] for run in runs)
    spent = {
        side: sum(run["cpu"][f"{side}_ms"] * run["cpu"]["requests"] for run in runs) / requests
        for side in ("app", "db", "client")
    }
    return {**{side: round(ms, 3) for side, ms in spent.items()}, "total": round(sum(spent.values()), 3)}


def _alone_figures(measured: dict, ceilings: list[dict]) -> dict:
    """An endpoint's figures from its runs alone and the ceiling runs around them (see `summarize`)."""
    runs, around = measured["runs"], measured["ceilings"]
    means = [(around[i]["rps"] + around[i + 1]["rps"]) / 2 for i in range(len(runs))]
    shares = [run["rps"] / mean for run, mean in zip(runs, means, strict=True)]
    order = sorted(range(len(runs)), key=lambda i: shares[i])
    median = order[len(order) // 2]
    a = runs[median]
    cpu_ms = cpu_per_request(runs)
    figures = {
        "alone": {k: a[k] for k in ("rps", "p50", "p99", "count")} | {"failures": sum(r["failures"] for r in runs)},
        "ceiling_around": round(means[median], 1),
        "share_of_ceiling": round(shares[median], 3),
        "shares": [round(share, 3) for share in shares],
        "cpu_ms": cpu_ms,
        "share_by_cpu": round(cpu_per_request(ceilings)["total"] / cpu_ms["total"], 3),
    }
    if all("queries" in run for run in runs):
        figures["queries"] = round(sum(run["queries"] for run in runs) / len(runs), 2)
    return figures


def summarize(
    mixed: dict, alone: dict[str, dict], ceilings: list[dict], before: dict[str, dict] | None = None
) -> tuple[list[dict], list[dict]]:
    """Rows of the table, and each target with its measure and verdict.

    `alone[name]` holds the runs of one endpoint alone and the ceiling runs
    around them (`ceilings[i]` before and `ceilings[i + 1]` after `runs[i]`).
    Each run's share is of the mean of the two ceiling runs around it, so that
    a machine busier or quieter for a while moves both sides of a ratio alike;
    the endpoint's share is the median of its runs' shares, and its figures
    those of its median run. `before[name]`, when given, holds the same for
    the code before this work, run in the same slots between the same ceilings;
    whether an endpoint keeps its share is judged slot by slot (`keeps_by_slot`: this
    code's share over the before code's in each slot) and the median of those ratios.
    """
    before = before or {}
    rows = []
    for _, name, _ in ALONE:
        m, measured = mixed["requests"].get(name), alone.get(name)
        row = {"endpoint": name, "mixed": m and {k: m[k] for k in ("rps", "p50", "p95", "p99", "count", "failures")}}
        if measured:
            row.update(_alone_figures(measured, ceilings))
        else:
            row.update(alone=None, ceiling_around=None, share_of_ceiling=None)
        if name in before:
            old = _alone_figures(before[name], ceilings)
            row["before"] = {
                "rps": old["alone"]["rps"],
                "share_of_ceiling": old["share_of_ceiling"],
                "app_ms": old["cpu_ms"]["app"],
                "queries": old.get("queries"),
            }
            if measured:
                # Both codes ran in each slot between the same two ceiling runs: the ratio of their
                # shares there is the ratio of their rates, free of what the machine did slot to slot.
                pairs = zip(measured["runs"], before[name]["runs"], strict=True)
                row["keeps_by_slot"] = [round(a["rps"] / b["rps"], 3) for a, b in pairs]
        rows.append(row)
    for name in MIXED_ONLY:
        m = mixed["requests"].get(name)
        rows.append(
            {
                "endpoint": name,
                "mixed": m and {k: m[k] for k in ("rps", "p50", "p95", "p99", "count", "failures")},
                "alone": None,
                "ceiling_around": None,
                "share_of_ceiling": None,
            }
        )
    middle = sorted(ceilings, key=lambda c: c["rps"])[len(ceilings) // 2]
    rows.append(
        {
            "endpoint": f"ceiling (bench/ceiling.py; median of {len(ceilings)} runs)",
            "mixed": None,
            "alone": {k: middle[k] for k in ("rps", "p50", "p99", "count", "failures")},
            "ceiling_around": None,
            "share_of_ceiling": 1.0,
            "ceiling_runs_rps": [c["rps"] for c in ceilings],
            "cpu_ms": cpu_per_request(ceilings),
            "share_by_cpu": 1.0,
        }
    )
    by_name = {row["endpoint"]: row for row in rows}
    verdicts = []
    for target in TARGETS:
        value = _measure(target, by_name[target.name])
        verdicts.append(
            {
                "target": target.what,
                "wanted": target.describe(),
                "measured": value,
                "shown": target.shown(value),
                "met": value is not None and target.met(value),
            }
        )
    return rows, verdicts


def _measure(target: Target, row: dict) -> float | None:
    """What `target` judges in `row`, or None when it was not measured."""
    old, alone = row.get("before"), row.get("alone")
    if target.kind == "share":
        return row["share_of_ceiling"]
    if target.kind == "p99":
        return (row["mixed"] or {}).get("p99")
    if target.kind == "p99_alone":
        return alone and alone["p99"]
    if target.kind == "cpu":
        return row.get("cpu_ms", {}).get("app")
    if target.kind == "queries":
        return row.get("queries")
    if not old or not alone:
        return None
    if target.kind == "speedup":
        return round(alone["rps"] / old["rps"], 2) if old["rps"] else None
    return median(row["keeps_by_slot"])


def median(values: list[float]) -> float:
    """The middle value (of an odd count; the upper middle of an even one)."""
    return sorted(values)[len(values) // 2]


def as_markdown(result: dict) -> str:
    def cell(part: dict | None, key: str, fmt: str = "{:.1f}") -> str:
        return fmt.format(part[key]) if part and part.get(key) is not None else "–"

    lines = [
        "| endpoint | mixed (locust): req/s | p50 ms | p95 ms | p99 ms | errors "
        "| alone (wrk): req/s | alone: p99 ms | share of the ceiling around it | CPU ms a request: app + db + wrk "
        "| share by CPU | queries a request | before: req/s | before: share | before: app CPU ms "
        "| before: queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for row in result["rows"]:
        m, a, share, around = row["mixed"], row["alone"], row["share_of_ceiling"], row["ceiling_around"]
        errors = "–" if not m and not a else str((m or {}).get("failures", 0) + (a or {}).get("failures", 0))
        shown = "–" if share is None else f"{share:.0%}" + (f" of {around:.0f}" if around else "")
        cpu, by_cpu, old = row.get("cpu_ms"), row.get("share_by_cpu"), row.get("before")
        cpu_shown = "–" if not cpu else f"{cpu['app']:.2f} + {cpu['db']:.2f} + {cpu['client']:.2f}"
        old_share = "–" if not old else f"{old['share_of_ceiling']:.1%}"
        lines.append(
            f"| {row['endpoint']} | {cell(m, 'rps')} | {cell(m, 'p50')} | {cell(m, 'p95')} | {cell(m, 'p99')} "
            f"| {errors} | {cell(a, 'rps')} | {cell(a, 'p99')} | {shown} | {cpu_shown} "
            f"| {'–' if by_cpu is None else f'{by_cpu:.0%}'} | {cell(row, 'queries', '{:g}')} "
            f"| {cell(old, 'rps')} | {old_share} | {cell(old, 'app_ms', '{:.2f}')} | {cell(old, 'queries', '{:g}')} |"
        )
    lines += ["", "| target | wanted | measured | met |", "| --- | --- | ---: | --- |"]
    for v in result["targets"]:
        lines.append(f"| {v['target']} | {v['wanted']} | {v['shown']} | {'yes' if v['met'] else 'NO'} |")
    slots = [row for row in result["rows"] if row.get("keeps_by_slot") and row["endpoint"] in CACHED]
    if slots:
        lines += [
            "",
            "The anonymous cached paths against the code before, slot by slot (this code's req/s over the before "
            "code's, both run between the same two ceiling runs):",
            "",
            "| endpoint | each slot | median |",
            "| --- | --- | ---: |",
        ]
        for row in slots:
            ratios = row["keeps_by_slot"]
            each = ", ".join(f"{ratio:.0%}" for ratio in ratios)
            lines.append(f"| {row['endpoint']} | {each} | {median(ratios):.0%} |")
    s = result["settings"]
    upload = next(row for row in result["rows"] if row["endpoint"] == UPLOAD)
    sweep = result["upload_by_concurrency"] + (
        [{"users": s["users"]} | upload["alone"] | {"p95": None}] if upload["alone"] else []
    )
    lines += [
        "",
        f"The {UPLOAD} alone (wrk), by concurrent users:",
        "",
        "| users | req/s | p50 ms | p95 ms | p99 ms | p99 < 100 ms | errors |",
        "| ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for row in sweep:
        p95 = "–" if row["p95"] is None else f"{row['p95']:.1f}"
        lines.append(
            f"| {row['users']} | {row['rps']:.1f} | {row['p50']:.1f} | {p95} | {row['p99']:.1f} "
            f"| {'yes' if row['p99'] < 100 else 'NO'} | {row['failures']} |"
        )
    lines += gunicorn_cost(result["rows"])
    ceiling_runs = ", ".join(f"{rps:.0f}" for rps in result["rows"][-1]["ceiling_runs_rps"])
    before = s.get("before")
    lines += [
        "",
        f"Command: `{result['command']}`",
        "",
        f"Load: the mixed workload by {s['users']} concurrent locust users without think time, {s['duration']} s; "
        f"each endpoint alone by wrk ({s['users']} connections, 2 threads), {s['repeats']} × "
        f"{s['endpoint_duration']} s"
        + (f" ({s['cached_repeats']} × for the anonymous cached paths)" if s.get("cached_repeats") else "")
        + " between runs of the ceiling (also wrk)"
        + (
            f", each slot running the code before this work (commit {before}) and this code, the first of the two "
            "alternating from slot to slot"
            if before
            else ""
        )
        + f"; gunicorn {s['workers']} sync workers; data: {s['data']}. Ceiling runs, req/s: {ceiling_runs}.",
        "",
        "Machine: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result["machine"].items() if v) + ".",
    ]
    return "\n".join(lines) + "\n"


def gunicorn_cost(rows: list[dict]) -> list[str]:
    """gunicorn's own CPU a request, and its part of each endpoint's app CPU alone (report lines).

    The ceiling is gunicorn's sync worker doing all it does for any request — accept the
    connection, read and parse the request, call the WSGI application, write the answer, close —
    around an application that returns a fixed body: its workers' CPU a request is gunicorn's own
    cost (and the bound on any endpoint's). What an endpoint costs beyond it is the app's."""
    ceiling = rows[-1].get("cpu_ms")
    if not ceiling:
        return []
    own = ceiling["app"]
    lines = [
        "",
        f"gunicorn's own cost: {own:.2f} ms of a worker's CPU a request (the ceiling's: a WSGI app that returns a "
        "fixed body); its part of each endpoint's app CPU alone, and what the app spends beyond it:",
        "",
        "| endpoint | app CPU ms a request | gunicorn's part | the app's own ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in rows[:-1]:
        cpu = row.get("cpu_ms")
        if cpu and cpu["app"] > 0:
            part = min(own / cpu["app"], 1.0)
            lines.append(f"| {row['endpoint']} | {cpu['app']:.2f} | {part:.0%} | {max(cpu['app'] - own, 0.0):.2f} |")
    return lines


def wrk_requests(kind: str, fixture: dict, count: int) -> list[wrk.Request]:
    """`count` requests of one kind (a key of ALONE), as a phone or a trainer sends them."""
    accept = {"Accept": "application/json"}
    clients, trainers = fixture["clients"], fixture["trainers"]
    requests = []
    for n in range(count):
        client = {**accept, "Authorization": f"Bearer {clients[n % len(clients)]}"}
        if kind == "ceiling":
            requests.append(wrk.Request("GET", "/", accept))
        elif kind.startswith("catalog_"):
            _, what, *rest = kind.split("_")
            path = workload.catalog_path(what, fixture)
            headers = {**accept, "If-None-Match": fixture["etags"][path]} if rest == ["304"] else accept
            requests.append(wrk.Request("GET", path, client if rest == ["token"] else headers))
        elif kind == "session_upload":
            body = json.dumps(workload.upload_body(fixture), separators=(",", ":")).encode()
            headers = {**client, "Content-Type": "application/json", "Idempotency-Key": secrets.token_hex(8)}
            requests.append(wrk.Request("POST", "/api/v1/sessions/", headers, body))
        elif kind == "session_list":
            requests.append(wrk.Request("GET", "/api/v1/sessions/", client))
        elif kind == "progress":
            exercise = fixture["upload_exercises"][n % len(fixture["upload_exercises"])]["slug"]
            requests.append(wrk.Request("GET", f"/api/v1/progress/?exercise={exercise}", client))
        else:
            trainer = {**accept, "Authorization": f"Bearer {trainers[n % len(trainers)]}"}
            requests.append(wrk.Request("GET", workload.TRAINER_PATHS[kind.replace("_", " ")], trainer))
    return requests


class RequestLog:
    """The request lines a gunicorn server's log gained since last asked (JSON logs: one a request)."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0

    def new_lines(self) -> list[dict]:
        with open(self.path, "rb") as log_file:
            log_file.seek(self.offset)
            text = log_file.read()
        end = text.rfind(b"\n") + 1
        self.offset += end
        lines = []
        for line in text[:end].splitlines():
            if line.startswith(b"{") and b'"request_finished"' in line:
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    continue
        return lines


@contextmanager
def source_tree(commit: str, scratch: Path):
    """The project as it was at `commit` (git archive), to serve beside this one."""
    target = scratch / f"tree-{commit}"
    target.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    yield target


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: DATABASE_URL must name a PostgreSQL database (make bench starts one).")
    wrk.require_wrk()  # before minutes of data generation
    env = app_environment()
    begun = time.monotonic()
    before = None if args.before in ("", "none") else args.before
    with tempfile.TemporaryDirectory(prefix="stretchapi-bench-") as scratch, ExitStack() as servers:
        logs = Path(scratch)
        fixture_path = logs / "fixture.json"
        fixture = prepare(args, env, fixture_path)
        log(f"{len(fixture['clients'])} clients and {len(fixture['trainers'])} trainers signed in")
        about = machine()

        def load(url: str, user_class: str, seconds: int, endpoint: str = "", users: int = args.users) -> dict:
            return locust(url, user_class, seconds=seconds, users=users, fixture=fixture_path, logs=logs,
                          endpoint=endpoint)  # fmt: skip

        serve = {"workers": args.workers, "access_log": args.access_log, "logs": logs}
        cache_off = {**env, "CATALOG_CACHE_URL": "dummycache://"}
        trees = {"after": ROOT}
        if before:
            trees["before"] = servers.enter_context(source_tree(before, logs))
        urls = {}
        for version, tree in trees.items():
            for server, server_env in (("app", env), ("cache off", cache_off)):
                tree_env = {**server_env, "PYTHONPATH": str(tree)}
                urls[version, server] = servers.enter_context(
                    gunicorn("stretchapi.wsgi:application", probe="/api/health/", env=tree_env, cwd=tree, **serve)
                )
        ceiling_url = servers.enter_context(gunicorn("bench.ceiling:application", probe="/", env=env, **serve))
        request_logs = {key: RequestLog(logs / f"gunicorn-{url.rsplit(':', 1)[1]}.log") for key, url in urls.items()}
        url = urls["after", "app"]

        def wrk_run(target: str, kind: str, seconds: float, connections: int, log: RequestLog | None = None) -> dict:
            count = max(200, int(seconds * 300)) if kind == "session_upload" else 500
            requests_file = wrk.write_requests(logs / f"wrk-{kind}.txt", wrk_requests(kind, fixture, count))
            if log is not None:
                log.new_lines()  # what earlier runs left
            return wrk.run(target, requests_file, seconds=seconds, connections=connections,
                           cpu_snapshot=cpu_snapshot, cpu_spent=cpu_spent,
                           log_lines=log.new_lines if log else list)  # fmt: skip

        def ceiling() -> dict:
            return wrk_run(ceiling_url, "ceiling", args.endpoint_duration, args.users)

        log(f"warm-up, {args.warm_up} s: every catalog URL, then the mixed workload")
        for key, each in urls.items():
            load(each, "EndpointUser", args.warm_up, "catalog_every_url")
            for kind in ("catalog_list_token", "catalog_detail_token"):
                wrk_run(each, kind, 2, args.users, request_logs[key])
        if not args.only:
            load(url, "MixedUser", args.warm_up)
        wrk_run(ceiling_url, "ceiling", args.warm_up, args.users)
        log(f"mixed workload (locust), {args.duration} s")
        mixed = load(url, "MixedUser", args.duration) if not args.only else {"requests": {}}
        log(
            f"each endpoint alone (wrk), {args.repeats} × {args.endpoint_duration} s "
            f"({args.cached_repeats} × for the anonymous cached ones), between runs of the ceiling"
        )
        alone, old, ceilings = {}, {}, []
        for kind, name, server in ALONE:
            if args.only and name not in args.only:
                continue
            around, runs, old_runs = [ceiling()], [], []
            for repeat in range(args.cached_repeats if name in CACHED else args.repeats):
                # Each version runs first in every other slot: neither always follows the other.
                versions = (("before", old_runs), ("after", runs))
                for version, into in versions if repeat % 2 == 0 else versions[::-1]:
                    if (version, server) in urls:
                        key = (version, server)
                        into.append(wrk_run(urls[key], kind, args.endpoint_duration, args.users, request_logs[key]))
                around.append(ceiling())
            ceilings += around
            alone[name] = {"runs": runs, "ceilings": around}
            if old_runs:
                old[name] = {"runs": old_runs, "ceilings": around}
            shown = ", ".join(f"{r['rps']:.0f}" for r in runs)
            old_shown = ", ".join(f"{r['rps']:.0f}" for r in old_runs) or "–"
            bare_shown = ", ".join(f"{c['rps']:.0f}" for c in around)
            log(f"  {name}: {shown} req/s (before: {old_shown}); ceiling {bare_shown}")
        log(f"the upload alone by concurrency (wrk), {args.endpoint_duration} s each: {UPLOAD_CONCURRENCY} users")
        by_concurrency = []
        for users in UPLOAD_CONCURRENCY if not args.only or "session upload (40 holds)" in args.only else ():
            stats = wrk_run(url, "session_upload", args.endpoint_duration, users)
            by_concurrency.append(
                {"users": users} | {k: stats[k] for k in ("rps", "p50", "p95", "p99", "count", "failures")}
            )
            log(f"  {users} user(s): {stats['rps']:.0f} req/s, p99 {stats['p99']:.0f} ms")

    about["load_average_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows, verdicts = summarize(mixed, alone, ceilings, old)
    command = "make bench" + (f' BENCH_ARGS="{" ".join(sys.argv[1:])}"' if sys.argv[1:] else "")
    result = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "settings": {
            "users": args.users,
            "workers": args.workers,
            "duration": args.duration,
            "endpoint_duration": args.endpoint_duration,
            "repeats": args.repeats,
            "cached_repeats": args.cached_repeats,
            "access_log": args.access_log,
            "before": before,
            "data": f"{args.clients} clients, {args.trainers} trainers, ~{args.holds:,} holds (seed {args.seed})",
        },
        "machine": about,
        "rows": rows,
        "targets": verdicts,
        "upload_by_concurrency": by_concurrency,
        "mixed_failure_samples": {k: v["failure_sample"] for k, v in mixed["requests"].items() if v["failures"]},
        "minutes": round((time.monotonic() - begun) / 60, 1),
    }
    markdown = as_markdown(result)
    print()
    print(markdown)
    args.results.mkdir(parents=True, exist_ok=True)
    stem = args.results / datetime.now(UTC).strftime("%Y-%m-%dT%H%M")
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    stem.with_suffix(".md").write_text(f"# Load benchmark, {result['when']}\n\n" + markdown)
    log(f"results in {stem}.md and .json ({result['minutes']} min in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
