"""Uploading, retrying, syncing, editing and live-logging sessions."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sessions.models import Hold, IdempotencyRecord, Measurement, StopEvent, StretchSession
from tests.sessions.payloads import full_session_payload, iso, session_payload, stop_event

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"


def upload(client, body, **headers):
    return client.post(SESSIONS, body, format="json", **headers)


def stored_counts() -> tuple[int, int, int, int]:
    return (
        StretchSession.objects.count(),
        Hold.objects.count(),
        StopEvent.objects.count(),
        Measurement.objects.count(),
    )


# Upload ---------------------------------------------------------------------------


def test_upload_stores_the_whole_session(as_client, client_user):
    body = session_payload(holds=4)
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]

    response = upload(as_client, body)

    data = response.json()
    assert response.status_code == 201
    assert response["ETag"] == f'"{body["id"]}-1"'
    assert data["id"] == body["id"]
    assert [h["position"] for h in data["holds"]] == [1, 2, 3, 4]
    assert [h["side"] for h in data["holds"]] == ["left", "right", "left", "right"]
    assert data["stop_events"][0]["kind"] == "sharp-pain"
    assert data["stop_events"][0]["hold"] == data["holds"][0]["id"]
    assert data["measurements"][0]["value"] == 72.5
    assert data["flags"] == {
        "flagged": True,
        "has_stop_event": True,
        "holds_above_target": 0,
        "holds_outside_dose": 0,
        "max_pain": 6,
    }
    assert StretchSession.objects.get().owner == client_user
    assert stored_counts() == (1, 4, 1, 1)


def test_upload_answers_the_session_as_a_later_read_returns_it(as_client, trainer):
    body = full_session_payload(trainer_id=trainer.pk)  # stop events sent latest first

    uploaded = upload(as_client, body)
    read = as_client.get(f"{SESSIONS}{body['id']}/")

    assert uploaded.status_code == 201
    assert uploaded.json() == read.json()
    assert uploaded["ETag"] == read["ETag"]
    assert [e["kind"] for e in uploaded.json()["stop_events"]] == ["other", "sharp-pain"]


def test_upload_flags_holds_above_target_and_outside_the_dose(as_client):
    body = session_payload(holds=3)
    body["holds"][0]["intensity"] = 9  # target is 5–7
    body["holds"][1]["held_seconds"] = 90  # general flexibility dose is 20–40 s
    body["holds"][2]["pain"] = 4

    data = upload(as_client, body).json()

    assert [h["above_target"] for h in data["holds"]] == [True, False, False]
    assert [h["outside_dose"] for h in data["holds"]] == [False, True, False]
    assert data["flags"]["holds_above_target"] == 1
    assert data["flags"]["holds_outside_dose"] == 1
    assert data["flags"]["max_pain"] == 4
    assert data["flags"]["has_stop_event"] is False


def test_upload_of_a_stop_event_kind_other_keeps_its_note(as_client):
    body = session_payload(holds=1)
    body["stop_events"] = [stop_event(body["started_at"], kind="other", note="Knee felt unstable.", side=None)]

    data = upload(as_client, body).json()

    assert data["stop_events"][0]["kind"] == "other"
    assert data["stop_events"][0]["note"] == "Knee felt unstable."
    assert data["stop_events"][0]["side"] is None


def test_upload_assisted_by_a_trainer_records_the_trainer(as_client, trainer):
    body = session_payload(assisted_by="trainer", trainer_id=trainer.pk, partner_name="")

    data = upload(as_client, body).json()

    assert data["assisted_by"] == "trainer"
    assert data["trainer_id"] == trainer.pk


def test_upload_retried_with_same_id_returns_original(as_client):
    body = session_payload()
    first = upload(as_client, body)

    retry = upload(as_client, body)

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert stored_counts() == (1, 4, 0, 1)


def test_upload_with_same_id_and_changed_content_is_a_conflict(as_client):
    body = session_payload()
    upload(as_client, body)
    changed = {**body, "notes": "edited on the phone"}

    response = upload(as_client, changed)

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "session_conflict"
    assert StretchSession.objects.get().notes == ""


def test_upload_reusing_a_hold_id_of_another_session_is_a_conflict(as_client):
    first = session_payload(holds=1)
    first["holds"][0]["id"] = str(uuid.uuid4())
    upload(as_client, first)
    second = session_payload(holds=1)
    second["holds"][0]["id"] = first["holds"][0]["id"]

    response = upload(as_client, second)

    assert response.status_code == 409
    assert response.json()["code"] == "record_conflict"
    assert stored_counts() == (1, 1, 0, 1)


def test_deleted_session_id_cannot_be_uploaded_again(as_client):
    body = session_payload()
    etag = upload(as_client, body)["ETag"]
    as_client.delete(f"{SESSIONS}{body['id']}/", HTTP_IF_MATCH=etag)

    response = upload(as_client, body)

    assert response.status_code == 409
    assert response.json()["code"] == "session_deleted"


# Idempotency-Key ------------------------------------------------------------------


def test_idempotency_key_replays_the_first_response(as_client):
    body = session_payload()
    first = upload(as_client, body, HTTP_IDEMPOTENCY_KEY="upload-1")
    StretchSession.objects.filter(pk=body["id"]).update(notes="changed since")

    replay = upload(as_client, body, HTTP_IDEMPOTENCY_KEY="upload-1")

    assert first.status_code == 201
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.count() == 1


def test_a_new_key_on_a_retried_upload_keeps_the_retrys_answer(as_client):
    """The session is stored already (sent without a key): the upload is a retry, its statement stores
    nothing, and the key keeps the 200 it got."""
    body = session_payload(holds=3)
    assert upload(as_client, body).status_code == 201

    first = upload(as_client, body, HTTP_IDEMPOTENCY_KEY="late-key")
    replay = upload(as_client, body, HTTP_IDEMPOTENCY_KEY="late-key")

    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    record = IdempotencyRecord.objects.get(key="late-key")
    assert (record.status_code, record.response_body) == (200, first.json())
    assert StretchSession.objects.count() == 1


def test_idempotency_key_with_another_body_is_422(as_client):
    upload(as_client, session_payload(), HTTP_IDEMPOTENCY_KEY="upload-1")

    response = upload(as_client, session_payload(), HTTP_IDEMPOTENCY_KEY="upload-1")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert StretchSession.objects.count() == 1


def test_idempotency_keys_are_per_user(as_client, other_client):
    from tests.conftest import bearer_client

    upload(as_client, session_payload(), HTTP_IDEMPOTENCY_KEY="same-key")

    response = upload(bearer_client(other_client), session_payload(), HTTP_IDEMPOTENCY_KEY="same-key")

    assert response.status_code == 201
    assert StretchSession.objects.count() == 2


def test_idempotency_key_older_than_retention_is_forgotten(as_client):
    body = session_payload()
    upload(as_client, body, HTTP_IDEMPOTENCY_KEY="old-key")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=49))

    response = upload(as_client, session_payload(), HTTP_IDEMPOTENCY_KEY="old-key")

    assert response.status_code == 201


# Query budgets --------------------------------------------------------------------


@pytest.mark.parametrize("holds", [4, 40])
@pytest.mark.parametrize(("catalog_read", "postgresql", "sqlite"), [(False, 9, 16), (True, 5, 12)])
def test_upload_query_count_does_not_grow_with_holds(
    as_client, django_assert_num_queries, settings, holds, catalog_read, postgresql, sqlite
):
    settings.CATALOG_VERSION_CACHE_SECONDS = 600  # a version read stays remembered, however slow the machine
    if catalog_read:
        upload(as_client, session_payload(holds=2))
    body = session_payload(holds=holds)
    body["stop_events"] = [stop_event(body["started_at"], hold_index=1)]

    # token (1); unless this process read them since the catalog last changed, the catalog version,
    # its exercises, their doses and its stop signs (4); savepoint (the test's transaction holds the
    # upload's), the session's insert (its flags included), the rows' (holds, stop events,
    # measurements) and their alerts', the trainers to email and the webhook endpoints to tell (the
    # outbox; none here), release; nothing is read before the insert, and the answer is the session
    # as written, read back by no query. On PostgreSQL the session, its rows and their alerts are one
    # statement (`insert_unless_taken`: a taken session id is found by ON CONFLICT DO NOTHING and then
    # no row is written), which also reads the webhook endpoints to tell; SQLite inserts each table
    # apart, the session in a savepoint of its own, and reads the endpoints after.
    with django_assert_num_queries(postgresql if connection.vendor == "postgresql" else sqlite):
        response = upload(as_client, body)

    assert response.status_code == 201


@pytest.mark.parametrize("holds", [4, 40])
def test_keyed_upload_keeps_its_answer_in_the_same_transaction(as_client, django_assert_num_queries, settings, holds):
    settings.CATALOG_VERSION_CACHE_SECONDS = 600
    upload(as_client, session_payload(holds=2))
    body = session_payload(holds=holds)

    # token (1), the key's record (none), savepoint of the key; session, rows (holds, measurements; no
    # stop event nor alert), the answer's record and the webhook endpoints to tell (one statement on
    # PostgreSQL; on SQLite a statement a table, then the endpoints), no trainer to email, release.
    # The upload's writes take no savepoint of their own inside the key's transaction, which fails
    # whole (`stretchapi.transactions`); on SQLite the session's insert adds its savepoint and release
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 11) as captured:
        response = upload(as_client, body, HTTP_IDEMPOTENCY_KEY=f"key-{holds}")

    assert response.status_code == 201
    statements = [query["sql"] for query in captured.captured_queries]
    kept = [n for n, sql in enumerate(statements) if 'INTO "stretch_sessions_idempotencyrecord"' in sql]
    webhooks = [n for n, sql in enumerate(statements) if "stretch_sessions_webhookendpoint" in sql]
    assert len(kept) == 1 and len(webhooks) == 1 and kept[0] <= webhooks[0]  # stored with the upload's rows, once
    if connection.vendor == "postgresql":
        assert statements[kept[0]].startswith('WITH s AS (INSERT INTO "stretch_sessions_stretchsession"')
        assert kept == webhooks
    assert statements[-1].startswith("RELEASE SAVEPOINT")
    assert IdempotencyRecord.objects.get(key=f"key-{holds}").response_body == response.json()


@pytest.mark.parametrize("sessions", [5, 50])
def test_list_query_count_does_not_grow_with_sessions(as_client, django_assert_num_queries, sessions):
    start = timezone.now() - timedelta(days=60)
    for n in range(sessions):
        upload(as_client, session_payload(holds=2, started=start + timedelta(days=1, hours=n)))

    with django_assert_num_queries(5):
        response = as_client.get(SESSIONS, {"page_size": 100})

    assert len(response.json()["results"]) == sessions


# List and delta sync --------------------------------------------------------------


def test_list_is_newest_first_with_cursor_pages(as_client):
    start = timezone.now() - timedelta(days=10)
    ids = [upload(as_client, session_payload(started=start + timedelta(days=d))).json()["id"] for d in range(5)]

    first = as_client.get(SESSIONS, {"page_size": 2}).json()
    second = as_client.get(first["next"]).json()

    assert [s["id"] for s in first["results"]] == [ids[4], ids[3]]
    assert [s["id"] for s in second["results"]] == [ids[2], ids[1]]


def test_list_filters_by_date_exercise_and_flag(as_client):
    start = timezone.now() - timedelta(days=10)
    old = session_payload(started=start)
    recent = session_payload(started=start + timedelta(days=5))
    recent["holds"][0]["intensity"] = 9
    chest = session_payload(holds=1, started=start + timedelta(days=6))
    chest["holds"] = [{"exercise": "partner-chest-stretch", "side": "both", "held_seconds": 8, "intensity": 5}]
    for body in (old, recent, chest):
        upload(as_client, body)

    def ids(**params):
        return {s["id"] for s in as_client.get(SESSIONS, params).json()["results"]}

    assert ids(started_after=iso(start + timedelta(days=1))) == {recent["id"], chest["id"]}
    assert ids(started_before=iso(start + timedelta(days=1))) == {old["id"]}
    assert ids(exercise="partner-chest-stretch") == {chest["id"]}
    assert ids(flagged="true") == {recent["id"]}
    assert ids(flagged="false") == {old["id"], chest["id"]}


def test_delta_sync_returns_changes_since_oldest_first_with_tombstones(as_client):
    kept = session_payload()
    gone = session_payload()
    upload(as_client, kept)
    etag = upload(as_client, gone)["ETag"]
    since = timezone.now()
    as_client.delete(f"{SESSIONS}{gone['id']}/", HTTP_IF_MATCH=etag)
    as_client.patch(
        f"{SESSIONS}{kept['id']}/", {"notes": "felt good"}, format="json", HTTP_IF_MATCH=f'"{kept["id"]}-1"'
    )

    changes = as_client.get(SESSIONS, {"updated_since": iso(since)}).json()["results"]
    plain = as_client.get(SESSIONS).json()["results"]

    assert [(s["id"], s["deleted"]) for s in changes] == [(gone["id"], True), (kept["id"], False)]
    assert changes[0]["holds"] == [] and changes[0]["deleted_at"] is not None
    assert [s["id"] for s in plain] == [kept["id"]]


# Detail, ETag, If-Match -----------------------------------------------------------


def test_detail_carries_an_etag_and_answers_304(as_client):
    body = session_payload()
    upload(as_client, body)
    url = f"{SESSIONS}{body['id']}/"

    first = as_client.get(url)
    again = as_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["ETag"] == f'"{body["id"]}-1"'
    assert again.status_code == 304


def test_patch_with_current_etag_changes_the_session_and_its_etag(as_client):
    body = session_payload()
    etag = upload(as_client, body)["ETag"]

    response = as_client.patch(
        f"{SESSIONS}{body['id']}/", {"notes": "Tight today.", "outcome": "stopped_early"}, format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip

    assert response.status_code == 200
    assert response.json()["notes"] == "Tight today."
    assert response.json()["outcome"] == "stopped_early"
    assert response["ETag"] == f'"{body["id"]}-2"'


@pytest.mark.parametrize(
    "change",
    [{}, {"notes": "", "outcome": "completed"}],
    ids=["empty body", "the stored values"],
)
def test_patch_that_changes_nothing_keeps_the_version_and_etag(as_client, change):
    body = session_payload()
    etag = upload(as_client, body)["ETag"]
    stored = StretchSession.objects.get()
    change = {**change, "ended_at": body["ended_at"]} if change else change

    response = as_client.patch(f"{SESSIONS}{body['id']}/", change, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] == etag == f'"{body["id"]}-1"'
    assert response.json()["version"] == 1
    assert StretchSession.objects.get().updated_at == stored.updated_at


def test_patch_that_changes_nothing_with_a_stale_etag_is_still_412(as_client):
    body = session_payload()
    etag = upload(as_client, body)["ETag"]
    as_client.patch(f"{SESSIONS}{body['id']}/", {"notes": "first"}, format="json", HTTP_IF_MATCH=etag)

    response = as_client.patch(f"{SESSIONS}{body['id']}/", {}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert response.json()["code"] == "stale_write"


def test_patch_without_if_match_is_428(as_client):
    body = session_payload()
    upload(as_client, body)

    response = as_client.patch(f"{SESSIONS}{body['id']}/", {"notes": "x"}, format="json")

    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert StretchSession.objects.get().notes == ""


def test_patch_with_a_stale_etag_is_412(as_client):
    body = session_payload()
    etag = upload(as_client, body)["ETag"]
    as_client.patch(f"{SESSIONS}{body['id']}/", {"notes": "first"}, format="json", HTTP_IF_MATCH=etag)

    response = as_client.patch(f"{SESSIONS}{body['id']}/", {"notes": "second"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert response.json()["code"] == "stale_write"
    assert StretchSession.objects.get().notes == "first"


def test_delete_needs_if_match_and_leaves_a_tombstone(as_client):
    body = session_payload()
    etag = upload(as_client, body)["ETag"]
    url = f"{SESSIONS}{body['id']}/"

    without = as_client.delete(url)
    deleted = as_client.delete(url, HTTP_IF_MATCH=etag)
    after = as_client.get(url)

    assert without.status_code == 428
    assert deleted.status_code == 204
    assert after.status_code == 404
    assert StretchSession.objects.get().deleted_at is not None


def test_put_is_not_allowed(as_client):
    body = session_payload()
    upload(as_client, body)

    response = as_client.put(f"{SESSIONS}{body['id']}/", body, format="json")

    assert response.status_code == 405


# Live logging ---------------------------------------------------------------------


def live_session(as_client) -> dict:
    body = session_payload(holds=0, started=timezone.now() - timedelta(minutes=10))
    body.pop("ended_at")
    body["measurements"] = []
    assert upload(as_client, body).status_code == 201
    return body


def test_live_hold_append_is_idempotent_by_hold_id(as_client):
    session = live_session(as_client)
    hold = {"id": str(uuid.uuid4()), "exercise": "pnf-hamstring-stretch", "side": "left", "held_seconds": 8,
            "intensity": 8, "contract_seconds": 6, "relax_seconds": 5, "assisted_hold_seconds": 8}  # fmt: skip
    url = f"{SESSIONS}{session['id']}/holds/"

    first = as_client.post(url, hold, format="json")
    retry = as_client.post(url, hold, format="json")
    changed = as_client.post(url, {**hold, "intensity": 3}, format="json")

    assert first.status_code == 201
    assert first.json()["position"] == 1
    assert first.json()["above_target"] is True
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert changed.status_code == 409
    assert Hold.objects.count() == 1
    detail = as_client.get(f"{SESSIONS}{session['id']}/").json()
    assert detail["version"] == 2
    assert detail["flags"]["holds_above_target"] == 1


def test_live_holds_take_the_next_position(as_client):
    session = live_session(as_client)
    url = f"{SESSIONS}{session['id']}/holds/"

    positions = [
        as_client.post(
            url,
            {"id": str(uuid.uuid4()), "exercise": "leg-swings", "side": side, "held_seconds": 20, "intensity": 3},
            format="json",
        ).json()["position"]
        for side in ("left", "right", "left")
    ]

    assert positions == [1, 2, 3]


def test_live_stop_event_flags_the_session(as_client):
    session = live_session(as_client)
    hold = as_client.post(
        f"{SESSIONS}{session['id']}/holds/",
        {"id": str(uuid.uuid4()), "exercise": "assisted-lying-hamstring-stretch", "side": "left", "held_seconds": 25,
         "intensity": 6},
        format="json",
    ).json()  # fmt: skip
    event = {**stop_event(iso(timezone.now() - timedelta(minutes=1)), kind="nerve-tingling"), "id": str(uuid.uuid4())}
    event["hold"] = hold["id"]

    first = as_client.post(f"{SESSIONS}{session['id']}/stop-events/", event, format="json")
    retry = as_client.post(f"{SESSIONS}{session['id']}/stop-events/", event, format="json")

    assert first.status_code == 201
    assert first.json()["hold"] == hold["id"]
    assert retry.status_code == 200
    detail = as_client.get(f"{SESSIONS}{session['id']}/").json()
    assert detail["flags"]["has_stop_event"] is True
    assert detail["flags"]["max_pain"] == 6
    assert StopEvent.objects.count() == 1


def test_ending_a_live_session_by_patch(as_client):
    session = live_session(as_client)
    url = f"{SESSIONS}{session['id']}/"
    etag = as_client.get(url)["ETag"]
    ended = iso(timezone.now())

    response = as_client.patch(url, {"ended_at": ended}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert parse_datetime(response.json()["ended_at"]) == parse_datetime(ended)


def test_a_hold_is_shown_as_drfs_own_field_by_field_path_shows_it(as_client):
    from rest_framework.serializers import ModelSerializer

    from sessions.api.serializers.logbook import HoldSerializer

    body = session_payload(holds=2)
    del body["holds"][1]["started_at"]
    body["holds"][1].update(pain=3, target_seconds=25)
    body["holds"].append(
        {"exercise": "pnf-hamstring-stretch", "side": "left", "held_seconds": 6, "intensity": 9,
         "contract_seconds": 5, "relax_seconds": 5, "assisted_hold_seconds": 6, "set_number": 2}
    )  # fmt: skip
    upload(as_client, body)
    holds = list(Hold.objects.select_related("exercise").order_by("position"))
    serializer = HoldSerializer()

    shown = [serializer.to_representation(hold) for hold in holds]

    assert shown == [ModelSerializer.to_representation(serializer, hold) for hold in holds]
    assert [list(item) for item in shown] == [HoldSerializer.Meta.fields] * 3
    assert shown[0]["started_at"].endswith("Z")
    assert shown[1]["started_at"] is None


def test_a_measurement_is_shown_as_drfs_own_field_by_field_path_shows_it(client_user):
    from rest_framework.serializers import ModelSerializer

    from sessions.api.serializers.logbook import MeasurementSerializer, SessionUploadSerializer
    from sessions.logbook import services

    body = session_payload(holds=1)
    body["measurements"] = [
        {"kind": "sit_and_reach", "value": 4.5, "unit": "cm", "zero_offset_cm": -2, "measured_at": body["started_at"]},
        {"kind": "sit_and_reach", "value": -3, "unit": "cm", "measured_at": body["started_at"]},
        {
            "kind": "straight_leg_raise",
            "side": "left",
            "value": 71.5,
            "unit": "deg",
            "measured_at": body["started_at"],
        },
    ]
    data = SessionUploadSerializer(data=body)
    data.is_valid(raise_exception=True)
    session, _ = services.session_upload(owner=client_user, data=data.validated_data, content_hash="h")
    serializer = MeasurementSerializer()

    for measurements in (
        session.measurements.all(),
        session.measurements.model.objects.order_by("measured_at", "kind"),
    ):
        shown = [serializer.to_representation(m) for m in measurements]  # as just stored, then as read back
        assert shown == [ModelSerializer.to_representation(serializer, m) for m in measurements]
        assert [list(item) for item in shown] == [MeasurementSerializer.Meta.fields] * 3
    assert {item["side"] for item in shown} == {None, "left"}


def test_a_session_is_shown_as_drfs_own_field_by_field_path_shows_it(as_client, client_user, trainer):
    from rest_framework.serializers import ModelSerializer

    from sessions.api.serializers.logbook import StretchSessionSerializer
    from sessions.logbook import selectors

    full = full_session_payload(trainer_id=trainer.pk)
    bare = {"id": str(uuid.uuid4()), "started_at": iso(timezone.now() - timedelta(hours=1)), "goal": "rehab_control"}
    tombstone = session_payload(holds=2)
    for body in (full, bare, tombstone):
        upload(as_client, body)
    gone = StretchSession.objects.get(pk=tombstone["id"])
    as_client.delete(f"{SESSIONS}{gone.pk}/", HTTP_IF_MATCH=gone.etag)
    stored = selectors.session_list(owner=client_user, include_deleted=True).in_bulk()
    sessions = [stored[uuid.UUID(body["id"])] for body in (full, bare, tombstone)]
    serializer = StretchSessionSerializer()

    def declared(session):  # DRF's generic path over the declared fields, a tombstone emptied
        data = ModelSerializer.to_representation(serializer, session)
        if session.deleted_at is not None:
            data.update(holds=[], stop_events=[], measurements=[], notes="")
        return data

    shown = [serializer.to_representation(session) for session in sessions]

    assert shown == [declared(session) for session in sessions]
    assert [list(item) for item in shown] == [StretchSessionSerializer.Meta.fields] * 3
    assert [list(item["flags"]) for item in shown] == [list(declared(sessions[0])["flags"])] * 3
    assert shown[0]["trainer_id"] == trainer.pk and len(shown[0]["measurements"]) == 2
    assert shown[2]["deleted"] is True and shown[2]["holds"] == []


def test_a_just_stored_session_is_shown_as_drfs_own_field_by_field_path_shows_it(client_user):
    from rest_framework.serializers import ModelSerializer

    from sessions.api.serializers.logbook import SessionUploadSerializer, StretchSessionSerializer
    from sessions.logbook import services

    body = session_payload(holds=3)
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
    body["measurements"] = [
        {"kind": "sit_and_reach", "value": 4.5, "unit": "cm", "zero_offset_cm": -2, "measured_at": body["started_at"]}
    ]
    data = SessionUploadSerializer(data=body)
    data.is_valid(raise_exception=True)
    session, created = services.session_upload(owner=client_user, data=data.validated_data, content_hash="h")
    serializer = StretchSessionSerializer()

    assert created
    assert serializer.to_representation(session) == ModelSerializer.to_representation(serializer, session)
