#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL server.

    python scripts/with_postgres.py -- pytest -q

Creates a cluster in a temporary folder with the PostgreSQL binaries found on
this machine (PATH, or Debian's /usr/lib/postgresql/<version>/bin), starts it
on a free port of 127.0.0.1, runs the command with DATABASE_URL pointing at it,
then stops the server and deletes the folder, whatever the command did. The
command's exit status is this script's exit status.

PostgreSQL refuses to run as root; when run as root (CI containers), the
cluster is owned by, and the server runs as, the `postgres` system user (or
`nobody` where that user does not exist).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def find_bindir() -> Path:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    sys.exit("with_postgres: no PostgreSQL server binaries (pg_ctl, initdb) found; install the 'postgresql' package.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_as(user: pwd.struct_passwd | None, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if user is None:
        return subprocess.run(args, check=True, **kwargs)

    def demote() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    env = {**os.environ, "HOME": user.pw_dir, "USER": user.pw_name}
    return subprocess.run(args, check=True, preexec_fn=demote, env=env, **kwargs)


def service_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    sys.exit("with_postgres: running as root and no 'postgres' or 'nobody' user to run the server as.")


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit(__doc__)
    bindir = find_bindir()
    user = service_user()
    root = Path(tempfile.mkdtemp(prefix="stretchapi-pg-"))
    data, log = root / "data", root / "server.log"
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    port = free_port()
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log)]
    started = False
    try:
        run_as(
            user,
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-locale", "--no-sync"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run_as(user, [*pg_ctl, "-o", options, "-w", "-t", "60", "start"], stdout=subprocess.DEVNULL)
        started = True
        url = f"postgres://postgres@127.0.0.1:{port}/stretchapi"
        run_as(user, [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "stretchapi"])
        print(f"with_postgres: PostgreSQL ({bindir}) on 127.0.0.1:{port}, data in {data}", flush=True)
        env = {**os.environ, "DATABASE_URL": url, "PGTEST_BINDIR": str(bindir), "PGTEST_DATA": str(data)}
        return subprocess.call(argv, env=env)
    except subprocess.CalledProcessError as exc:
        if log.exists():
            sys.stderr.write(log.read_text())
        print(f"with_postgres: {exc}", file=sys.stderr)
        return 1
    finally:
        if started:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    run_as(user, [*pg_ctl, "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL)
                    break
                except subprocess.CalledProcessError:
                    time.sleep(1)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
