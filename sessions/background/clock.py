"""The worker's clock: the queue has no scheduler of its own, so each worker process runs this
loop in a thread and enqueues the periodic tasks of `TASKS_PERIODIC` when they are due.

Every worker keeps its own clock (several workers, several clocks): a periodic task must be safe
to run twice at once, and a run already waiting in the queue is not enqueued again, so the queue
holds at most one waiting run of each whatever the number of workers."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def periodic_enqueue(task_path: str) -> bool:
    """Enqueue the periodic task at this dotted path unless a run of it already waits. True if enqueued."""
    task = import_string(task_path)
    if DBTaskResult.objects.ready().filter(task_path=task.module_path).exists():
        return False
    task.enqueue()
    return True


class Clock(threading.Thread):
    """Enqueues each task of `TASKS_PERIODIC` every its own number of seconds, first at start-up."""

    def __init__(self) -> None:
        super().__init__(name="tasks-clock", daemon=True)
        self.stopped = threading.Event()
        self.last_run: dict[str, float] = {}

    def tick(self) -> None:
        now = time.monotonic()
        for task_path, every_seconds in settings.TASKS_PERIODIC.items():
            if now - self.last_run.get(task_path, -float("inf")) >= every_seconds:
                self.last_run[task_path] = now
                periodic_enqueue(task_path)

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                self.tick()
            except Exception:  # the database away for a moment: try again at the next tick
                logger.exception("tasks clock: could not enqueue the periodic tasks")
            finally:
                connection.close()  # this thread's own connection; the worker's is its own
            self.stopped.wait(settings.TASKS_CLOCK_SECONDS)

    def stop(self) -> None:
        self.stopped.set()
