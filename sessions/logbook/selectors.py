"""Reads of logged sessions; each returns what its serializer needs in a fixed number of queries."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter

from django.db.models import Max, Prefetch, QuerySet

from ..models import Hold, Measurement, StopEvent, StretchSession, User

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


def session_latest_moment(session: StretchSession) -> datetime | None:
    """When the session's last recorded hold started or stop event happened (None if neither)."""
    moments = [
        session.holds.aggregate(last=Max("started_at"))["last"],
        session.stop_events.aggregate(last=Max("occurred_at"))["last"],
    ]
    return max((m for m in moments if m is not None), default=None)
