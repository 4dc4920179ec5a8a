"""The trainer's side: consent, the client list, client data reads, and the safety-alert feed."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import AccessLogEntry, Alert, TrainerInvitation, TrainerLink
from tests.conftest import bearer_client
from tests.sessions.payloads import iso, session_payload, stop_event

pytestmark = pytest.mark.django_db


def link(trainer_api, client_api) -> dict:
    """The trainer invites, the client accepts; returns the link as the client sees it."""
    code = trainer_api.post("/api/v1/trainer/invitations/").json()["code"]
    response = client_api.post("/api/v1/me/trainers/", {"code": code}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def upload(client_api, body) -> dict:
    response = client_api.post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def trainer_api(trainer):
    return bearer_client(trainer)


# Consent ----------------------------------------------------------------------------


def test_invitation_code_links_client_and_trainer(trainer_api, as_client, trainer, client_user):
    created = trainer_api.post("/api/v1/trainer/invitations/")

    accepted = as_client.post("/api/v1/me/trainers/", {"code": created.json()["code"].lower()}, format="json")

    assert created.status_code == 201
    assert len(created.json()["code"]) == 8
    assert accepted.status_code == 201
    assert accepted.json()["trainer"] == {"id": trainer.pk, "email": trainer.email, "display_name": ""}
    assert TrainerLink.objects.get().client == client_user
    assert [t["trainer"]["id"] for t in as_client.get("/api/v1/me/trainers/").json()] == [trainer.pk]


@pytest.mark.parametrize("state", ["used", "expired", "unknown"])
def test_a_used_expired_or_unknown_code_is_refused(trainer_api, as_client, other_client, state):
    code = trainer_api.post("/api/v1/trainer/invitations/").json()["code"]
    if state == "used":
        bearer_client(other_client).post("/api/v1/me/trainers/", {"code": code}, format="json")
    elif state == "expired":
        TrainerInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        code = "ZZZZZZZZ"

    response = as_client.post("/api/v1/me/trainers/", {"code": code}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invitation_invalid"
    assert not TrainerLink.objects.filter(client__email="client@example.com").exists()


def test_only_trainers_create_invitations(as_client):
    response = as_client.post("/api/v1/trainer/invitations/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_a_client_may_have_several_trainers(trainer_api, as_client, make_user):
    second = bearer_client(make_user("second-trainer@example.com", role="trainer"))

    link(trainer_api, as_client)
    link(second, as_client)

    assert len(as_client.get("/api/v1/me/trainers/").json()) == 2


def test_ending_the_link_ends_access_at_once(trainer_api, as_client, client_user):
    created = link(trainer_api, as_client)
    sessions_url = f"/api/v1/trainer/clients/{client_user.pk}/sessions/"
    assert trainer_api.get(sessions_url).status_code == 200

    ended = as_client.delete(f"/api/v1/me/trainers/{created['id']}/")

    assert ended.status_code == 204
    assert trainer_api.get(sessions_url).status_code == 404
    assert trainer_api.get("/api/v1/trainer/clients/").json() == []


# Permission matrix ------------------------------------------------------------------

TRAINER_URLS = [
    ("get", "/api/v1/trainer/clients/{client}/sessions/"),
    ("get", "/api/v1/trainer/clients/{client}/programs/"),
    ("get", "/api/v1/trainer/clients/{client}/progress/?exercise=assisted-lying-hamstring-stretch"),
    ("post", "/api/v1/trainer/alerts/{alert}/acknowledge/"),
]


@pytest.fixture
def world(client_user, trainer, staff, make_user):
    """A client with a flagged session, a consented trainer, and the other identities."""
    client_api = bearer_client(client_user)
    trainer_api = bearer_client(trainer)
    body = session_payload(holds=2)
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
    upload(client_api, body)
    consent = link(trainer_api, client_api)
    revoked = make_user("revoked@example.com", role="trainer")
    revoked_api = bearer_client(revoked)
    revoked_link = link(revoked_api, client_api)
    client_api.delete(f"/api/v1/me/trainers/{revoked_link['id']}/")
    return {
        "ids": {"client": client_user.pk, "alert": Alert.objects.get().pk},
        "consent": consent,
        "identities": {
            "anonymous": None,
            "client": client_api,
            "trainer_without_consent": bearer_client(make_user("stranger@example.com", role="trainer")),
            "trainer_with_consent": trainer_api,
            "trainer_after_revoke": revoked_api,
            "staff": bearer_client(staff),
        },
    }


EXPECTED = {
    "anonymous": 401,
    "client": 403,
    "trainer_without_consent": 404,
    "trainer_with_consent": 200,
    "trainer_after_revoke": 404,
    "staff": 200,
}


@pytest.mark.parametrize(("method", "url"), TRAINER_URLS)
@pytest.mark.parametrize("identity", list(EXPECTED))
def test_trainer_endpoints_show_data_only_to_consented_trainers_and_staff(world, api_client, method, url, identity):
    caller = world["identities"][identity] or api_client

    response = getattr(caller, method)(url.format(**world["ids"]), {}, format="json")

    assert response.status_code == EXPECTED[identity]
    if EXPECTED[identity] != 200:
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("identity", list(EXPECTED))
def test_lists_contain_the_client_only_for_consented_trainers_and_staff(world, api_client, identity):
    caller = world["identities"][identity] or api_client

    clients = caller.get("/api/v1/trainer/clients/")
    alerts = caller.get("/api/v1/trainer/alerts/")

    if identity in ("anonymous", "client"):
        assert (clients.status_code, alerts.status_code) == (EXPECTED[identity],) * 2
        return
    sees = EXPECTED[identity] == 200
    assert [c["id"] for c in clients.json()] == ([world["ids"]["client"]] if sees else [])
    assert len(alerts.json()["results"]) == (1 if sees else 0)


# Alerts -------------------------------------------------------------------------------


def test_a_stop_event_with_high_pain_raises_a_stop_event_and_a_high_pain_alert_seen_by_each_consented_trainer(
    trainer_api, as_client, make_user, client_user
):
    second = bearer_client(make_user("second-trainer@example.com", role="trainer"))
    link(trainer_api, as_client)
    link(second, as_client)
    body = session_payload(holds=2)
    body["stop_events"] = [stop_event(body["holds"][1]["started_at"], hold_index=1, pain=8)]

    upload(as_client, body)

    for api in (trainer_api, second):
        alerts = api.get("/api/v1/trainer/alerts/").json()["results"]
        assert [(a["kind"], a["stop_sign"], a["pain"], a["exercise"], a["side"]) for a in alerts] == [
            ("high_pain", "sharp-pain", 8, "assisted-lying-hamstring-stretch", "left"),
            ("stop_event", "sharp-pain", 8, "assisted-lying-hamstring-stretch", "left"),
        ]
    assert Alert.objects.count() == 2


def test_a_hold_above_target_raises_one_alert(trainer_api, as_client):
    link(trainer_api, as_client)
    body = session_payload(holds=2)
    body["holds"][1]["intensity"] = 9

    upload(as_client, body)

    alerts = trainer_api.get("/api/v1/trainer/alerts/").json()["results"]
    assert [(a["kind"], a["intensity"], a["side"]) for a in alerts] == [("above_target", 9, "right")]


def test_a_pain_rating_of_seven_raises_a_high_pain_alert(trainer_api, as_client):
    link(trainer_api, as_client)
    body = session_payload(holds=2)
    body["holds"][0]["pain"] = 7
    body["holds"][1]["pain"] = 6

    upload(as_client, body)

    alerts = trainer_api.get("/api/v1/trainer/alerts/").json()["results"]
    assert [(a["kind"], a["pain"]) for a in alerts] == [("high_pain", 7)]


def test_a_retried_upload_raises_no_second_alert(trainer_api, as_client):
    link(trainer_api, as_client)
    body = session_payload(holds=1)
    body["stop_events"] = [stop_event(body["started_at"])]

    upload(as_client, body)
    as_client.post("/api/v1/sessions/", body, format="json")

    assert Alert.objects.count() == 1


def test_a_live_stop_event_raises_its_alert(trainer_api, as_client):
    link(trainer_api, as_client)
    body = session_payload(holds=0, started=timezone.now() - timedelta(minutes=5), measurements=[])
    del body["ended_at"]
    upload(as_client, body)
    event = {**stop_event(iso(timezone.now()), kind="numbness"), "id": str(uuid.uuid4())}

    as_client.post(f"/api/v1/sessions/{body['id']}/stop-events/", event, format="json")

    assert [a["stop_sign"] for a in trainer_api.get("/api/v1/trainer/alerts/").json()["results"]] == ["numbness"]


def test_acknowledging_an_alert_records_who_and_the_note(trainer_api, as_client, trainer):
    link(trainer_api, as_client)
    body = session_payload(holds=1)
    body["stop_events"] = [stop_event(body["started_at"])]
    upload(as_client, body)
    alert = Alert.objects.get()

    response = trainer_api.post(
        f"/api/v1/trainer/alerts/{alert.pk}/acknowledge/", {"note": "Called; all fine."}, format="json"
    )

    data = response.json()
    assert response.status_code == 200
    assert data["acknowledged_by"]["id"] == trainer.pk
    assert data["note"] == "Called; all fine."
    assert trainer_api.get("/api/v1/trainer/alerts/", {"acknowledged": "false"}).json()["results"] == []
    assert len(trainer_api.get("/api/v1/trainer/alerts/", {"acknowledged": "true"}).json()["results"]) == 1


def test_alert_feed_filters_by_kind_and_client(trainer_api, as_client, other_client, client_user):
    other_api = bearer_client(other_client)
    link(trainer_api, as_client)
    link(trainer_api, other_api)
    mine = session_payload(holds=1)
    mine["holds"][0]["intensity"] = 9
    theirs = session_payload(holds=1)
    theirs["stop_events"] = [stop_event(theirs["started_at"])]
    upload(as_client, mine)
    upload(other_api, theirs)

    def kinds(**params):
        return [a["kind"] for a in trainer_api.get("/api/v1/trainer/alerts/", params).json()["results"]]

    assert kinds(kind="stop_event") == ["stop_event"]
    assert kinds(client=client_user.pk) == ["above_target"]
    assert sorted(kinds()) == ["above_target", "stop_event"]


# Client list and access log ---------------------------------------------------------


def test_client_list_shows_activity_and_open_alerts(trainer_api, as_client, client_user):
    link(trainer_api, as_client)
    now = timezone.now()
    for days in (1, 3, 10, 40):
        body = session_payload(holds=1, started=now - timedelta(days=days))
        if days == 3:
            body["holds"][0]["intensity"] = 9
        upload(as_client, body)

    [row] = trainer_api.get("/api/v1/trainer/clients/").json()

    assert row["id"] == client_user.pk
    assert row["sessions_last_7_days"] == 2
    assert row["sessions_last_28_days"] == 3
    assert row["open_alerts"] == 1
    assert row["last_session_at"] is not None


def test_every_trainer_read_is_in_the_clients_access_log(trainer_api, as_client, client_user, trainer):
    link(trainer_api, as_client)
    upload(as_client, session_payload(holds=1))

    trainer_api.get(f"/api/v1/trainer/clients/{client_user.pk}/sessions/")
    trainer_api.get(f"/api/v1/trainer/clients/{client_user.pk}/progress/", {"exercise": "leg-swings"})

    log = as_client.get("/api/v1/me/access-log/").json()["results"]
    assert [(entry["trainer"]["id"], entry["resource"]) for entry in log] == [
        (trainer.pk, "progress"),
        (trainer.pk, "sessions"),
    ]
    assert AccessLogEntry.objects.filter(client=client_user).count() == 2


def test_trainer_sees_the_client_sessions_in_the_clients_own_shape(trainer_api, as_client, client_user):
    link(trainer_api, as_client)
    body = session_payload(holds=2)
    upload(as_client, body)

    theirs = trainer_api.get(f"/api/v1/trainer/clients/{client_user.pk}/sessions/").json()["results"]
    own = as_client.get("/api/v1/sessions/").json()["results"]

    assert theirs == own


# Query budgets ----------------------------------------------------------------------


@pytest.mark.parametrize("clients", [2, 12])
def test_client_list_and_alert_feed_query_counts_are_fixed(trainer_api, make_user, django_assert_num_queries, clients):
    for n in range(clients):
        api = bearer_client(make_user(f"c{n}@example.com"))
        link(trainer_api, api)
        body = session_payload(holds=1)
        body["holds"][0]["intensity"] = 9  # above the target: an alert of its own
        body["stop_events"] = [stop_event(body["started_at"], hold_index=0)]
        upload(api, body)

    with django_assert_num_queries(2):  # token (1), clients with their counts
        trainer_api.get("/api/v1/trainer/clients/")
    # token (1), the page of alerts, what they point at (their holds and stop events, one query), one access-log insert
    with django_assert_num_queries(4):
        response = trainer_api.get("/api/v1/trainer/alerts/")

    assert len(response.json()["results"]) == 2 * clients


@pytest.mark.parametrize("identity", list(EXPECTED))
def test_assigning_a_program_is_for_consented_trainers_and_staff(world, api_client, identity):
    caller = world["identities"][identity] or api_client
    body = {
        "sessions_per_week": 2,
        "items": [{"exercise": "leg-swings", "goal": "mobility_warm_up", "holds_per_side": 1, "hold_seconds": 20}],
    }

    response = caller.post(f"/api/v1/trainer/clients/{world['ids']['client']}/programs/", body, format="json")

    assert response.status_code == (201 if EXPECTED[identity] == 200 else EXPECTED[identity])
