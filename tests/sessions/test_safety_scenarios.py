"""One safety rule set, seen through every door: a table of scenarios.

Each row logs sessions through the API as a phone would, then reads the
flags of the session in question, the alerts it raised, and the next step
from the three doors that show one — the client's `/progress/`, the client's
`/me/program/` and the trainer's `/trainer/clients/{id}/progress/` — which
must agree with each other and with the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.alerts.services import alert_acknowledge
from sessions.models import Alert
from tests.conftest import bearer_client
from tests.sessions.payloads import iso, session_payload
from tests.sessions.test_trainer import link, upload

pytestmark = pytest.mark.django_db

HAMSTRING = "assisted-lying-hamstring-stretch"  # target 5–7; caps: flexibility 7, recovery 6, rehab 4
PNF = "pnf-hamstring-stretch"  # contract 5–10 s, relax 5–10 s, assisted hold 5–10 s
SHOULDER = "shoulder-supported-hamstring-stretch"  # progresses by time only
EVENT_DAYS_AGO = 3


@dataclass
class Scenario:
    name: str
    holds: list[dict]  # the session in question: one dict per left/right pair (both sides alike)
    expected_flagged: bool
    expected_alerts: list[str]
    expected_step: tuple  # (action, hold_seconds, intensity_max)
    exercise: str = HAMSTRING
    goal: str = "general_flexibility"
    stop: dict | None = None  # a stop event during the first hold
    acknowledge: bool | str = False  # True: every alert; a kind: only the alerts of that kind
    clean_after_days: float | None = None  # a clean session this long after the one in question
    earlier: list[tuple[str, int, int]] = field(default_factory=list)  # (goal, held, intensity) sessions before
    expected_event: str | None = None  # the alert kind a frozen step points at


def hold(held: int = 30, intensity: int = 6, pain: int | None = None, **phases) -> dict:
    return {"held_seconds": held, "intensity": intensity, "pain": pain, **phases}


SCENARIOS = [
    Scenario(
        "pain 8 without a stop event is a flag, an alert and a freeze",
        holds=[hold(pain=8)],
        expected_flagged=True,
        expected_alerts=["high_pain", "high_pain"],
        expected_step=("frozen", 30, 5),
        expected_event="high_pain",
    ),
    Scenario(
        "rehab at intensity 6 is above its cap of 4",
        goal="rehab_control",
        holds=[hold(held=20, intensity=6)],
        expected_flagged=True,
        expected_alerts=["above_target", "above_target"],
        expected_step=("frozen", 20, 4),
        expected_event="above_target",
    ),
    Scenario(
        "rehab at its cap of 4 is met: hold longer, never stretch past 4",
        goal="rehab_control",
        holds=[hold(held=20, intensity=4)],
        expected_flagged=False,
        expected_alerts=[],
        expected_step=("hold_longer", 25, 4),
    ),
    Scenario(
        "rehab at the longest hold stays at its cap",
        goal="rehab_control",
        holds=[hold(held=30, intensity=4)],
        expected_flagged=False,
        expected_alerts=[],
        expected_step=("repeat", 30, 4),
    ),
    Scenario(
        "recovery at intensity 7 is above its cap of 6",
        goal="post_workout_recovery",
        holds=[hold(held=30, intensity=7)],
        expected_flagged=True,
        expected_alerts=["above_target", "above_target"],
        expected_step=("frozen", 30, 5),
        expected_event="above_target",
    ),
    Scenario(
        "flexibility at the longest hold may stretch one step harder, up to the cap",
        holds=[hold(held=40, intensity=6)],
        expected_flagged=False,
        expected_alerts=[],
        expected_step=("increase_intensity", 40, 7),
    ),
    Scenario(
        "the shoulder-supported stretch progresses by time only",
        exercise=SHOULDER,
        holds=[hold(held=40, intensity=5)],
        expected_flagged=False,
        expected_alerts=[],
        expected_step=("repeat", 40, 5),
    ),
    Scenario(
        "holds of another goal do not count for rehab",
        goal="rehab_control",
        earlier=[("general_flexibility", 40, 6)],
        holds=[],
        expected_flagged=False,
        expected_alerts=[],
        expected_step=("start", 15, 4),
    ),
    Scenario(
        "continuing through sharp pain escalates",
        holds=[hold()],
        stop={"kind": "sharp-pain", "pain": 5, "action": "continued"},
        expected_flagged=True,
        expected_alerts=["escalation", "stop_event"],
        expected_step=("frozen", 30, 5),
        expected_event="escalation",
    ),
    Scenario(
        "continuing through pain 8 under a caution sign escalates too",
        exercise=PNF,
        holds=[hold(held=8, intensity=6, contract_seconds=6, relax_seconds=6, assisted_hold_seconds=8)],
        stop={"kind": "low-back-pain", "pain": 8, "action": "continued"},
        expected_flagged=True,
        expected_alerts=["escalation", "high_pain", "stop_event"],
        expected_step=("frozen", 8, 5),
        expected_event="escalation",
    ),
    Scenario(
        "continuing through a caution sign without high pain is a stop event only",
        exercise=PNF,
        holds=[hold(held=8, intensity=6, contract_seconds=6, relax_seconds=6, assisted_hold_seconds=8)],
        stop={"kind": "low-back-pain", "pain": 4, "action": "continued"},
        expected_flagged=True,
        expected_alerts=["stop_event"],
        expected_step=("frozen", 8, 5),
        expected_event="stop_event",
    ),
    Scenario(
        "a PNF phase outside the protocol is outside the dose, without an alert",
        exercise=PNF,
        holds=[hold(held=8, intensity=6, contract_seconds=45, relax_seconds=1, assisted_hold_seconds=8)],
        expected_flagged=True,
        expected_alerts=[],
        expected_step=("hold_longer", 10, 7),
    ),
    Scenario(
        "acknowledging only the stop event leaves its session's high-pain alert open: still frozen by it",
        holds=[hold()],
        stop={"kind": "cramping", "pain": 8, "action": "eased_off"},
        acknowledge="stop_event",
        clean_after_days=2,
        expected_flagged=True,
        expected_alerts=["high_pain", "stop_event"],
        expected_step=("frozen", 30, 5),
        expected_event="high_pain",
    ),
    Scenario(
        "sharp pain 9 and carrying on escalates, above the stop event and the high pain",
        holds=[hold()],
        stop={"kind": "sharp-pain", "pain": 9, "action": "continued"},
        expected_flagged=True,
        expected_alerts=["escalation", "high_pain", "stop_event"],
        expected_step=("frozen", 30, 5),
        expected_event="escalation",
    ),
    Scenario(
        "an acknowledged stop event still freezes without a clean session after it",
        holds=[hold()],
        stop={"kind": "cramping", "pain": 5, "action": "eased_off"},
        acknowledge=True,
        expected_flagged=True,
        expected_alerts=["stop_event"],
        expected_step=("frozen", 30, 5),
        expected_event="stop_event",
    ),
    Scenario(
        "a clean session less than a day after the event does not lift the freeze",
        holds=[hold()],
        stop={"kind": "cramping", "pain": 5, "action": "eased_off"},
        acknowledge=True,
        clean_after_days=0.5,
        expected_flagged=True,
        expected_alerts=["stop_event"],
        expected_step=("frozen", 30, 5),
        expected_event="stop_event",
    ),
    Scenario(
        "acknowledged, then a clean session two days later: progression resumes",
        holds=[hold()],
        stop={"kind": "cramping", "pain": 5, "action": "eased_off"},
        acknowledge=True,
        clean_after_days=2,
        expected_flagged=True,
        expected_alerts=["stop_event"],
        expected_step=("hold_longer", 35, 7),
    ),
    Scenario(
        "high pain acknowledged and followed by a clean session: progression resumes",
        holds=[hold(pain=7)],
        acknowledge=True,
        clean_after_days=2,
        expected_flagged=True,
        expected_alerts=["high_pain", "high_pain"],
        expected_step=("hold_longer", 35, 7),
    ),
]


def _session(exercise: str, goal: str, days_ago: float, holds: list[dict]) -> dict:
    started = timezone.now() - timedelta(days=days_ago)
    body = session_payload(holds=0, started=started, goal=goal, measurements=[])
    for index, values in enumerate(holds):
        for number, side in enumerate(("left", "right")):
            moment = started + timedelta(minutes=2, seconds=90 * (2 * index + number))
            row = {"exercise": exercise, "side": side, "started_at": iso(moment)}
            row.update({key: value for key, value in values.items() if value is not None})
            body["holds"].append(row)
    return body


@pytest.fixture
def trainer_api(trainer):
    return bearer_client(trainer)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_door_judges_the_scenario_alike(scenario, trainer, trainer_api, as_client, client_user):
    link(trainer_api, as_client)
    for index, (goal, held, intensity) in enumerate(scenario.earlier):
        upload(as_client, _session(scenario.exercise, goal, EVENT_DAYS_AGO + 1 + index, [hold(held, intensity)]))
    body = _session(scenario.exercise, scenario.goal, EVENT_DAYS_AGO, scenario.holds)
    if scenario.stop:
        body["stop_events"] = [
            {"occurred_at": body["holds"][0]["started_at"], "side": "left", "hold_index": 0, **scenario.stop}
        ]
    if body["holds"]:
        upload(as_client, body)
    if scenario.acknowledge:
        alerts = Alert.objects.all()
        if isinstance(scenario.acknowledge, str):
            alerts = alerts.filter(kind=scenario.acknowledge)
        for alert in alerts:
            alert_acknowledge(alert=alert, by=trainer, note="Talked it through.")
    if scenario.clean_after_days is not None:
        clean = _session(scenario.exercise, scenario.goal, EVENT_DAYS_AGO - scenario.clean_after_days, [hold()])
        upload(as_client, clean)
    dose = {"holds_per_side": 1, "hold_seconds": 30 if scenario.exercise != PNF else 8}
    item = {"exercise": scenario.exercise, "goal": scenario.goal, **dose, "override_reason": "Scenario."}
    assert trainer_api.post(
        f"/api/v1/trainer/clients/{client_user.pk}/programs/", {"sessions_per_week": 3, "items": [item]}, format="json"
    ).status_code == 201  # fmt: skip

    query = {"exercise": scenario.exercise, "goal": scenario.goal}
    doors = {
        "progress": as_client.get("/api/v1/progress/", query).json()["next_step"],
        "program": as_client.get("/api/v1/me/program/").json()["items"][0]["next_step"],
        "trainer": trainer_api.get(f"/api/v1/trainer/clients/{client_user.pk}/progress/", query).json()["next_step"],
    }

    assert doors["program"] == doors["progress"] == doors["trainer"]
    step = doors["progress"]
    assert (step["action"], step["hold_seconds"], step["intensity_max"]) == scenario.expected_step
    assert (step["event"] or {}).get("kind") == scenario.expected_event
    if body["holds"]:
        stored = as_client.get(f"/api/v1/sessions/{body['id']}/").json()
        assert stored["flags"]["flagged"] is scenario.expected_flagged
        assert sorted(Alert.objects.filter(session_id=body["id"]).values_list("kind", flat=True)) == (
            scenario.expected_alerts
        )


def test_a_pnf_hold_names_the_phases_outside_the_protocol(as_client):
    body = _session(PNF, "general_flexibility", 1, [hold(8, 6, contract_seconds=45, relax_seconds=1)])

    stored = upload(as_client, body)

    assert [(h["outside_dose"], h["outside_dose_phases"]) for h in stored["holds"]] == [
        (True, ["contract", "relax"])
    ] * 2


def test_a_flagged_filter_lists_a_session_with_high_pain_only_for_the_client_and_the_trainer(
    trainer_api, as_client, client_user
):
    link(trainer_api, as_client)
    painful = upload(as_client, _session(HAMSTRING, "general_flexibility", 2, [hold(pain=8)]))
    upload(as_client, _session(HAMSTRING, "general_flexibility", 1, [hold(pain=3)]))

    mine = as_client.get("/api/v1/sessions/", {"flagged": "true"}).json()["results"]
    theirs = trainer_api.get(f"/api/v1/trainer/clients/{client_user.pk}/sessions/", {"flagged": "true"}).json()

    assert [s["id"] for s in mine] == [s["id"] for s in theirs["results"]] == [painful["id"]]


def test_holds_after_a_stop_that_ended_the_session_are_refused_naming_them(as_client):
    body = _session(HAMSTRING, "general_flexibility", 1, [hold(), hold()])
    first = body["holds"][0]["started_at"]
    body["stop_events"] = [{"kind": "sharp-pain", "occurred_at": first, "pain": 6, "action": "stopped_session"}]

    response = as_client.post("/api/v1/sessions/", body, format="json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        (f"holds[{index}].started_at", "after_session_stopped") for index in (1, 2, 3)
    ]


def test_a_live_hold_after_the_stop_that_ended_the_session_is_refused(as_client):
    import uuid

    body = _session(HAMSTRING, "general_flexibility", 0.01, [hold()])
    body.pop("ended_at")
    session = upload(as_client, body)
    stop = {
        "id": str(uuid.uuid4()),
        "kind": "numbness",
        "occurred_at": iso(timezone.now() - timedelta(seconds=30)),
        "action": "stopped_session",
    }
    assert as_client.post(f"/api/v1/sessions/{session['id']}/stop-events/", stop, format="json").status_code == 201
    late = {
        "id": str(uuid.uuid4()),
        "exercise": HAMSTRING,
        "side": "left",
        "held_seconds": 30,
        "intensity": 5,
        "started_at": iso(timezone.now()),
    }

    response = as_client.post(f"/api/v1/sessions/{session['id']}/holds/", late, format="json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("started_at", "after_session_stopped")]
