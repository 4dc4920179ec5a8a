"""The progression rule: the next step of an exercise from the holds logged so far.

The catalog's principle: longer holds before more intensity. When the last
session's holds of the exercise all reached the current hold time with the
intensity inside the target and no stop event, the hold time goes up by
`HOLD_STEP_SECONDS`; once the dose's longest hold is reached, the intensity
target goes up by one, to the exercise's target maximum. A stop event in the
last `FREEZE_WINDOW` freezes progression until a clean session follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Dose, Exercise

from ..choices import NextStepAction
from ..models import Hold, StopEvent
from .values import HOLD_STEP_SECONDS


@dataclass
class NextStep:
    action: str
    hold_seconds: int | None
    intensity_max: int | None
    reason: str


def next_step(
    *,
    exercise: Exercise,
    dose: Dose | None,
    holds: list[Hold],
    stop_events: list[StopEvent],
    awaiting_acknowledgement: bool = False,
) -> NextStep:
    if dose is None:
        return NextStep(NextStepAction.REPEAT, None, None, "The exercise has no dose for this goal.")
    start = NextStep(NextStepAction.START, dose.hold_seconds_min, exercise.target_intensity_min, "No holds logged yet.")
    if not holds:
        return start
    if awaiting_acknowledgement:
        return NextStep(
            NextStepAction.FROZEN,
            current_hold_seconds(holds, dose),
            exercise.target_intensity_min,
            "A stop event is waiting for your trainer: keep the current dose until they have looked at it.",
        )

    last_event = max(stop_events, key=lambda e: e.occurred_at, default=None)
    if last_event is not None:
        clean_after = {
            h.session_id
            for h in holds
            if h.session.started_at > last_event.occurred_at and not h.session.has_stop_event
        }
        if not clean_after:
            return NextStep(
                NextStepAction.FROZEN,
                current_hold_seconds(holds, dose),
                exercise.target_intensity_min,
                "A stop event in the last 7 days: keep the current dose until a clean session follows it.",
            )

    last_session = holds[-1].session_id
    last = [h for h in holds if h.session_id == last_session]
    current = current_hold_seconds(holds, dose)
    met = all(
        h.held_seconds >= current
        and exercise.target_intensity_min <= h.intensity <= exercise.target_intensity_max
        and not h.session.has_stop_event
        for h in last
    )
    current_intensity = max(h.intensity for h in last)
    if not met:
        return NextStep(
            NextStepAction.REPEAT,
            current,
            exercise.target_intensity_max,
            "The last session did not meet the dose inside the target intensity.",
        )
    if current < dose.hold_seconds_max:
        return NextStep(
            NextStepAction.HOLD_LONGER,
            min(current + HOLD_STEP_SECONDS, dose.hold_seconds_max),
            exercise.target_intensity_max,
            "The dose was met: hold longer before stretching harder.",
        )
    if current_intensity < exercise.target_intensity_max:
        return NextStep(
            NextStepAction.INCREASE_INTENSITY,
            dose.hold_seconds_max,
            min(current_intensity + 1, exercise.target_intensity_max),
            "The longest hold of the dose is reached: the stretch may get a little stronger.",
        )
    return NextStep(
        NextStepAction.REPEAT, dose.hold_seconds_max, exercise.target_intensity_max, "The top of the dose is reached."
    )


def current_hold_seconds(holds: list[Hold], dose: Dose) -> int:
    """The hold time reached so far: the last session's shortest hold, within the dose."""
    last_session = holds[-1].session_id
    shortest = min(h.held_seconds for h in holds if h.session_id == last_session)
    return max(dose.hold_seconds_min, min(shortest, dose.hold_seconds_max))
