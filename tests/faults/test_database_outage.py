"""Database outage under upload traffic: PostgreSQL drops the app's connections, then goes away for a while.

Phones keep uploading new sessions the whole time, each retrying an upload
(same body, same Idempotency-Key) until it is acknowledged, as the app does,
while a monitor polls /api/health/. The test terminates the app's PostgreSQL
connections, then stops the server for OUTAGE_SECONDS and starts it again;
gunicorn is never touched.

Every answer must be a 2xx or a 503 problem+json with Retry-After (no 500, no
HTML page, nothing left hanging past the client timeout); the API must recover
by itself once PostgreSQL is back, in the same worker processes; and every
upload acknowledged with a 2xx must be in the database, with all its rows.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from tests.faults.client import PROBLEM, Answer, Api
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.faults

PHONES = 6
HOLDS = 2
OUTAGE_SECONDS = 4
# The phones retry sooner than Retry-After asks, to put more requests into the outage.
RETRY_PAUSE_SECONDS = 0.25
HEALTH_POLL_SECONDS = 0.1


@dataclass
class Traffic:
    """What the phones and the health monitor sent and got, stamped with time.monotonic()."""

    answers: list[tuple[float, str, Answer | OSError]] = field(default_factory=list)  # (when, "upload"/"health", …)
    sent: set[str] = field(default_factory=set)
    acknowledged: list[tuple[float, Api, str]] = field(default_factory=list)  # (when, phone, session id)
    stop: threading.Event = field(default_factory=threading.Event)

    def record(self, kind: str, call: Callable[[], Answer]) -> Answer | None:
        try:
            answer = call()
        except OSError as exc:  # refused, reset, or no answer within the client timeout
            self.answers.append((time.monotonic(), kind, exc))
            return None
        self.answers.append((time.monotonic(), kind, answer))
        return answer

    def phone(self, phone: Api) -> None:
        """Upload one new session after another; retry each until it is acknowledged."""
        while not self.stop.is_set():
            body = session_payload(holds=HOLDS)
            self.sent.add(body["id"])
            while not self.stop.is_set():
                answer = self.record("upload", lambda body=body: phone.upload(body, f"upload-{body['id']}"))
                if answer is not None and answer.status in (200, 201):
                    self.acknowledged.append((time.monotonic(), phone, body["id"]))
                    break
                time.sleep(RETRY_PAUSE_SECONDS)

    def monitor(self, api: Api) -> None:
        while not self.stop.is_set():
            self.record("health", lambda: api.request("GET", "/api/health/"))
            time.sleep(HEALTH_POLL_SECONDS)

    @contextmanager
    def running(self, phones: list[Api], monitored: Api) -> Iterator[None]:
        """The phones and the health monitor at work, each in its thread, until the block ends."""
        threads = [threading.Thread(target=self.phone, args=(phone,)) for phone in phones]
        threads.append(threading.Thread(target=self.monitor, args=(monitored,)))
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            self.stop.set()
            for thread in threads:
                thread.join()

    def answered(self, kind: str, *, since: float = 0.0, until: float = float("inf")) -> list[Answer]:
        """The answers to requests of this kind sent after `since` and answered before `until`."""
        return [
            answer
            for when, k, answer in self.answers
            if k == kind and isinstance(answer, Answer) and since < when - answer.seconds and when < until
        ]


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def is_unavailable_problem(answer: Answer) -> bool:
    return (
        answer.status == 503
        and answer.content_type == PROBLEM
        and answer.json()["code"] == "database_unavailable"
        and answer.headers.get("retry-after", "").isdigit()
    )


@dataclass(frozen=True)
class Outage:
    """When each step of the fault happened (time.monotonic()), and what it cut."""

    terminated: int  # the app's connections that pg_terminate_backend ended
    began: float  # connections terminated
    stopping: float  # `pg_ctl stop -m fast` called
    down: float  # server stopped
    restarting: float  # `pg_ctl start` called
    up: float  # server accepting connections again


def break_the_database(postgres, database) -> Outage:
    """Terminate the app's connections, a second later stop PostgreSQL, OUTAGE_SECONDS later start it again."""
    began = time.monotonic()
    (terminated,) = database(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )[0]
    time.sleep(1)
    stopping = time.monotonic()
    try:
        postgres.stop()
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
    finally:
        restarting = time.monotonic()
        postgres.start()
    return Outage(terminated, began, stopping, down, restarting, time.monotonic())


def test_database_outage_answers_503_recovers_and_loses_no_acknowledged_upload(
    server, postgres, database, stored_sessions, measured
):
    phones = [server.api.sign_up("outage") for _ in range(PHONES)]
    workers = server.workers()
    traffic = Traffic()

    with traffic.running(phones, server.api):
        assert wait_for(lambda: len(traffic.acknowledged) >= 2 * PHONES, 30), "no upload traffic before the fault"
        outage = break_the_database(postgres, database)
        recovered = wait_for(
            lambda: (
                {phone for when, phone, _ in traffic.acknowledged if when > outage.up} == set(phones)
                and any(a.status == 200 for a in traffic.answered("health", since=outage.up))
            ),
            30,
        )

    failures = [(when - outage.began, kind, repr(a)) for when, kind, a in traffic.answers if isinstance(a, OSError)]
    assert failures == [], "requests refused or left hanging past the client timeout"
    uploads, health = traffic.answered("upload"), traffic.answered("health")
    statuses = {kind: Counter(a.status for a in answers) for kind, answers in (("upload", uploads), ("health", health))}
    assert set(statuses["upload"]) <= {200, 201, 503}, statuses
    assert set(statuses["health"]) <= {200, 503}, statuses
    unavailable = [a for a in uploads + health if a.status == 503]
    assert [a.body[:300] for a in unavailable if not is_unavailable_problem(a)] == []
    assert statuses["upload"][503] > 0 and statuses["health"][503] > 0, "the outage went unnoticed"
    while_down = traffic.answered("upload", since=outage.down, until=outage.restarting)
    while_down += traffic.answered("health", since=outage.down, until=outage.restarting)
    assert while_down and {a.status for a in while_down} == {503}
    reconnected = [a for a in traffic.answered("upload", since=outage.began, until=outage.stopping) if a.status < 300]
    assert reconnected, "no upload succeeded between the connections' termination and the server's stop"
    assert recovered, "the API did not recover within 30 s of PostgreSQL's restart"
    assert server.workers() == workers, "gunicorn workers were restarted"
    assert outage.terminated >= 1, "the app held no database connection to terminate"

    acknowledged = {session_id for _, _, session_id in traffic.acknowledged}
    stored = stored_sessions(phones)
    assert acknowledged - set(stored) == set(), "acknowledged uploads lost"
    assert set(stored) <= traffic.sent
    assert {(holds, measurements) for _, holds, measurements in stored.values()} == {(HOLDS, 1)}, "half-stored"

    first_health = min(
        when
        for when, kind, a in traffic.answers
        if kind == "health" and a.status == 200 and when - a.seconds > outage.up
    )
    first_upload = min(when for when, _, _ in traffic.acknowledged if when > outage.up)
    slowest = max(a.seconds for a in uploads + health)
    unavailable_at = [when for when, _, a in traffic.answers if a.status == 503]
    upload_statuses, health_statuses = (dict(sorted(statuses[kind].items())) for kind in ("upload", "health"))
    for line in (
        f"{len(uploads)} uploads from {PHONES} phones and {len(health)} health checks; answers: "
        f"uploads {upload_statuses}, health {health_statuses}",
        f"{outage.terminated} app connections terminated; {len(reconnected)} uploads then acknowledged on new ones",
        f"PostgreSQL stopping {outage.down - outage.stopping:.1f} s, down {outage.restarting - outage.down:.1f} s, "
        f"starting {outage.up - outage.restarting:.1f} s; 503s over {max(unavailable_at) - min(unavailable_at):.1f} s",
        f"recovery after the restart: first healthy check {first_health - outage.up:.2f} s, "
        f"first acknowledged upload {first_upload - outage.up:.2f} s; slowest answer {slowest:.2f} s",
        f"{len(acknowledged)} uploads acknowledged, {len(stored)} stored, all complete, 0 lost; "
        f"{statuses['upload'][200]} retries answered 200 (stored although first answered 503)",
    ):
        measured(f"database outage: {line}")
