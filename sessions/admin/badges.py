"""Coloured badges for the panel's lists and pages: red for what stopped a session or hurt, amber for
what went past the cap, grey for the rest. Whether a badge shows is the domain's call (`rules.safety`)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from sessions.choices import AlertKind
from sessions.rules.safety import is_high_pain
from sessions.rules.values import HIGH_PAIN

# The tone of each alert kind's badge: the two that mean "something hurt or stopped" are red.
ALERT_TONES = {
    AlertKind.ESCALATION: "red",
    AlertKind.STOP_EVENT: "red",
    AlertKind.HIGH_PAIN: "red",
    AlertKind.ABOVE_TARGET: "amber",
}
ALERT_SHORT = {
    AlertKind.ESCALATION: "escalation",
    AlertKind.STOP_EVENT: "stop event",
    AlertKind.HIGH_PAIN: f"pain ≥ {HIGH_PAIN}",
    AlertKind.ABOVE_TARGET: "above cap",
}


def badge(text: str, tone: str) -> SafeString:
    return format_html('<span class="badge badge-{}">{}</span>', tone, text)


def alert_kind_badge(kind: str, count: int | None = None) -> SafeString:
    text = ALERT_SHORT.get(kind, kind) if count is None else f"{count} {ALERT_SHORT.get(kind, kind)}"
    return badge(text, ALERT_TONES.get(kind, "grey"))


def session_badges(session) -> SafeString:
    """A session's safety flags as badges ("stop event", "pain ≥ 7", "2 above cap", "1 outside dose"),
    or a grey "clean"."""
    badges = []
    if session.has_stop_event:
        badges.append(("stop event", "red"))
    if is_high_pain(session.max_pain):
        badges.append((f"pain {session.max_pain}/10", "red"))
    if session.holds_above_target:
        badges.append((f"{session.holds_above_target} above cap", "amber"))
    if session.holds_outside_dose:
        badges.append((f"{session.holds_outside_dose} outside dose", "grey"))
    if not badges:
        return badge("clean", "green")
    return format_html_join(" ", '<span class="badge badge-{1}">{0}</span>', badges)
