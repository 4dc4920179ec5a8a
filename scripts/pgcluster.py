"""A throwaway PostgreSQL cluster that its owner starts and stops at will.

Used by `scripts/with_postgres.py` (one cluster around a whole test run) and by
the fault tests (`tests/faults/`), which stop and restart the server under a
running application.

The cluster lives in a temporary folder, is made with the PostgreSQL binaries
found on this machine (PATH, or Debian's /usr/lib/postgresql/<version>/bin) and
listens on a free port of 127.0.0.1 only. PostgreSQL refuses to run as root;
when run as root (CI containers), the cluster is owned by, and the server runs
as, the `postgres` system user (or `nobody` where that user does not exist).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# Settings for a cluster whose content may be lost if the machine crashes: a
# test suite that recreates it anyway. Fault tests that count on committed
# data surviving a server stop ask for `durable=True`.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class ClusterError(RuntimeError):
    """The PostgreSQL binaries are missing, or the server would not start or stop."""


def find_bindir() -> Path:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    raise ClusterError("no PostgreSQL server binaries (pg_ctl, initdb) found; install the 'postgresql' package.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_user() -> pwd.struct_passwd | None:
    """Who the server runs as: the current user, or an unprivileged one when that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ClusterError("running as root and no 'postgres' or 'nobody' user to run the server as.")


def run_as(user: pwd.struct_passwd | None, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if user is None:
        return subprocess.run(args, check=True, **kwargs)

    def demote() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    env = {**os.environ, "HOME": user.pw_dir, "USER": user.pw_name}
    return subprocess.run(args, check=True, preexec_fn=demote, env=env, **kwargs)


class PostgresCluster:
    """One cluster in a temporary folder: `create()`, `start()`/`stop()` any number of times, `remove()`.

    As a context manager it is created and started on entry, stopped and
    deleted on exit. The port stays the same across restarts, so an
    application's DATABASE_URL keeps pointing at it.
    """

    def __init__(self, *, durable: bool = False, max_connections: int = 200):
        self.bindir = find_bindir()
        self.user = service_user()
        self.root = Path(tempfile.mkdtemp(prefix="stretchapi-pg-"))
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "max_connections": str(max_connections),
            **({} if durable else FAST_SETTINGS),
        }
        self.running = False

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log)]
        run_as(self.user, [*pg_ctl, *args], stdout=subprocess.DEVNULL)

    def create(self) -> None:
        run_as(
            self.user,
            [str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-locale", "--no-sync"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def start(self) -> None:
        options = " ".join(f"-c {name}={value}" for name, value in self.settings.items())
        self._pg_ctl("-o", options, "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: roll back open transactions and disconnect every client)."""
        self._pg_ctl("-m", mode, "-w", "stop")
        self.running = False

    def create_database(self, name: str) -> None:
        run_as(
            self.user,
            [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
        )

    def server_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def remove(self) -> None:
        """Stop the server if it runs (retrying while clients hold it up), then delete the folder."""
        deadline = time.monotonic() + 30
        while self.running and time.monotonic() < deadline:
            try:
                self.stop()
            except subprocess.CalledProcessError:
                time.sleep(1)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        try:
            self.create()
            self.start()
        except subprocess.CalledProcessError as exc:
            log = self.server_log()
            self.remove()
            raise ClusterError(f"{exc}\n{log}") from exc
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()
