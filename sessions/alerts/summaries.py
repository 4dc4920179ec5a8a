"""What happened, in one line: the words every door shows for an alert (the panel's rows,
`/me/alerts/`, the trainer's alert emails). Never a free-text note: a stop event without a
stop sign reads "other stop sign".

Plain functions over an alert whose hold or stop event (with its stop sign and
hold's exercise) the caller has loaded: no query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from catalog.choices import Side

from ..choices import StopAction
from ..models import Alert, Hold, StopEvent


def _side(side: str) -> str | None:
    if not side:
        return None
    return "both sides" if side == Side.BOTH else f"{side} side"


def _pain(pain: int | None) -> str | None:
    return f"pain {pain}/10" if pain is not None else None


def stop_event_summary(event: StopEvent) -> str:
    """E.g. "Lying Hamstring Stretch, right side, sharp pain, pain 8/10, stopped the session"."""
    sign = event.stop_sign.name.lower() if event.stop_sign_id else "other stop sign"
    action = "continued through it" if event.action == StopAction.CONTINUED else event.get_action_display().lower()
    parts = [
        event.hold.exercise.name if event.hold_id else None,
        _side(event.side),
        sign,
        _pain(event.pain),
        action,
    ]
    return ", ".join(part for part in parts if part)


def hold_summary(hold: Hold) -> str:
    """E.g. "Lying Hamstring Stretch, left side, intensity 9/10 (above the cap), pain 7/10"."""
    intensity = f"intensity {hold.intensity}/10" + (" (above the cap)" if hold.above_target else "")
    parts = [hold.exercise.name, _side(hold.side), intensity, _pain(hold.pain)]
    return ", ".join(part for part in parts if part)


def what_happened(alert: Alert) -> str:
    """The alert's source in one line: the stop event or the hold that raised it."""
    return stop_event_summary(alert.stop_event) if alert.stop_event_id else hold_summary(alert.hold)


@dataclass(frozen=True)
class Reason:
    """One source (a stop event or a hold) of a session's alerts: its kinds, most urgent first, in one line."""

    kinds: tuple[str, ...]
    what: str
    occurred_at: datetime


def reasons(alerts: Iterable[Alert]) -> list[Reason]:
    """`alerts` (most urgent first) as one line per stop event or hold they point at: a stop event
    that raised an escalation, a stop-event and a high-pain alert is one line with three kinds."""
    grouped: dict[tuple[str, object], list[Alert]] = {}
    for alert in alerts:
        key = ("stop_event", alert.stop_event_id) if alert.stop_event_id else ("hold", alert.hold_id)
        grouped.setdefault(key, []).append(alert)
    return [
        Reason(kinds=tuple(a.kind for a in group), what=what_happened(group[0]), occurred_at=group[0].occurred_at)
        for group in grouped.values()
    ]


def alert_summary_line(alert: Alert) -> str:
    """The alert's kind, then what happened: "Stop event: Lying Hamstring Stretch, left side, sharp
    pain, pain 8/10, stopped the session" (alert emails, where each reason stands alone)."""
    return f"{alert.get_kind_display()}: {what_happened(alert)}"
