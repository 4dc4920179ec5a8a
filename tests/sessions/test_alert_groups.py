"""The trainer's safety feed grouped per session: one entry per session with all its reasons,
most urgent first, acknowledged at once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sessions.api.pagination import AlertGroupPagination
from sessions.models import AccessLogEntry, Alert
from tests.conftest import bearer_client
from tests.sessions.payloads import iso, session_payload, stop_event
from tests.sessions.test_trainer import EXPECTED, link, upload, world  # noqa: F401 (`world` is a fixture)

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/trainer/alert-groups/"
HAMSTRING = "assisted-lying-hamstring-stretch"


@pytest.fixture
def trainer_api(trainer):
    return bearer_client(trainer)


def escalated_session(*, hours_ago: int = 1) -> dict:
    """Four holds with pain 8 and a sharp pain the pair continued through during the second hold:
    four high-pain alerts, a stop-event alert and an escalation."""
    body = session_payload(holds=4, started=timezone.now() - timedelta(hours=hours_ago))
    for hold in body["holds"]:
        hold["pain"] = 8
    body["stop_events"] = [stop_event(body["holds"][1]["started_at"], hold_index=1, action="continued")]
    return body


def above_target_session(*, hours_ago: int = 1) -> dict:
    """One hold above the goal's cap: one above-target alert."""
    body = session_payload(holds=1, started=timezone.now() - timedelta(hours=hours_ago))
    body["holds"][0]["intensity"] = 9
    return body


def groups(api, **params) -> list[dict]:
    response = api.get(GROUPS, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def acknowledge(api, session_id: str, note: str | None = None):
    return api.post(f"{GROUPS}{session_id}/acknowledge/", {} if note is None else {"note": note}, format="json")


# The group ---------------------------------------------------------------------------


def test_a_sessions_reasons_form_one_group_most_urgent_first(trainer_api, as_client, client_user):
    link(trainer_api, as_client)
    body = escalated_session()
    upload(as_client, body)
    holds = body["holds"]

    [group] = groups(trainer_api)

    assert {key: value for key, value in group.items() if key != "reasons"} == {
        "session": body["id"],
        "client": {"id": client_user.pk, "email": "client@example.com", "display_name": ""},
        "started_at": group["started_at"],
        "most_urgent": "escalation",
        "occurred_at": group["occurred_at"],
        "open": 6,
        "acknowledged": False,
    }
    assert parse_datetime(group["started_at"]) == parse_datetime(body["started_at"])
    assert parse_datetime(group["occurred_at"]) == parse_datetime(holds[3]["started_at"])
    reasons = [
        (r["kind"], r["exercise"], r["side"], r["intensity"], r["pain"], r["stop_sign"], r["acknowledged_at"])
        for r in group["reasons"]
    ]
    assert reasons == [
        ("escalation", HAMSTRING, "left", 6, 6, "sharp-pain", None),
        ("stop_event", HAMSTRING, "left", 6, 6, "sharp-pain", None),
        ("high_pain", HAMSTRING, "right", 6, 8, None, None),
        ("high_pain", HAMSTRING, "left", 6, 8, None, None),
        ("high_pain", HAMSTRING, "right", 6, 8, None, None),
        ("high_pain", HAMSTRING, "left", 6, 8, None, None),
    ]
    assert [parse_datetime(r["occurred_at"]) for r in group["reasons"]] == [
        parse_datetime(holds[i]["started_at"]) for i in (1, 1, 3, 2, 1, 0)
    ]
    assert sorted(r["id"] for r in group["reasons"]) == sorted(Alert.objects.values_list("pk", flat=True))


def test_groups_are_ordered_by_their_most_urgent_open_reason_then_newest(trainer_api, as_client):
    link(trainer_api, as_client)
    older_escalated = escalated_session(hours_ago=5)
    newer_above_target = above_target_session(hours_ago=1)
    upload(as_client, older_escalated)
    upload(as_client, newer_above_target)

    before = [(g["session"], g["most_urgent"]) for g in groups(trainer_api)]
    acknowledge(trainer_api, older_escalated["id"])
    after = [(g["session"], g["most_urgent"], g["acknowledged"]) for g in groups(trainer_api)]

    assert before == [(older_escalated["id"], "escalation"), (newer_above_target["id"], "above_target")]
    assert after == [(newer_above_target["id"], "above_target", False), (older_escalated["id"], "escalation", True)]


def test_groups_of_equal_urgency_are_newest_first(trainer_api, as_client):
    link(trainer_api, as_client)
    older, newer = above_target_session(hours_ago=5), above_target_session(hours_ago=1)
    upload(as_client, older)
    upload(as_client, newer)

    assert [g["session"] for g in groups(trainer_api)] == [newer["id"], older["id"]]


def test_a_group_is_ordered_by_its_open_reasons_once_its_most_urgent_is_acknowledged(trainer_api, as_client):
    link(trainer_api, as_client)
    escalated = escalated_session(hours_ago=1)
    stop_only = session_payload(holds=1, started=timezone.now() - timedelta(hours=5))
    stop_only["stop_events"] = [stop_event(stop_only["holds"][0]["started_at"], hold_index=0)]
    upload(as_client, escalated)
    upload(as_client, stop_only)
    escalation = Alert.objects.get(kind="escalation")
    trainer_api.post(f"/api/v1/trainer/alerts/{escalation.pk}/acknowledge/", {}, format="json")

    ordered = [(g["session"], g["most_urgent"], g["open"]) for g in groups(trainer_api)]

    assert ordered == [(escalated["id"], "escalation", 5), (stop_only["id"], "stop_event", 1)]


# Filters and pages --------------------------------------------------------------------


def test_group_feed_filters_by_acknowledged_client_kind_and_since(
    trainer_api, as_client, other_client, client_user, other_client_api
):
    link(trainer_api, as_client)
    link(trainer_api, other_client_api)
    mine = escalated_session(hours_ago=5)
    theirs = above_target_session(hours_ago=1)
    upload(as_client, mine)
    upload(other_client_api, theirs)
    acknowledge(trainer_api, theirs["id"])

    def sessions(**params):
        return [g["session"] for g in groups(trainer_api, **params)]

    assert sessions(acknowledged="false") == [mine["id"]]
    assert sessions(acknowledged="true") == [theirs["id"]]
    assert sessions(client=other_client.pk) == [theirs["id"]]
    assert sessions(kind="high_pain") == [mine["id"]]
    assert sessions(kind="above_target") == [theirs["id"]]
    assert sessions(since=iso(timezone.now() - timedelta(hours=2))) == [theirs["id"]]
    assert [len(g["reasons"]) for g in groups(trainer_api, kind="escalation")] == [6]


@pytest.fixture
def other_client_api(other_client):
    return bearer_client(other_client)


def test_group_feed_is_paged_by_number_with_a_capped_page_size(trainer_api, as_client, monkeypatch):
    link(trainer_api, as_client)
    bodies = [above_target_session(hours_ago=hours) for hours in (1, 2, 3)]
    for body in bodies:
        upload(as_client, body)

    first = trainer_api.get(GROUPS, {"page_size": 2}).json()
    second = trainer_api.get(GROUPS, {"page_size": 2, "page": 2}).json()
    monkeypatch.setattr(AlertGroupPagination, "max_page_size", 1)
    capped = trainer_api.get(GROUPS, {"page_size": 100}).json()

    assert first["count"] == 3
    assert [g["session"] for g in first["results"] + second["results"]] == [body["id"] for body in bodies]
    assert second["next"] is None
    assert [g["session"] for g in capped["results"]] == [bodies[0]["id"]]


@pytest.mark.parametrize(("parameter", "value"), [("page", "last"), ("page", "0"), ("page_size", "abc")])
def test_group_feed_refuses_a_page_or_page_size_that_is_not_a_whole_number_from_one(trainer_api, parameter, value):
    response = trainer_api.get(GROUPS, {parameter: value})

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(parameter, "invalid")]


def test_group_feed_allows_a_hundred_groups_a_page():
    assert (AlertGroupPagination.page_size, AlertGroupPagination.max_page_size) == (20, 100)


# Acknowledging ------------------------------------------------------------------------


def test_acknowledging_a_group_acknowledges_all_its_reasons_and_only_them(trainer_api, as_client, trainer):
    link(trainer_api, as_client)
    escalated, other = escalated_session(hours_ago=5), above_target_session(hours_ago=1)
    upload(as_client, escalated)
    upload(as_client, other)

    response = acknowledge(trainer_api, escalated["id"], "Called; resting for a week.")

    group = response.json()
    assert response.status_code == 200
    assert (group["session"], group["open"], group["acknowledged"]) == (escalated["id"], 0, True)
    assert all(reason["acknowledged_at"] is not None for reason in group["reasons"])
    stored = Alert.objects.filter(session_id=escalated["id"])
    assert {(a.acknowledged_by_id, a.note) for a in stored} == {(trainer.pk, "Called; resting for a week.")}
    assert stored.count() == 6
    assert list(Alert.objects.filter(session_id=other["id"]).values_list("acknowledged_at", "note")) == [(None, "")]


def test_acknowledging_a_group_keeps_earlier_acknowledgements(trainer_api, as_client, trainer, staff):
    link(trainer_api, as_client)
    body = escalated_session()
    upload(as_client, body)
    escalation = Alert.objects.get(kind="escalation")
    trainer_api.post(f"/api/v1/trainer/alerts/{escalation.pk}/acknowledge/", {"note": "First."}, format="json")
    first = Alert.objects.get(pk=escalation.pk).acknowledged_at

    acknowledge(trainer_api, body["id"], "The rest.")
    rest = {a.pk: a.acknowledged_at for a in Alert.objects.exclude(pk=escalation.pk)}
    again = acknowledge(bearer_client(staff), body["id"], "Too late.")

    assert again.status_code == 200
    assert again.json()["acknowledged"] is True
    stored = {a.pk: (a.acknowledged_at, a.acknowledged_by_id, a.note) for a in Alert.objects.all()}
    assert stored == {
        escalation.pk: (first, trainer.pk, "First."),
        **{pk: (at, trainer.pk, "The rest.") for pk, at in rest.items()},
    }


def test_acknowledging_without_a_note_leaves_the_note_empty(trainer_api, as_client):
    link(trainer_api, as_client)
    body = above_target_session()
    upload(as_client, body)

    response = acknowledge(trainer_api, body["id"])

    assert response.status_code == 200
    assert list(Alert.objects.values_list("note", flat=True)) == [""]


# Who may see what ---------------------------------------------------------------------


def test_another_trainers_clients_group_is_neither_listed_nor_acknowledged(
    trainer_api, as_client, other_client, other_client_api, make_user
):
    link(trainer_api, as_client)
    link(bearer_client(make_user("other-trainer@example.com", role="trainer")), other_client_api)
    theirs = escalated_session()
    upload(other_client_api, theirs)

    listed = groups(trainer_api), groups(trainer_api, client=other_client.pk)
    response = acknowledge(trainer_api, theirs["id"], "Not mine.")

    assert listed == ([], [])
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert Alert.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_a_session_without_alerts_has_no_group(trainer_api, as_client):
    link(trainer_api, as_client)
    body = session_payload(holds=1)
    upload(as_client, body)

    assert groups(trainer_api) == []
    assert acknowledge(trainer_api, body["id"]).status_code == 404


@pytest.mark.parametrize("identity", list(EXPECTED))
def test_group_feed_lists_the_client_only_for_consented_trainers_and_staff(world, api_client, identity):  # noqa: F811
    caller = world["identities"][identity] or api_client

    response = caller.get(GROUPS)

    if identity in ("anonymous", "client"):
        assert response.status_code == EXPECTED[identity]
        assert response["Content-Type"] == "application/problem+json"
        return
    assert response.status_code == 200
    sees = EXPECTED[identity] == 200
    assert [g["client"]["id"] for g in response.json()["results"]] == ([world["ids"]["client"]] if sees else [])


@pytest.mark.parametrize("identity", list(EXPECTED))
def test_acknowledging_a_group_is_for_consented_trainers_and_staff(world, api_client, identity):  # noqa: F811
    caller = world["identities"][identity] or api_client
    session_id = Alert.objects.get().session_id

    response = caller.post(f"{GROUPS}{session_id}/acknowledge/", {}, format="json")

    assert response.status_code == EXPECTED[identity]
    assert Alert.objects.filter(acknowledged_at__isnull=False).exists() == (EXPECTED[identity] == 200)


# Access log -----------------------------------------------------------------------------


def test_group_reads_are_in_the_shown_clients_access_logs(
    trainer_api, as_client, client_user, other_client, other_client_api, trainer
):
    link(trainer_api, as_client)
    link(trainer_api, other_client_api)
    mine = escalated_session(hours_ago=1)
    upload(as_client, mine)
    upload(other_client_api, above_target_session(hours_ago=1))

    trainer_api.get(GROUPS, {"page_size": 1})
    acknowledge(trainer_api, mine["id"])

    entries = list(AccessLogEntry.objects.order_by("id").values_list("trainer_id", "client_id", "resource", "path"))
    assert entries == [
        (trainer.pk, client_user.pk, "alerts", f"{GROUPS}?page_size=1"),
        (trainer.pk, client_user.pk, "alerts", f"{GROUPS}{mine['id']}/acknowledge/"),
    ]
    assert AccessLogEntry.objects.filter(client=other_client).count() == 0


# Query budgets ------------------------------------------------------------------------


@pytest.mark.parametrize("sessions", [2, 12])
def test_group_feed_and_acknowledge_query_counts_are_fixed(trainer_api, as_client, django_assert_num_queries, sessions):
    link(trainer_api, as_client)
    bodies = [escalated_session(hours_ago=hours + 1) for hours in range(sessions)]
    for body in bodies:
        upload(as_client, body)

    # token (1), count, the page's sessions, their reasons with holds and stop events, one access-log insert
    with django_assert_num_queries(5):
        response = trainer_api.get(GROUPS)
    # token (1), the session, the service (savepoint, lock, update, the webhook endpoints to tell, release),
    # the group (2), one access-log insert
    with django_assert_num_queries(10):
        acknowledged = acknowledge(trainer_api, bodies[0]["id"])

    assert [len(g["reasons"]) for g in response.json()["results"]] == [6] * sessions
    assert acknowledged.json()["open"] == 0
