"""The read answers of the session list, the trainer's client list and progress, as plain dicts.

The serializers (`logbook.StretchSessionSerializer`, `trainers.TrainerClientSerializer`,
`progress.ProgressSerializer`) describe these answers — the schema is generated
from them — and stay the reference: on the read path, running DRF's fields over
every hold of a page cost more CPU than the queries did. These functions build
the same documents, key for key, in the same order and with the same types, from
the rows the selectors return; `tests/sessions/test_read_documents.py` holds them
to the serializers' output over varied data. Rules stay in the domain: a session's
`flagged` is `rules.safety.is_flagged`, adherence is `rules.adherence.adherence`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from sessions.alerts.rules import alert_source
from sessions.choices import STOP_KIND_OTHER
from sessions.rules.adherence import FOUR_WEEKS_DAYS, WEEK_DAYS, adherence
from sessions.rules.safety import is_flagged
from stretchapi import jsonsql

from .fields import MOMENT

Moment = Callable[[datetime | None], str | None]


def moment_writer() -> Moment:
    """How DRF's `DateTimeField` writes a timestamp (ISO 8601 in the current time zone, `Z` for UTC),
    with the time zone read once for a whole answer rather than once a value."""
    zone = MOMENT.default_timezone()
    if zone is None:  # USE_TZ off: DRF's own path
        return MOMENT.to_representation

    # In UTC (the API's zone), a value the database gave in UTC is written as it is: converting it
    # gives the same text, and `astimezone` to a ZoneInfo is the costliest step of a timestamp.
    same = UTC if getattr(zone, "key", None) == "UTC" or zone is UTC else zone

    def write(value: datetime | None) -> str | None:
        if not value:
            return None
        text = (value if value.tzinfo is same else value.astimezone(zone)).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


# Sessions: rows of `logbook.selectors.session_rows_with_children` -------------------------


def hold_document(row: Sequence[Any], moment: Moment) -> dict[str, Any]:
    """What `HoldSerializer` shows of a hold: a row of `HOLD_COLUMNS`, in their order (as
    `values_list` reads them, or `hold_row` takes them from an instance). A page of sessions shows
    hundreds of holds: a tuple unpacked costs a fraction of a dict built for each."""
    (
        hold_id, _session_id, position, exercise, side, set_number, target_seconds, held_seconds, intensity, pain,
        contract_seconds, relax_seconds, assisted_hold_seconds, started_at, above_target, outside_dose, phases,
    ) = row  # fmt: skip
    return {
        "id": str(hold_id),
        "position": position,
        "exercise": exercise,
        "side": side,
        "set_number": set_number,
        "target_seconds": target_seconds,
        "held_seconds": held_seconds,
        "intensity": intensity,
        "pain": pain,
        "contract_seconds": contract_seconds,
        "relax_seconds": relax_seconds,
        "assisted_hold_seconds": assisted_hold_seconds,
        "started_at": moment(started_at),
        "above_target": above_target,
        "outside_dose": outside_dose,
        "outside_dose_phases": phases.split(",") if phases else [],
    }


def hold_json(column: Callable[[str], str]) -> dict[str, Any]:
    """`hold_document` as a `stretchapi.jsonsql` template, for PostgreSQL to write a page's holds:
    the same keys in the same order, over the SQL of each of `HOLD_COLUMNS` (`column(name)`), the
    timestamp as `moment_writer` writes it in UTC (`tests/sessions/test_read_documents.py` holds
    the two to the serializer, byte for byte)."""

    def of(name: str, kind: str) -> jsonsql.Value:
        return jsonsql.value(column(name), kind)

    return {
        "id": jsonsql.value(f"({column('id')})::text", "plain"),
        "position": of("position", "number"),
        "exercise": of("exercise__slug", "string"),
        "side": of("side", "string"),
        "set_number": of("set_number", "number"),
        "target_seconds": of("target_seconds", "number"),
        "held_seconds": of("held_seconds", "number"),
        "intensity": of("intensity", "number"),
        "pain": of("pain", "number"),
        "contract_seconds": of("contract_seconds", "number"),
        "relax_seconds": of("relax_seconds", "number"),
        "assisted_hold_seconds": of("assisted_hold_seconds", "number"),
        "started_at": jsonsql.value(jsonsql.utc_moment(column("started_at")), "plain"),
        "above_target": of("above_target", "boolean"),
        "outside_dose": of("outside_dose", "boolean"),
        # '' (no phase) is an empty array, as `phases.split(",") if phases else []`
        "outside_dose_phases": jsonsql.value(
            f"array_to_json(string_to_array({column('outside_dose_phases')}, ','))", "json"
        ),
    }


def hold_json_when_utc() -> Callable[[Callable[[str], str]], dict[str, Any]] | None:
    """`hold_json` when the answers' timestamps are written in UTC (the API's zone), which is all
    it writes; None otherwise, and the holds are written here."""
    zone = MOMENT.default_timezone()
    return hold_json if zone is UTC or getattr(zone, "key", None) == "UTC" else None


def _holds(holds: str | Sequence[Sequence[Any]], moment: Moment) -> orjson.Fragment | list[dict[str, Any]]:
    """A session's holds: the JSON array the database wrote (`hold_json_when_utc`), as it is, or rows."""
    if isinstance(holds, str):
        return orjson.Fragment(holds)
    return [hold_document(hold, moment) for hold in holds]


def stop_event_document(row: dict[str, Any], moment: Moment) -> dict[str, Any]:
    """What `StopEventSerializer` shows of a row of `STOP_EVENT_COLUMNS` (its `hold` a UUID, as
    DRF's related field gives it)."""
    return {
        "id": str(row["id"]),
        "kind": row["stop_sign__slug"] or STOP_KIND_OTHER,
        "hold": row["hold_id"],
        "side": row["side"] or None,
        "occurred_at": moment(row["occurred_at"]),
        "pain": row["pain"],
        "action": row["action"],
        "note": row["note"],
    }


def measurement_document(row: dict[str, Any], moment: Moment) -> dict[str, Any]:
    """What `MeasurementSerializer` shows of a row of `MEASUREMENT_COLUMNS`."""
    return {
        "id": str(row["id"]),
        "kind": row["kind"],
        "side": row["side"] or None,
        "value": row["value"],
        "unit": row["unit"],
        "zero_offset_cm": row["zero_offset_cm"],
        "measured_at": moment(row["measured_at"]),
    }


def session_document(row: dict[str, Any], moment: Moment) -> dict[str, Any]:
    """What `StretchSessionSerializer` shows of a row of `session_rows_with_children`; a tombstone
    carries no content."""
    deleted = row["deleted_at"] is not None
    flags = {
        "flagged": is_flagged(
            has_stop_event=row["has_stop_event"],
            holds_above_target=row["holds_above_target"],
            holds_outside_dose=row["holds_outside_dose"],
            max_pain=row["max_pain"],
        ),
        "has_stop_event": row["has_stop_event"],
        "holds_above_target": row["holds_above_target"],
        "holds_outside_dose": row["holds_outside_dose"],
        "max_pain": row["max_pain"],
    }
    return {
        "id": str(row["id"]),
        "started_at": moment(row["started_at"]),
        "ended_at": moment(row["ended_at"]),
        "goal": row["goal"],
        "outcome": row["outcome"],
        "assisted_by": row["assisted_by"],
        "trainer_id": row["assisting_trainer_id"],
        "partner_name": row["partner_name"],
        "notes": "" if deleted else row["notes"],
        "app_version": row["app_version"],
        "version": row["version"],
        "created_at": moment(row["created_at"]),
        "updated_at": moment(row["updated_at"]),
        "deleted": deleted,
        "deleted_at": moment(row["deleted_at"]),
        "flags": flags,
        "holds": [] if deleted else _holds(row["holds"], moment),
        "stop_events": [] if deleted else [stop_event_document(event, moment) for event in row["stop_events"]],
        "measurements": [] if deleted else [measurement_document(m, moment) for m in row["measurements"]],
    }


def session_documents(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    moment = moment_writer()
    return [session_document(row, moment) for row in rows]


# The trainer's clients: rows of `trainers.selectors.trainer_client_rows` --------------------


def balance_difference(left: float | None, right: float | None) -> float | None:
    """Left minus right, to a tenth (None unless both sides have holds)."""
    return round(left - right, 1) if left is not None and right is not None else None


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def trainer_client_document(row: dict[str, Any], balance: dict[str, Any] | None, moment: Moment) -> dict[str, Any]:
    """What `TrainerClientSerializer` shows of a row of `trainer_client_rows`, with the client's
    `main_exercise_balances` entry."""
    target = row["target_sessions_per_week"]
    main = None
    if row["main_exercise"]:
        left, right = _float(balance["left"]), _float(balance["right"])
        main = {
            "exercise": row["main_exercise"],
            "left_held_seconds": left,
            "right_held_seconds": right,
            "difference": balance_difference(left, right),
        }
    return {
        "id": row["id"],
        "email": row["email"],
        "display_name": row["display_name"],
        "last_session_at": moment(row["last_session_at"]),
        "sessions_last_7_days": row["sessions_last_7_days"],
        "sessions_last_28_days": row["sessions_last_28_days"],
        "target_sessions_per_week": target,
        "adherence_7_days": adherence(sessions=row["sessions_last_7_days"], sessions_per_week=target, days=WEEK_DAYS),
        "adherence_28_days": adherence(
            sessions=row["sessions_last_28_days"], sessions_per_week=target, days=FOUR_WEEKS_DAYS
        ),
        "open_alerts": row["open_alerts"] or 0,
        "main_exercise_balance": main,
    }


def trainer_client_documents(rows: list[dict[str, Any]], balances: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    moment = moment_writer()
    return [trainer_client_document(row, balances.get(row["id"]), moment) for row in rows]


# Progress: the dict of `progress.selectors.progress` -------------------------------------------


def _text(value: Any) -> str | None:
    """A choice or text as DRF writes it: the plain string (a `TextChoices` member's value), None kept."""
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def progress_document(progress: dict[str, Any]) -> dict[str, Any]:
    """What `ProgressSerializer` shows of `progress.selectors.progress`'s answer."""
    moment = moment_writer()
    balance, step = progress["balance"], progress["next_step"]
    event = step["event"]
    return {
        "exercise": _text(progress["exercise"]),
        "goal": _text(progress["goal"]),
        "sides": [
            {
                "side": _text(side["side"]),
                "holds": [
                    {
                        "session": str(hold["session"]),
                        "date": moment(hold["date"]),
                        "held_seconds": _int(hold["held_seconds"]),
                        "intensity": _int(hold["intensity"]),
                        "pain": _int(hold["pain"]),
                    }
                    for hold in side["holds"]
                ],
            }
            for side in progress["sides"]
        ],
        "measurements": [
            {
                "kind": _text(series["kind"]),
                "side": _text(series["side"]),
                "unit": _text(series["unit"]),
                "values": [{"measured_at": moment(v["measured_at"]), "value": v["value"]} for v in series["values"]],
            }
            for series in progress["measurements"]
        ],
        "balance": {
            "left_held_seconds": _float(balance["left_held_seconds"]),
            "right_held_seconds": _float(balance["right_held_seconds"]),
            "held_seconds_difference": _float(balance["held_seconds_difference"]),
            "angles": [
                {
                    "kind": _text(angle["kind"]),
                    "left": angle["left"],
                    "right": angle["right"],
                    "difference": angle["difference"],
                    "unit": _text(angle["unit"]),
                }
                for angle in balance["angles"]
            ],
        },
        "next_step": {
            "action": _text(step["action"]),
            "hold_seconds": _int(step["hold_seconds"]),
            "intensity_max": _int(step["intensity_max"]),
            "reason": _text(step["reason"]),
            "event": None
            if event is None
            else {
                "kind": _text(event["kind"]),
                "session": str(event["session"]),
                "occurred_at": moment(event["occurred_at"]),
                "exercise": _text(event["exercise"]),
                "side": _text(event["side"]),
                "acknowledged": bool(event["acknowledged"]),
            },
        },
    }


# The trainer's alert feed: rows of `alerts.selectors.alert_rows_with_sources` ------------------


def _person(person_id: int | None, email: str, display_name: str) -> dict[str, Any] | None:
    """What `PersonSerializer` shows of a user (None for no user)."""
    return None if person_id is None else {"id": person_id, "email": email, "display_name": display_name}


def alert_document(row: dict[str, Any], moment: Moment) -> dict[str, Any]:
    """What `AlertSerializer` shows of a row of `alert_rows_with_sources`; what it shows of its hold or
    stop event is `alerts.rules.alert_source`."""
    source = alert_source(hold=row["hold"], stop_event=row["stop_event"])
    return {
        "id": row["id"],
        "kind": row["kind"],
        "client": _person(row["client_id"], row["client__email"], row["client__display_name"]),
        "session": str(row["session_id"]),
        "occurred_at": moment(row["occurred_at"]),
        "exercise": source.exercise,
        "side": source.side,
        "intensity": source.intensity,
        "pain": source.pain,
        "stop_sign": source.stop_sign,
        "created_at": moment(row["created_at"]),
        "acknowledged_at": moment(row["acknowledged_at"]),
        "acknowledged_by": _person(
            row["acknowledged_by_id"], row["acknowledged_by__email"], row["acknowledged_by__display_name"]
        ),
        "note": row["note"],
    }


def alert_documents(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    moment = moment_writer()
    return [alert_document(row, moment) for row in rows]
