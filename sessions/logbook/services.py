"""Writes of logged sessions: the whole-session upload, live appends, edits and deletion.

Every write checks its input with the session rules (`sessions.rules`)
inside its transaction, stores the rows with their safety flags, and raises
the alerts they call for (`sessions.alerts.services`) in the same
transaction: a session is never stored without its flags and alerts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from catalog.models import Dose, Exercise
from stretchapi.bulk import Batch, Builder, insert_unless_taken, uuid4s
from stretchapi.errors import InvalidData
from stretchapi.preconditions import require_current
from stretchapi.transactions import atomic

from .. import errors
from ..alerts.services import alerts_called_for, alerts_raise
from ..choices import StopAction
from ..limits import MAX_HOLDS_PER_SESSION
from ..models import Alert, Hold, Measurement, StopEvent, StretchSession, User
from ..notifications.services import alerts_raised_notify, session_stored_notify, session_stored_reading
from ..rules import records, safety
from ..rules.records import Problems
from .references import exercises_by_slug, stop_signs_by_slug
from .selectors import session_latest_moment, session_with_rows


def _refuse(problems: Problems) -> None:
    if problems:
        raise InvalidData({path: [pair] for path, pair in problems.items()})


def _refuse_live(problems: Problems) -> None:
    """As `_refuse`, for one row logged live: its fields are named without a prefix."""
    _refuse({path.lstrip("."): pair for path, pair in problems.items()})


def _assisting_trainer(trainer_id: int | None) -> User | None:
    if trainer_id is None:
        return None
    return User.objects.filter(pk=trainer_id, role="trainer", is_active=True).first()


def _require_current(session: StretchSession, if_match: str | None) -> None:
    require_current(if_match, is_current=lambda tag: tag == session.etag, noun="session", verb="change or delete")


def upload_check(*, data: dict[str, Any]) -> dict[str, Any]:
    """Check an upload against the session rules, resolving its references in place; `InvalidData` if it breaks one."""
    for key in ("holds", "stop_events", "measurements"):
        data.setdefault(key, [])
    trainer = _assisting_trainer(data.get("trainer_id")) if data["assisted_by"] == "trainer" else None
    problems: Problems = {}
    records.check_upload(
        problems,
        data,
        trainer=trainer,
        exercises=exercises_by_slug({h["exercise"] for h in data["holds"]}),
        signs=stop_signs_by_slug({e["kind"] for e in data["stop_events"]}),
        now=timezone.now(),
    )
    _refuse(problems)
    data.pop("trainer_id", None)
    data["trainer"] = trainer
    return data


def session_upload(
    *,
    owner: User,
    data: dict[str, Any],
    content_hash: str,
    also: Callable[[StretchSession], Sequence[Batch]] | None = None,
) -> tuple[StretchSession, bool]:
    """Store a whole session at once, or recognise a retry of one already stored.

    Returns the session and whether it was created; a created session carries
    its rows (`selectors.session_with_rows`). The same id with the same
    content is a retry (nothing is written); with other content it is a
    `SessionConflict`; owned by someone else, a `SessionIdTaken` that reveals
    nothing of it. Concurrent retries race on the primary key: exactly one
    insert wins and the others become retries.

    A new id is the common case, so nothing is read before the insert (unless
    the phone chose the rows' ids, which must be new): the session's insert
    itself finds its id taken (`insert_unless_taken`, which needs no
    savepoint in a caller's transaction, and on PostgreSQL inserts the rows
    and their alerts in the same statement, only if the session went in),
    and only then is the stored session looked up. The session id decides
    before the rows' ids do: a retry finds its holds already stored, and
    that is a retry, not a `RecordConflict`.
    What is refused is refused before anything is written. The writes are one
    transaction of their own, or part of the caller's `all_or_nothing()` one
    (a keyed upload's, with its answer) with no savepoint of their own.

    `also`: more rows to store with a new session, made from it as it will be
    stored, with its rows (the record of a keyed upload's answer): they go in
    the same statement, and only if the session does.
    """
    data = upload_check(data=data)
    session, rows = _session_build(owner=owner, data=data, content_hash=content_hash)  # judged; nothing written yet
    taken = _taken_child_ids(data)
    if taken is None:
        with atomic():
            alerts = alerts_called_for(session, holds=rows.holds, stop_events=rows.stop_events)
            stored = session_with_rows(
                session, holds=rows.holds, stop_events=rows.stop_events, measurements=rows.measurements
            )
            read = session_stored_reading(client_id=owner.pk)  # who to tell: read by the insert itself
            if insert_unless_taken(
                session,
                (Hold, rows.holds),
                (StopEvent, rows.stop_events),
                (Measurement, rows.measurements),
                *(also(stored) if also is not None else ()),
                (Alert, alerts),  # last: their keys come back
                reading=read,
            ):
                # the outbox: emails and webhooks, sent after commit
                session_stored_notify(session=session, alerts=alerts, read=read)
                return stored, True
    existing = StretchSession.objects.filter(pk=data["id"]).first()
    if existing is None:
        if taken is not None:
            raise errors.RecordConflict(f"One of the ids in '{taken}' is already in use; generate new ids.")
        raise errors.SessionConflict  # taken a moment ago, and gone again since
    return _upload_retry(existing, owner=owner, content_hash=content_hash), False


def _upload_retry(existing: StretchSession, *, owner: User, content_hash: str) -> StretchSession:
    if existing.owner_id != owner.pk:
        raise errors.SessionIdTaken
    if existing.deleted_at is not None:
        raise errors.SessionDeleted
    if existing.content_hash != content_hash:
        raise errors.SessionConflict
    return existing


def _taken_child_ids(data: dict[str, Any]) -> str | None:
    """Which list has a client-chosen id (of a hold, stop event or measurement) already in use, if any."""
    for model, key in ((Hold, "holds"), (StopEvent, "stop_events"), (Measurement, "measurements")):
        ids = [item["id"] for item in data.get(key, []) if item.get("id")]
        if ids and model.objects.filter(id__in=ids).exists():
            return key
    return None


@dataclass
class _Rows:
    holds: list[Hold]
    stop_events: list[StopEvent]
    measurements: list[Measurement]


def _session_build(*, owner: User, data: dict[str, Any], content_hash: str) -> tuple[StretchSession, _Rows]:
    """The session and its rows, judged by the rules, with the session's flags: all known before any write."""
    now = timezone.now()
    session = StretchSession(
        id=data["id"],
        owner=owner,
        assisted_by=data["assisted_by"],
        assisting_trainer=data.get("trainer"),
        partner_name=data.get("partner_name", ""),
        started_at=data["started_at"],
        ended_at=data.get("ended_at"),
        goal=data["goal"],
        outcome=data["outcome"],
        notes=data.get("notes", ""),
        app_version=data.get("app_version", ""),
        content_hash=content_hash,
        created_at=now,
        updated_at=now,
    )
    doses: dict[int, Dose | None] = {}
    given = data.get("holds", [])
    ids, make = iter(uuid4s(len(given))), _new_hold.maker()  # a new hold's id, unless the phone chose it
    holds = [
        _hold_build(session, position, hold, doses, make=make, new_id=next(ids))
        for position, hold in enumerate(given, 1)
    ]
    stop_events = [
        _stop_event_build(session, event, holds[event["hold_index"]] if event.get("hold_index") is not None else None)
        for event in data.get("stop_events", [])
    ]
    measurements = [Measurement(session=session, **measurement) for measurement in data.get("measurements", [])]
    _flags_store(session, safety.session_flags(holds=holds, stop_events=stop_events))
    return session, _Rows(holds, stop_events, measurements)


_new_hold = Builder(Hold)


def _hold_build(
    session: StretchSession,
    position: int,
    data: dict[str, Any],
    doses: dict[int, Dose | None],
    *,
    make: Callable[..., Hold] = _new_hold,
    new_id: uuid.UUID | None = None,
) -> Hold:
    """A hold with its safety flags, judged by the rules against its exercise and the session's goal.

    `data["exercise"]` must carry its doses (prefetched) so that judging a
    hundred holds costs no query; `doses` keeps the goal's dose of each
    exercise met so far, for the next holds of the same session. `make`
    builds it (`_new_hold.maker()` for a batch); `new_id` is its id when
    `data` names none (else the field's default, `uuid4`).
    """
    exercise: Exercise = data["exercise"]
    if exercise.pk not in doses:
        doses[exercise.pk] = safety.dose_for(exercise, session.goal)
    dose = doses[exercise.pk]
    fields = {k: v for k, v in data.items() if k != "id" or v is not None}
    if new_id is not None and "id" not in fields:
        fields["id"] = new_id
    hold = make(session=session, position=position, **fields)
    phases = safety.pnf_phases_outside(exercise, {name: getattr(hold, name) for name, _, _ in safety.PNF_PHASES})
    hold.above_target = safety.hold_above_target(exercise=exercise, dose=dose, intensity=hold.intensity)
    hold.outside_dose = safety.hold_outside_dose(dose=dose, held_seconds=hold.held_seconds, pnf_outside=phases)
    hold.outside_dose_phases = ",".join(phases)
    return hold


def _stop_event_build(session: StretchSession, data: dict[str, Any], hold: Hold | None) -> StopEvent:
    fields = {k: v for k, v in data.items() if k not in ("hold_index", "kind") and (k != "id" or v is not None)}
    return StopEvent(session=session, hold=hold, stop_sign=data["kind"], **fields)


def _flags_store(session: StretchSession, flags: safety.SessionFlags) -> None:
    session.has_stop_event = flags.has_stop_event
    session.holds_above_target = flags.holds_above_target
    session.holds_outside_dose = flags.holds_outside_dose
    session.max_pain = flags.max_pain


def _session_flags_refresh(session: StretchSession) -> None:
    """Recompute the session's safety flags from all its stored rows, by the same rule as at upload."""
    holds = session.holds.only("above_target", "outside_dose", "pain")
    _flags_store(session, safety.session_flags(holds=holds, stop_events=session.stop_events.only("pain")))
    session.version += 1
    session.updated_at = timezone.now()
    session.save(
        update_fields=[
            "holds_above_target",
            "holds_outside_dose",
            "has_stop_event",
            "max_pain",
            "version",
            "updated_at",
        ]
    )


def _locked(session: StretchSession) -> StretchSession:
    """The session row, locked until the end of the transaction (serialises appends and edits)."""
    return StretchSession.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def hold_append(*, session: StretchSession, data: dict[str, Any]) -> tuple[Hold, bool]:
    """Log one hold live. Retrying with the same id returns the stored hold; other content is a conflict."""
    session = _locked(session)
    problems: Problems = {}
    now = timezone.now()
    window = records.session_window(session.started_at, session.ended_at, now)
    records.check_hold(problems, "", data, exercises_by_slug({data["exercise"]}), window, now)
    stopped = session.stop_events.filter(action=StopAction.STOPPED_SESSION).aggregate(at=Min("occurred_at"))["at"]
    records.check_live_hold_after_stop(problems, data, stopped)
    _refuse_live(problems)
    existing = Hold.objects.filter(pk=data["id"]).first()
    if existing is not None:
        if existing.session_id != session.pk or not _same_fields(existing, data, exclude={"id"}):
            raise errors.RecordConflict("A hold with this id already exists with different content.")
        return existing, False
    last = session.holds.aggregate(last=Max("position"), count=Count("id"))
    if last["count"] >= MAX_HOLDS_PER_SESSION:
        raise errors.HoldLimitReached
    position = (last["last"] or 0) + 1
    hold = _hold_build(session, position, data, {})
    hold.save(force_insert=True)
    alerts_raised_notify(session=session, alerts=alerts_raise(session, holds=[hold], stop_events=[]))
    _session_flags_refresh(session)
    return hold, True


@transaction.atomic
def stop_event_append(*, session: StretchSession, data: dict[str, Any]) -> tuple[StopEvent, bool]:
    """Log one stop event live; idempotent by its id like `hold_append`. `data["hold"]` is the id of the
    hold it stopped, if any, in this session."""
    session = _locked(session)
    problems: Problems = {}
    now = timezone.now()
    window = records.session_window(session.started_at, session.ended_at, now)
    records.check_stop_event(problems, "", data, stop_signs_by_slug({data["kind"]}), window, now)
    hold_id = data.pop("hold", None)
    data["hold"] = None
    if hold_id is not None:
        data["hold"] = session.holds.filter(pk=hold_id).first()
        if data["hold"] is None:
            records.refuse(problems, ".hold", "No hold with this id in this session.")
    _refuse_live(problems)
    existing = StopEvent.objects.filter(pk=data["id"]).first()
    if existing is not None:
        same = existing.session_id == session.pk and existing.stop_sign == data["kind"]
        if not same or not _same_fields(existing, data, exclude={"id", "kind"}):
            raise errors.RecordConflict("A stop event with this id already exists with different content.")
        return existing, False
    event = StopEvent(session=session, stop_sign=data["kind"], **{k: v for k, v in data.items() if k != "kind"})
    event.save(force_insert=True)
    alerts_raised_notify(session=session, alerts=alerts_raise(session, holds=[], stop_events=[event]))
    _session_flags_refresh(session)
    return event, True


def _same_fields(instance, data: dict[str, Any], *, exclude: set[str]) -> bool:
    return all(getattr(instance, key) == value for key, value in data.items() if key not in exclude)


@transaction.atomic
def session_update(*, session: StretchSession, if_match: str | None, data: dict[str, Any]) -> StretchSession:
    """Change a session's own fields (not its holds) when the client holds its current ETag.

    A change that changes nothing (an empty body, or values equal to the stored ones) writes
    nothing: the session keeps its version and ETag, as the admin's unchanged save does. The
    If-Match check still comes first, so a stale ETag is a 412 even then.
    """
    session = _locked(session)
    _require_current(session, if_match)
    data = {key: value for key, value in data.items() if getattr(session, key) != value}
    if not data:
        return session
    if data.get("ended_at") is not None:
        problems: Problems = {}
        records.check_new_end(
            problems,
            ended_at=data["ended_at"],
            started_at=session.started_at,
            latest_row_at=session_latest_moment(session),
            now=timezone.now(),
        )
        _refuse(problems)
    for key, value in data.items():
        setattr(session, key, value)
    session.version += 1
    session.updated_at = timezone.now()
    session.save(update_fields=[*data, "version", "updated_at"])
    return session


@transaction.atomic
def session_delete(*, session: StretchSession, if_match: str | None) -> None:
    """Delete a session, keeping a tombstone so that the user's other devices learn of it."""
    session = _locked(session)
    _require_current(session, if_match)
    now = timezone.now()
    session.deleted_at = now
    session.updated_at = now
    session.version += 1
    session.save(update_fields=["deleted_at", "updated_at", "version"])
