"""The session list skips its filter set when the query string names none of its filters
(`stretchapi.api.filtering.SkipsIdleFilters`): the answers are the ones the filter set gives."""

import re

import pytest

from sessions.api.sessions import SessionViewSet
from tests.sessions.payloads import session_payload, stop_event

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
QUERIES = [
    "",
    "page_size=2",
    "unknown=1",
    "format=json",
    "flagged=true",
    "flagged=false",
    "flagged=maybe",
    "flagged=",
    "started_after=2020-01-01T00:00:00Z",
    "started_before=nonsense",
    "exercise=assisted-lying-hamstring-stretch",
    "updated_since=2020-01-01T00:00:00Z",
    "cursor=abc",
]


@pytest.fixture
def some_sessions(as_client):
    for n in range(5):
        body = session_payload(holds=2 + n)
        if n == 2:
            body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
        assert as_client.post(SESSIONS, body, format="json").status_code == 201


def answers(as_client) -> dict[str, tuple]:
    def answer(query: str) -> tuple:
        response = as_client.get(f"{SESSIONS}?{query}")
        return response.status_code, re.sub(rb'"request_id":"[0-9a-f]+"', b"", response.content)

    return {query: answer(query) for query in QUERIES}


def test_the_short_path_answers_what_the_filter_set_answers(as_client, some_sessions, monkeypatch):
    short = answers(as_client)
    monkeypatch.setattr(SessionViewSet, "filter_may_change", lambda self, backend, queryset: True)
    long = answers(as_client)

    assert short == long
    statuses = {query: status for query, (status, _) in short.items()}
    assert statuses[""] == statuses["flagged=true"] == statuses["unknown=1"] == 200
    assert statuses["flagged=maybe"] == statuses["flagged="] == statuses["started_before=nonsense"] == 400
    assert short["flagged=true"][1].count(b'"flagged":true') == 1  # the one with a stop event
