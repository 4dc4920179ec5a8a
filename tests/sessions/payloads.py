"""Upload bodies as a phone would send them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.utils import timezone


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def session_payload(*, holds: int = 4, started: datetime | None = None, **overrides) -> dict:
    """A finished, valid session: per-side assisted lying hamstring holds, alternating left/right."""
    started = started or timezone.now() - timedelta(hours=1)
    body = {
        "id": str(uuid.uuid4()),
        "started_at": iso(started),
        "ended_at": iso(started + timedelta(minutes=30)),
        "goal": "general_flexibility",
        "outcome": "completed",
        "assisted_by": "partner",
        "partner_name": "Sam",
        "app_version": "1.4.0",
        "holds": [
            {
                "exercise": "assisted-lying-hamstring-stretch",
                "side": "left" if i % 2 == 0 else "right",
                "held_seconds": 30,
                "intensity": 6,
                "started_at": iso(started + timedelta(minutes=1, seconds=40 * i)),
            }
            for i in range(holds)
        ],
        "stop_events": [],
        "measurements": [
            {
                "kind": "straight_leg_raise",
                "side": "left",
                "value": 72.5,
                "unit": "deg",
                "measured_at": iso(started + timedelta(minutes=25)),
            }
        ],
    }
    body.update(overrides)
    return body


def stop_event(started: str, **overrides) -> dict:
    """A stop event the pair eased off for and went on: it raises one alert (no high pain, no escalation)
    and leaves the session's later holds valid."""
    event = {
        "kind": "sharp-pain",
        "side": "left",
        "occurred_at": started,
        "pain": 6,
        "action": "eased_off",
        "note": "Sudden pain behind the thigh.",
    }
    event.update(overrides)
    return event


def full_session_payload(*, trainer_id: int, started: datetime | None = None) -> dict:
    """A session with every kind of row a phone sends: trainer-assisted, its start in the phone's own offset
    (+02:00), four per-side holds and a PNF hold, two stop events (latest first, one without a side) and both
    kinds of measurement."""
    started = started or timezone.now().replace(microsecond=123456) - timedelta(hours=2)
    body = session_payload(holds=4, started=started, assisted_by="trainer", trainer_id=trainer_id, partner_name="")
    body["started_at"] = started.astimezone(timezone.get_fixed_timezone(120)).isoformat()
    body["holds"].append(
        {"exercise": "pnf-hamstring-stretch", "side": "right", "held_seconds": 6, "intensity": 9, "pain": 8,
         "contract_seconds": 5, "relax_seconds": 5, "assisted_hold_seconds": 6, "target_seconds": 5}
    )  # fmt: skip
    body["stop_events"] = [
        stop_event(iso(started + timedelta(minutes=20)), hold_index=4, action="eased_off"),
        stop_event(iso(started + timedelta(minutes=10)), kind="other", note="Felt dizzy.", side=None, pain=None),
    ]
    body["measurements"] = [
        {"kind": "sit_and_reach", "value": -3.5, "unit": "cm", "zero_offset_cm": 23,
         "measured_at": iso(started + timedelta(minutes=28))},
        {"kind": "straight_leg_raise", "side": "right", "value": 70.2, "unit": "deg",
         "measured_at": iso(started + timedelta(minutes=26))},
    ]  # fmt: skip
    return body
