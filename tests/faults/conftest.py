"""Real components for the fault tests (`make test-faults`).

- `postgres`: a throwaway PostgreSQL cluster (scripts/pgcluster.py) that the
  tests stop and start under the running application. It keeps the default
  durability settings: acknowledged writes must survive a server stop.
- `server`: the app as the Docker image serves it, `scripts/start.sh` (migrate,
  load_catalog, collectstatic, gunicorn with sync workers) with production
  settings (tests/faults/settings.py) on a free port of 127.0.0.1.
- `sqlite_server`: the same, on a SQLite file with two workers and the default
  throttles, as `make run` serves it.
- `database`: a query on the app's database from the outside, with psycopg;
  `stored_sessions`: what it holds for some phones' accounts.

Logs of both servers land in test-artifacts/faults/. What the tests measured
is printed at the end of the run and kept in test-artifacts/faults/measured.txt.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from scripts.pgcluster import PostgresCluster, free_port
from tests.faults.client import Api

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "faults"
DATABASE = "stretchapi"
WORKERS = 4
START_TIMEOUT_SECONDS = 120

MEASURED: list[str] = []


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with PostgresCluster(durable=True) as cluster:
        cluster.create_database(DATABASE)
        try:
            yield cluster
        finally:
            (ARTIFACTS / "postgresql.log").write_text(cluster.server_log())


@dataclass
class Server:
    """gunicorn serving the app; `api` talks to it anonymously."""

    process: subprocess.Popen
    port: int
    log: Path
    database: Path | None = None  # the SQLite file, when it serves one

    @property
    def api(self) -> Api:
        return Api(self.port)

    def workers(self) -> set[int]:
        """The process ids of gunicorn's workers (the children of its master process, which is
        start.sh's child beside the background worker, or start.sh itself when it exec'd gunicorn)."""
        masters = {self.process.pid} if b"gunicorn" in _cmdline(self.process.pid) else set()
        masters = masters or {pid for pid in _children(self.process.pid) if b"gunicorn" in _cmdline(pid)}
        return {pid for master in masters for pid in _children(master)}


def _children(parent: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            found.add(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture(scope="session")
def server(postgres: PostgresCluster) -> Iterator[Server]:
    env = {
        "DATABASE_URL": postgres.url(DATABASE),
        "WEB_CONCURRENCY": str(WORKERS),
        # Every test client signs up from 127.0.0.1: lift the per-address limits.
        "THROTTLE_REGISTER": "1000/min",
        "THROTTLE_LOGIN": "1000/min",
    }
    with _serving(env, "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory) -> Iterator[Server]:
    """The app on its embedded database, a SQLite file, as `make run` serves it: two workers, the
    default throttles (counted in the database cache), each access-log line naming its worker's pid."""
    database = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_CMD_ARGS": "--access-logfile - --access-logformat 'pid=%(p)s %(t)s \"%(r)s\" %(s)s %(M)sms'",
    }
    with _serving(env, "sqlite-server.log") as server:
        server.database = database
        yield server


@contextmanager
def _serving(overrides: dict[str, str], log_name: str) -> Iterator[Server]:
    """scripts/start.sh with the fault tests' settings and these variables, until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "BIND": f"127.0.0.1:{port}",
        # start.sh's own gunicorn options, plus an access log saying how long each request took
        # (start.sh serves without one: the app logs its own line per request).
        "GUNICORN_CMD_ARGS": "--access-logfile - --access-logformat '%(t)s \"%(r)s\" %(s)s %(M)sms'",
        **overrides,
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / log_name).open("wb")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "start.sh")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(process, port, ARTIFACTS / log_name)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited ({server.process.returncode}); see {server.log}")
        try:
            if server.api.request("GET", "/api/health/").status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {START_TIMEOUT_SECONDS} s; see {server.log}")


@pytest.fixture
def database(postgres: PostgresCluster) -> Callable[..., list[tuple]]:
    """Run one statement on the app's database from outside the app; returns its rows."""

    def query(sql: str, params: tuple | list = ()) -> list[tuple]:
        with psycopg.connect(postgres.url(DATABASE), autocommit=True, connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()

    return query


@pytest.fixture
def stored_sessions(database) -> Callable[[list[Api]], dict[str, tuple[str, int, int]]]:
    """What the database holds for these phones' accounts: {session id: (notes, holds, measurements)}."""

    def fetch(phones: list[Api]) -> dict[str, tuple[str, int, int]]:
        rows = database(
            """SELECT s.id::text, s.notes,
                      (SELECT count(*) FROM stretch_sessions_hold h WHERE h.session_id = s.id),
                      (SELECT count(*) FROM stretch_sessions_measurement m WHERE m.session_id = s.id)
               FROM stretch_sessions_stretchsession s JOIN stretch_sessions_user u ON u.id = s.owner_id
               WHERE u.email = ANY(%s)""",
            [[phone.email for phone in phones]],
        )
        return {session_id: (notes, holds, measurements) for session_id, notes, holds, measurements in rows}

    return fetch


@pytest.fixture
def measured() -> Callable[[str], None]:
    """Keep one line of figures for the end-of-run summary."""
    return MEASURED.append


def pytest_terminal_summary(terminalreporter) -> None:
    if not MEASURED:
        return
    terminalreporter.section("fault tests: measured")
    for line in MEASURED:
        terminalreporter.write_line(line)
    (ARTIFACTS / "measured.txt").write_text("\n".join(MEASURED) + "\n")
