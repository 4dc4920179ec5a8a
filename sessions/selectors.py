"""Reads of logged sessions; each returns what its serializer needs in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from operator import attrgetter
from statistics import mean
from typing import Any

from django.db.models import Avg, Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from catalog.choices import Goal, Side
from catalog.models import Dose, Exercise
from catalog.selectors import exercise_plan

from .choices import NextStepAction
from .models import Alert, Hold, Measurement, Program, ProgramItem, StopEvent, StretchSession, TrainerLink, User

FREEZE_WINDOW = timedelta(days=7)
HOLD_STEP_SECONDS = 5
BALANCE_HOLDS = 5


# An exercise row carries JSON (its whole content snapshot, kept for its history, cues and sources):
# costly to load and decode, and never shown through a hold, which names its exercise by slug.
EXERCISE_JSON = ("content", "cues", "sources")


def without_exercise_json(queryset: QuerySet, *paths: str) -> QuerySet:
    """`queryset`, with the exercises it selects along `paths` (its own rows without any) loaded
    without their JSON columns."""
    return queryset.defer(
        *(f"{path}__{column}" if path else column for path in paths or [""] for column in EXERCISE_JSON)
    )


def holds_with_exercise_slug() -> QuerySet[Hold]:
    """Holds with the one thing a hold shows of its exercise, the slug: a page of sessions
    holds hundreds of holds, and an exercise row is wide."""
    return Hold.objects.select_related("exercise").only(
        *(field.name for field in Hold._meta.concrete_fields), "exercise__slug"
    )


def session_list(*, owner: User, include_deleted: bool = False) -> QuerySet[StretchSession]:
    """The owner's sessions with their rows; tombstones only when asked (delta sync)."""
    holds = holds_with_exercise_slug()
    sessions = StretchSession.objects.filter(owner=owner).prefetch_related(
        Prefetch("holds", queryset=holds.order_by("position")),
        Prefetch("stop_events", queryset=StopEvent.objects.select_related("stop_sign").order_by("occurred_at")),
        Prefetch("measurements", queryset=Measurement.objects.order_by("measured_at")),
    )
    return sessions if include_deleted else sessions.filter(deleted_at__isnull=True)


def session_get(*, owner: User, session_id) -> StretchSession | None:
    return session_list(owner=owner).filter(pk=session_id).first()


def session_with_rows(
    session: StretchSession, *, holds: list[Hold], stop_events: list[StopEvent], measurements: list[Measurement]
) -> StretchSession:
    """`session` carrying the rows it was just stored with, in `session_list`'s order: presenting
    a session the moment it is written costs no query to read it back."""
    session._prefetched_objects_cache = {
        "holds": sorted(holds, key=attrgetter("position")),
        "stop_events": sorted(stop_events, key=attrgetter("occurred_at")),
        "measurements": sorted(measurements, key=attrgetter("measured_at")),
    }
    return session


@dataclass
class NextStep:
    action: str
    hold_seconds: int | None
    intensity_max: int | None
    reason: str


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
        "next_step": _next_step(exercise=exercise, dose=dose, holds=holds, stop_events=stop_events).__dict__,
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


def _next_step(
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
            _current_hold_seconds(holds, dose),
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
                _current_hold_seconds(holds, dose),
                exercise.target_intensity_min,
                "A stop event in the last 7 days: keep the current dose until a clean session follows it.",
            )

    last_session = holds[-1].session_id
    last = [h for h in holds if h.session_id == last_session]
    current = _current_hold_seconds(holds, dose)
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


def _current_hold_seconds(holds: list[Hold], dose: Dose) -> int:
    """The hold time reached so far: the last session's shortest hold, within the dose."""
    last_session = holds[-1].session_id
    shortest = min(h.held_seconds for h in holds if h.session_id == last_session)
    return max(dose.hold_seconds_min, min(shortest, dose.hold_seconds_max))


# The trainer's side ------------------------------------------------------------


def trainer_client_ids(trainer: User) -> QuerySet:
    """Ids of the clients whose data `trainer` may read right now (staff: every client)."""
    if trainer.role == "staff":
        return User.objects.filter(role="client").values("pk")
    return TrainerLink.objects.filter(trainer=trainer, ended_at__isnull=True).values("client_id")


def trainer_clients(*, trainer: User) -> QuerySet[User]:
    """The trainer's clients with activity, adherence to their program, open alerts and the
    left/right balance of their main exercise (the program's first item) — in one query."""
    now = timezone.now()
    live = Q(stretch_sessions__deleted_at__isnull=True)
    current = Program.objects.filter(client=OuterRef("pk"), ended_at__isnull=True)
    first_item = ProgramItem.objects.filter(program__client=OuterRef("pk"), program__ended_at__isnull=True).order_by(
        "position"
    )

    def side_mean(side: str) -> Subquery:
        holds = Hold.objects.filter(
            session__owner=OuterRef("pk"),
            session__deleted_at__isnull=True,
            session__started_at__gte=now - timedelta(days=28),
            exercise__slug=OuterRef("main_exercise"),
            side=side,
        )
        return Subquery(holds.values("session__owner").annotate(mean=Avg("held_seconds")).values("mean")[:1])

    return (
        User.objects.filter(pk__in=trainer_client_ids(trainer))
        .annotate(
            last_session_at=Max("stretch_sessions__started_at", filter=live),
            sessions_last_7_days=Count(
                "stretch_sessions", filter=live & Q(stretch_sessions__started_at__gte=now - timedelta(days=7)),
                distinct=True,
            ),
            sessions_last_28_days=Count(
                "stretch_sessions", filter=live & Q(stretch_sessions__started_at__gte=now - timedelta(days=28)),
                distinct=True,
            ),
            target_sessions_per_week=Subquery(current.values("sessions_per_week")[:1]),
            main_exercise=Subquery(first_item.values("exercise__slug")[:1]),
        )
        .annotate(
            open_alerts=Subquery(
                Alert.objects.filter(client=OuterRef("pk"), acknowledged_at__isnull=True)
                .values("client")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
            main_left_held_seconds=side_mean(Side.LEFT),
            main_right_held_seconds=side_mean(Side.RIGHT),
        )
        .order_by("email")
    )  # fmt: skip


def trainer_client(*, trainer: User, client_id: int) -> User | None:
    return User.objects.filter(pk=client_id, pk__in=trainer_client_ids(trainer)).first()


def trainer_alerts(*, trainer: User) -> QuerySet[Alert]:
    """The safety feed of the trainer's clients, newest first."""
    # The holds and stop events come in queries of their own, for the page's alerts only: joined
    # in, they would be joined for every alert of every client before the newest are picked.
    holds = holds_with_exercise_slug()
    stop_events = StopEvent.objects.select_related("stop_sign", "hold__exercise")
    return (
        Alert.objects.filter(client__in=trainer_client_ids(trainer))
        .select_related("client", "acknowledged_by")
        .prefetch_related(
            Prefetch("hold", queryset=holds),
            Prefetch("stop_event", queryset=without_exercise_json(stop_events, "hold__exercise")),
        )
        .order_by("-occurred_at", "-id")
    )


# Programs ------------------------------------------------------------------------


def program_current(*, client: User) -> Program | None:
    """The client's current program with what its plans and next steps need."""
    items = ProgramItem.objects.select_related("exercise__pnf").prefetch_related(
        "exercise__doses", "exercise__stop_signs"
    )
    return (
        Program.objects.filter(client=client, ended_at__isnull=True)
        .select_related("trainer")
        .prefetch_related(Prefetch("items", queryset=items.order_by("position")))
        .first()
    )


def program_view(*, program: Program) -> dict[str, Any]:
    """Each item with its timer plan (the item's own dose) and the progression rule's next step.

    Progression freezes after a stop event until the trainer has acknowledged
    it and a clean session has followed.
    """
    client = program.client_id
    exercises = {item.exercise_id for item in program.items.all()}
    holds = list(
        Hold.objects.filter(session__owner_id=client, session__deleted_at__isnull=True, exercise_id__in=exercises)
        .select_related("session")
        .order_by("session__started_at", "position")
    )
    stop_events = list(
        StopEvent.objects.filter(
            session__owner_id=client, session__deleted_at__isnull=True, occurred_at__gte=timezone.now() - FREEZE_WINDOW
        )
    )
    awaiting = Alert.objects.filter(client_id=client, kind=Alert.Kind.STOP_EVENT, acknowledged_at__isnull=True).exists()
    items = []
    for item in program.items.all():
        exercise = item.exercise
        catalog_dose = next((d for d in exercise.doses.all() if d.goal == item.goal), None)
        own_dose = Dose(
            exercise=exercise,
            goal=item.goal,
            holds_per_side_min=item.holds_per_side,
            holds_per_side_max=item.holds_per_side,
            hold_seconds_min=item.hold_seconds,
            hold_seconds_max=item.hold_seconds,
            rest_seconds=catalog_dose.rest_seconds if catalog_dose else 15,
            intensity_cap=catalog_dose.intensity_cap if catalog_dose else exercise.target_intensity_max,
        )
        items.append(
            {
                "position": item.position,
                "exercise": exercise.slug,
                "goal": item.goal,
                "holds_per_side": item.holds_per_side,
                "hold_seconds": item.hold_seconds,
                "override_reason": item.override_reason,
                "plan": exercise_plan(exercise=exercise, dose=own_dose, side=None),
                "next_step": _next_step(
                    exercise=exercise,
                    dose=catalog_dose,
                    holds=[h for h in holds if h.exercise_id == exercise.pk],
                    stop_events=stop_events,
                    awaiting_acknowledgement=awaiting,
                ).__dict__,
            }
        )
    return {
        "id": program.pk,
        "trainer": program.trainer,
        "sessions_per_week": program.sessions_per_week,
        "notes": program.notes,
        "created_at": program.created_at,
        "items": items,
    }
