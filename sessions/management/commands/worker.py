"""`python manage.py worker`: run queued tasks (django-tasks-db's `db_worker`) and the clock that
enqueues the periodic ones (`sessions.background.clock`, setting `TASKS_PERIODIC`).

One process runs one task at a time; run several for concurrency (scripts/start.sh starts
`TASK_WORKERS` of them, default 1), on as many machines as you like: they share the queue through
the database (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL). SIGTERM or Ctrl-C lets the running
task finish (a second one ends it at once). Code changes are not reloaded: restart the worker.
"""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from sessions.background.clock import Clock


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
            super().handle(*args, **options)
        finally:
            if ticking is not None:
                ticking.stop()
