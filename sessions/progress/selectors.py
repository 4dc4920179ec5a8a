"""An exercise's history for one user, per side, with left/right balance and the next step."""

from __future__ import annotations

from statistics import mean
from typing import Any

from django.utils import timezone

from catalog.choices import Goal, Side
from catalog.models import Dose, Exercise

from ..models import Hold, Measurement, StopEvent, User
from ..rules.progression import next_step
from ..rules.values import FREEZE_WINDOW

BALANCE_HOLDS = 5  # the balance compares the mean of each side's last five holds


def progress(*, owner: User, exercise: Exercise, goal: str | None) -> dict[str, Any]:
    """An exercise's history for one user, per side, and the progression rule's next step.

    The rule (the catalog's: longer holds before more intensity): when the
    last session's holds of this exercise all reached the current hold time
    with intensity inside the target and no stop event, hold time goes up by
    5 s; once the dose's longest hold is reached, the intensity target goes up
    by one, to the exercise's target maximum. A stop event in the last 7 days
    freezes progression until a clean session with this exercise follows it.
    """
    holds = list(
        Hold.objects.filter(session__owner=owner, session__deleted_at__isnull=True, exercise=exercise)
        .select_related("session")
        .order_by("session__started_at", "position")
    )
    goal = goal or (holds[-1].session.goal if holds else Goal.GENERAL_FLEXIBILITY)
    dose = Dose.objects.filter(exercise=exercise, goal=goal).first()
    sides = _sides(exercise)
    series = {side: [h for h in holds if h.side == side] for side in sides}
    measurements = list(
        Measurement.objects.filter(session__owner=owner, session__deleted_at__isnull=True).order_by("measured_at")
    )
    stop_events = list(
        StopEvent.objects.filter(
            session__owner=owner,
            session__deleted_at__isnull=True,
            occurred_at__gte=timezone.now() - FREEZE_WINDOW,
        ).select_related("session")
    )
    return {
        "exercise": exercise.slug,
        "goal": goal,
        "sides": [
            {
                "side": side,
                "holds": [
                    {
                        "session": h.session_id,
                        "date": h.session.started_at,
                        "held_seconds": h.held_seconds,
                        "intensity": h.intensity,
                        "pain": h.pain,
                    }
                    for h in series[side]
                ],
            }
            for side in sides
        ],
        "measurements": _measurement_series(measurements),
        "balance": _balance(series, measurements),
        "next_step": next_step(exercise=exercise, dose=dose, holds=holds, stop_events=stop_events).__dict__,
    }


def _sides(exercise: Exercise) -> list[str]:
    return [Side.BOTH] if exercise.laterality == "both_sides" else [Side.LEFT, Side.RIGHT]


def _measurement_series(measurements: list[Measurement]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Measurement]] = {}
    for m in measurements:
        groups.setdefault((m.kind, m.side), []).append(m)
    return [
        {
            "kind": kind,
            "side": side or None,
            "unit": items[0].unit,
            "values": [{"measured_at": m.measured_at, "value": m.value} for m in items],
        }
        for (kind, side), items in sorted(groups.items())
    ]


def _balance(series: dict[str, list[Hold]], measurements: list[Measurement]) -> dict[str, Any]:
    """Left minus right: mean held seconds of each side's last holds, and the latest angles."""
    if Side.LEFT not in series:
        return {"left_held_seconds": None, "right_held_seconds": None, "held_seconds_difference": None, "angles": []}
    left = [h.held_seconds for h in series[Side.LEFT][-BALANCE_HOLDS:]]
    right = [h.held_seconds for h in series[Side.RIGHT][-BALANCE_HOLDS:]]
    left_mean = round(mean(left), 1) if left else None
    right_mean = round(mean(right), 1) if right else None
    latest: dict[tuple[str, str], Measurement] = {}
    for m in measurements:
        if m.side in (Side.LEFT, Side.RIGHT):
            latest[(m.kind, m.side)] = m
    angles = [
        {
            "kind": kind,
            "left": latest[(kind, Side.LEFT)].value,
            "right": latest[(kind, Side.RIGHT)].value,
            "difference": latest[(kind, Side.LEFT)].value - latest[(kind, Side.RIGHT)].value,
            "unit": latest[(kind, Side.LEFT)].unit,
        }
        for kind in sorted({k for k, _ in latest})
        if (kind, Side.LEFT) in latest and (kind, Side.RIGHT) in latest
    ]
    return {
        "left_held_seconds": left_mean,
        "right_held_seconds": right_mean,
        "held_seconds_difference": round(left_mean - right_mean, 1) if left and right else None,
        "angles": angles,
    }
