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
`nobody` where that user does not exist). The cluster itself is
`scripts/pgcluster.py`, which the fault tests share.
"""

from __future__ import annotations

import os
import subprocess
import sys

from pgcluster import ClusterError, PostgresCluster


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit(__doc__)
    try:
        with PostgresCluster() as cluster:
            try:
                cluster.create_database("stretchapi")
            except subprocess.CalledProcessError as exc:
                sys.stderr.write(cluster.server_log())
                raise ClusterError(str(exc)) from exc
            print(f"with_postgres: PostgreSQL ({cluster.bindir}) on 127.0.0.1:{cluster.port}, data in {cluster.data}")
            env = {
                **os.environ,
                "DATABASE_URL": cluster.url("stretchapi"),
                "PGTEST_BINDIR": str(cluster.bindir),
                "PGTEST_DATA": str(cluster.data),
            }
            sys.stdout.flush()
            return subprocess.call(argv, env=env)
    except ClusterError as exc:
        print(f"with_postgres: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
