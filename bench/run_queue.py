#!/usr/bin/env python3
"""The queue benchmark: tasks per second through `manage.py worker` with 1, then 2 worker processes.

    python scripts/with_postgres.py -- python bench/run_queue.py [--tasks 2000] [--workers 1,2]

Against the database DATABASE_URL names (PostgreSQL for the figure in docs/scaling.md), it
migrates, then for each worker count enqueues `--tasks` tasks that do nothing
(`bench/queue_tasks.py`), starts that many `manage.py worker --batch` processes (each exits when
the queue is empty) and reports tasks/s between the first task's start and the last one's end,
as the queue table recorded them (so the workers' own start-up is not counted).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stretchapi.settings.local")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--workers", default="1,2")
    options = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    from bench.queue_tasks import nothing

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {options.tasks} tasks that do nothing per run")
    for workers in [int(count) for count in options.workers.split(",")]:
        DBTaskResult.objects.all().delete()
        for number in range(options.tasks):
            nothing.enqueue(number)
        connection.close()
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--batch", "--interval", "0", "--no-startup-delay", "-v", "0"],
                cwd=ROOT,
            )
            for _ in range(workers)
        ]
        for process in processes:
            process.wait()
        done = DBTaskResult.objects.filter(status="SUCCESSFUL")
        span = done.aggregate(first=Min("started_at"), last=Max("finished_at"))
        seconds = (span["last"] - span["first"]).total_seconds()
        assert done.count() == options.tasks, f"{done.count()} of {options.tasks} ran"
        by_worker = {}
        for ids in done.values_list("worker_ids", flat=True):
            by_worker[ids[0]] = by_worker.get(ids[0], 0) + 1
        print(
            f"{workers} worker(s): {options.tasks} tasks in {seconds:.2f} s = {options.tasks / seconds:.0f} tasks/s; "
            f"per worker {sorted(by_worker.values())}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
