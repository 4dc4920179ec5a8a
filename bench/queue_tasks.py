"""The task `bench/run_queue.py` enqueues: it does nothing, so the run measures the queue itself."""

from django_tasks import task


@task()
def nothing(number: int) -> int:
    return number
