"""Reads of logged sessions; each returns what its serializer needs in a fixed number of queries."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any

from django.db import connections
from django.db.models import Max, Prefetch, QuerySet

from stretchapi import jsonsql
from stretchapi.compiled import CompiledQuery

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


# The columns of a session list as rows (`session_rows`, `session_rows_with_children`): a page of
# sessions shows hundreds of holds, and building a model instance for each cost more than its query.
SESSION_COLUMNS = (
    "id", "started_at", "ended_at", "goal", "outcome", "assisted_by", "assisting_trainer_id", "partner_name",
    "notes", "app_version", "version", "created_at", "updated_at", "deleted_at", "has_stop_event",
    "holds_above_target", "holds_outside_dose", "max_pain",
)  # fmt: skip
HOLD_COLUMNS = (
    "id", "session_id", "position", "exercise__slug", "side", "set_number", "target_seconds", "held_seconds",
    "intensity", "pain", "contract_seconds", "relax_seconds", "assisted_hold_seconds", "started_at", "above_target",
    "outside_dose", "outside_dose_phases",
)  # fmt: skip


# A hold instance (its exercise loaded) as a row of `HOLD_COLUMNS`.
hold_row: Callable[[Hold], tuple[Any, ...]] = attrgetter(*(column.replace("__", ".") for column in HOLD_COLUMNS))


STOP_EVENT_COLUMNS = ("id", "session_id", "stop_sign__slug", "hold_id", "side", "occurred_at", "pain", "action", "note")
MEASUREMENT_COLUMNS = ("id", "session_id", "kind", "side", "value", "unit", "zero_offset_cm", "measured_at")


def session_rows(*, owner: User, include_deleted: bool = False) -> QuerySet[dict[str, Any]]:
    """`session_list` as rows of `SESSION_COLUMNS`, without their holds, stop events and measurements
    (`session_rows_with_children` adds them to a page): one query."""
    sessions = StretchSession.objects.filter(owner=owner)
    if not include_deleted:
        sessions = sessions.filter(deleted_at__isnull=True)
    return sessions.values(*SESSION_COLUMNS)


# The tables of a session's rows: the model, the order within a session, the columns.
_CHILDREN = {
    "holds": (Hold, "position", HOLD_COLUMNS),
    "stop_events": (StopEvent, "occurred_at", STOP_EVENT_COLUMNS),
    "measurements": (Measurement, "measured_at", MEASUREMENT_COLUMNS),
}


@functools.cache
def _page_rows(name: str, sessions: int) -> CompiledQuery:
    """One table's rows of a page of `sessions` sessions: its SQL compiled once per page length
    (building three querysets cost a page more CPU than the database spent answering them)."""
    model, order, columns = _CHILDREN[name]

    def build(**ids: uuid.UUID) -> QuerySet:
        in_page = model.objects.filter(session_id__in=list(ids.values()))
        return in_page.order_by("session_id", order).values_list(*columns)

    return CompiledQuery(build, **{f"s{n}": uuid.UUID(int=n + 1) for n in range(sessions)})


# A hold's document as a JSON template (`stretchapi.jsonsql`) over the SQL of each of `HOLD_COLUMNS`.
HoldJSON = Callable[[Callable[[str], str]], Any]


@functools.cache
def _page_holds_json(hold_json: HoldJSON) -> tuple[str, list[str]]:
    """The SQL reading each session's holds of a page (an array of ids) as one JSON array in their
    order, each hold written by `hold_json`, and its constant parameters (PostgreSQL)."""
    hold, exercise = Hold._meta, Hold._meta.get_field("exercise").related_model._meta

    def column(name: str) -> str:
        if name == "exercise__slug":
            return f'e."{exercise.get_field("slug").column}"'
        return f'h."{hold.get_field(name).column}"'

    expression, params = jsonsql.compile_json(hold_json(column))
    # Names from the models' meta; values are parameters.
    sql = (
        f"SELECT {column('session_id')}, '[' || string_agg({expression}, ',' ORDER BY {column('position')}) || ']'"  # noqa: S608
        f' FROM "{hold.db_table}" h JOIN "{exercise.db_table}" e ON e."{exercise.pk.column}" = {column("exercise")}'
        f" WHERE {column('session_id')} = ANY(%s) GROUP BY {column('session_id')}"
    )
    return sql, params


def session_rows_with_children(
    sessions: list[dict[str, Any]], *, holds_json: HoldJSON | None = None
) -> list[dict[str, Any]]:
    """`sessions` (rows of `session_rows`), each given its `holds` (rows of `HOLD_COLUMNS`, in
    their order), `stop_events` and `measurements` (dicts), in `session_list`'s order: three
    queries whatever the number of sessions and rows.

    With `holds_json` on PostgreSQL, a session's holds come as the text of one JSON array that the
    database wrote, each hold by that template: a page shows hundreds of holds, and reading their
    values and writing each hold's document in Python cost several times the query."""
    by_id = {row["id"]: row for row in sessions}
    if not by_id:
        return sessions
    ids = {f"s{n}": session_id for n, session_id in enumerate(by_id)}
    as_json = holds_json is not None and connections[StretchSession.objects.db].vendor == "postgresql"
    for name, (_, _, columns) in _CHILDREN.items():
        for session in sessions:
            session[name] = []
        if name == "holds" and as_json:
            sql, params = _page_holds_json(holds_json)
            with connections[StretchSession.objects.db].cursor() as cursor:
                cursor.execute(sql, [*params, list(by_id)])
                for session_id, holds in cursor.fetchall():
                    by_id[session_id]["holds"] = holds
            continue
        rows = _page_rows(name, len(ids)).rows(**ids)
        if name == "holds":  # a page holds hundreds: kept as rows, the session id second
            for row in rows:
                by_id[row[1]]["holds"].append(row)
        else:
            for row in rows:
                by_id[row[1]][name].append(dict(zip(columns, row, strict=True)))
    return sessions


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
