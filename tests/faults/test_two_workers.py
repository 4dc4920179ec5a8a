"""Two gunicorn workers on the embedded SQLite database, as `make run` serves the app.

- The sign-in limit holds across workers: the throttles count in the shared "throttle" cache
  (a table of the app's database), so the first 429 comes at the attempt after the limit
  although the attempts were served by both workers. Each worker in turn is kept busy by a
  connection that sends nothing (a sync worker waits on it), so that the other one serves.
- Concurrent identical retries, a live hold append or an upload with client-chosen hold ids,
  each answer 200 or 201 (one 201), never 503 "database is locked" nor 409: SQLite runs in
  WAL with IMMEDIATE transactions and a busy timeout (stretchapi/settings/base.py).
"""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
import uuid
from collections import Counter

import pytest

from tests.faults.client import Api
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.faults

LOGIN_LIMIT = 10  # THROTTLE_LOGIN's default, 10/min
COPIES = 20
SETTLE_SECONDS = 0.5


@pytest.fixture
def fresh_throttles(sqlite_server):
    """Every test starts with no attempt counted (all the test's requests come from 127.0.0.1)."""
    with sqlite3.connect(sqlite_server.database) as connection:
        connection.execute("DELETE FROM stretchapi_throttle")
    return sqlite_server


def busy_worker(port: int) -> socket.socket:
    """A connection that sends nothing: the sync worker that accepts it waits on it until it closes."""
    connection = socket.create_connection(("127.0.0.1", port))
    time.sleep(SETTLE_SECONDS)
    return connection


def sign_in(api: Api) -> int:
    body = {"email": "nobody@example.com", "password": "wrong-password", "device_name": "phone"}
    return api.request("POST", "/api/v1/auth/token/", body).status


def worker_pids(log_text: str, since: int) -> list[str]:
    return re.findall(r"pid=<(\d+)> .*\"POST /api/v1/auth/token/ ", log_text[since:])


def test_sign_in_limit_holds_across_two_workers(fresh_throttles, measured):
    server = fresh_throttles
    api = server.api
    log_start = len(server.log.read_text())

    first = busy_worker(server.port)  # worker A waits: worker B serves
    statuses = [sign_in(api) for _ in range(LOGIN_LIMIT // 2)]
    second = busy_worker(server.port)  # the free worker, B, waits on it
    first.close()  # A is free again: A serves
    time.sleep(SETTLE_SECONDS)
    statuses += [sign_in(api) for _ in range(LOGIN_LIMIT - LOGIN_LIMIT // 2)]
    second.close()
    time.sleep(SETTLE_SECONDS)
    statuses.append(sign_in(api))

    pids = worker_pids(server.log.read_text(), log_start)
    assert len(server.workers()) == 2
    assert len(set(pids[:LOGIN_LIMIT])) == 2, pids  # both workers counted attempts
    assert statuses == [401] * LOGIN_LIMIT + [429]
    measured(f"two workers: sign-in attempts served by pids {pids}; answers {statuses}")


def race(calls) -> Counter:
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def run(call):
        barrier.wait()
        statuses.append(call().status)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def test_concurrent_identical_retries_on_sqlite_answer_200_or_201(fresh_throttles, measured):
    phone = fresh_throttles.api.sign_up("sqlite")
    live = session_payload(holds=0)
    assert phone.upload(live, None).status == 201
    hold = {"id": str(uuid.uuid4()), "exercise": "leg-swings", "side": "left", "held_seconds": 20, "intensity": 3}
    upload = session_payload(holds=5)
    for row in upload["holds"]:
        row["id"] = str(uuid.uuid4())

    appends = race([lambda: phone.request("POST", f"/api/v1/sessions/{live['id']}/holds/", hold)] * COPIES)
    uploads = race([lambda: phone.upload(upload, None)] * COPIES)

    assert appends == Counter({200: COPIES - 1, 201: 1})
    assert uploads == Counter({200: COPIES - 1, 201: 1})
    measured(f"SQLite, two workers: {COPIES} identical hold appends {dict(appends)}, uploads {dict(uploads)}")
