"""What makes a logged record valid: a session, its holds, stop events and measurements.

Each check adds to `problems`, a dict of `{field path: (code, message)}`
(one reason per field, the last one found winning), and resolves references
in place where the caller handed it the lookups: an exercise slug becomes its
`Exercise`, a stop-sign slug its `StopSign` (None for `other`). The services
load the lookups (one query each, whatever the size of the upload), call
these checks inside their transaction, and refuse the input with
`InvalidData(problems)` when any is found.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from catalog.choices import Laterality, Side, Technique
from catalog.models import Exercise, StopSign

from .. import choices
from ..limits import ANGLE_DEGREES, SIT_AND_REACH_CM
from .values import CLOCK_SKEW, WINDOW_TOLERANCE

Problems = dict[str, tuple[str, str]]
Window = tuple[datetime, datetime]

PNF_FIELDS = ("contract_seconds", "relax_seconds", "assisted_hold_seconds")
INVALID = "invalid"


def refuse(problems: Problems, path: str, message: str, code: str = INVALID) -> None:
    problems[path] = (code, message)


def not_future(problems: Problems, path: str, moment: datetime, now: datetime) -> None:
    if moment > now + CLOCK_SKEW:
        refuse(problems, path, "Must not be in the future (more than 5 minutes of clock skew).")


def session_window(started_at: datetime, ended_at: datetime | None, now: datetime) -> Window:
    """When the rows of a session may have happened: its start to its end (now while it goes on), with tolerance."""
    return started_at - WINDOW_TOLERANCE, (ended_at or now) + WINDOW_TOLERANCE


def within(problems: Problems, path: str, moment: datetime, window: Window, now: datetime) -> None:
    not_future(problems, path, moment, now)
    if path not in problems and not window[0] <= moment <= window[1]:
        refuse(problems, path, "Must fall within the session's start and end (5 minutes of tolerance).")


def check_times(problems: Problems, started_at: datetime, ended_at: datetime | None, now: datetime) -> None:
    """A session starts and ends in the past, and does not end before it starts."""
    not_future(problems, "started_at", started_at, now)
    if ended_at is not None:
        not_future(problems, "ended_at", ended_at, now)
        if ended_at < started_at:
            refuse(problems, "ended_at", "Must not be before started_at.")


def check_new_end(
    problems: Problems, *, ended_at: datetime, started_at: datetime, latest_row_at: datetime | None, now: datetime
) -> None:
    """A changed end of a stored session: in the past, after its start and its last hold or stop event."""
    not_future(problems, "ended_at", ended_at, now)
    if ended_at < started_at:
        refuse(problems, "ended_at", "Must not be before started_at.")
    elif latest_row_at is not None and ended_at < latest_row_at - WINDOW_TOLERANCE:
        refuse(problems, "ended_at", "Must not be before the session's last hold or stop event.")


def check_assistance(problems: Problems, data: dict[str, Any], trainer) -> None:
    """Who assisted: a trainer account (`trainer`, looked up by the caller from `trainer_id`), a named
    partner, or nobody — and only the fields that fit."""
    assisted_by, trainer_id, partner = data["assisted_by"], data.get("trainer_id"), data.get("partner_name", "")
    if assisted_by == choices.AssistedBy.TRAINER:
        if trainer_id is None:
            refuse(problems, "trainer_id", "Required when a trainer assisted.")
        elif trainer is None:
            refuse(problems, "trainer_id", "No trainer account has this id.")
        if partner:
            refuse(problems, "partner_name", "Only when 'assisted_by' is 'partner'.")
        return
    if trainer_id is not None:
        refuse(problems, "trainer_id", "Only when 'assisted_by' is 'trainer'.")
    if assisted_by == choices.AssistedBy.PARTNER and not partner.strip():
        refuse(problems, "partner_name", "Name the partner who assisted.")
    if assisted_by == choices.AssistedBy.SELF and partner:
        refuse(problems, "partner_name", "Only when 'assisted_by' is 'partner'.")


def check_hold(
    problems: Problems, path: str, hold: dict[str, Any], exercises: dict[str, Exercise], window: Window, now: datetime
) -> None:
    """Resolve the hold's exercise in place and check the hold against it: side, PNF phases, time."""
    exercise = exercises.get(hold["exercise"])
    if exercise is None:
        refuse(problems, f"{path}.exercise", f"Unknown exercise '{hold['exercise']}'.")
        return
    hold["exercise"] = exercise
    per_side = exercise.laterality == Laterality.PER_SIDE
    if per_side and hold["side"] == Side.BOTH:
        refuse(problems, f"{path}.side", f"'{exercise.slug}' is done one side at a time: 'left' or 'right'.")
    elif not per_side and hold["side"] != Side.BOTH:
        refuse(problems, f"{path}.side", f"'{exercise.slug}' works both sides at once: 'both'.")
    if exercise.technique != Technique.PNF_CONTRACT_RELAX:
        for name in PNF_FIELDS:
            if hold.get(name) is not None:
                refuse(problems, f"{path}.{name}", f"Only for PNF exercises; '{exercise.slug}' is not one.")
    if hold.get("started_at") is not None:
        within(problems, f"{path}.started_at", hold["started_at"], window, now)


def check_stop_event(
    problems: Problems, path: str, event: dict[str, Any], signs: dict[str, StopSign], window: Window, now: datetime
) -> None:
    """Resolve the event's kind in place (a StopSign, or None for `other`) and check it."""
    kind = event["kind"]
    if kind == choices.STOP_KIND_OTHER:
        event["kind"] = None
        if not event.get("note", "").strip():
            refuse(problems, f"{path}.note", "Describe what happened when the kind is 'other'.")
    elif kind in signs:
        event["kind"] = signs[kind]
    else:
        refuse(problems, f"{path}.kind", f"Unknown stop sign '{kind}'; use a catalog stop-sign slug or 'other'.")
    event["side"] = event.get("side") or ""
    within(problems, f"{path}.occurred_at", event["occurred_at"], window, now)


def check_measurement(problems: Problems, path: str, measurement: dict[str, Any], now: datetime) -> None:
    """A measurement's unit and range fit its kind; leg angles name their side, sit-and-reach does not."""
    prefix = f"{path}." if path else ""
    kind, unit, value = measurement["kind"], measurement["unit"], measurement["value"]
    if kind == choices.MeasurementKind.SIT_AND_REACH:
        expected, bounds = choices.Unit.CENTIMETRES, SIT_AND_REACH_CM
        if measurement.get("side"):
            refuse(problems, f"{prefix}side", "Sit-and-reach measures both legs together: leave 'side' out.")
    else:
        expected, bounds = choices.Unit.DEGREES, ANGLE_DEGREES
        if not measurement.get("side"):
            refuse(problems, f"{prefix}side", "A leg angle needs its side: 'left' or 'right'.")
        if measurement.get("zero_offset_cm") is not None:
            refuse(problems, f"{prefix}zero_offset_cm", "Only sit-and-reach has a zero offset.")
    if unit != expected:
        refuse(problems, f"{prefix}unit", f"'{kind}' is measured in '{expected}'.")
    elif not Decimal(bounds[0]) <= value <= Decimal(bounds[1]):
        refuse(problems, f"{prefix}value", f"Must lie within {bounds[0]}–{bounds[1]} {unit}.")
    measurement["side"] = measurement.get("side") or ""


AFTER_STOP = "after_session_stopped"
AFTER_STOP_MESSAGE = "Logged after the session was stopped by a stop event: a stopped session takes no more holds."


def check_holds_after_stop(problems: Problems, holds: list[dict[str, Any]], stop_events: list[dict[str, Any]]) -> None:
    """No hold of an upload starts after a `stopped_session` event: by its time, or by its place after
    the hold the event stopped."""
    stops = [event for event in stop_events if event["action"] == choices.StopAction.STOPPED_SESSION]
    for index, hold in enumerate(holds):
        for event in stops:
            started = hold.get("started_at")
            if started is not None and started > event["occurred_at"]:
                refuse(problems, f"holds[{index}].started_at", AFTER_STOP_MESSAGE, AFTER_STOP)
            elif event.get("hold_index") is not None and index > event["hold_index"]:
                refuse(problems, f"holds[{index}]", AFTER_STOP_MESSAGE, AFTER_STOP)


def check_live_hold_after_stop(problems: Problems, hold: dict[str, Any], stopped_at: datetime | None) -> None:
    """A hold logged live into a session that a stop event ended must have started before that event."""
    if stopped_at is not None and (hold.get("started_at") is None or hold["started_at"] > stopped_at):
        refuse(problems, "started_at", AFTER_STOP_MESSAGE, AFTER_STOP)


def check_unique_ids(problems: Problems, key: str, items: list[dict[str, Any]]) -> None:
    seen = set()
    for index, item in enumerate(items):
        if item.get("id") is not None:
            if item["id"] in seen:
                refuse(problems, f"{key}[{index}].id", "Listed twice in this upload.")
            seen.add(item["id"])


def check_upload(
    problems: Problems,
    data: dict[str, Any],
    *,
    trainer,
    exercises: dict[str, Exercise],
    signs: dict[str, StopSign],
    now: datetime,
) -> None:
    """A whole uploaded session: its times, assistance, and every row against the session and the catalog."""
    started, ended = data["started_at"], data.get("ended_at")
    check_times(problems, started, ended, now)
    window = session_window(started, ended, now)
    check_assistance(problems, data, trainer)
    holds = data["holds"]
    for index, hold in enumerate(holds):
        check_hold(problems, f"holds[{index}]", hold, exercises, window, now)
    for index, event in enumerate(data["stop_events"]):
        path = f"stop_events[{index}]"
        check_stop_event(problems, path, event, signs, window, now)
        hold_index = event.get("hold_index")
        if hold_index is not None and hold_index >= len(holds):
            refuse(
                problems, f"{path}.hold_index", f"There is no hold {hold_index} in this upload ({len(holds)} holds)."
            )
    check_holds_after_stop(problems, holds, data["stop_events"])
    for index, measurement in enumerate(data["measurements"]):
        not_future(problems, f"measurements[{index}].measured_at", measurement["measured_at"], now)
    for key in ("holds", "stop_events", "measurements"):
        check_unique_ids(problems, key, data[key])
