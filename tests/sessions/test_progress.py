"""GET /api/v1/progress/: history per side, balance, and the progression rule's next step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.sessions.payloads import iso, session_payload, stop_event

pytestmark = pytest.mark.django_db

PROGRESS = "/api/v1/progress/"
EXERCISE = "assisted-lying-hamstring-stretch"  # general flexibility: 20–40 s, target 5–7


def log(client, *, days_ago: float, held: tuple[int, int] = (30, 30), intensity: int = 6, stop: bool = False):
    started = timezone.now() - timedelta(days=days_ago)
    body = session_payload(holds=2, started=started)
    for hold, seconds in zip(body["holds"], held, strict=True):
        hold.update(held_seconds=seconds, intensity=intensity)
    if stop:
        body["stop_events"] = [stop_event(iso(started + timedelta(minutes=2)), hold_index=0)]
    assert client.post("/api/v1/sessions/", body, format="json").status_code == 201
    return body


def progress(client, **params):
    response = client.get(PROGRESS, {"exercise": EXERCISE, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_without_holds_the_next_step_is_the_starting_dose(as_client):
    step = progress(as_client)["next_step"]

    assert step["action"] == "start"
    assert step["hold_seconds"] == 20
    assert step["intensity_max"] == 5


def test_a_met_dose_lengthens_the_hold_first(as_client):
    log(as_client, days_ago=2, held=(30, 32))

    step = progress(as_client)["next_step"]

    assert step["action"] == "hold_longer"
    assert step["hold_seconds"] == 35
    assert step["intensity_max"] == 7


def test_intensity_rises_only_once_the_hold_range_is_used_up(as_client):
    log(as_client, days_ago=2, held=(40, 40), intensity=5)

    step = progress(as_client)["next_step"]

    assert step["action"] == "increase_intensity"
    assert step["hold_seconds"] == 40
    assert step["intensity_max"] == 6


def test_a_hold_below_the_target_intensity_repeats_the_dose(as_client):
    log(as_client, days_ago=2, held=(30, 30), intensity=4)

    step = progress(as_client)["next_step"]

    assert (step["action"], step["hold_seconds"], step["intensity_max"]) == ("repeat", 30, 7)


def test_a_hold_above_the_goals_cap_raises_an_alert_and_freezes_progression(as_client):
    log(as_client, days_ago=2, held=(30, 30), intensity=8)

    step = progress(as_client)["next_step"]

    assert (step["action"], step["hold_seconds"], step["intensity_max"]) == ("frozen", 30, 5)
    assert step["event"]["kind"] == "above_target"
    assert (step["event"]["exercise"], step["event"]["acknowledged"]) == (EXERCISE, False)


def test_a_recent_stop_event_freezes_progression_and_names_the_event(as_client):
    log(as_client, days_ago=3, held=(30, 30))
    body = log(as_client, days_ago=2, held=(30, 30), stop=True)

    step = progress(as_client)["next_step"]

    assert step["action"] == "frozen"
    assert step["hold_seconds"] == 30
    assert step["event"]["kind"] == "stop_event"
    assert (step["event"]["session"], step["event"]["side"]) == (body["id"], "left")
    assert "waits for your trainer" in step["reason"]


def _acknowledge_all():
    from sessions.alerts.services import alert_acknowledge
    from sessions.models import Alert, User

    staff = User.objects.create_user("staff-ack@example.com", "x", role="staff")
    for alert in Alert.objects.all():
        alert_acknowledge(alert=alert, by=staff, note="")


def test_a_clean_session_a_day_after_the_acknowledged_stop_event_lifts_the_freeze(as_client):
    log(as_client, days_ago=3, held=(30, 30), stop=True)
    _acknowledge_all()
    log(as_client, days_ago=1, held=(30, 30))

    assert progress(as_client)["next_step"]["action"] == "hold_longer"


def test_an_acknowledged_stop_event_without_a_clean_session_after_it_still_freezes(as_client):
    log(as_client, days_ago=9, held=(30, 30), stop=True)
    _acknowledge_all()

    step = progress(as_client)["next_step"]

    assert step["action"] == "frozen"
    assert "clean session" in step["reason"]
    assert step["event"]["acknowledged"] is True


def test_series_per_side_and_the_left_right_balance(as_client):
    log(as_client, days_ago=3, held=(30, 20))
    log(as_client, days_ago=2, held=(34, 26))

    data = progress(as_client)

    left, right = data["sides"]
    assert left["side"] == "left" and right["side"] == "right"
    assert [h["held_seconds"] for h in left["holds"]] == [30, 34]
    assert [h["held_seconds"] for h in right["holds"]] == [20, 26]
    assert data["balance"]["left_held_seconds"] == 32.0
    assert data["balance"]["right_held_seconds"] == 23.0
    assert data["balance"]["held_seconds_difference"] == 9.0


def test_measurement_series_and_angle_difference(as_client):
    body = session_payload(holds=1, started=timezone.now() - timedelta(days=1))
    at = iso(timezone.now() - timedelta(days=1) + timedelta(minutes=20))
    body["measurements"] = [
        {"kind": "straight_leg_raise", "side": "left", "value": 75, "unit": "deg", "measured_at": at},
        {"kind": "straight_leg_raise", "side": "right", "value": 68.5, "unit": "deg", "measured_at": at},
        {"kind": "sit_and_reach", "value": -3.5, "unit": "cm", "zero_offset_cm": 23, "measured_at": at},
    ]
    as_client.post("/api/v1/sessions/", body, format="json")

    data = progress(as_client)

    assert [(m["kind"], m["side"], m["unit"]) for m in data["measurements"]] == [
        ("sit_and_reach", None, "cm"),
        ("straight_leg_raise", "left", "deg"),
        ("straight_leg_raise", "right", "deg"),
    ]
    assert data["balance"]["angles"] == [
        {"kind": "straight_leg_raise", "left": 75.0, "right": 68.5, "difference": 6.5, "unit": "deg"}
    ]


def test_an_unknown_exercise_is_a_problem_naming_the_field(as_client):
    response = as_client.get(PROGRESS, {"exercise": "no-such-stretch"})

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["exercise"]


def test_another_users_holds_do_not_count(as_client, other_client):
    from tests.conftest import bearer_client

    log(bearer_client(other_client), days_ago=2, held=(40, 40))

    assert progress(as_client)["sides"][0]["holds"] == []


@pytest.mark.parametrize("sessions", [2, 20])
def test_progress_query_count_is_fixed(as_client, django_assert_num_queries, sessions):
    for n in range(sessions):
        log(as_client, days_ago=30 - n)

    # token (1), the exercise with its doses, the holds, the measurements, the alerts that decide the freeze
    with django_assert_num_queries(5):
        progress(as_client)
