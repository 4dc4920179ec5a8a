"""The load `bench/run_load.py` puts on the service: locust users, run headless in their own process.

Two user classes:

- `MixedUser`, the mixed workload: catalog reads (list, detail, plan; half
  of them revalidating with If-None-Match), 40-hold session uploads (one in
  ten sent again, as a phone whose connection dropped would), session lists,
  and the trainer's client list and alert feed. Each request signs in as a
  random client or trainer of the generated data.
- `EndpointUser`, one kind of request only (`BENCH_ENDPOINT`), to measure
  what that endpoint alone sustains; `ceiling` asks the minimal WSGI app.

Users wait for nothing between requests: each is a connection that sends its
next request as soon as the last one is answered.

Input, from the environment: `BENCH_FIXTURE` (JSON written by run_load.py:
tokens and catalog facts) and `BENCH_OUTPUT` (where the statistics go, as
JSON: per request name, count, failures, requests/s and latency percentiles
in milliseconds, measured exactly rather than in locust's rounded buckets).
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid

from locust import FastHttpUser, events, task
from locust.exception import StopUser

from bench import workload

FIXTURE = json.loads(open(os.environ["BENCH_FIXTURE"]).read()) if os.environ.get("BENCH_FIXTURE") else {}  # noqa: SIM115
RETRY_SHARE = 0.1

# Statistics --------------------------------------------------------------------------

_times: dict[str, list[float]] = {}
_failures: dict[str, int] = {}
_failure_samples: dict[str, str] = {}
_clock: dict[str, float] = {}


@events.test_start.add_listener
def _started(**_kwargs) -> None:
    _clock["start"], _clock["cpu"] = time.perf_counter(), time.process_time()


@events.request.add_listener
def _recorded(name: str, response_time: float, exception=None, **_kwargs) -> None:
    _times.setdefault(name, []).append(response_time)
    if exception is not None:
        _failures[name] = _failures.get(name, 0) + 1
        _failure_samples.setdefault(name, str(exception)[:300])


@events.test_stop.add_listener
def _stopped(**_kwargs) -> None:
    seconds = time.perf_counter() - _clock.get("start", time.perf_counter())
    cpu_seconds = time.process_time() - _clock.get("cpu", time.process_time())  # this process, start-up left out
    report = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 3), "requests": {}}
    for name, times in sorted(_times.items()):
        times.sort()
        report["requests"][name] = {
            "count": len(times),
            "failures": _failures.get(name, 0),
            "failure_sample": _failure_samples.get(name, ""),
            "rps": round(len(times) / seconds, 1) if seconds else 0.0,
            **{f"p{p}": round(_percentile(times, p), 2) for p in (50, 95, 99)},
            "max": round(times[-1], 2),
        }
    if os.environ.get("BENCH_OUTPUT"):
        with open(os.environ["BENCH_OUTPUT"], "w") as out:
            json.dump(report, out, indent=1)


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)] if ordered else 0.0


# Requests ------------------------------------------------------------------------------


def _check(response, expected: int) -> None:
    if response.status_code == expected:
        response.success()
    else:
        response.failure(f"{response.status_code}, not {expected}: {response.text[:200]!r}")


def _catalog_read(user: BenchUser, name: str, path: str, revalidate: bool) -> None:
    """A phone reading the catalog; with `revalidate`, one that holds this URL's ETag from an earlier read."""
    headers = {"Accept": "application/json"}
    if revalidate:
        headers["If-None-Match"] = FIXTURE["etags"][path]
    with user.client.get(path, headers=headers, name=f"{name} 304" if revalidate else name, catch_response=True) as r:
        _check(r, 304 if revalidate else 200)


def catalog_list(user: BenchUser, revalidate: bool = False) -> None:
    _catalog_read(user, "catalog list", workload.catalog_path("list", FIXTURE), revalidate)


def catalog_detail(user: BenchUser, revalidate: bool = False) -> None:
    _catalog_read(user, "catalog detail", workload.catalog_path("detail", FIXTURE), revalidate)


def catalog_plan(user: BenchUser, revalidate: bool = False) -> None:
    _catalog_read(user, "catalog plan", workload.catalog_path("plan", FIXTURE), revalidate)


def session_upload(user: BenchUser) -> None:
    body, key = workload.upload_body(FIXTURE), str(uuid.uuid4())
    headers = {**workload.bearer(random.choice(FIXTURE["clients"])), "Idempotency-Key": key}
    with user.client.post(
        "/api/v1/sessions/", json=body, headers=headers, name=workload.UPLOAD, catch_response=True
    ) as r:
        _check(r, 201)
    if random.random() < RETRY_SHARE:  # the answer was lost on the way: the phone sends it again
        with user.client.post(
            "/api/v1/sessions/", json=body, headers=headers, name="session upload retry", catch_response=True
        ) as r:
            _check(r, 201)  # the first answer, replayed


def session_list(user: BenchUser) -> None:
    headers = workload.bearer(random.choice(FIXTURE["clients"]))
    with user.client.get("/api/v1/sessions/", headers=headers, name="session list", catch_response=True) as r:
        _check(r, 200)


def _trainer_read(user: BenchUser, name: str) -> None:
    headers = workload.bearer(random.choice(FIXTURE["trainers"]))
    with user.client.get(workload.TRAINER_PATHS[name], headers=headers, name=name, catch_response=True) as r:
        _check(r, 200)


def trainer_clients(user: BenchUser) -> None:
    _trainer_read(user, "trainer clients")


def trainer_alerts(user: BenchUser) -> None:
    _trainer_read(user, "trainer alerts")


def ceiling(user: BenchUser) -> None:
    with user.client.get("/", headers={"Accept": "application/json"}, name="ceiling", catch_response=True) as r:
        _check(r, 200)


def catalog_every_url(user: BenchUser) -> None:
    """Each catalog URL the load reads, in turn: a warm-up that leaves every worker's cache full."""
    paths = sorted(FIXTURE["etags"])
    user.next_path = (getattr(user, "next_path", random.randrange(len(paths))) + 1) % len(paths)
    _catalog_read(user, "catalog warm-up", paths[user.next_path], revalidate=False)


ENDPOINTS = {
    "catalog_every_url": catalog_every_url,
    "catalog_list": catalog_list,
    "catalog_list_304": lambda user: catalog_list(user, revalidate=True),
    "catalog_detail": catalog_detail,
    "catalog_detail_304": lambda user: catalog_detail(user, revalidate=True),
    "catalog_plan": catalog_plan,
    "catalog_plan_304": lambda user: catalog_plan(user, revalidate=True),
    "session_upload": session_upload,
    "session_list": session_list,
    "trainer_clients": trainer_clients,
    "trainer_alerts": trainer_alerts,
    "ceiling": ceiling,
}


# Users ---------------------------------------------------------------------------------


class BenchUser(FastHttpUser):
    abstract = True
    connection_timeout = 10.0
    network_timeout = 30.0


class MixedUser(BenchUser):
    """The mixed workload: mostly catalog reads, then the clients' uploads and lists, then trainers."""

    @task(10)
    def list_read(self) -> None:
        catalog_list(self, revalidate=random.random() < 0.5)

    @task(8)
    def detail_read(self) -> None:
        catalog_detail(self, revalidate=random.random() < 0.5)

    @task(8)
    def plan_read(self) -> None:
        catalog_plan(self, revalidate=random.random() < 0.5)

    @task(5)
    def upload(self) -> None:
        session_upload(self)

    @task(4)
    def sessions(self) -> None:
        session_list(self)

    @task(2)
    def clients(self) -> None:
        trainer_clients(self)

    @task(2)
    def alerts(self) -> None:
        trainer_alerts(self)


class EndpointUser(BenchUser):
    """One kind of request, again and again: `BENCH_ENDPOINT` names it (a key of ENDPOINTS)."""

    @task
    def one(self) -> None:
        endpoint = ENDPOINTS.get(os.environ.get("BENCH_ENDPOINT", ""))
        if endpoint is None:
            raise StopUser
        endpoint(self)
