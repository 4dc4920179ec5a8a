"""`python manage.py worker`: run queued tasks (django-tasks-db's `db_worker`) and the clock that
enqueues the periodic ones (`sessions.background.clock`, setting `TASKS_PERIODIC`).

One process runs one task at a time; run several for concurrency (scripts/start.sh starts
`TASK_WORKERS` of them, default 1), on as many machines as you like: they share the queue through
the database (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL). SIGTERM or Ctrl-C lets the running
task finish (a second one ends it at once). Code changes are not reloaded: restart the worker.
While the database is unreachable it waits and tries again, instead of exiting as `db_worker` does.
"""

from __future__ import annotations

import logging
import time

from django.db import OperationalError
from django_tasks_db.management.commands import db_worker

from sessions.background.clock import Clock

logger = logging.getLogger(__name__)

# While the database is away, the worker tries again this often instead of exiting.
DATABASE_RETRY_SECONDS = 5


class Command(db_worker.Command):
    help = "Run queued background tasks, and enqueue the periodic ones when due (TASKS_PERIODIC)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-clock",
            action="store_false",
            dest="clock",
            help="Do not enqueue the periodic tasks from this worker (another worker does).",
        )

    def handle(self, *args, clock: bool, **options) -> None:
        # The autoreloader would run the clock in its watching process too; a worker is restarted instead.
        options["reload"] = False
        ticking = Clock() if clock and not options["batch"] else None
        if ticking is not None:
            ticking.start()
        try:
            while True:
                try:
                    super().handle(*args, **options)
                    return
                except OperationalError as error:  # the database went away (db_worker would exit): wait for it
                    if options["batch"]:
                        raise
                    logger.warning(
                        "worker: the database is unreachable (%s); trying again in %s s", error, DATABASE_RETRY_SECONDS
                    )
                    time.sleep(DATABASE_RETRY_SECONDS)
        finally:
            if ticking is not None:
                ticking.stop()
