"""Concurrent retries against PostgreSQL: whatever the race, a session is stored exactly once.

These requests run in real threads, each with its own database connection and
its own transaction, so they need committed data: the tests run outside
pytest-django's per-test transaction and delete what they created afterwards.
SQLite serialises writers with a file lock, so the race exists only on PostgreSQL.
"""

import threading
import uuid

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from sessions.accounts.services import token_issue
from sessions.models import Hold, IdempotencyRecord, StretchSession, User
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real write race needs PostgreSQL (SQLite locks the whole file)"
)

THREADS = 20


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Autocommit access to the test database; removes the users (and their sessions) it made."""
    with django_db_blocker.unblock():
        made: list[User] = []

        def user(email: str) -> tuple[User, str]:
            account = User.objects.create_user(email=email, password=uuid.uuid4().hex)
            made.append(account)
            return account, token_issue(user=account, device_name="phone")[1]

        yield user
        for account in made:
            StretchSession.objects.filter(owner=account).delete()
            IdempotencyRecord.objects.filter(user=account).delete()
            account.delete()


def race(requests: list) -> list:
    """Run the callables at the same moment, one thread each; return their results in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index: int, request) -> None:
        try:
            barrier.wait()
            results[index] = request()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_twenty_concurrent_identical_uploads_store_one_session(committed):
    owner, token = committed(f"race-{uuid.uuid4().hex[:8]}@example.com")
    body = session_payload(holds=10)

    responses = race([lambda: bearer(token).post("/api/v1/sessions/", body, format="json") for _ in range(THREADS)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (THREADS - 1) + [201]
    assert {r.json()["id"] for r in responses} == {body["id"]}
    assert StretchSession.objects.filter(owner=owner).count() == 1
    assert Hold.objects.filter(session_id=body["id"]).count() == 10


def test_concurrent_uploads_with_one_idempotency_key_store_one_session(committed):
    owner, token = committed(f"race-{uuid.uuid4().hex[:8]}@example.com")
    body = session_payload(holds=3)

    responses = race(
        [
            lambda: bearer(token).post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
            for _ in range(THREADS)
        ]
    )

    assert {r.status_code for r in responses} <= {200, 201}
    assert [r.status_code for r in responses].count(201) >= 1
    assert StretchSession.objects.filter(owner=owner).count() == 1
    assert IdempotencyRecord.objects.filter(user=owner, key="retry-1").count() == 1


def test_concurrent_live_holds_get_distinct_positions(committed):
    _, token = committed(f"race-{uuid.uuid4().hex[:8]}@example.com")
    body = session_payload(holds=0)
    assert bearer(token).post("/api/v1/sessions/", body, format="json").status_code == 201
    holds = [
        {"id": str(uuid.uuid4()), "exercise": "leg-swings", "side": "left", "held_seconds": 20, "intensity": 3}
        for _ in range(10)
    ]

    responses = race(
        [
            (lambda hold=hold: bearer(token).post(f"/api/v1/sessions/{body['id']}/holds/", hold, format="json"))
            for hold in holds
        ]
    )

    assert [r.status_code for r in responses] == [201] * 10
    positions = sorted(Hold.objects.filter(session_id=body["id"]).values_list("position", flat=True))
    assert positions == list(range(1, 11))
    assert StretchSession.objects.get(pk=body["id"]).version == 11


def test_concurrent_identical_uploads_with_client_chosen_row_ids_are_retries_not_conflicts(committed):
    owner, token = committed(f"race-{uuid.uuid4().hex[:8]}@example.com")
    body = session_payload(holds=5)
    for hold in body["holds"]:
        hold["id"] = str(uuid.uuid4())

    responses = race([lambda: bearer(token).post("/api/v1/sessions/", body, format="json") for _ in range(THREADS)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (THREADS - 1) + [201], [r.json() for r in responses if r.status_code >= 400][:1]
    assert StretchSession.objects.filter(owner=owner).count() == 1
    assert sorted(str(i) for i in Hold.objects.filter(session_id=body["id"]).values_list("id", flat=True)) == sorted(
        h["id"] for h in body["holds"]
    )


def test_concurrent_identical_live_hold_appends_store_one_hold(committed):
    _, token = committed(f"race-{uuid.uuid4().hex[:8]}@example.com")
    body = session_payload(holds=0)
    assert bearer(token).post("/api/v1/sessions/", body, format="json").status_code == 201
    hold = {"id": str(uuid.uuid4()), "exercise": "leg-swings", "side": "left", "held_seconds": 20, "intensity": 3}

    responses = race(
        [lambda: bearer(token).post(f"/api/v1/sessions/{body['id']}/holds/", hold, format="json")] * THREADS
    )

    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert {r.json()["id"] for r in responses} == {hold["id"]}
    assert Hold.objects.filter(session_id=body["id"]).count() == 1
    assert StretchSession.objects.get(pk=body["id"]).version == 2
