"""Retry storm: phones resend each upload several times at once, as they do after a dropped connection.

Against gunicorn and PostgreSQL, every client sends each of its sessions three
times concurrently (twice with the session's Idempotency-Key, once without, as
an older app would), and its first session also once edited, under a new key:
the same id with other content. Whatever the race, every session is stored
exactly once with all its rows, the edit and the original never both succeed,
and every answer is 200, 201 or 409: never a 5xx, never a timeout.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.faults.client import PROBLEM, Answer, Api
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.faults

CLIENTS = 10
SESSIONS_PER_CLIENT = 3
HOLDS = 4
EDITED_NOTES = "Edited on the phone between two retries."


@dataclass
class Copy:
    """One request of the storm, and what came of it."""

    phone: Api
    body: dict
    key: str | None
    edited: bool
    answer: Answer | None = None
    failure: OSError | None = None

    def send(self) -> None:
        try:
            self.answer = self.phone.upload(self.body, self.key)
        except OSError as exc:  # refused, reset, or no answer within the client timeout
            self.failure = exc


def copies_of(phone: Api, body: dict, *, with_edit: bool) -> list[Copy]:
    key = f"upload-{body['id']}"
    copies = [Copy(phone, body, key, False), Copy(phone, body, key, False), Copy(phone, body, None, False)]
    if with_edit:
        copies.append(Copy(phone, {**body, "notes": EDITED_NOTES}, f"edit-{body['id']}", True))
    return copies


def at_once(jobs: list[Callable[[], None]]) -> None:
    """Run the jobs in one thread each, released at the same moment; wait for them all."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        job()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def storm(phones: list[Api]) -> dict[str, list[Copy]]:
    """Every phone at once; each sends its sessions one after the other, every copy of one session at once."""
    groups = {}
    for phone in phones:
        for index in range(SESSIONS_PER_CLIENT):
            body = session_payload(holds=HOLDS)
            groups[body["id"]] = copies_of(phone, body, with_edit=index == 0)

    def phone_job(phone: Api) -> Callable[[], None]:
        mine = [group for group in groups.values() if group[0].phone is phone]
        return lambda: [at_once([copy.send for copy in group]) for group in mine]

    at_once([phone_job(phone) for phone in phones])
    return groups


def test_retry_storm_stores_each_session_once_and_never_answers_5xx(server, stored_sessions, measured):
    phones = [server.api.sign_up("storm") for _ in range(CLIENTS)]

    started = time.monotonic()
    groups = storm(phones)
    seconds = time.monotonic() - started

    copies = [copy for group in groups.values() for copy in group]
    assert [(copy.body["id"], repr(copy.failure)) for copy in copies if copy.failure] == []
    statuses = Counter(copy.answer.status for copy in copies)
    assert set(statuses) <= {200, 201, 409}, statuses
    stored = stored_sessions(phones)
    assert set(stored) == set(groups)
    assert {(holds, measurements) for _, holds, measurements in stored.values()} == {(HOLDS, 1)}
    problems = []
    for session_id, group in groups.items():
        edited_won = stored[session_id][0] == EDITED_NOTES
        winners = [copy.answer for copy in group if copy.edited == edited_won]
        losers = [copy.answer for copy in group if copy.edited != edited_won]
        created = [a for a in winners if a.status == 201 and "idempotent-replayed" not in a.headers]
        if len(created) != 1 or {a.status for a in winners} - {200, 201}:
            replayed = [(a.status, a.headers.get("idempotent-replayed")) for a in winners]
            problems.append((session_id, "winners", replayed))
        if any(a.json()["id"] != session_id for a in winners):
            problems.append((session_id, "another session answered"))
        if any(a.status != 409 or a.content_type != PROBLEM or a.json()["code"] != "session_conflict" for a in losers):
            problems.append((session_id, "losers", [(a.status, a.body[:200]) for a in losers]))
    assert problems == []

    latencies = sorted(copy.answer.seconds for copy in copies)
    edits_won = sum(notes == EDITED_NOTES for notes, _, _ in stored.values())
    for line in (
        f"{len(copies)} uploads of {len(groups)} sessions from {CLIENTS} clients in {seconds:.1f} s; "
        f"answers {dict(sorted(statuses.items()))}",
        f"{len(stored)} sessions stored, each once with all its rows; edits that won: {edits_won} of {CLIENTS}",
        f"latency median {statistics.median(latencies) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms",
    ):
        measured(f"retry storm: {line}")
