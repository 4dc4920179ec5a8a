"""The background worker SIGKILLed in the middle of an export job (`make test-faults`).

The app runs as `make run` and docker-compose run it (scripts/start.sh: gunicorn beside one
`manage.py worker`) on a throwaway PostgreSQL holding ~80 k generated holds, with a short heartbeat
and lease (0.2 s, 3 s) so the test takes seconds. An analyst starts a Parquet export job (written
row group by row group in Python, the slowest format: the FHIR one, written by PostgreSQL's COPY,
finishes 80 k holds in about a second, before a kill could land); once the job is running
the worker is killed with SIGKILL (no handler runs: as an
out-of-memory kill or a lost machine). A new worker is started, as a restart would: its sweep marks
the job `failed` with the reason and the rows it had written, never leaving it `running`; the
same export asked again (as FHIR) then completes through that worker.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.faults.client import Api
from tests.faults.conftest import ARTIFACTS, ROOT, _children, _cmdline, _serving

pytestmark = pytest.mark.faults

HOLDS = 80_000
LEASE_SECONDS = 3
WAIT_SECONDS = 90
JOB_SETTINGS = {
    "EXPORT_JOB_HEARTBEAT_SECONDS": "0.2",
    "EXPORT_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    "EXPORT_JOB_SWEEP_SECONDS": "1",
    "TASKS_CLOCK_SECONDS": "0.5",
    "EXPORT_PSEUDONYM_KEY": "fault-tests-pseudonym-key",
    "EXPORT_PARQUET_ROW_GROUP_ROWS": "500",  # progress after each small row group
}


EXPORT_DATABASE = "export_kill"


@pytest.fixture(scope="module")
def export_server(postgres, tmp_path_factory):
    """Its own database and server: the session's other servers run workers of their own, which would
    take this test's job from the worker it kills if they shared its queue."""
    postgres.create_database(EXPORT_DATABASE)
    media = tmp_path_factory.mktemp("media")
    env = {"DATABASE_URL": postgres.url(EXPORT_DATABASE), "MEDIA_ROOT": str(media), **JOB_SETTINGS}
    with _serving(env, "export-jobs-server.log") as server:
        server.environment = env
        yield server


@pytest.fixture
def database(postgres):
    """Run one statement on this test's database from outside the app; returns its rows."""

    def query(sql: str, params: tuple | list = ()) -> list[tuple]:
        with psycopg.connect(postgres.url(EXPORT_DATABASE), autocommit=True, connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()

    return query


def _environment(overrides: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        **overrides,
    }


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _analyst_token(env: dict[str, str]) -> str:
    code = (
        "from django.contrib.auth.models import Group;"
        "from sessions.models import User;"
        "from sessions.accounts.services import token_issue;"
        "u = User.objects.create_user('export-analyst@example.com', None, role='staff', display_name='A');"
        "u.groups.add(Group.objects.get(name='Analysts'));"
        "print(token_issue(user=u, device_name='faults')[1])"
    )
    return _manage(env, "shell", "--no-imports", "-c", code).strip().splitlines()[-1]


def _generate(env: dict[str, str], until: datetime) -> None:
    command = [
        sys.executable, "bench/generate.py", "--clients", str(HOLDS // 100), "--holds", str(HOLDS),
        "--trainers", "20", "--seed", "41", "--months", "11", "--until", until.isoformat(),
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _worker_pids(server) -> set[int]:
    return {pid for pid in _children(server.process.pid) if b"manage.py\0worker" in _cmdline(pid)}


def _wait_for(api: Api, url: str, done) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        status = api.request("GET", url).json()
        if done(status):
            return status
        time.sleep(0.05)
    pytest.fail(f"the job did not get there within {WAIT_SECONDS} s: {status}")


def test_a_worker_killed_during_an_export_job_leaves_it_failed_with_a_reason_never_running(
    export_server, database, measured
):
    env = _environment(export_server.environment)
    until = datetime.now(UTC).replace(microsecond=0)
    _generate(env, until)
    token = _analyst_token(env)
    api = Api(export_server.port, token)
    body = {"since": (until - timedelta(days=360)).isoformat().replace("+00:00", "Z"), "format": "fhir"}

    kick_off = api.request("POST", "/api/v1/exports/holds/jobs/", {**body, "format": "parquet"})
    assert kick_off.status == 202, kick_off.body
    url = kick_off.headers["content-location"].split(f":{export_server.port}", 1)[1]
    running = _wait_for(api, url, lambda s: s["status"] == "running")  # killed as soon as it runs
    [worker] = _worker_pids(export_server)
    os.kill(worker, signal.SIGKILL)
    killed_at = time.monotonic()
    time.sleep(0.5)
    assert worker not in _worker_pids(export_server)  # gone (start.sh does not restart it)

    # The job stays `running` until a worker's sweep finds its heartbeat older than the lease.
    assert database("SELECT status FROM stretch_sessions_exportjob") == [("running",)]
    log = (ARTIFACTS / "export-jobs-worker.log").open("wb")
    restarted = subprocess.Popen(
        [sys.executable, "manage.py", "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        failed = _wait_for(api, url, lambda s: s["status"] != "running")
        seconds_to_failed = time.monotonic() - killed_at

        assert failed["status"] == "failed"
        assert failed["files"] == []
        assert failed["error"].startswith("The worker running this export stopped (no heartbeat since ")
        assert f"after {failed['rows']} rows)" in failed["error"]
        assert failed["rows"] >= running["rows"] >= 0
        assert database("SELECT status, rows FROM stretch_sessions_exportrecord") == [("failed", failed["rows"])]

        again = api.request("POST", "/api/v1/exports/holds/jobs/", body)
        assert again.status == 202, again.body
        second = again.headers["content-location"].split(f":{export_server.port}", 1)[1]
        completed = _wait_for(api, second, lambda s: s["status"] in ("completed", "failed"))
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=60)
        log.close()

    holds = database(
        """SELECT count(*) FROM stretch_sessions_hold h JOIN stretch_sessions_stretchsession s ON s.id = h.session_id
           WHERE s.deleted_at IS NULL AND s.started_at >= %s AND s.started_at < %s""",
        [completed["filters"]["since"], completed["filters"]["until"]],
    )[0][0]
    assert completed["status"] == "completed", completed
    assert completed["rows"] == holds
    assert [f["name"] for f in completed["files"]] == ["Observation.ndjson"]
    assert database("SELECT count(*) FROM stretch_sessions_exportjob WHERE status = 'running'") == [(0,)]
    measured(
        f"worker SIGKILLed during an export job: killed after {running['rows']:,} of {holds:,} rows; "
        f"marked failed {seconds_to_failed:.1f} s later by the restarted worker's sweep (lease {LEASE_SECONDS} s); "
        f"asked again, it completed ({completed['rows']:,} rows, {completed['files'][0]['rows']:,} resources)"
    )
