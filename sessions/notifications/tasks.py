"""The notification tasks the worker runs: one alert email attempt, and the periodic sweep and
digest run (TASKS_PERIODIC)."""

from __future__ import annotations

from django_tasks import task


@task()
def alert_email_deliver(notification_id: int) -> None:
    from .services import alert_email_deliver as deliver

    deliver(notification_id=notification_id)


@task()
def alert_emails_sweep() -> int:
    from .services import alert_emails_sweep as sweep

    return sweep()


@task()
def alert_digests_send() -> int:
    from .services import alert_digests_send as send

    return send()
