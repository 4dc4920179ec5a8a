"""Reads of notifications: a trainer's preference."""

from __future__ import annotations

from ..models import NotificationPreference, User


def preference_of(*, trainer: User) -> NotificationPreference:
    """The trainer's alert email preference (at once when never set; then unsaved)."""
    return NotificationPreference.objects.filter(trainer=trainer).first() or NotificationPreference(trainer=trainer)
