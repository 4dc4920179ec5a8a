"""The queue's own housekeeping, run by the worker's clock (setting `TASKS_PERIODIC`)."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django_tasks import task


@task()
def task_results_prune() -> None:
    """Forget finished task runs older than `TASKS_RESULTS_KEEP_DAYS` (the queue table would grow forever)."""
    call_command("prune_db_task_results", min_age_days=settings.TASKS_RESULTS_KEEP_DAYS, verbosity=0)
