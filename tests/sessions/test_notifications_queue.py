"""The queue: tasks enqueued in the database run in a worker process (`manage.py worker`), and the
worker's clock enqueues the periodic tasks at most once while a run of them waits."""

import pytest
from django.core.management import call_command
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from sessions.background.clock import Clock, periodic_enqueue
from tests.sessions import test_notifications as notifications

RAN: list[str] = []


@task()
def remember(word: str) -> str:
    RAN.append(word)
    return word.upper()


@task()
def periodic() -> None:
    RAN.append("periodic")


@pytest.fixture(autouse=True)
def forget(in_test_transaction):
    RAN.clear()


in_test_transaction = notifications.in_test_transaction


def run_worker() -> None:
    """The worker command, in this process, until the queue holds nothing ready."""
    call_command("worker", batch=True, interval=0, startup_delay=False, verbosity=0)


@pytest.mark.django_db
def test_an_enqueued_task_waits_for_a_worker_then_runs_once():
    result = remember.enqueue("stretch")
    assert RAN == []
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"

    run_worker()
    run_worker()

    assert RAN == ["stretch"]
    stored = DBTaskResult.objects.get(pk=result.id)
    assert (stored.status, stored.return_value) == ("SUCCESSFUL", "STRETCH")


@pytest.mark.django_db
def test_a_periodic_task_waiting_in_the_queue_is_not_enqueued_again():
    path = f"{__name__}.periodic"

    assert periodic_enqueue(path) is True
    assert periodic_enqueue(path) is False
    run_worker()
    assert periodic_enqueue(path) is True

    assert RAN == ["periodic"]
    assert DBTaskResult.objects.filter(task_path=path).count() == 2


@pytest.mark.django_db
def test_the_clock_enqueues_each_periodic_task_when_due(settings):
    settings.TASKS_PERIODIC = {f"{__name__}.periodic": 3600}
    clock = Clock()

    clock.tick()
    run_worker()
    clock.tick()  # not due again within the hour
    run_worker()

    assert RAN == ["periodic"]
    clock.last_run = {}  # an hour later
    clock.tick()
    run_worker()
    assert RAN == ["periodic", "periodic"]


@pytest.mark.django_db
def test_finished_task_runs_older_than_the_retention_are_pruned(settings):
    from datetime import timedelta

    from django.utils import timezone

    from sessions.background.tasks import task_results_prune

    old, recent = remember.enqueue("old"), remember.enqueue("recent")
    run_worker()
    DBTaskResult.objects.filter(pk=old.id).update(finished_at=timezone.now() - timedelta(days=8))

    task_results_prune.call()

    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [recent.id]
