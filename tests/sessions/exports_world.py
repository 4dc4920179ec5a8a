"""A small world to export: three clients (two consented to one trainer), an analyst, and their sessions.

Everything is uploaded through the API, as a phone would. Texts hold the
characters CSV must quote (commas, quotes, newlines) and one timestamp has a
fraction of a second, so that exact-output and COPY-vs-iterator tests see them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from sessions.models import StretchSession, TrainerLink, User
from tests.conftest import bearer_client
from tests.sessions.payloads import iso, session_payload

PASSWORD = "a-long-Passphrase-42"
CASEY_NOTES = 'Right side tight, "very" tight,\nbetter after'
TINGLING_NOTE = 'Tingling, "pins" in the foot'
DIZZY_NOTE = "Felt dizzy"


@dataclass
class World:
    casey: User  # consented to the trainer; a name CSV must quote
    blank: User  # consented to the trainer; an empty display name
    olive: User  # not linked to the trainer
    trainer: User
    analyst: User
    start: datetime  # when Casey's main session started (3 days ago)
    ids: dict[str, str] = field(default_factory=dict)


def _user(email: str, role: str = "client", display_name: str = "") -> User:
    return User.objects.create_user(email=email, password=PASSWORD, role=role, display_name=display_name)


def upload(user: User, body: dict) -> dict:
    response = bearer_client(user).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def session(started: datetime, **fields) -> dict:
    """A finished self-assisted session with no rows; `fields` adds holds, stop events, measurements."""
    body = session_payload(holds=0, started=started, assisted_by="self", partner_name="", measurements=[])
    body.update(fields)
    return body


def hold(exercise: str = "assisted-lying-hamstring-stretch", side: str = "left", **fields) -> dict:
    return {"id": str(uuid.uuid4()), "exercise": exercise, "side": side, "held_seconds": 30, "intensity": 6, **fields}


def build_world() -> World:
    casey = _user("casey@example.com", display_name='Casey "CJ" Jones, Jr.')
    blank = _user("blank@example.com")
    olive = _user("olive@example.com", display_name="Olive Other")
    trainer = _user("tess@example.com", role="trainer", display_name="Tess Trainer")
    analyst = _user("ana@example.com", role="staff", display_name="Ana Analyst")
    analyst.groups.add(Group.objects.get(name="Analysts"))
    TrainerLink.objects.create(trainer=trainer, client=casey)
    TrainerLink.objects.create(trainer=trainer, client=blank)

    start = (timezone.now() - timedelta(days=3)).replace(hour=7, minute=30, second=0, microsecond=0)
    world = World(casey=casey, blank=blank, olive=olive, trainer=trainer, analyst=analyst, start=start)

    main = session(
        start,
        assisted_by="trainer",
        trainer_id=trainer.pk,
        notes=CASEY_NOTES,
        holds=[
            hold(side="left", target_seconds=30, started_at=iso(start + timedelta(minutes=1, microseconds=250_000))),
            hold(side="right", intensity=8, pain=2, started_at=iso(start + timedelta(minutes=2))),
        ],
        stop_events=[
            {
                "kind": "nerve-tingling",
                "side": "right",
                "occurred_at": iso(start + timedelta(minutes=5)),
                "pain": 3,
                "action": "eased_off",
                "note": TINGLING_NOTE,
                "hold_index": 1,
            }
        ],
        measurements=[
            {
                "kind": "straight_leg_raise",
                "side": "left",
                "value": 74,
                "unit": "deg",
                "measured_at": iso(start + timedelta(minutes=20)),
            }
        ],
    )
    stored = upload(casey, main)
    world.ids.update(
        main=main["id"],
        hold_left=stored["holds"][0]["id"],
        hold_right=stored["holds"][1]["id"],
        tingling=stored["stop_events"][0]["id"],
        angle=stored["measurements"][0]["id"],
    )

    olives = session(
        start + timedelta(days=1),
        holds=[hold("seated-hamstring-stretch", side="both", held_seconds=25, intensity=5)],
        stop_events=[
            {"kind": "other", "occurred_at": iso(start + timedelta(days=1, minutes=3)), "action": "stopped_session",
             "note": DIZZY_NOTE}
        ],
        measurements=[
            {"kind": "sit_and_reach", "value": -3.5, "unit": "cm", "zero_offset_cm": 23,
             "measured_at": iso(start + timedelta(days=1, minutes=10))}
        ],
        outcome="stopped_early",
        app_version="",
    )  # fmt: skip
    stored = upload(olive, olives)
    world.ids.update(olive=olives["id"], olive_hold=stored["holds"][0]["id"])

    blanks = session(start + timedelta(hours=2), holds=[hold("lying-hamstring-stretch", side="right", intensity=4)])
    upload(blank, blanks)
    world.ids["blank"] = blanks["id"]

    older = session(start - timedelta(days=37), holds=[hold(side="left", held_seconds=20)])
    upload(casey, older)
    world.ids["older"] = older["id"]

    deleted = session(start + timedelta(days=2), holds=[hold(side="left")])
    upload(casey, deleted)
    gone = bearer_client(casey).delete(f"/api/v1/sessions/{deleted['id']}/", HTTP_IF_MATCH=f'"{deleted["id"]}-1"')
    assert gone.status_code == 204, gone.content
    assert StretchSession.objects.get(pk=deleted["id"]).deleted_at is not None  # a tombstone
    world.ids["deleted"] = deleted["id"]
    return world


# Texts JSON must escape (backslashes, quotes, newlines, a tab, a control character) or keep
# as they are (accents, CJK, emoji with a joiner, U+2028), for the COPY-vs-iterator tests.
HARD_TEXT = 'Back\\slash \\n not a newline, "quoted", a real\nnewline,\ttab, \x07 bell, é 中文 🧘\u200d♀️, \u2028 end'
# Moments at the edges of daylight saving time (the EU's and the US's), one with a fraction of a second.
DST_MOMENTS = (
    datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),  # a microsecond before Europe springs forward
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # the moment it does
    datetime(2025, 11, 2, 5, 30, tzinfo=UTC),  # New York's 01:30, the first of the two
    datetime(2025, 11, 2, 6, 30, tzinfo=UTC),  # New York's 01:30 again, an hour later
)


def add_hard_cases(world: World) -> None:
    """A consented client whose name and notes hold `HARD_TEXT`, with sessions at `DST_MOMENTS`:
    NULLs (no pain, no side, no end), both outcomes, every side, a trainer, and a sit-and-reach."""
    zoe = _user("zoe@example.com", display_name='Zoë \\ "Z" 🧘')
    TrainerLink.objects.create(trainer=world.trainer, client=zoe)
    for index, moment in enumerate(DST_MOMENTS):
        side = ("left", "right", "both", "left")[index]
        exercise = "seated-hamstring-stretch" if side == "both" else "assisted-lying-hamstring-stretch"
        odd = index % 2 == 1
        stop_event = {
            "kind": "sharp-pain" if odd else "other",
            "occurred_at": iso(moment + timedelta(minutes=1)),
            "action": "eased_off" if odd else "stopped_session",
            "note": HARD_TEXT,
            **({"pain": 9, "side": side, "hold_index": 0} if odd else {}),
        }
        measured_at = iso(moment + timedelta(minutes=2))
        body = session(
            moment,
            notes=HARD_TEXT if not odd else "",
            assisted_by="trainer" if index == 1 else "self",
            holds=[
                hold(exercise, side=side, pain=index, started_at=iso(moment + timedelta(seconds=1, microseconds=odd))),
                hold("lying-hamstring-stretch", side="right", intensity=index + 3),
            ],
            stop_events=[stop_event],
            measurements=[
                {"kind": "sit_and_reach", "value": 12.5 - 10 * index, "unit": "cm", "zero_offset_cm": 15,
                 "measured_at": measured_at},
                {"kind": "active_knee_extension", "side": "right" if side == "both" else side, "value": 161,
                 "unit": "deg", "measured_at": measured_at},
            ],
            outcome="stopped_early",
        )  # fmt: skip
        if index == 1:
            body["trainer_id"] = world.trainer.pk
        if index == 3:
            body.pop("ended_at")
        upload(zoe, body)
