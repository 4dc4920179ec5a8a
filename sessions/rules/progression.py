"""The progression rule: the next step of an exercise at a goal, and the freeze that stops it.

The catalog's principle: longer holds before more intensity. When the last
session's holds of the exercise at this goal all reached the current hold
time, inside the goal's target intensity (`catalog.rules.target_intensity`,
never above the dose's cap), with no stop event and no high pain, the hold
time goes up by `HOLD_STEP_SECONDS`; once the dose's longest hold is
reached, the intensity may go up by one, to the top of the window — unless
the exercise is one that progresses by time only (`progress_by_intensity`).

One freeze rule for every door (`freeze`): progression is frozen while any
safety alert of the client is unacknowledged, and after acknowledgement
until a clean session has been logged at least `CLEAN_SESSION_AFTER` after
the event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from catalog.models import Dose, Exercise
from catalog.rules import target_intensity

from ..choices import NextStepAction
from .safety import URGENCY, is_high_pain
from .values import CLEAN_SESSION_AFTER, HOLD_STEP_SECONDS


@dataclass(frozen=True)
class SafetyEvent:
    """What raised an alert, as the next step points at it."""

    kind: str
    session: str
    occurred_at: datetime
    exercise: str | None
    side: str | None
    acknowledged: bool


@dataclass(frozen=True)
class Freeze:
    reason: str
    event: SafetyEvent


@dataclass
class NextStep:
    action: str
    hold_seconds: int | None
    intensity_max: int | None
    reason: str
    event: SafetyEvent | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        return data


def _where(event: SafetyEvent) -> str:
    what = event.kind.replace("_", " ")
    on = f" on {event.exercise}" if event.exercise else ""
    side = f" ({event.side})" if event.side and event.side != "both" else ""
    return f"{what}{on}{side} at {event.occurred_at:%Y-%m-%d %H:%M} UTC"


def freeze(*, open_events: list[SafetyEvent], latest_event: SafetyEvent | None, clean_since: bool) -> Freeze | None:
    """Whether the client's progression is frozen, and by which event.

    `open_events` are the events of the client's unacknowledged alerts; the most
    urgent (then the latest) is named. Without open ones, `latest_event` is the
    event of the client's latest alert, and `clean_since` says whether a clean
    session was logged at least `CLEAN_SESSION_AFTER` after it.
    """
    if open_events:
        event = min(open_events, key=lambda e: (URGENCY.index(e.kind), -e.occurred_at.timestamp()))
        return Freeze(f"Frozen: the {_where(event)} waits for your trainer's acknowledgement.", event)
    if latest_event is not None and not clean_since:
        hours = int(CLEAN_SESSION_AFTER.total_seconds() // 3600)
        return Freeze(
            f"Frozen: after the {_where(latest_event)}, keep the current dose until a clean session "
            f"(no stop event, no pain of 7 or more, no hold above the cap) at least {hours} h later.",
            latest_event,
        )
    return None


def clean_session_due(latest_event: SafetyEvent) -> datetime:
    """The earliest start of a session that can end a freeze after `latest_event`."""
    return latest_event.occurred_at + CLEAN_SESSION_AFTER


def next_step(*, exercise: Exercise, dose: Dose | None, holds: list, frozen: Freeze | None) -> NextStep:
    """The next step for one exercise at one goal.

    `holds` are the client's holds of this exercise logged under the dose's
    goal, oldest first, each with its `session` loaded; `frozen` is `freeze(...)`.
    """
    if dose is None:
        return NextStep(NextStepAction.REPEAT, None, None, "The exercise has no dose for this goal.")
    low, high = target_intensity(exercise, dose)
    current = current_hold_seconds(holds, dose) if holds else dose.hold_seconds_min
    if frozen is not None:
        return NextStep(NextStepAction.FROZEN, current, low, frozen.reason, frozen.event)
    if not holds:
        return NextStep(NextStepAction.START, dose.hold_seconds_min, low, "No holds logged yet.")
    last_session = holds[-1].session_id
    last = [h for h in holds if h.session_id == last_session]
    met = all(
        h.held_seconds >= current
        and low <= h.intensity <= high
        and not h.session.has_stop_event
        and not is_high_pain(h.pain)
        for h in last
    )
    if not met:
        return NextStep(
            NextStepAction.REPEAT, current, high, "The last session did not meet the dose inside the target intensity."
        )
    if current < dose.hold_seconds_max:
        return NextStep(
            NextStepAction.HOLD_LONGER,
            min(current + HOLD_STEP_SECONDS, dose.hold_seconds_max),
            high,
            "The dose was met: hold longer before stretching harder.",
        )
    current_intensity = max(h.intensity for h in last)
    if not exercise.progress_by_intensity:
        return NextStep(
            NextStepAction.REPEAT,
            dose.hold_seconds_max,
            min(current_intensity, high),
            "The longest hold of the dose is reached; this stretch does not need more intensity: keep it here.",
        )
    if current_intensity < high:
        return NextStep(
            NextStepAction.INCREASE_INTENSITY,
            dose.hold_seconds_max,
            current_intensity + 1,
            "The longest hold of the dose is reached: the stretch may get a little stronger.",
        )
    return NextStep(NextStepAction.REPEAT, dose.hold_seconds_max, high, "The top of the dose is reached.")


def current_hold_seconds(holds: list, dose: Dose) -> int:
    """The hold time reached so far: the last session's shortest hold, within the dose."""
    last_session = holds[-1].session_id
    shortest = min(h.held_seconds for h in holds if h.session_id == last_session)
    return max(dose.hold_seconds_min, min(shortest, dose.hold_seconds_max))
