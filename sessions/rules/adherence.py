"""Adherence to a program: sessions logged in a window against the program's weekly target."""

from __future__ import annotations

# The two windows the trainer's client list counts over (its field names, `…_7_days` and
# `…_28_days`, are the API contract): a week, and four whole weeks so that weekdays balance out.
WEEK_DAYS = 7
FOUR_WEEKS_DAYS = 28


def adherence(*, sessions: int, sessions_per_week: int | None, days: int) -> float | None:
    """Sessions logged in `days` divided by what the program asks for in that many days (None without a program)."""
    if not sessions_per_week:
        return None
    return round(sessions / (sessions_per_week * days / WEEK_DAYS), 2)
