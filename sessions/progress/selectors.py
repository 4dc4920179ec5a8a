"""An exercise's history for one user, per side, with left/right balance and the next step."""

from __future__ import annotations

from datetime import datetime
from statistics import mean
from typing import Any

from django.db.models import Q, Subquery

from catalog.choices import Goal, Side
from catalog.models import Dose, Exercise

from ..logbook.selectors import without_exercise_json
from ..models import Alert, Hold, Measurement, StretchSession, User
from ..rules.progression import Freeze, SafetyEvent, clean_session_due, freeze, next_step
from ..rules.safety import CLEAN

BALANCE_HOLDS = 5  # the balance compares the mean of each side's last five holds


def progression_freeze(*, client_id: int) -> Freeze | None:
    """The one freeze of the client's progression (`rules.progression.freeze`), from their alerts and sessions.

    Every door that shows a next step — `/progress/`, `/me/program/`, the
    trainer's progress — asks here: one query, two after an acknowledged alert.
    """
    alerts = Alert.objects.filter(client_id=client_id)
    latest = alerts.order_by("-occurred_at", "-id").values("pk")[:1]
    relevant = list(
        alerts.filter(Q(acknowledged_at__isnull=True) | Q(pk__in=Subquery(latest)))
        .order_by("-occurred_at", "-id")
        .values(*ALERT_EVENT_COLUMNS)
    )
    open_events = [_event(alert) for alert in relevant if alert["acknowledged_at"] is None]
    if open_events:
        return freeze(open_events=open_events, latest_event=None, clean_since=False)
    if not relevant:
        return None
    event = _event(relevant[0])
    clean = StretchSession.objects.filter(
        CLEAN, owner_id=client_id, deleted_at__isnull=True, started_at__gte=clean_session_due(event)
    ).exists()
    return freeze(open_events=[], latest_event=event, clean_since=clean)


# What an alert's event needs: the alert, and the side and exercise of the hold or stop event that
# raised it (as values: the rows of the catalog behind them are wide, and only a slug is shown).
ALERT_EVENT_COLUMNS = (
    "kind", "session_id", "occurred_at", "acknowledged_at", "hold_id", "hold__side", "hold__exercise__slug",
    "stop_event_id", "stop_event__side", "stop_event__hold__exercise__slug",
)  # fmt: skip


def _event(alert: dict[str, Any]) -> SafetyEvent:
    """The event of an alert (a row of `ALERT_EVENT_COLUMNS`): a stop event's side, or the hold's;
    the exercise of the hold it raised, or of the hold its stop event stopped."""
    if alert["hold_id"]:
        exercise = alert["hold__exercise__slug"]
    else:
        exercise = alert["stop_event__hold__exercise__slug"] if alert["stop_event_id"] else None
    side = alert["stop_event__side"] if alert["stop_event_id"] else alert["hold__side"]
    return SafetyEvent(
        kind=alert["kind"],
        session=str(alert["session_id"]),
        occurred_at=alert["occurred_at"],
        exercise=exercise,
        side=side or None,
        acknowledged=alert["acknowledged_at"] is not None,
    )


def goal_holds(*, owner_id: int, exercise_ids, goal: str | None) -> list[Hold]:
    """The client's holds of these exercises (under `goal` when given), oldest first, with their sessions."""
    holds = Hold.objects.filter(
        session__owner_id=owner_id, session__deleted_at__isnull=True, exercise_id__in=exercise_ids
    )
    if goal is not None:
        holds = holds.filter(session__goal=goal)
    return list(holds.select_related("session").order_by("session__started_at", "position"))


def exercise_with_doses(*, slug: str) -> tuple[Exercise | None, list[Dose]]:
    """The exercise (without its JSON columns, which progress never shows) and its doses, in one
    query — two for an exercise with no dose; (None, []) for an unknown slug."""
    doses = Dose.objects.filter(exercise__slug=slug).select_related("exercise").order_by()  # picked by goal
    doses = list(without_exercise_json(doses, "exercise"))
    if doses:
        return doses[0].exercise, doses
    return without_exercise_json(Exercise.objects.filter(slug=slug)).first(), []


def progress(*, owner: User, exercise: Exercise, doses: list[Dose], goal: str | None) -> dict[str, Any]:
    """An exercise's history for one user at one goal, per side, and the progression rule's next step
    (`rules.progression`) under the exercise's dose for that goal (`doses`: the exercise's, from
    `exercise_with_doses`). Without a goal, the goal of the latest session with this exercise."""
    every_goal = goal_holds(owner_id=owner.pk, exercise_ids=[exercise.pk], goal=None)
    goal = goal or (every_goal[-1].session.goal if every_goal else Goal.GENERAL_FLEXIBILITY)
    holds = [h for h in every_goal if h.session.goal == goal]
    dose = next((dose for dose in doses if dose.goal == goal), None)
    sides = _sides(exercise)
    series = {side: [h for h in holds if h.side == side] for side in sides}
    measurements = list(
        Measurement.objects.filter(session__owner=owner, session__deleted_at__isnull=True).order_by("measured_at")
    )
    step = next_step(exercise=exercise, dose=dose, holds=holds, frozen=progression_freeze(client_id=owner.pk))
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
        "next_step": step.as_dict(),
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


def progress_overview(*, owner: User, since: datetime) -> dict[str, Any]:
    """Every exercise the client logged since `since`, at every goal: held seconds and intensity per side
    over time and the left/right balance (as `progress` computes it), and the flexibility measurements
    over time with the latest left/right angles. Two queries, whatever the number of sessions."""
    live = {"session__owner": owner, "session__deleted_at__isnull": True}
    holds = without_exercise_json(
        Hold.objects.filter(**live, session__started_at__gte=since).select_related("session", "exercise"),
        "exercise",
    ).order_by("session__started_at", "position")
    measurements = list(Measurement.objects.filter(**live, measured_at__gte=since).order_by("measured_at"))
    by_exercise: dict[int, list[Hold]] = {}
    for hold in holds:
        by_exercise.setdefault(hold.exercise_id, []).append(hold)
    exercises = []
    for rows in by_exercise.values():
        exercise = rows[0].exercise
        series = {side: [h for h in rows if h.side == side] for side in _sides(exercise)}
        exercises.append(
            {
                "exercise": exercise,
                "sides": [
                    {
                        "side": side,
                        "holds": [
                            {"date": h.session.started_at, "held_seconds": h.held_seconds, "intensity": h.intensity}
                            for h in series[side]
                        ],
                    }
                    for side in series
                ],
                "balance": _balance(series, []),
            }
        )
    exercises.sort(key=lambda item: item["exercise"].name)
    return {
        "exercises": exercises,
        "measurements": _measurement_series(measurements),
        "angles": _balance({Side.LEFT: [], Side.RIGHT: []}, measurements)["angles"],
    }
