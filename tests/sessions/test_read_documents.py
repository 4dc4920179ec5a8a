"""The read answers built as plain dicts (`sessions/api/serializers/documents.py`) are the serializers'
output, value for value and byte for byte, over varied data: tombstones, stop events of kind `other`
and without a side, PNF holds outside the dose, timestamps with fractions of a second, both kinds of
measurement, trainer-assisted sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import ModelSerializer

from sessions.api.serializers.documents import session_documents
from sessions.api.serializers.logbook import HoldSerializer, StretchSessionSerializer
from sessions.logbook import selectors as logbook_selectors
from stretchapi.api.renderers import OrjsonRenderer
from tests.conftest import bearer_client
from tests.sessions.exports_world import upload
from tests.sessions.payloads import full_session_payload, iso, session_payload

pytestmark = pytest.mark.django_db


class FieldByFieldHoldSerializer(HoldSerializer):
    """`HoldSerializer` as DRF runs it, field by field (its own `to_representation` is written out)."""

    def to_representation(self, hold):
        return ModelSerializer.to_representation(self, hold)


class FieldByFieldSessionSerializer(StretchSessionSerializer):
    holds = FieldByFieldHoldSerializer(many=True)


def rendered(data) -> bytes:
    """What the API sends: the project's renderer, and DRF's own, agree on it."""
    ours, drf = OrjsonRenderer().render(data), JSONRenderer().render(data)
    assert ours == drf
    return ours


@pytest.fixture
def varied(world):
    """The export world (tombstone, `other` stop event, sit-and-reach, a fraction of a second, a
    trainer-assisted session), and for Casey a session with every kind of row and a flagged one."""
    upload(world.casey, full_session_payload(trainer_id=world.trainer.pk))
    flagged = session_payload(holds=3, started=timezone.now() - timedelta(days=9))
    flagged["holds"][1].update(intensity=10, pain=8)
    flagged["stop_events"] = []
    upload(world.casey, flagged)
    return world


def test_session_documents_are_the_serializers_output(varied):
    for owner in (varied.casey, varied.olive, varied.blank):
        rows = logbook_selectors.session_rows(owner=owner, include_deleted=True).order_by("-started_at", "-id")
        sessions = logbook_selectors.session_list(owner=owner, include_deleted=True).order_by("-started_at", "-id")

        documents = session_documents(logbook_selectors.session_rows_with_children(list(rows)))

        expected = FieldByFieldSessionSerializer(sessions, many=True).data
        assert documents == expected
        assert rendered(documents) == rendered(expected)
    assert [d["deleted"] for d in documents] == [False]  # Blank's one session
    casey = session_documents(
        logbook_selectors.session_rows_with_children(
            list(logbook_selectors.session_rows(owner=varied.casey, include_deleted=True))
        )
    )
    assert sorted(len(d["holds"]) for d in casey) == [0, 1, 2, 3, 5]  # the tombstone shows none
    assert {e["kind"] for d in casey for e in d["stop_events"]} == {"nerve-tingling", "sharp-pain", "other"}


def test_session_list_answer_is_the_serializers_page(varied):
    since = iso(timezone.now() - timedelta(days=400))

    response = bearer_client(varied.casey).get("/api/v1/sessions/", {"updated_since": since, "page_size": 3})

    sessions = logbook_selectors.session_list(owner=varied.casey, include_deleted=True).order_by("updated_at", "id")
    first_page = FieldByFieldSessionSerializer(sessions[:3], many=True).data
    body = response.json()
    assert response.status_code == 200
    assert body["previous"] is None and body["next"]
    expected = {"next": body["next"], "previous": None, "results": first_page}
    assert response.content == rendered(expected)


def test_session_list_with_no_session_is_an_empty_page(as_client, django_assert_num_queries):
    with django_assert_num_queries(2):  # the token, the sessions
        response = as_client.get("/api/v1/sessions/")

    assert response.json() == {"next": None, "previous": None, "results": []}
