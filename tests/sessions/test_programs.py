"""Programs: a trainer assigns exercises and doses; the client gets timer plans and next steps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import Alert, Program
from tests.conftest import bearer_client
from tests.sessions.payloads import iso, session_payload, stop_event
from tests.sessions.test_trainer import link, upload

pytestmark = pytest.mark.django_db

EXERCISE = "assisted-lying-hamstring-stretch"  # general flexibility: 2–4 holds × 20–40 s, rest 15, target 5–7


def program_body(**item_overrides) -> dict:
    item = {"exercise": EXERCISE, "goal": "general_flexibility", "holds_per_side": 3, "hold_seconds": 25}
    item.update(item_overrides)
    return {"sessions_per_week": 3, "notes": "Evenings.", "items": [item]}


@pytest.fixture
def trainer_api(trainer):
    return bearer_client(trainer)


@pytest.fixture
def linked(trainer_api, as_client, client_user):
    link(trainer_api, as_client)
    return f"/api/v1/trainer/clients/{client_user.pk}/programs/"


def test_assigning_a_program_returns_each_items_plan_at_its_dose(trainer_api, linked):
    response = trainer_api.post(linked, program_body(), format="json")

    data = response.json()
    assert response.status_code == 201
    assert data["sessions_per_week"] == 3
    [item] = data["items"]
    assert (item["exercise"], item["holds_per_side"], item["hold_seconds"]) == (EXERCISE, 3, 25)
    assert [s["side"] for s in item["plan"]["sides"]] == ["left", "right"]
    assert [[p["seconds"] for p in h["phases"]] for h in item["plan"]["sides"][0]["holds"]] == [
        [25, 15],
        [25, 15],
        [25, 15],
    ]
    assert item["next_step"]["action"] == "start"


def test_a_programs_plans_carry_the_catalogs_medical_disclaimer(trainer_api, linked, as_client):
    from catalog.selectors import catalog_disclaimer

    trainer_api.post(linked, program_body(), format="json")

    [item] = as_client.get("/api/v1/me/program/").json()["items"]

    assert item["plan"]["disclaimer"] == catalog_disclaimer()
    assert "qualified" in item["plan"]["disclaimer"]


def test_a_new_program_ends_the_current_one(trainer_api, linked, client_user):
    trainer_api.post(linked, program_body(), format="json")

    trainer_api.post(linked, program_body(hold_seconds=30), format="json")

    programs = trainer_api.get(linked).json()
    assert [p["items"][0]["hold_seconds"] for p in programs] == [30, 25]
    assert programs[0]["ended_at"] is None and programs[1]["ended_at"] is not None
    assert Program.objects.filter(client=client_user, ended_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"hold_seconds": 60}, "items[0].hold_seconds", "outside_dose"),
        ({"holds_per_side": 6}, "items[0].holds_per_side", "outside_dose"),
        ({"goal": "mobility_warm_up", "exercise": "partner-quad-stretch"}, "items[0].goal", "goal_not_available"),
        ({"exercise": "no-such-stretch"}, "items[0].exercise", "invalid"),
        ({"hold_seconds": "25"}, "items[0].hold_seconds", "invalid"),
    ],
)
def test_a_dose_outside_the_catalog_is_refused_naming_the_field(trainer_api, linked, item, field, code):
    response = trainer_api.post(linked, program_body(**item), format="json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert not Program.objects.exists()


def test_a_stated_override_allows_a_dose_outside_the_range(trainer_api, linked):
    response = trainer_api.post(
        linked, program_body(hold_seconds=60, override_reason="Cleared by the physio for long holds."), format="json"
    )

    assert response.status_code == 201
    assert response.json()["items"][0]["override_reason"] == "Cleared by the physio for long holds."


def test_the_client_reads_the_current_program(trainer_api, linked, as_client, trainer):
    trainer_api.post(linked, program_body(), format="json")

    response = as_client.get("/api/v1/me/program/")

    assert response.status_code == 200
    assert response.json()["trainer"]["id"] == trainer.pk
    assert response.json()["items"][0]["plan"]["total_seconds"] == 2 * 3 * 25 + 5 * 15


def test_a_client_without_a_program_gets_404(as_client):
    response = as_client.get("/api/v1/me/program/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("who", ["anonymous", "client", "stranger"])
def test_only_consented_trainers_assign_programs(trainer_api, linked, api_client, as_client, make_user, who):
    caller = {
        "anonymous": api_client,
        "client": as_client,
        "stranger": bearer_client(make_user("stranger@example.com", role="trainer")),
    }[who]

    response = caller.post(linked, program_body(), format="json")

    assert response.status_code == {"anonymous": 401, "client": 403, "stranger": 404}[who]
    assert not Program.objects.exists()


def test_progression_after_a_stop_event_waits_for_acknowledgement_and_a_clean_session(trainer_api, linked, as_client):
    trainer_api.post(linked, program_body(), format="json")

    def log(days_ago: float, stop: bool = False):
        started = timezone.now() - timedelta(days=days_ago)
        body = session_payload(holds=2, started=started)
        if stop:
            body["stop_events"] = [stop_event(iso(started + timedelta(minutes=2)), hold_index=0)]
        upload(as_client, body)

    def next_action() -> str:
        return as_client.get("/api/v1/me/program/").json()["items"][0]["next_step"]["action"]

    log(4)
    before = next_action()
    log(3, stop=True)
    frozen = next_action()
    alert = Alert.objects.get(kind="stop_event")
    trainer_api.post(f"/api/v1/trainer/alerts/{alert.pk}/acknowledge/", {"note": "Checked in."}, format="json")
    acknowledged_only = next_action()
    log(2.5)  # clean, but less than 24 hours after the stop event
    too_soon = next_action()
    log(1)
    after_clean_session = next_action()

    assert (before, frozen, acknowledged_only, too_soon, after_clean_session) == (
        "hold_longer",
        "frozen",
        "frozen",
        "frozen",
        "hold_longer",
    )


def test_client_list_shows_adherence_and_main_exercise_balance(trainer_api, linked, as_client, client_user):
    trainer_api.post(linked, program_body(), format="json")  # 3 sessions a week
    now = timezone.now()
    for days, (left, right) in ((1, (30, 24)), (2, (34, 26))):
        body = session_payload(holds=2, started=now - timedelta(days=days))
        body["holds"][0]["held_seconds"], body["holds"][1]["held_seconds"] = left, right
        upload(as_client, body)

    [row] = trainer_api.get("/api/v1/trainer/clients/").json()

    assert row["target_sessions_per_week"] == 3
    assert row["adherence_7_days"] == 0.67
    assert row["adherence_28_days"] == 0.17
    assert row["main_exercise_balance"] == {
        "exercise": EXERCISE,
        "left_held_seconds": 32.0,
        "right_held_seconds": 25.0,
        "difference": 7.0,
    }


@pytest.mark.parametrize("items", [1, 6])
def test_me_program_query_count_is_fixed(trainer_api, linked, as_client, django_assert_num_queries, items):
    body = program_body()
    body["items"] = body["items"] * items
    trainer_api.post(linked, body, format="json")

    # token (1), program, items, doses, stop signs, holds, the safety alerts that decide the freeze,
    # health flags, the disclaimer
    with django_assert_num_queries(9):
        as_client.get("/api/v1/me/program/")
