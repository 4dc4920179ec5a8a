"""The webhook tasks the worker runs: one delivery attempt, and the periodic sweep (TASKS_PERIODIC)."""

from __future__ import annotations

from django_tasks import task


@task()
def webhook_deliver(delivery_id: int) -> None:
    from .services import webhook_deliver as deliver

    deliver(delivery_id=delivery_id)


@task()
def webhooks_sweep() -> int:
    from .services import webhooks_sweep as sweep

    return sweep()
