"""The background worker killed (SIGKILL) in the middle of a webhook delivery.

Against gunicorn and PostgreSQL (scripts/start.sh with no worker of its own), a trainer's
endpoint — a receiver on 127.0.0.1 that holds each request for a moment — subscribes to
`alert.raised`, and phones upload sessions with stop events while a worker delivers. The worker
is SIGKILLed while the receiver holds a request, so that delivery was sent but never recorded.
A new worker then starts: its clock's sweep takes the rows whose claim expired, and every
notification (each alert email, each webhook) is delivered; the receiver got every webhook-id,
none more than twice (the one cut off mid-delivery is sent again: at least once, by design).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from tests.faults.client import Api
from tests.faults.conftest import ARTIFACTS, ROOT, _serving
from tests.sessions.payloads import session_payload, stop_event

pytestmark = pytest.mark.faults

SESSIONS = 6
HOLD_SECONDS = 1.5  # how long the receiver holds each request
OUTBOX = {
    # A killed worker's claim expires after 3 s; the sweep runs every second on each worker's clock.
    "OUTBOX_CLAIM_SECONDS": "3",
    "OUTBOX_SWEEP_GRACE_SECONDS": "1",
    "OUTBOX_SWEEP_SECONDS": "1",
    "TASKS_CLOCK_SECONDS": "0.5",
    "OUTBOX_RETRY_DELAYS_SECONDS": "0.5,0.5,0.5",
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",  # the receiver is on loopback
}


class SlowReceiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.first_request = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.first_request.set()
                time.sleep(HOLD_SECONDS)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def worker_world(postgres) -> Iterator[tuple[dict[str, str], Api]]:
    """Its own database and server (TASK_WORKERS=0: the test runs the workers)."""
    postgres.create_database("worker_killed")
    env = {"DATABASE_URL": postgres.url("worker_killed"), "TASK_WORKERS": "0", **OUTBOX}
    with _serving(env, "worker-killed-server.log") as server:
        worker_env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            **env,
        }
        yield worker_env, server.api


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen:
    log = (ARTIFACTS / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2"], cwd=ROOT, env=env, stdout=log, stderr=log
    )


def query(env: dict[str, str], sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
        return connection.execute(sql).fetchall()


def test_every_notification_is_delivered_after_the_worker_is_killed_mid_delivery(worker_world, measured):
    env, api = worker_world
    receiver = SlowReceiver()
    password = secrets.token_urlsafe(12)
    subprocess.run(
        [sys.executable, "manage.py", "create_user", "--role", "trainer", "--email", "coach@example.com",
         "--password", password],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    token = api.request(
        "POST", "/api/v1/auth/token/", {"email": "coach@example.com", "password": password, "device_name": "desk"}
    ).json()["token"]
    trainer = Api(api.port, token)
    endpoint = trainer.request("POST", "/api/v1/webhooks/", {"url": receiver.url, "event_types": ["alert.raised"]})
    assert endpoint.status == 201, endpoint
    phone = api.sign_up("killed-worker")
    code = trainer.request("POST", "/api/v1/trainer/invitations/").json()["code"]
    assert phone.request("POST", "/api/v1/me/trainers/", {"code": code}).status == 201

    first = start_worker(env, "worker-killed-1")
    for _ in range(SESSIONS):
        body = session_payload(holds=2)
        body["stop_events"] = [stop_event(body["holds"][1]["started_at"], hold_index=1)]
        assert phone.upload(body, None).status == 201

    assert receiver.first_request.wait(30), "the worker delivered nothing"
    time.sleep(HOLD_SECONDS / 3)  # the receiver now holds a request: the worker waits on it
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = time.monotonic()
    cut_off = len(receiver.received)

    second = start_worker(env, "worker-killed-2")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            waiting = query(
                env,
                "SELECT (SELECT count(*) FROM stretch_sessions_webhookdelivery WHERE status <> 'delivered')"
                " + (SELECT count(*) FROM stretch_sessions_alertnotification WHERE status <> 'delivered')",
            )[0][0]
            if waiting == 0:
                break
            time.sleep(0.2)
        recovered_seconds = time.monotonic() - killed_at
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    deliveries = query(env, "SELECT message_id::text, status, attempts FROM stretch_sessions_webhookdelivery")
    emails = query(env, "SELECT status, count(*) FROM stretch_sessions_alertnotification GROUP BY status")
    secret = endpoint.json()["secret"]
    ids = Counter(
        Webhook(secret).verify(body, headers) and headers["webhook-id"] for headers, body in receiver.received
    )
    assert len(deliveries) == SESSIONS
    assert {status for _, status, _ in deliveries} == {"delivered"}
    assert emails == [("delivered", SESSIONS)]
    assert set(ids) == {f"msg_{message_id.replace('-', '')}" for message_id, _, _ in deliveries}
    assert max(ids.values()) <= 2
    assert sum(1 for count in ids.values() if count == 2) <= 1  # only the one cut off by the kill
    measured(
        f"worker SIGKILLed mid-delivery ({cut_off} of {SESSIONS} webhooks reached the receiver): all "
        f"{SESSIONS} webhooks and {SESSIONS} emails delivered {recovered_seconds:.1f} s after the kill; "
        f"webhook-ids sent twice: {sum(1 for c in ids.values() if c == 2)}"
    )
    (ARTIFACTS / "worker-killed-received.json").write_text(json.dumps(dict(ids), indent=1))
