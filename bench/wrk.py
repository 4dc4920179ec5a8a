"""Throughput measured by wrk, a load generator in C that is not the bottleneck.

locust tops out near 2,200 requests/s on this 2-core machine, below what
gunicorn serves the ceiling app at, so every share of "the ceiling" it measured
was a share of locust. `bench/run_load.py` measures each endpoint alone with
wrk instead: `bench/wrk/requests.lua` replays a file of requests (method, path,
headers — a bearer token, an ETag — and body) that `write_requests` writes
for the endpoint, and prints one JSON line of results.

wrk is the Debian package `wrk`. `require_wrk` installs it with apt-get when
the bench runs as root on a machine that has apt-get (as CI and this project's
machine do); anywhere else it stops with the command to run.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "requests.lua"
INSTALL = "apt-get install wrk"


def require_wrk() -> str:
    """The path of wrk, installed with apt-get first if it is missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: wrk is missing; installing the Debian package with apt-get", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "check": False}
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
        if not shutil.which("wrk"):  # the package lists may be missing in a fresh container
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit(f"bench: the load generator wrk is not installed. Install it (`sudo {INSTALL}`) and rerun.")
    return found


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def write_requests(path: Path, requests: list[Request]) -> Path:
    """One request a line, as requests.lua reads them."""
    with open(path, "wb") as out:
        for r in requests:
            headers = "\x1f".join(f"{name}: {value}" for name, value in r.headers.items())
            for part in (r.method, r.path, headers):
                if "\t" in part or "\n" in part:
                    raise ValueError(f"a tab or newline in {part!r}")
            if b"\n" in r.body or b"\t" in r.body:
                raise ValueError("the body must be compact JSON, one line")
            out.write(f"{r.method}\t{r.path}\t{headers}\t".encode() + r.body + b"\n")
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    url: str,
    requests_file: Path,
    *,
    seconds: float,
    connections: int,
    cpu_snapshot: Callable[[], dict],
    cpu_spent: Callable[[dict, dict, str], float],
    log_lines: Callable[[], list[dict]] = list,
) -> dict:
    """One wrk run: req/s, latency percentiles (ms), errors, and the CPU milliseconds a request cost
    the app's workers, PostgreSQL and wrk itself; `queries` per request when `log_lines` returns the
    app's request log lines written during the run (requests answered before Django write none)."""
    threads = min(2, connections)
    command = [
        require_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
        "-s", str(SCRIPT), url,
    ]  # fmt: skip
    env = {**os.environ, "WRK_REQUESTS": str(requests_file), "WRK_THREADS": str(threads)}
    before, client_before = cpu_snapshot(), _children_cpu()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    after, client_after = cpu_snapshot(), _children_cpu()
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"bench: wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    result = json.loads(lines[-1])
    count = result["requests"] or 1
    logged = log_lines()
    return {
        "rps": round(result["requests"] / (result["duration_us"] / 1e6), 1),
        "p50": result["p50_us"] / 1000,
        "p95": result["p95_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "count": result["requests"],
        "failures": result["status_errors"] + result["socket_errors"],
        "queries": round(sum(line.get("queries", 0) for line in logged) / count, 2),
        "cpu": {
            "app_ms": 1000 * cpu_spent(before, after, "app") / count,
            "db_ms": 1000 * cpu_spent(before, after, "db") / count,
            "client_ms": 1000 * (client_after - client_before) / count,
            "requests": result["requests"],
        },
    }
