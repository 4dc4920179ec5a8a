"""Generated data for the trainer panel's tests: a trainer whose clients raise every kind of alert.

- Ana continued through sharp pain at 8/10: a stop event, high pain and an **escalation**; her
  program is **frozen** while they are open.
- Cleo stopped a session for numbness: a **stop event**.
- Ben held a stretch above the goal's cap with pain 7: **above target** and **high pain**; his left
  leg holds twice as long as his right (a **left/right imbalance**), with leg-raise angles on both sides.
- Dan's program asks for 3 sessions a week and he has logged none for 12 days: **adherence dropped**.
- Eve stretches and is fine.

Sessions go through the API as a phone uploads them, so every flag and alert is the domain's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from sessions.models import Program, StretchSession, User
from sessions.programs import services as program_services
from sessions.trainers import services as trainer_services
from tests.conftest import bearer_client

from .payloads import iso, session_payload, stop_event

PASSWORD = "a-long-Passphrase-42"
EXERCISE = "assisted-lying-hamstring-stretch"


@dataclass
class PanelWorld:
    trainer: User
    ana: User
    ben: User
    cleo: User
    dan: User
    eve: User
    ana_session: StretchSession
    ben_session: StretchSession


def make_client(trainer: User, email: str, name: str) -> User:
    client = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
    code = trainer_services.invitation_create(trainer=trainer).code
    trainer_services.invitation_accept(client=client, code=code)
    return client


def upload(client: User, body: dict) -> StretchSession:
    response = bearer_client(client).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    return StretchSession.objects.get(pk=body["id"])


def hold(started, index: int, side: str, held: int, intensity: int = 6, pain: int | None = None) -> dict:
    row = {
        "exercise": EXERCISE,
        "side": side,
        "held_seconds": held,
        "intensity": intensity,
        "started_at": iso(started + timedelta(minutes=1, seconds=50 * index)),
    }
    if pain is not None:
        row["pain"] = pain
    return row


def balanced_session(client: User, started, *, left: int = 30, right: int = 30, pairs: int = 2) -> StretchSession:
    holds = []
    for index in range(pairs):
        holds.append(hold(started, 2 * index, "left", left))
        holds.append(hold(started, 2 * index + 1, "right", right))
    body = session_payload(started=started, holds=0)
    body["holds"] = holds
    body["measurements"] = [
        {"kind": "straight_leg_raise", "side": side, "value": value, "unit": "deg",
         "measured_at": iso(started + timedelta(minutes=25))}
        for side, value in (("left", 80.0), ("right", 62.5))
    ]  # fmt: skip
    return upload(client, body)


def assign_program(trainer: User, client: User, *, per_week: int = 3) -> Program:
    return program_services.program_assign(
        trainer=trainer,
        client=client,
        sessions_per_week=per_week,
        items=[{"exercise": EXERCISE, "goal": "general_flexibility", "holds_per_side": 2, "hold_seconds": 30}],
    )


def build_panel_world(trainer_email: str = "tess@example.com") -> PanelWorld:
    now = timezone.now()
    trainer = User.objects.create_user(email=trainer_email, password=PASSWORD, role="trainer", display_name="Tess")
    ana = make_client(trainer, "ana@example.com", "Ana")
    ben = make_client(trainer, "ben@example.com", "Ben")
    cleo = make_client(trainer, "cleo@example.com", "Cleo")
    dan = make_client(trainer, "dan@example.com", "Dan")
    eve = make_client(trainer, "eve@example.com", "Eve")

    # Ana: continued through sharp pain at 8/10 on her right leg — an escalation; her program freezes.
    assign_program(trainer, ana)
    started = now - timedelta(hours=2)
    body = session_payload(started=started, holds=2)
    body["stop_events"] = [
        stop_event(body["holds"][1]["started_at"], hold_index=1, side="right", pain=8, action="continued",
                   note="Kept going to finish the set.")
    ]  # fmt: skip
    ana_session = upload(ana, body)

    # Cleo: stopped the session for numbness.
    started = now - timedelta(hours=5)
    body = session_payload(started=started, holds=1)
    body["outcome"] = "stopped_early"
    body["stop_events"] = [
        stop_event(body["holds"][0]["started_at"], hold_index=0, kind="numbness", pain=4, action="stopped_session")
    ]
    upload(cleo, body)

    # Ben: four weeks of left holds twice as long as right ones, then a hold above the cap with pain 7.
    assign_program(trainer, ben, per_week=2)
    for week in range(4, 0, -1):
        balanced_session(ben, now - timedelta(days=7 * week), left=40, right=20)
    started = now - timedelta(hours=26)
    body = session_payload(started=started, holds=0)
    body["holds"] = [hold(started, 0, "left", 40), hold(started, 1, "right", 20, intensity=9, pain=7)]
    ben_session = upload(ben, body)

    # Dan: a program of three a week, started three weeks ago; his last session was 12 days ago.
    program = assign_program(trainer, dan)
    Program.objects.filter(pk=program.pk).update(created_at=now - timedelta(days=21))
    balanced_session(dan, now - timedelta(days=12))

    # Eve: on track, no program.
    balanced_session(eve, now - timedelta(days=1))
    return PanelWorld(trainer, ana, ben, cleo, dan, eve, ana_session, ben_session)
