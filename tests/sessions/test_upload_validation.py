"""Bad input to the session API: refused as a 400 problem naming the exact field, with nothing stored.

Each case sends an otherwise valid body with one thing wrong. Alarming but
well-formed safety data (intensity above target, pain) is accepted and flagged.
"""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sessions.models import Hold, Measurement, StopEvent, StretchSession
from tests.sessions.payloads import iso, session_payload, stop_event

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
PROBLEM = "application/problem+json"
PER_SIDE = "assisted-lying-hamstring-stretch"  # target intensity 5–7
BOTH_SIDES = "partner-chest-stretch"


def upload(client, body):
    return client.post(SESSIONS, body, format="json")


def stored_counts() -> tuple[int, int, int, int]:
    return (
        StretchSession.objects.count(),
        Hold.objects.count(),
        StopEvent.objects.count(),
        Measurement.objects.count(),
    )


def field_errors(response) -> list[tuple[str, str]]:
    """The problem's `errors` as (field, code) pairs, in order."""
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


def moved(timestamp: str, **delta) -> str:
    return iso(parse_datetime(timestamp) + timedelta(**delta))


def with_stop_event(body: dict, **fields) -> None:
    """Give the body one stop event, two minutes into the session unless `fields` say otherwise."""
    body["stop_events"] = [stop_event(moved(body["started_at"], minutes=2), **fields)]


def without(mapping: dict, key: str) -> None:
    del mapping[key]


# Uploads: one bad value each --------------------------------------------------------

BAD_UPLOADS = [
    # Ranges
    pytest.param(
        lambda b: b["holds"][3].update(intensity=11), [("holds[3].intensity", "max_value")], id="intensity-11"
    ),
    pytest.param(
        lambda b: b["holds"][3].update(intensity=-1), [("holds[3].intensity", "min_value")], id="intensity--1"
    ),
    pytest.param(
        lambda b: b["holds"][0].update(held_seconds=0), [("holds[0].held_seconds", "min_value")], id="held-0s"
    ),
    pytest.param(
        lambda b: b["holds"][0].update(held_seconds=601), [("holds[0].held_seconds", "max_value")], id="held-601s"
    ),
    pytest.param(
        lambda b: b.update(holds=[{**b["holds"][0], "started_at": None} for _ in range(301)]),
        [("holds", "max_length")],
        id="301-holds",
    ),
    pytest.param(
        lambda b: b.update(stop_events=[stop_event(moved(b["started_at"], minutes=2)) for _ in range(101)]),
        [("stop_events", "max_length")],
        id="101-stop-events",
    ),
    pytest.param(
        lambda b: b.update(measurements=b["measurements"] * 51), [("measurements", "max_length")], id="51-measurements"
    ),
    pytest.param(lambda b: b.update(notes="x" * 5001), [("notes", "max_length")], id="notes-5001-characters"),
    # Strict JSON types
    pytest.param(
        lambda b: b["holds"][3].update(intensity="5"), [("holds[3].intensity", "invalid")], id="intensity-str"
    ),
    pytest.param(
        lambda b: b["holds"][3].update(intensity=5.5), [("holds[3].intensity", "invalid")], id="intensity-5.5"
    ),
    pytest.param(
        lambda b: b["holds"][3].update(intensity=True), [("holds[3].intensity", "invalid")], id="intensity-true"
    ),
    pytest.param(
        lambda b: b["measurements"][0].update(value="72.5"), [("measurements[0].value", "invalid")], id="value-str"
    ),
    pytest.param(lambda b: b.update(notes=5), [("notes", "invalid")], id="notes-number"),
    # Unknown fields
    pytest.param(lambda b: b.update(colour="red"), [("colour", "unknown_field")], id="unknown-top-level-field"),
    pytest.param(
        lambda b: b["holds"][0].update(colour="red"), [("holds[0].colour", "unknown_field")], id="unknown-hold-field"
    ),
    # Catalog references and what they allow
    pytest.param(
        lambda b: b["holds"][0].update(exercise="no-such-stretch"),
        [("holds[0].exercise", "invalid")],
        id="unknown-exercise",
    ),
    pytest.param(
        lambda b: with_stop_event(b, kind="no-such-sign"), [("stop_events[0].kind", "invalid")], id="unknown-stop-sign"
    ),
    pytest.param(
        lambda b: with_stop_event(b, kind="other", note=""), [("stop_events[0].note", "invalid")], id="other-no-note"
    ),
    pytest.param(
        lambda b: b["holds"][0].update(side="both"), [("holds[0].side", "invalid")], id="both-on-per-side-exercise"
    ),
    pytest.param(
        lambda b: b["holds"][0].update(exercise=BOTH_SIDES, side="left"),
        [("holds[0].side", "invalid")],
        id="left-on-both-sides-exercise",
    ),
    pytest.param(
        lambda b: b["holds"][0].update(contract_seconds=6),
        [("holds[0].contract_seconds", "invalid")],
        id="pnf-seconds-on-non-pnf",
    ),
    # Time
    pytest.param(
        lambda b: with_stop_event(b, occurred_at=moved(b["started_at"], hours=-1)),
        [("stop_events[0].occurred_at", "invalid")],
        id="stop-event-1h-before-start",
    ),
    pytest.param(
        lambda b: b.update(ended_at=moved(b["started_at"], minutes=-1)),
        [("ended_at", "invalid")],
        id="ended-before-started",
    ),
    pytest.param(
        lambda b: b.update(started_at=b["started_at"].removesuffix("Z")),
        [("started_at", "naive")],
        id="naive-started-at",
    ),
    pytest.param(
        lambda b: b["holds"][0].update(started_at=b["holds"][0]["started_at"].removesuffix("Z")),
        [("holds[0].started_at", "naive")],
        id="naive-hold-started-at",
    ),
    pytest.param(lambda b: b.update(started_at="2024-01-01T12:99:00Z"), [("started_at", "invalid")], id="minute-99"),
    pytest.param(
        lambda b: b.update(started_at="0001-01-01T00:01:01+00:00", ended_at=None),
        [("started_at", "too_early")],
        id="year-one",
    ),
    pytest.param(
        lambda b: with_stop_event(b, hold_index=4),
        [("stop_events[0].hold_index", "invalid")],
        id="hold-index-out-of-range",
    ),
    # Measurements
    pytest.param(
        lambda b: b["measurements"][0].update(unit="cm"),
        [("measurements[0].unit", "invalid")],
        id="straight-leg-raise-in-cm",
    ),
    pytest.param(
        lambda b: b["measurements"][0].update(kind="sit_and_reach", unit="cm", value=5.0, side="left"),
        [("measurements[0].side", "invalid")],
        id="sit-and-reach-with-side",
    ),
    pytest.param(
        lambda b: without(b["measurements"][0], "side"), [("measurements[0].side", "invalid")], id="leg-angle-no-side"
    ),
    pytest.param(
        lambda b: b["measurements"][0].update(value=200), [("measurements[0].value", "invalid")], id="angle-200-deg"
    ),
    # Assistance
    pytest.param(
        lambda b: b.update(assisted_by="trainer", partner_name=""),
        [("trainer_id", "invalid")],
        id="trainer-without-trainer-id",
    ),
    pytest.param(lambda b: b.update(partner_name=""), [("partner_name", "invalid")], id="partner-without-partner-name"),
    # Structure
    pytest.param(
        lambda b: [hold.update(id="6d0a7c5e-2f1b-4b8e-9a57-1c1f7f0e8b11") for hold in b["holds"][:2]],
        [("holds[1].id", "invalid")],
        id="duplicate-hold-ids",
    ),
    pytest.param(lambda b: without(b, "goal"), [("goal", "required")], id="missing-goal"),
    pytest.param(
        lambda b: without(b["holds"][0], "intensity"), [("holds[0].intensity", "required")], id="missing-intensity"
    ),
    pytest.param(lambda b: b.update(id="not-a-uuid"), [("id", "invalid")], id="invalid-uuid"),
]


@pytest.mark.parametrize(("spoil", "expected_errors"), BAD_UPLOADS)
def test_upload_with_one_bad_value_is_refused_naming_it_and_stores_nothing(as_client, spoil, expected_errors):
    body = session_payload(holds=4)
    spoil(body)

    response = upload(as_client, body)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert field_errors(response) == expected_errors
    assert stored_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        pytest.param(lambda b: b.update(id=12345), "id", id="session-id"),
        pytest.param(lambda b: b["holds"][0].update(id=12345), "holds[0].id", id="hold-id"),
    ],
)
def test_upload_with_an_integer_id_is_refused(as_client, spoil, field):
    body = session_payload(holds=4)
    spoil(body)

    response = upload(as_client, body)

    assert response.status_code == 400
    assert field_errors(response) == [(field, "invalid")]
    assert stored_counts() == (0, 0, 0, 0)


def test_upload_with_a_stop_event_an_hour_after_the_end_is_refused(as_client):
    # Started three hours ago so that an hour after the end is still in the past: only the window is wrong.
    body = session_payload(started=timezone.now() - timedelta(hours=3))
    with_stop_event(body, occurred_at=moved(body["ended_at"], hours=1))

    response = upload(as_client, body)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"] == [
        {
            "field": "stop_events[0].occurred_at",
            "code": "invalid",
            "message": "Must fall within the session's start and end (5 minutes of tolerance).",
        }
    ]
    assert stored_counts() == (0, 0, 0, 0)


def test_upload_starting_an_hour_in_the_future_is_refused(as_client):
    body = session_payload(holds=1, started=timezone.now() + timedelta(hours=1))
    del body["ended_at"]  # in progress, so that only started_at is wrong
    del body["holds"][0]["started_at"]
    body["measurements"][0]["measured_at"] = iso(timezone.now())

    response = upload(as_client, body)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"] == [
        {
            "field": "started_at",
            "code": "invalid",
            "message": "Must not be in the future (more than 5 minutes of clock skew).",
        }
    ]
    assert stored_counts() == (0, 0, 0, 0)


def test_upload_assisted_by_a_client_account_as_trainer_is_refused(as_client, other_client):
    body = session_payload(assisted_by="trainer", trainer_id=other_client.pk, partner_name="")

    response = upload(as_client, body)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert field_errors(response) == [("trainer_id", "invalid")]
    assert stored_counts() == (0, 0, 0, 0)


def test_upload_assisted_by_a_trainer_with_a_partner_name_is_refused(as_client, trainer):
    body = session_payload(assisted_by="trainer", trainer_id=trainer.pk, partner_name="Sam")

    response = upload(as_client, body)

    assert response.status_code == 400
    assert field_errors(response) == [("partner_name", "invalid")]
    assert stored_counts() == (0, 0, 0, 0)


def test_upload_with_300_holds_is_accepted(as_client):
    body = session_payload(holds=1)
    body["holds"] = [{**body["holds"][0], "started_at": None} for _ in range(300)]

    response = upload(as_client, body)

    assert response.status_code == 201
    assert stored_counts() == (1, 300, 0, 1)


# Bodies that are not a JSON session ---------------------------------------------------


def test_upload_of_malformed_json_is_a_parse_error(as_client):
    response = as_client.post(SESSIONS, data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "parse_error"
    assert stored_counts() == (0, 0, 0, 0)


def test_upload_as_form_data_is_an_unsupported_media_type(as_client):
    body = {"id": str(uuid.uuid4()), "started_at": iso(timezone.now()), "goal": "general_flexibility"}

    response = as_client.post(SESSIONS, body, format="multipart")

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "unsupported_media_type"
    assert stored_counts() == (0, 0, 0, 0)


def test_upload_larger_than_the_body_limit_is_413(as_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = session_payload(holds=20)
    assert len(json.dumps(body)) > 2000

    response = upload(as_client, body)

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "request_too_large"
    assert response.json()["status"] == 413
    assert stored_counts() == (0, 0, 0, 0)


# Alarming but valid safety data --------------------------------------------------------


def test_upload_with_a_hold_above_target_intensity_is_accepted_and_flagged(as_client):
    body = session_payload(holds=4)
    body["holds"][1]["intensity"] = 9  # the exercise's target is at most 7

    response = upload(as_client, body)

    data = response.json()
    assert response.status_code == 201
    assert [hold["above_target"] for hold in data["holds"]] == [False, True, False, False]
    assert [hold["intensity"] for hold in data["holds"]] == [6, 9, 6, 6]
    assert data["flags"] == {
        "flagged": True,
        "has_stop_event": False,
        "holds_above_target": 1,
        "holds_outside_dose": 0,
        "max_pain": None,
    }
    assert stored_counts() == (1, 4, 0, 1)


# Live appends and edits ------------------------------------------------------------------


@pytest.fixture
def stored_session(as_client) -> dict:
    """A finished session of `as_client` with two holds, as the API returned it (plus its ETag)."""
    response = upload(as_client, session_payload(holds=2))
    assert response.status_code == 201
    return {**response.json(), "etag": response["ETag"]}


def live_hold(**overrides) -> dict:
    hold = {"id": str(uuid.uuid4()), "exercise": PER_SIDE, "side": "left", "held_seconds": 30, "intensity": 6}
    hold.update(overrides)
    return hold


def live_stop_event(session: dict, **overrides) -> dict:
    event = {
        "id": str(uuid.uuid4()),
        "kind": "sharp-pain",
        "side": "left",
        "occurred_at": moved(session["started_at"], minutes=10),
        "pain": 5,
        "action": "eased_off",
    }
    event.update(overrides)
    return event


@pytest.mark.parametrize(
    ("hold", "expected_errors"),
    [
        pytest.param(live_hold(intensity=11), [("intensity", "max_value")], id="intensity-11"),
        pytest.param(live_hold(exercise="no-such-stretch"), [("exercise", "invalid")], id="unknown-exercise"),
        pytest.param({k: v for k, v in live_hold().items() if k != "id"}, [("id", "required")], id="missing-id"),
    ],
)
def test_live_hold_with_a_bad_value_is_refused_and_stores_nothing(as_client, stored_session, hold, expected_errors):
    url = f"{SESSIONS}{stored_session['id']}/holds/"

    response = as_client.post(url, hold, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert field_errors(response) == expected_errors
    assert stored_counts() == (1, 2, 0, 1)
    assert StretchSession.objects.get().version == 1


def test_live_stop_event_of_an_unknown_kind_is_refused(as_client, stored_session):
    url = f"{SESSIONS}{stored_session['id']}/stop-events/"

    response = as_client.post(url, live_stop_event(stored_session, kind="no-such-sign"), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert field_errors(response) == [("kind", "invalid")]
    assert stored_counts() == (1, 2, 0, 1)
    assert StretchSession.objects.get().version == 1


@pytest.mark.parametrize("hold_of", ["nothing", "another-session"])
def test_live_stop_event_naming_a_hold_outside_the_session_is_refused(as_client, stored_session, hold_of):
    other = upload(as_client, session_payload(holds=1)).json()
    hold_id = other["holds"][0]["id"] if hold_of == "another-session" else str(uuid.uuid4())
    url = f"{SESSIONS}{stored_session['id']}/stop-events/"

    response = as_client.post(url, live_stop_event(stored_session, hold=hold_id), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert field_errors(response) == [("hold", "invalid")]
    assert stored_counts() == (2, 3, 0, 2)
    assert StretchSession.objects.get(pk=stored_session["id"]).version == 1


@pytest.mark.parametrize(
    ("change", "expected_errors"),
    [
        pytest.param(lambda s: {"colour": "red"}, [("colour", "unknown_field")], id="unknown-field"),
        pytest.param(
            lambda s: {"ended_at": moved(s["started_at"], minutes=-1)},
            [("ended_at", "invalid")],
            id="ended-before-started",
        ),
    ],
)
def test_patch_with_a_bad_value_is_refused_and_changes_nothing(as_client, stored_session, change, expected_errors):
    url = f"{SESSIONS}{stored_session['id']}/"
    before = as_client.get(url)

    response = as_client.patch(url, change(stored_session), format="json", HTTP_IF_MATCH=before["ETag"])

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "validation_error"
    assert field_errors(response) == expected_errors
    after = as_client.get(url)
    assert after["ETag"] == before["ETag"]
    assert after.json() == before.json()


def test_patch_ending_the_session_before_its_last_hold_is_refused(as_client):
    body = session_payload(holds=1)
    body["holds"][0]["started_at"] = moved(body["started_at"], minutes=20)
    etag = upload(as_client, body)["ETag"]

    response = as_client.patch(
        f"{SESSIONS}{body['id']}/", {"ended_at": moved(body["started_at"], minutes=10)}, format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip

    assert response.status_code == 400
    assert field_errors(response) == [("ended_at", "invalid")]
    assert StretchSession.objects.get().version == 1


def test_live_hold_past_the_session_limit_is_refused(as_client):
    body = session_payload(holds=300)
    for hold in body["holds"]:
        del hold["started_at"]
    assert upload(as_client, body).status_code == 201

    response = as_client.post(f"{SESSIONS}{body['id']}/holds/", live_hold(), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "hold_limit_reached"
    assert Hold.objects.count() == 300
