"""Template filters of the trainer panel: the domain's words and the panel's badges, never a rule of their own."""

from __future__ import annotations

from django import template

from sessions.admin.badges import alert_kind_badge, badge, session_badges
from sessions.alerts.summaries import reasons
from sessions.alerts.summaries import what_happened as alert_what_happened

register = template.Library()


@register.filter
def what_happened(alert) -> str:
    return alert_what_happened(alert)


@register.filter
def kind_badge(kind: str, count: int | None = None):
    return alert_kind_badge(kind, count)


@register.filter
def safety_badges(session):
    return session_badges(session)


@register.simple_tag
def tone_badge(text: str, tone: str):
    return badge(text, tone)


@register.filter
def open_reasons(session):
    """The session's unacknowledged alerts (prefetched, most urgent first), one line per source."""
    return reasons(alert for alert in session.alerts.all() if alert.acknowledged_at is None)
