"""One line per alert, for the trainer's eyes outside the panel (alert emails): what happened, in
the panel's words, and nothing more — never a free-text note."""

from __future__ import annotations

from ..models import Alert


def alert_summary_line(alert: Alert) -> str:
    """`Stop event: Sharp pain (left), pain 8/10, stopped the stretch` — the alert's kind, then its
    source (a stop event, or a hold: exercise, side, intensity, pain). Expects `hold__exercise`,
    `stop_event__stop_sign` and `stop_event__hold__exercise` selected."""
    if alert.stop_event_id:
        event = alert.stop_event
        sign = event.stop_sign.name if event.stop_sign_id else "Other"
        side = f" ({event.get_side_display().lower()})" if event.side else ""
        pain = f", pain {event.pain}/10" if event.pain is not None else ""
        exercise = f" during {event.hold.exercise.name}" if event.hold_id else ""
        source = f"{sign}{side}{exercise}{pain}, {event.get_action_display().lower()}"
    else:
        hold = alert.hold
        pain = f", pain {hold.pain}/10" if hold.pain is not None else ""
        source = f"{hold.exercise.name}, {hold.get_side_display().lower()}, intensity {hold.intensity}/10{pain}"
    return f"{alert.get_kind_display()}: {source}"
