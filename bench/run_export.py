#!/usr/bin/env python3
"""The export benchmark: rows/s and peak memory of the streaming holds export, beside a raw COPY.

    make bench-export                             # = the line below, in a throwaway PostgreSQL
    python scripts/with_postgres.py -- python bench/run_export.py [--sizes 100000,1000000] [--formats csv,ndjson,fhir]

Against the database DATABASE_URL names (empty), it migrates, loads the
catalog, then for each size in turn generates holds up to that size
(`bench/generate.py`, a new seed for the rows added, 100 holds per new
client, all within one year so that one export covers them) and measures,
each in a fresh process so that its peak resident memory is its own:

- **raw COPY** (the ceiling): psycopg 3 alone, no Django, running the very
  `COPY (SELECT …) TO STDOUT` the CSV export runs (`copy_sql`), reading
  and discarding the blocks;
- **command**: `manage.py export holds --format F --output -` (stdout
  discarded), i.e. the export service with its record, through the Django
  stack; seconds are the ones it reports (the export, not Python's start-up);
- **HTTP**: `GET /api/v1/exports/holds/?format=F` as an analyst, from a
  gunicorn with one sync worker started for that request (production
  settings); seconds are the client's, from the request to the last byte;
  memory is the worker's peak (`VmHWM`);
- **job** (`--job-formats`, default csv,parquet): the same export as a job,
  `POST /api/v1/exports/holds/jobs/` run by a real `manage.py worker`
  (bench/export_jobs.py); seconds from the kick-off to the completed status;
  memory is the worker's peak.

Every format is PostgreSQL's COPY: the CSV, the NDJSON (`row_to_json`) and
the FHIR resources (`sessions.exports.fhir_sql`). Rows are holds in every
format (a FHIR export has a line per resource: an intensity Observation per
hold, and a pain Observation per rated hold, which the HTTP client counts by
their ids). It prints a table — size, path, rows, seconds, rows/s, share of
the raw COPY's rows/s, peak MB —, per path the memory at the largest size
over the memory at the smallest, which passes at ≤ 1.5×, and at the largest
size each format's share of the raw COPY's rows/s against its target
(`RATE_TARGETS`: NDJSON 60 %, FHIR 40 %); the same goes to
bench/results/export.txt. The exit status is 1 when a memory ratio or a
share fails, or an export's rows or bytes differ from the raw COPY's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import export_jobs
from export_child import peak_kib
from run_load import BIN, RESULTS, ROOT, app_environment, gunicorn, log, machine, run

UNTIL = datetime(2026, 11, 1, tzinfo=UTC)  # generated data ends here and starts 12 months before
SINCE_DAY, UNTIL_DAY = "2025-11-01", "2026-10-31"  # the export: that whole year, every generated hold
HOLDS_PER_CLIENT = 100
MEMORY_RATIO_LIMIT = 1.5
RATE_TARGETS = {"ndjson": 0.60, "fhir": 0.40}  # share of the raw COPY's rows/s at the largest size
RAW = "raw COPY"
PAIN_ID = b'-pain"'  # the end of a pain Observation's id: `"id":"<hold id>-pain"`


@dataclass
class Measure:
    size: int
    path: str
    rows: int
    bytes: int
    seconds: float
    peak_kib: int
    load: float = 0.0  # the machine's 1-minute load average as the measurement began

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Export benchmark: streaming exports against a raw COPY.")
    parser.add_argument(
        "--sizes",
        type=lambda s: sorted(int(n) for n in s.split(",")),
        default=[100_000, 1_000_000],
        help="holds to measure at, ascending, comma-separated (default 100000,1000000)",
    )
    parser.add_argument(
        "--formats",
        type=lambda s: s.split(","),
        default=["csv", "ndjson", "fhir"],
        help="export formats, comma-separated: csv, ndjson, fhir (default all three)",
    )
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP path (gunicorn)")
    parser.add_argument(
        "--worker-timeout",
        default="900",
        help="gunicorn's --timeout for the HTTP path, seconds (default 900: scripts/start.sh's 30 s default "
        "kills a sync worker whose response takes longer, as a 1 M-row NDJSON export does)",
    )
    export_jobs.add_arguments(parser)  # --job-formats: the job path (bench/export_jobs.py)
    parser.add_argument("--results", type=Path, default=RESULTS / "export.txt", help="where the table goes")
    return parser.parse_args(argv)


# Children ------------------------------------------------------------------------------


def measured(command: list[str], env: dict[str, str], *, discard_stdout: bool = False) -> tuple[str, str, int]:
    """Run `command` in a new process (bench/export_child.py); its stdout, stderr and peak RSS (KiB)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(prefix="peak-") as peak,
    ):
        process = subprocess.run(
            [str(BIN / "python"), str(ROOT / "bench" / "export_child.py"), peak.name, *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL if discard_stdout else out,
            stderr=err,
            check=False,
        )
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        if process.returncode != 0:
            raise SystemExit(f"bench: {' '.join(command)} failed ({process.returncode}):\n{stderr}")
        return stdout, stderr, int(Path(peak.name).read_text())


def measure_raw(size: int, env: dict[str, str], workdir: Path) -> Measure:
    from django.db import connection

    from sessions.exports import services
    from sessions.exports.datasets import ANALYST
    from sessions.exports.queries import copy_sql

    filters = services.export_filters(
        audience=ANALYST, since=services.parse_moment(SINCE_DAY), until=services.parse_moment(UNTIL_DAY)
    )
    sql, params = copy_sql("holds", filters, ANALYST)
    statement = workdir / "copy.pickle"
    statement.write_bytes(pickle.dumps((env["DATABASE_URL"], sql, params)))
    connection.close()
    stdout, _, peak = measured(["raw-copy", str(statement)], env)
    result = json.loads(stdout)
    return Measure(size, RAW, result["rows"], result["bytes"], result["seconds"], peak)


def measure_command(size: int, fmt: str, env: dict[str, str]) -> Measure:
    command = ["manage.py", "export", "holds", "--format", fmt, "--since", SINCE_DAY]
    _, stderr, peak = measured([*command, "--until", UNTIL_DAY, "--output", "-"], env, discard_stdout=True)
    summary = dict(part.split("=") for part in stderr.strip().splitlines()[-1].split())
    path = f"{fmt} · command (COPY)"
    return Measure(size, path, int(summary["rows"]), int(summary["bytes"]), float(summary["seconds"]), peak)


def worker_pid(port: int) -> int:
    """The gunicorn worker serving `port`: the child of the master this process started."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            processes[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    master = next(p for p, (ppid, cmd) in processes.items() if ppid == os.getpid() and f"127.0.0.1:{port}" in cmd)
    return next(p for p, (ppid, _) in processes.items() if ppid == master)


def measure_http(size: int, fmt: str, env: dict[str, str], token: str, logs: Path) -> Measure:
    url_query = f"/api/v1/exports/holds/?since={SINCE_DAY}&until={UNTIL_DAY}&format={fmt}"
    with gunicorn("stretchapi.wsgi:application", workers=1, env=env, probe="/api/health/", access_log=False,
                  logs=logs) as url:  # fmt: skip
        worker = worker_pid(int(url.rsplit(":", 1)[1]))
        warm_up = f"/api/v1/exports/holds/?since={UNTIL_DAY}&until={UNTIL_DAY}&format={fmt}"  # the view's imports
        headers = {"Authorization": f"Bearer {token}"}
        with urllib.request.urlopen(urllib.request.Request(url + warm_up, headers=headers)) as response:  # noqa: S310
            response.read()
        request = urllib.request.Request(url + url_query, headers=headers)  # noqa: S310
        begun = time.perf_counter()
        size_bytes = newlines = pains = 0
        tail = b""  # the last bytes of the previous block, so that an id cut between two blocks counts
        try:
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 -- our own http://127.0.0.1
                while block := response.read(1 << 16):
                    size_bytes += len(block)
                    newlines += block.count(b"\n")
                    if fmt == "fhir":
                        pains += (tail + block).count(PAIN_ID)
                        tail = block[-(len(PAIN_ID) - 1) :]
        except http.client.IncompleteRead as exc:
            raise SystemExit(
                f"bench: the {fmt} export over HTTP broke off after {size_bytes + len(exc.partial):,} bytes, "
                f"{time.perf_counter() - begun:.1f} s in: gunicorn kills a worker busy longer than --timeout "
                f"({env['GUNICORN_TIMEOUT']} s; see --worker-timeout)"
            ) from exc
        seconds = time.perf_counter() - begun
        peak = peak_kib(worker)
    rows = newlines - 1 if fmt == "csv" else newlines - pains
    path = f"{fmt} · HTTP (COPY)"
    return Measure(size, path, rows, size_bytes, seconds, peak)


# Data ----------------------------------------------------------------------------------


def prepare(env: dict[str, str]) -> str:
    """Migrate and load the catalog; an analyst's device token."""
    python = str(BIN / "python")
    log("migrate and load the catalog")
    run([python, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
    subprocess.run([python, "manage.py", "load_catalog"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "SECURE_SSL_REDIRECT")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import Group

    from sessions.accounts.services import token_issue
    from sessions.models import User

    analyst = User.objects.create_user("analyst@bench.example", None, role="staff", display_name="Analyst")
    analyst.groups.add(Group.objects.get(name="Analysts"))
    return token_issue(user=analyst, device_name="bench")[1]


def grow(holds: int, seed: int, env: dict[str, str]) -> float:
    """Add about `holds` holds with a new seed; the seconds it took."""
    clients = max(1, holds // HOLDS_PER_CLIENT)
    command = [
        str(BIN / "python"), "bench/generate.py", "--clients", str(clients), "--holds", str(holds),
        "--trainers", str(max(1, clients // 25)), "--seed", str(seed), "--months", "12", "--until", UNTIL.isoformat(),
    ]  # fmt: skip
    begun = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - begun


def hold_count() -> int:
    from sessions.models import Hold

    return Hold.objects.count()


# Report --------------------------------------------------------------------------------


def table(measures: list[Measure]) -> list[str]:
    raw = {m.size: m.rate for m in measures if m.path == RAW}
    lines = [
        f"{'holds':>10}  {'path':<29}{'rows':>11}{'MB out':>9}{'seconds':>9}{'rows/s':>10}{'vs raw COPY':>13}"
        f"{'peak MB':>9}{'load':>6}"
    ]
    for m in measures:
        ratio = m.rate / raw[m.size] if raw.get(m.size) else 0.0
        lines.append(
            f"{m.size:>10,}  {m.path:<29}{m.rows:>11,}{m.bytes / 1e6:>9.1f}{m.seconds:>9.2f}{m.rate:>10,.0f}"
            f"{ratio:>12.0%} {m.peak_kib / 1024:>8.1f}{m.load:>6.1f}"
        )
    return lines


def memory_ratios(measures: list[Measure]) -> tuple[list[str], bool]:
    sizes = sorted({m.size for m in measures})
    small, large = sizes[0], sizes[-1]
    peaks = {(m.size, m.path): m.peak_kib for m in measures}
    lines, ok = [f"peak memory at {large:,} holds / at {small:,} holds (limit {MEMORY_RATIO_LIMIT}×):"], True
    for path in dict.fromkeys(m.path for m in measures):
        ratio = peaks[(large, path)] / peaks[(small, path)]
        passed = ratio <= MEMORY_RATIO_LIMIT
        ok &= passed
        lines.append(f"  {path:<29}{ratio:>6.2f}×  {'PASS' if passed else 'FAIL'}")
    return lines, ok


def shares(measures: list[Measure]) -> tuple[list[str], bool]:
    """At the largest size, each export's rows/s as a share of the raw COPY's, against its format's target."""
    large = max(m.size for m in measures)
    raw = next(m.rate for m in measures if m.size == large and m.path == RAW)
    lines, ok = [f"rows/s at {large:,} holds, share of the raw COPY's (targets: "
                 + ", ".join(f"{fmt} ≥ {target:.0%}" for fmt, target in RATE_TARGETS.items()) + "):"], True  # fmt: skip
    for m in measures:
        fmt = m.path.split(" ")[0]
        if m.size != large or fmt not in RATE_TARGETS:
            continue
        share = m.rate / raw
        passed = share >= RATE_TARGETS[fmt]
        ok &= passed
        lines.append(f"  {m.path:<29}{share:>6.0%}  {'PASS' if passed else 'FAIL'}")
    return lines, ok


def consistency(measures: list[Measure], formats: list[str]) -> tuple[list[str], bool]:
    """Every export has the raw COPY's rows; every CSV export its bytes too."""
    raw = {m.size: m for m in measures if m.path == RAW}
    problems = []
    for m in measures:
        expected = raw[m.size]
        if m.rows != expected.rows:
            problems.append(f"  {m.size:,} {m.path}: {m.rows:,} rows, the raw COPY {expected.rows:,}")
        if m.path.startswith("csv") and m.bytes != expected.bytes:
            problems.append(f"  {m.size:,} {m.path}: {m.bytes:,} bytes, the raw COPY {expected.bytes:,}")
    if problems:
        return ["exports that differ from the raw COPY:", *problems], False
    return ["every export has the raw COPY's rows; every CSV export its bytes too"], True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("bench: DATABASE_URL must name an empty PostgreSQL database (see scripts/with_postgres.py)")
    begun = time.perf_counter()
    env = {**app_environment(), "GUNICORN_TIMEOUT": args.worker_timeout}
    os.environ["GUNICORN_TIMEOUT"] = env["GUNICORN_TIMEOUT"]
    token = prepare(env)
    facts = machine()
    measures: list[Measure] = []
    notes = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as workdir:
        for seed, size in enumerate(args.sizes, 1):
            have = hold_count()
            if size > have:
                log(f"generate {size - have:,} more holds (seed {seed})")
                seconds = grow(size - have, seed, env)
                notes.append(f"generated {hold_count() - have:,} holds in {seconds:.0f} s")
                log(notes[-1])
            log(f"measure at {hold_count():,} holds")
            load = os.getloadavg()[0]
            raw = measure_raw(size, env, Path(workdir))
            raw.load = load
            measures.append(raw)
            log(table([raw])[-1].strip())
            for fmt in args.formats:
                load = os.getloadavg()[0]
                done = [measure_command(size, fmt, env)]
                done[0].load = load
                if not args.no_http:
                    load = os.getloadavg()[0]
                    done.append(measure_http(size, fmt, env, token, Path(workdir)))
                    done[-1].load = load
                for m in done:
                    measures.append(m)
                    log(table([raw, m])[-1].strip())
            jobs = export_jobs.measure(
                size, args.job_formats, env, token, Path(workdir), since=SINCE_DAY, until=UNTIL_DAY
            )
            for path, rows, size_bytes, seconds, peak in jobs:
                measures.append(Measure(size, path, rows, size_bytes, seconds, peak))
                log(table([raw, measures[-1]])[-1].strip())
    ratio_lines, memory_ok = memory_ratios(measures)
    share_lines, fast = shares(measures)
    check_lines, same = consistency(measures, args.formats)
    header = [
        f"Export benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: `make bench-export`"
        f" (sizes {','.join(str(s) for s in args.sizes)}; formats {','.join(args.formats)})",
        f"machine: {facts['cpus']} CPUs ({facts['cpu']}), {facts['memory']}, {facts['os']}; "
        f"Python {facts['python']}, PostgreSQL {facts['postgresql']}; commit {facts['commit']}; "
        f"load average before: {facts['load_average_before']}",
        f"export: holds, {SINCE_DAY} to {UNTIL_DAY}, as an analyst; {'; '.join(notes)}",
        "",
    ]
    total = time.perf_counter() - begun
    after = " ".join(f"{n:.2f}" for n in os.getloadavg())
    report = [*header, *table(measures), "", *ratio_lines, "", *share_lines, "", *check_lines,
              f"load average after: {after}", f"whole run: {total:.0f} s"]  # fmt: skip
    text = "\n".join(report) + "\n"
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text)
    print(
        "\n"
        + text
        + f"(written to {args.results.relative_to(ROOT) if args.results.is_relative_to(ROOT) else args.results})"
    )
    return 0 if memory_ok and fast and same else 1


if __name__ == "__main__":
    sys.exit(main())
