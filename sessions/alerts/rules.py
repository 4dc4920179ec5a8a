"""What an alert shows of its source — the hold or the stop event that raised it — written once.

Every door that shows an alert's `exercise`, `side`, `intensity`, `pain` and `stop_sign` (the
serializers of `/trainer/alerts/`, the grouped feed and `/me/alerts/`, and the feed's documents
built from value rows) goes through `alert_source`, whether it holds model instances
(`alert_source_of`) or rows (`HoldFacts`/`StopEventFacts` built by the selectors).
"""

from __future__ import annotations

from typing import NamedTuple

from ..models import Alert, Hold, StopEvent


class HoldFacts(NamedTuple):
    """What an alert may show of a hold."""

    exercise: str  # the exercise's slug
    side: str
    intensity: int
    pain: int | None


class StopEventFacts(NamedTuple):
    """What an alert may show of a stop event, with the hold it happened during (if any)."""

    kind: str  # the stop sign's slug, or `other`
    side: str  # "" when the event has none
    pain: int | None
    hold: HoldFacts | None


class AlertSource(NamedTuple):
    """The alert's source as flat fields."""

    exercise: str | None
    side: str | None
    intensity: int | None
    pain: int | None
    stop_sign: str | None


def alert_source(*, hold: HoldFacts | None, stop_event: StopEventFacts | None) -> AlertSource:
    """An alert raised by a stop event shows the event's side (None when it has none), pain and
    kind, and the exercise and intensity of the hold it happened during (None without one); an
    alert raised by a hold shows that hold. An alert pointing at both (the model allows it) shows
    its own hold's exercise and intensity and the stop event's side, pain and kind."""
    shown = hold if hold is not None else (stop_event.hold if stop_event is not None else None)
    exercise, intensity = (shown.exercise, shown.intensity) if shown is not None else (None, None)
    if stop_event is not None:
        return AlertSource(exercise, stop_event.side or None, intensity, stop_event.pain, stop_event.kind)
    return AlertSource(exercise, hold.side, intensity, hold.pain, None)


def hold_facts(hold: Hold | None) -> HoldFacts | None:
    """`HoldFacts` of a hold instance whose exercise is loaded."""
    if hold is None:
        return None
    return HoldFacts(hold.exercise.slug, hold.side, hold.intensity, hold.pain)


def stop_event_facts(event: StopEvent | None) -> StopEventFacts | None:
    """`StopEventFacts` of a stop event instance whose stop sign and hold (with its exercise) are loaded."""
    if event is None:
        return None
    return StopEventFacts(event.kind, event.side, event.pain, hold_facts(event.hold) if event.hold_id else None)


def alert_source_of(alert: Alert) -> AlertSource:
    """`alert_source` of an alert instance whose hold or stop event is loaded as `hold_facts` and
    `stop_event_facts` need them."""
    return alert_source(
        hold=hold_facts(alert.hold) if alert.hold_id else None,
        stop_event=stop_event_facts(alert.stop_event) if alert.stop_event_id else None,
    )
