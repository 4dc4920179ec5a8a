"""Adherence to a program: sessions logged in a window against the program's weekly target."""

from __future__ import annotations

from datetime import datetime

# The two windows the trainer's client list counts over (its field names, `…_7_days` and
# `…_28_days`, are the API contract): a week, and four whole weeks so that weekdays balance out.
WEEK_DAYS = 7
FOUR_WEEKS_DAYS = 28


def adherence(*, sessions: int, sessions_per_week: int | None, days: int) -> float | None:
    """Sessions logged in `days` divided by what the program asks for in that many days (None without a program)."""
    if not sessions_per_week:
        return None
    return round(sessions / (sessions_per_week * days / WEEK_DAYS), 2)


# Our choice: a client has dropped off their program once they have gone without a session for as
# long as the program's last two sessions would have taken (7 ÷ sessions per week, twice).
MISSED_SESSIONS_BEFORE_DROP = 2


def days_allowed_without_session(sessions_per_week: int) -> float:
    """How long a client may go without a session before their adherence counts as dropped."""
    return MISSED_SESSIONS_BEFORE_DROP * WEEK_DAYS / sessions_per_week


def adherence_dropped(
    *,
    last_session_at: datetime | None,
    program_started_at: datetime | None,
    sessions_per_week: int | None,
    now: datetime,
) -> int | None:
    """Whole days without a session when adherence dropped (counted from the last session, or from the
    program's start when there is none), else None. No program, no drop."""
    if not sessions_per_week or program_started_at is None:
        return None
    since = max(last_session_at or program_started_at, program_started_at)
    idle = now - since
    if idle.total_seconds() / 86400 <= days_allowed_without_session(sessions_per_week):
        return None
    return idle.days
