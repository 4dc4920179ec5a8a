"""The safety judgement of logged rows: a hold's flags, a session's flags, and the alerts they raise.

- A hold is **above target** when its intensity exceeds the ceiling of the
  session's goal (`catalog.rules.intensity_ceiling`: the dose's cap, or the
  exercise's target maximum when it has no dose for that goal).
- A hold is **outside the dose** when its time falls outside the goal's dose,
  or, for a PNF stretch, when a phase (contract, relax, assisted hold) falls
  outside the exercise's protocol (`pnf_phases_outside` names which).
- **Pain** of `HIGH_PAIN` or more, on a hold or a stop event, is a safety signal.
- A stop event **escalates** when the client continued through a sign that
  means "stop now" (`catalog.rules.means_stop`) or through high pain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, CharField, IntegerField, Q, Value, When

from catalog.models import Dose, Exercise
from catalog.rules import intensity_ceiling, means_stop

from ..choices import AlertKind, StopAction
from .values import HIGH_PAIN

# Most urgent first: the trainer's feed and the freeze name the most urgent reason.
URGENCY = (AlertKind.ESCALATION, AlertKind.STOP_EVENT, AlertKind.HIGH_PAIN, AlertKind.ABOVE_TARGET)


def urgency_rank(kind_field: str = "kind") -> Case:
    """`URGENCY` as a query expression: the place of the alert kind in `kind_field` (0 is the most urgent)."""
    whens = (When(**{kind_field: kind}, then=Value(rank)) for rank, kind in enumerate(URGENCY))
    return Case(*whens, output_field=IntegerField())


def urgency_kind(rank_field: str) -> Case:
    """The alert kind at the place in `URGENCY` held by `rank_field` (an `urgency_rank`), as a query expression."""
    whens = (When(**{rank_field: rank}, then=Value(str(kind))) for rank, kind in enumerate(URGENCY))
    return Case(*whens, output_field=CharField())


# (hold field, protocol field prefix, the phase's name) of a PNF hold.
PNF_PHASES = (
    ("contract_seconds", "contract_seconds", "contract"),
    ("relax_seconds", "relax_seconds", "relax"),
    ("assisted_hold_seconds", "assisted_hold_seconds", "assisted hold"),
)


def dose_for(exercise: Exercise, goal: str) -> Dose | None:
    """The exercise's dose for `goal` (its doses prefetched: no query)."""
    return next((d for d in exercise.doses.all() if d.goal == goal), None)


def hold_above_target(*, exercise: Exercise, dose: Dose | None, intensity: int) -> bool:
    return intensity > intensity_ceiling(exercise, dose)


def pnf_phases_outside(exercise: Exercise, phases: dict[str, int | None]) -> list[str]:
    """The names of the PNF phases whose logged seconds fall outside the exercise's protocol."""
    protocol = getattr(exercise, "pnf", None) if exercise.is_pnf else None
    if protocol is None:
        return []
    outside = []
    for field, prefix, name in PNF_PHASES:
        seconds = phases.get(field)
        if seconds is not None and not getattr(protocol, f"{prefix}_min") <= seconds <= getattr(
            protocol, f"{prefix}_max"
        ):
            outside.append(name)
    return outside


def hold_outside_dose(*, dose: Dose | None, held_seconds: int, pnf_outside: list[str]) -> bool:
    """The hold's time is outside the goal's dose (or there is no dose for the goal), or a PNF phase is."""
    return dose is None or not dose.hold_seconds_min <= held_seconds <= dose.hold_seconds_max or bool(pnf_outside)


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
    return has_stop_event or holds_above_target > 0 or holds_outside_dose > 0 or is_high_pain(max_pain)


FLAGGED = (
    Q(has_stop_event=True) | Q(holds_above_target__gt=0) | Q(holds_outside_dose__gt=0) | Q(max_pain__gte=HIGH_PAIN)
)


def is_clean(*, has_stop_event: bool, holds_above_target: int, max_pain: int | None) -> bool:
    """A session that can end a freeze: no stop event, no pain of `HIGH_PAIN` or more, no hold above the cap.
    `CLEAN` is the same rule as a query condition."""
    return not has_stop_event and holds_above_target == 0 and not is_high_pain(max_pain)


CLEAN = Q(has_stop_event=False, holds_above_target=0) & (Q(max_pain__isnull=True) | Q(max_pain__lt=HIGH_PAIN))


def hold_alert_kinds(hold) -> list[str]:
    """The alerts one judged hold raises: above target, and high pain."""
    kinds = []
    if hold.above_target:
        kinds.append(AlertKind.ABOVE_TARGET)
    if is_high_pain(hold.pain):
        kinds.append(AlertKind.HIGH_PAIN)
    return kinds


def escalates(*, stop_sign, pain: int | None, action: str) -> bool:
    """Continuing through a stop-now sign or through high pain is the most urgent signal there is."""
    return action == StopAction.CONTINUED and ((stop_sign is not None and means_stop(stop_sign)) or is_high_pain(pain))


def stop_event_alert_kinds(event) -> list[str]:
    """Every stop event raises a stop-event alert; high pain adds its own, and continuing through a
    stop-now sign or high pain an escalation."""
    kinds = [AlertKind.STOP_EVENT]
    if is_high_pain(event.pain):
        kinds.append(AlertKind.HIGH_PAIN)
    if escalates(stop_sign=event.stop_sign, pain=event.pain, action=event.action):
        kinds.append(AlertKind.ESCALATION)
    return kinds
