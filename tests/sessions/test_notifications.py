"""Alert emails and the outbox: what an upload owes the trainers is written with it, delivered by a
worker after commit (the worker command runs in this process, `work`), once, and never for a
rolled-back upload. The webhook side is in test_webhooks.py; both use the local receiver here."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from sessions.choices import DeliveryStatus
from sessions.logbook import services as logbook_services
from sessions.models import (
    Alert,
    AlertNotification,
    IdempotencyRecord,
    NotificationPreference,
    StretchSession,
    WebhookDelivery,
)
from sessions.notifications.services import alert_digests_send, alert_emails_sweep
from sessions.trainers import services as trainer_services
from sessions.webhooks.services import endpoint_create
from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload, stop_event

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook receiver on 127.0.0.1 in a thread: answers each POST with the next of `statuses`
    (then 200) and keeps what it got."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"{receiver.url}elsewhere/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verified(self, secret: str) -> list[tuple[str, dict]]:
        """(webhook-id, payload) of every request, each signature checked as a receiver would."""
        return [(headers["webhook-id"], Webhook(secret).verify(body, headers)) for headers, body in self.received]


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on loopback
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture(autouse=True)
def tight_retries(settings):
    """Retries after tenths of seconds instead of minutes; a claim held for 2 s."""
    settings.OUTBOX_RETRY_DELAYS_SECONDS = [0.1, 0.1, 0.1]
    settings.OUTBOX_CLAIM_SECONDS = 2
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0


@pytest.fixture
def work(django_capture_on_commit_callbacks, in_test_transaction) -> Callable[..., None]:
    """Run the worker command here until `until()` holds (or the queue is empty), at most `seconds`.
    The test's transaction never commits, so the tasks' own after-commit enqueues (retries) are
    run as each worker run ends, as a commit would."""

    def run(until: Callable[[], bool] = lambda: False, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while True:
            with django_capture_on_commit_callbacks(execute=True):
                call_command("worker", batch=True, interval=0, startup_delay=False, verbosity=0)
            if until() or time.monotonic() > deadline or not DBTaskResult.objects.filter(status="READY").exists():
                return
            time.sleep(0.05)

    return run


@pytest.fixture
def in_test_transaction(monkeypatch):
    """The worker recycles its database connection between tasks (`close_old_connections`), which
    would close the test's own connection, transaction and all (PostgreSQL): here it keeps it."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture
def linked(client_user, trainer):
    trainer_services.invitation_accept(
        client=client_user, code=trainer_services.invitation_create(trainer=trainer).code
    )
    return trainer


def stop_event_session() -> dict:
    """A session with a sharp-pain stop event at 8/10, the pair stopping: a stop-event alert and a high-pain alert."""
    body = session_payload(holds=2)
    body["stop_events"] = [
        stop_event(
            body["holds"][1]["started_at"], hold_index=1, pain=8, action="stopped_session", note="A private note"
        )
    ]
    return body


def upload(client_user, body: dict, capture) -> None:
    """Upload through the API as the phone does; the transaction commits (its after-commit work runs)."""
    with capture(execute=True):
        response = bearer_client(client_user).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201, response.content


def test_an_upload_with_a_stop_event_sends_one_grouped_email_and_one_signed_webhook(
    client_user, linked, receiver, work, django_capture_on_commit_callbacks
):
    endpoint = endpoint_create(owner=linked, url=receiver.url, event_types=["alert.raised"])

    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    assert mail.outbox == [] and receiver.received == []  # nothing in the request: the worker sends
    work(until=lambda: len(mail.outbox) == 1 and len(receiver.received) == 1)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["trainer@example.com"]
    assert email.subject == "Safety alert: client@example.com (2 reasons)"
    reasons = [line for line in email.body.splitlines() if line.startswith("- ")]
    source = "Assisted Lying Hamstring Stretch, left side, sharp pain, pain 8/10, stopped the session"
    assert reasons == [f"- Stop event: {source}", f"- Pain 7/10 or more: {source}"]
    assert f"http://127.0.0.1:8000/admin/stretch_sessions/user/{client_user.pk}/change/" in email.body
    assert "private note" not in email.body

    [(webhook_id, payload)] = receiver.verified(endpoint.secret)
    assert payload["type"] == "alert.raised"
    assert sorted(alert["kind"] for alert in payload["data"]["alerts"]) == ["high_pain", "stop_event"]
    assert "private note" not in json.dumps(payload)
    assert WebhookDelivery.objects.get().webhook_id == webhook_id


# With a key, the upload's writes share the key's transaction and take no savepoint of their own.
@pytest.mark.parametrize("keyed", [False, True], ids=["unkeyed", "keyed"])
def test_a_rolled_back_upload_sends_nothing(
    client_user, linked, receiver, work, django_capture_on_commit_callbacks, monkeypatch, keyed
):
    endpoint_create(owner=linked, url=receiver.url, event_types=["alert.raised", "session.uploaded"])

    def fail_after_the_outbox(session, **rows):
        raise RuntimeError("the database went away before the commit")

    # After the alerts and the outbox rows are written, inside the upload's transaction.
    monkeypatch.setattr(logbook_services, "session_with_rows", fail_after_the_outbox)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        key = {"HTTP_IDEMPOTENCY_KEY": "rolled-back"} if keyed else {}
        bearer_client(client_user).post("/api/v1/sessions/", stop_event_session(), format="json", **key)
    work()

    assert callbacks == []
    assert (StretchSession.objects.count(), Alert.objects.count(), IdempotencyRecord.objects.count()) == (0, 0, 0)
    assert (AlertNotification.objects.count(), WebhookDelivery.objects.count()) == (0, 0)
    assert DBTaskResult.objects.count() == 0
    assert mail.outbox == [] and receiver.received == []


def test_with_the_worker_stopped_every_notification_waits_then_is_delivered_once(
    client_user, linked, receiver, work, django_capture_on_commit_callbacks
):
    endpoint = endpoint_create(owner=linked, url=receiver.url, event_types=["alert.raised", "session.uploaded"])
    for _ in range(3):
        upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    assert AlertNotification.objects.filter(status=DeliveryStatus.PENDING).count() == 3
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 6
    alert_emails_sweep()  # a sweep meanwhile (another worker) enqueues the same rows again

    work()
    work()

    assert len(mail.outbox) == 3
    delivered = receiver.verified(endpoint.secret)
    assert len(delivered) == 6
    assert len({webhook_id for webhook_id, _ in delivered}) == 6
    assert set(AlertNotification.objects.values_list("status", "attempts")) == {(DeliveryStatus.DELIVERED, 1)}
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.DELIVERED, 1)}


def test_an_email_left_claimed_by_a_killed_worker_is_swept_and_sent_once(
    client_user, linked, work, django_capture_on_commit_callbacks
):
    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    DBTaskResult.objects.all().delete()  # the worker took the task and was killed mid-attempt:
    AlertNotification.objects.update(claimed_until=datetime.now(UTC) - timedelta(seconds=1), attempts=1)

    assert alert_emails_sweep() == 1
    work()

    assert len(mail.outbox) == 1
    assert AlertNotification.objects.get().status == DeliveryStatus.DELIVERED


def test_holds_above_the_cap_alone_send_no_email(client_user, linked, work, django_capture_on_commit_callbacks):
    body = session_payload(holds=1)
    body["holds"][0]["intensity"] = 9
    upload(client_user, body, django_capture_on_commit_callbacks)
    work()

    assert mail.outbox == []
    assert AlertNotification.objects.count() == 0


def test_trainers_who_turned_emails_off_get_none_and_unlinked_trainers_none(
    client_user, linked, make_user, work, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(trainer=linked, alert_emails="off")
    make_user("unlinked@example.com", role="trainer")

    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work()

    assert mail.outbox == []


def test_a_trainer_unlinked_before_delivery_is_told_nothing(
    client_user, linked, work, django_capture_on_commit_callbacks
):
    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    trainer_services.trainer_link_end(link=client_user.trainer_links.get())

    work()

    assert mail.outbox == []
    assert AlertNotification.objects.get().status == DeliveryStatus.FAILED


def test_the_daily_digest_gathers_every_sessions_alerts_in_one_email_once_a_day(
    client_user, linked, work, django_capture_on_commit_callbacks, settings
):
    settings.ALERT_DIGEST_HOUR = 7
    NotificationPreference.objects.create(trainer=linked, alert_emails="digest")
    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    upload(client_user, stop_event_session(), django_capture_on_commit_callbacks)
    work()
    assert mail.outbox == []  # nothing at once

    today = datetime.now(UTC).replace(hour=6, minute=59)
    assert alert_digests_send(now=today) == 0  # before the digest hour
    assert alert_digests_send(now=today.replace(hour=8)) == 1
    assert alert_digests_send(now=today.replace(hour=9)) == 0  # once a day

    [digest] = mail.outbox
    assert digest.subject == "Safety alerts of your clients: 2 sessions"
    assert digest.body.count("- Stop event: Assisted Lying Hamstring Stretch, left side, sharp pain") == 2
    assert set(AlertNotification.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_preferences_are_a_trainers_own(api_client, linked, client_user):
    trainer_api = bearer_client(linked)

    assert trainer_api.get("/api/v1/notifications/preferences/").json()["alert_emails"] == "immediate"
    changed = trainer_api.put("/api/v1/notifications/preferences/", {"alert_emails": "digest"}, format="json")
    wrong = trainer_api.put("/api/v1/notifications/preferences/", {"alert_emails": "hourly"}, format="json")

    assert changed.json()["alert_emails"] == "digest"
    assert NotificationPreference.objects.get(trainer=linked).alert_emails == "digest"
    assert wrong.status_code == 400
    assert wrong["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in wrong.json()["errors"]] == ["alert_emails"]
    assert bearer_client(client_user).get("/api/v1/notifications/preferences/").status_code == 403
    assert api_client.get("/api/v1/notifications/preferences/").status_code == 401


def test_an_upload_with_an_email_owed_costs_a_fixed_number_of_queries(
    client_user, linked, make_user, django_assert_num_queries
):
    with transaction.atomic():
        second = make_user("second-trainer@example.com", role="trainer")
        trainer_services.invitation_accept(
            client=client_user, code=trainer_services.invitation_create(trainer=second).code
        )
    api = bearer_client(client_user)

    # token (1), the catalog version with its exercises, doses and stop signs (4: the first upload),
    # savepoint, session, holds, stop events, measurements, alerts, the trainers to email, their emails,
    # the emails' alerts, the endpoints, release; on PostgreSQL the session, rows and alerts are one
    # insert (`stretchapi.bulk.insert_unless_taken`), which reads the endpoints too; on SQLite the
    # session's insert adds a savepoint and its release
    with django_assert_num_queries(11 if connection.vendor == "postgresql" else 18):
        response = api.post("/api/v1/sessions/", stop_event_session(), format="json")

    assert response.status_code == 201
    assert AlertNotification.objects.count() == 2
