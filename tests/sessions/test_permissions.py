"""Who may do what with a session: every session URL × every kind of caller.

A session belongs to its owner alone. Anyone else — another client, a
trainer, staff — gets a 404 for it (never a 403, never its data), and an
anonymous caller gets a 401 with a Bearer challenge.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from sessions.models import DeviceToken, Hold, StopEvent, StretchSession
from tests.conftest import bearer_client
from tests.sessions.payloads import iso, session_payload, stop_event

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
PROGRESS = "/api/v1/progress/"
ME = "/api/v1/me/"
PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance", "request_id"}
EXERCISE = "assisted-lying-hamstring-stretch"
OWNER_NOTES = "Private: left knee still sore after the fall."
OWNER_PARTNER = "Rosalind Partnerby"
USER_FIXTURES = {"owner": "client_user", "other_client": "other_client", "trainer": "trainer", "staff": "staff"}
OTHERS = ["other_client", "trainer", "staff"]


def signed_in(request, identity: str) -> APIClient:
    """A client for `identity`: anonymous, or a user fixture signed in with a real device token."""
    if identity == "anonymous":
        return APIClient()
    return bearer_client(request.getfixturevalue(USER_FIXTURES[identity]), device_name=f"{identity}-phone")


@pytest.fixture
def owner_session(client_user) -> dict:
    """A finished session of `client_user` with two holds and a stop event; its upload body, id and ETag."""
    body = session_payload(holds=2, notes=OWNER_NOTES, partner_name=OWNER_PARTNER)
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
    response = bearer_client(client_user, device_name="owner-setup").post(SESSIONS, body, format="json")
    assert response.status_code == 201
    return {"body": body, "id": body["id"], "etag": response["ETag"], "url": f"{SESSIONS}{body['id']}/"}


def owner_state(session: dict) -> tuple:
    """What a caller could have changed about the owner's session."""
    stored = StretchSession.objects.get(pk=session["id"])
    return (
        stored.version,
        stored.deleted_at,
        stored.notes,
        Hold.objects.filter(session=stored).count(),
        StopEvent.objects.filter(session=stored).count(),
    )


def _minutes_into(session: dict, minutes: int) -> str:
    return iso(parse_datetime(session["body"]["started_at"]) + timedelta(minutes=minutes))


# Each endpoint as (caller, owner's session) -> response ------------------------------------


def list_sessions(client, session):
    return client.get(SESSIONS)


def upload_session(client, session):
    return client.post(SESSIONS, session_payload(holds=1), format="json")


def retrieve_session(client, session):
    return client.get(session["url"])


def patch_session(client, session):
    return client.patch(session["url"], {"notes": "Changed."}, format="json", HTTP_IF_MATCH=session["etag"])


def delete_session(client, session):
    return client.delete(session["url"], HTTP_IF_MATCH=session["etag"])


def append_hold(client, session):
    hold = {"id": str(uuid.uuid4()), "exercise": EXERCISE, "side": "left", "held_seconds": 30, "intensity": 6}
    return client.post(f"{session['url']}holds/", hold, format="json")


def append_stop_event(client, session):
    event = {
        "id": str(uuid.uuid4()),
        "kind": "cramping",
        "side": "right",
        "occurred_at": _minutes_into(session, 10),
        "pain": 3,
        "action": "eased_off",
    }
    return client.post(f"{session['url']}stop-events/", event, format="json")


def get_progress(client, session):
    return client.get(PROGRESS, {"exercise": EXERCISE})


def get_me(client, session):
    return client.get(ME)


ENDPOINTS = [
    pytest.param(list_sessions, id="GET-sessions"),
    pytest.param(upload_session, id="POST-sessions"),
    pytest.param(retrieve_session, id="GET-session"),
    pytest.param(patch_session, id="PATCH-session"),
    pytest.param(delete_session, id="DELETE-session"),
    pytest.param(append_hold, id="POST-session-holds"),
    pytest.param(append_stop_event, id="POST-session-stop-events"),
    pytest.param(get_progress, id="GET-progress"),
    pytest.param(get_me, id="GET-me"),
]
OBJECT_ENDPOINTS = [
    pytest.param(retrieve_session, id="GET-session"),
    pytest.param(patch_session, id="PATCH-session"),
    pytest.param(delete_session, id="DELETE-session"),
    pytest.param(append_hold, id="POST-session-holds"),
    pytest.param(append_stop_event, id="POST-session-stop-events"),
]


# Anonymous -------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_request_is_401_with_a_bearer_challenge(owner_session, endpoint):
    before = owner_state(owner_session)

    response = endpoint(APIClient(), owner_session)

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == PROBLEM_KEYS
    assert owner_state(owner_session) == before
    assert StretchSession.objects.count() == 1


# The owner -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "expected_status"),
    [
        pytest.param(list_sessions, 200, id="GET-sessions"),
        pytest.param(upload_session, 201, id="POST-sessions"),
        pytest.param(retrieve_session, 200, id="GET-session"),
        pytest.param(patch_session, 200, id="PATCH-session"),
        pytest.param(delete_session, 204, id="DELETE-session"),
        pytest.param(append_hold, 201, id="POST-session-holds"),
        pytest.param(append_stop_event, 201, id="POST-session-stop-events"),
        pytest.param(get_progress, 200, id="GET-progress"),
        pytest.param(get_me, 200, id="GET-me"),
    ],
)
def test_owner_request_succeeds(request, owner_session, endpoint, expected_status):
    owner = signed_in(request, "owner")

    response = endpoint(owner, owner_session)

    assert response.status_code == expected_status


def test_owner_list_shows_the_owners_session(request, owner_session):
    owner = signed_in(request, "owner")

    response = list_sessions(owner, owner_session)

    assert response.status_code == 200
    assert [session["id"] for session in response.json()["results"]] == [owner_session["id"]]


def test_owner_retrieve_shows_the_session_with_its_etag(request, owner_session):
    owner = signed_in(request, "owner")

    response = retrieve_session(owner, owner_session)

    assert response.status_code == 200
    assert response["ETag"] == owner_session["etag"]
    assert response.json()["id"] == owner_session["id"]
    assert response.json()["notes"] == OWNER_NOTES


# Everyone else: another client, a trainer, staff ---------------------------------------------


@pytest.mark.parametrize("identity", OTHERS)
@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS)
def test_another_user_gets_404_for_the_owners_session_and_changes_nothing(request, owner_session, endpoint, identity):
    caller = signed_in(request, identity)
    before = owner_state(owner_session)

    response = endpoint(caller, owner_session)

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == PROBLEM_KEYS
    assert "ETag" not in response
    assert OWNER_NOTES not in response.content.decode()
    assert OWNER_PARTNER not in response.content.decode()
    assert "client@example.com" not in response.content.decode()
    assert owner_state(owner_session) == before


@pytest.mark.parametrize("identity", OTHERS)
def test_another_users_list_shows_only_their_own_sessions(request, owner_session, identity):
    caller = signed_in(request, identity)
    own = caller.post(SESSIONS, session_payload(holds=1), format="json").json()

    response = list_sessions(caller, owner_session)

    assert response.status_code == 200
    assert [session["id"] for session in response.json()["results"]] == [own["id"]]
    assert OWNER_NOTES not in response.content.decode()


@pytest.mark.parametrize("identity", OTHERS)
def test_another_users_progress_leaves_out_the_owners_holds(request, owner_session, identity):
    caller = signed_in(request, identity)

    response = get_progress(caller, owner_session)

    assert response.status_code == 200
    assert [(side["side"], side["holds"]) for side in response.json()["sides"]] == [("left", []), ("right", [])]
    assert response.json()["measurements"] == []


@pytest.mark.parametrize("identity", ["owner", *OTHERS])
def test_an_upload_belongs_to_whoever_signed_in(request, owner_session, identity):
    caller = signed_in(request, identity)

    response = upload_session(caller, owner_session)

    assert response.status_code == 201
    stored = StretchSession.objects.get(pk=response.json()["id"])
    assert stored.owner == request.getfixturevalue(USER_FIXTURES[identity])
    assert StretchSession.objects.filter(pk=owner_session["id"]).values_list("owner__email", flat=True).get() == (
        "client@example.com"
    )


@pytest.mark.parametrize(
    ("identity", "email"),
    [
        ("owner", "client@example.com"),
        ("other_client", "other@example.com"),
        ("trainer", "trainer@example.com"),
        ("staff", "staff@example.com"),
    ],
)
def test_me_is_the_signed_in_user(request, identity, email):
    caller = signed_in(request, identity)

    response = get_me(caller, None)

    assert response.status_code == 200
    assert response.json()["email"] == email


# Bad tokens ------------------------------------------------------------------------------


def _expired(user) -> APIClient:
    client = bearer_client(user)
    DeviceToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))
    return client


def _revoked(user) -> APIClient:
    client = bearer_client(user)
    DeviceToken.objects.filter(user=user).delete()
    return client


def _with_header(value: str):
    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=value)
        return client

    return make


@pytest.mark.parametrize(
    "make_client",
    [
        pytest.param(_expired, id="expired"),
        pytest.param(_revoked, id="revoked"),
        pytest.param(_with_header("Bearer " + "0" * 64), id="unknown"),
        pytest.param(_with_header("Bearer not-a-token"), id="malformed"),
        pytest.param(_with_header("Bearer"), id="empty"),
    ],
)
def test_invalid_bearer_token_is_401(owner_session, client_user, make_client):
    caller = make_client(client_user)

    response = caller.get(SESSIONS)

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "authentication_failed"
    assert set(response.json()) == PROBLEM_KEYS


# A foreign session id --------------------------------------------------------------------


@pytest.mark.parametrize("content", ["same", "different"])
def test_reuploading_another_users_session_id_is_409_and_reveals_nothing(request, owner_session, content):
    caller = signed_in(request, "other_client")
    if content == "same":
        body = owner_session["body"]
    else:
        body = session_payload(holds=1, id=owner_session["id"], notes="Mine.", partner_name="Alex")
    before = owner_state(owner_session)

    response = caller.post(SESSIONS, body, format="json")

    text = response.content.decode()
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "session_id_taken"
    assert set(response.json()) == PROBLEM_KEYS
    assert "ETag" not in response
    assert OWNER_NOTES not in text
    assert OWNER_PARTNER not in text
    assert "client@example.com" not in text
    assert "held_seconds" not in text
    assert "intensity" not in text
    assert owner_state(owner_session) == before
    assert StretchSession.objects.count() == 1
