"""The export benchmark's job path (`bench/run_export.py` calls it): an export job through the real worker.

For each size and job format: a gunicorn (one sync worker) and one `manage.py worker` process are
started with the production settings, the exports storage in a temporary MEDIA_ROOT; as an
analyst, `POST /api/v1/exports/holds/jobs/` for the benchmark's year, then the status is polled
every 0.1 s until the job is `completed`. Seconds run from the kick-off to the status that says
completed (so they include the worker's pick-up, up to its 1 s polling interval, and the move into
storage); rows and bytes are the job's file's; memory is the worker process's peak (`VmHWM`,
Django and pyarrow loaded included), read before it is stopped. A one-day job runs first, so
that the worker's start-up is not counted.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from export_child import peak_kib
from run_load import BIN, ROOT, gunicorn

POLL_SECONDS = 0.1
JOB_TIMEOUT_SECONDS = 1800


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--job-formats",
        type=lambda s: [f for f in s.split(",") if f],
        default=["csv", "parquet"],
        help="export job formats, comma-separated: csv, ndjson, fhir, parquet; empty for none (default csv,parquet)",
    )


def _call(url: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 -- our own server
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.status, dict(response.headers), json.loads(response.read())


def _run_job(url: str, token: str, body: dict) -> tuple[dict, float]:
    """Kick one job off and poll it until it is completed; its status and the seconds it took."""
    begun = time.perf_counter()
    status, headers, job = _call(f"{url}/api/v1/exports/holds/jobs/", token, "POST", body)
    if status != 202:
        raise SystemExit(f"bench: the export job was refused ({status}): {job}")
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        job = _call(headers["Content-Location"], token)[2]
    seconds = time.perf_counter() - begun
    if job["status"] != "completed":
        raise SystemExit(f"bench: the {body['format']} export job ended {job['status']}: {job.get('error')}")
    return job, seconds


def measure(
    size: int, formats: list[str], env: dict[str, str], token: str, logs: Path, *, since: str, until: str
) -> Iterator[tuple[str, int, int, float, int]]:
    """(path, rows, bytes, seconds, worker's peak KiB) of one export job per format."""
    for fmt in formats:
        media = logs / f"media-{size}-{fmt}"
        job_env = {**env, "MEDIA_ROOT": str(media)}
        with (
            gunicorn("stretchapi.wsgi:application", workers=1, env=job_env, probe="/api/health/", access_log=False,
                     logs=logs) as url,
            open(logs / f"worker-{size}-{fmt}.log", "w") as out,
        ):  # fmt: skip
            worker = subprocess.Popen(
                [str(BIN / "python"), "manage.py", "worker", "--no-clock"], cwd=ROOT, env=job_env, stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                # A one-day job first: the worker's start-up (Django, pyarrow loaded) is not the job's.
                _run_job(url, token, {"since": until, "until": until, "format": fmt})
                job, seconds = _run_job(url, token, {"since": since, "until": until, "format": fmt})
                peak = peak_kib(worker.pid)
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=60)
        [file] = job["files"]
        path = f"{fmt} · job ({'COPY' if fmt == 'csv' else 'iterator'})"
        yield path, job["rows"], file["bytes"], seconds, peak
