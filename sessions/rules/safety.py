"""The safety judgement of logged rows: a hold's flags, a session's flags, and the alerts they raise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from catalog.models import Dose, Exercise

from ..choices import AlertKind
from .values import HIGH_PAIN


def dose_for(exercise: Exercise, goal: str) -> Dose | None:
    """The exercise's dose for `goal` (its doses prefetched: no query)."""
    return next((d for d in exercise.doses.all() if d.goal == goal), None)


def hold_above_target(*, exercise: Exercise, dose: Dose | None, intensity: int) -> bool:
    """The hold's intensity exceeds what the exercise allows."""
    return intensity > exercise.target_intensity_max


def hold_outside_dose(*, dose: Dose | None, held_seconds: int) -> bool:
    """The hold's time falls outside the goal's dose (or the exercise has no dose for the goal)."""
    return dose is None or not dose.hold_seconds_min <= held_seconds <= dose.hold_seconds_max


def is_high_pain(pain: int | None) -> bool:
    return pain is not None and pain >= HIGH_PAIN


@dataclass(frozen=True)
class SessionFlags:
    has_stop_event: bool
    holds_above_target: int
    holds_outside_dose: int
    max_pain: int | None


def session_flags(*, holds: Iterable, stop_events: Iterable) -> SessionFlags:
    """A session's flags from its judged holds (`above_target`, `outside_dose`, `pain`) and stop events (`pain`)."""
    holds, stop_events = list(holds), list(stop_events)
    pains = [row.pain for row in (*holds, *stop_events) if row.pain is not None]
    return SessionFlags(
        has_stop_event=bool(stop_events),
        holds_above_target=sum(hold.above_target for hold in holds),
        holds_outside_dose=sum(hold.outside_dose for hold in holds),
        max_pain=max(pains) if pains else None,
    )


def is_flagged(*, has_stop_event: bool, holds_above_target: int, holds_outside_dose: int, max_pain: int | None) -> bool:
    """Any safety flag is raised. `FLAGGED` is the same rule as a query condition."""
    return has_stop_event or holds_above_target > 0 or holds_outside_dose > 0


FLAGGED = Q(has_stop_event=True) | Q(holds_above_target__gt=0) | Q(holds_outside_dose__gt=0)


def hold_alert_kinds(hold) -> list[str]:
    """The alerts one judged hold raises: above target, and a pain rating of `HIGH_PAIN` or more."""
    kinds = []
    if hold.above_target:
        kinds.append(AlertKind.ABOVE_TARGET)
    if is_high_pain(hold.pain):
        kinds.append(AlertKind.HIGH_PAIN)
    return kinds


def stop_event_alert_kinds(event) -> list[str]:
    """Every stop event raises one alert, carrying its pain rating."""
    return [AlertKind.STOP_EVENT]
