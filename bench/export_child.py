#!/usr/bin/env python3
"""One measured run of the export benchmark (`bench/run_export.py`), in a process of its own.

    python bench/export_child.py PEAK_FILE raw-copy STATEMENT     # psycopg alone: the ceiling
    python bench/export_child.py PEAK_FILE manage.py export …     # the management command, in this process

It imports only what the run needs, so that the peak memory it writes to
PEAK_FILE (VmHWM, KiB) is the run's own.
"""

from __future__ import annotations

import json
import os
import pickle
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(argv: list[str]) -> None:
    """`PEAK_FILE raw-copy STATEMENT` or `PEAK_FILE manage.py ARGS…`: run it, then write
    this process's peak resident memory (VmHWM, KiB) to PEAK_FILE.

    The peak is read here, not from the parent's `wait4`: a child's `ru_maxrss`
    keeps the pages it shared with its parent (this benchmark, Django loaded)
    between fork and exec, while VmHWM starts again at exec.
    """
    peak_file, what, rest = Path(argv[0]), argv[1], argv[2:]
    try:
        if what == "raw-copy":
            raw_copy(Path(rest[0]))
        else:
            sys.path.insert(0, str(ROOT))
            sys.argv = [what, *rest]
            runpy.run_path(str(ROOT / what), run_name="__main__")
    finally:
        peak_file.write_text(str(peak_kib(os.getpid())))


def raw_copy(statement: Path) -> None:
    """Run the pickled (url, sql, params) COPY with psycopg alone; print rows, bytes and seconds as JSON."""
    import psycopg

    url, sql, params = pickle.loads(statement.read_bytes())  # noqa: S301 -- our own file, written by the parent
    begun = time.perf_counter()
    size = newlines = 0
    with psycopg.connect(url) as connection, connection.cursor() as cursor, cursor.copy(sql, params) as copy:
        for block in copy:
            size += len(block)
            newlines += bytes(block).count(b"\n")  # no holds column has a newline in it
    seconds = time.perf_counter() - begun
    print(json.dumps({"rows": newlines - 1, "bytes": size, "seconds": seconds}))


def peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


if __name__ == "__main__":
    child(sys.argv[1:])
