"""Running an export: its filters checked, its record written, its stream counted.

`export_filters` turns what the caller asked for into `ExportFilters` or
refuses it (`InvalidData`, each problem under the field it concerns);
`export_start` records the export and returns its stream, which finishes the
record when it ends — completed, aborted by the client mid-stream (with what
had been sent by then) or failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date

from catalog.models import Exercise
from sessions.access import consented_links, is_analyst, is_trainer, log_access
from sessions.choices import ExportStatus, Role
from sessions.models import ExportRecord, User
from stretchapi import inputs
from stretchapi.errors import InvalidData

from . import pseudonyms, streams
from .datasets import ANALYST, ExportFilters, Recipient, trainer_audience

logger = logging.getLogger(__name__)

FORMATS = (streams.CSV, streams.NDJSON, streams.FHIR)


def export_audience(user: User) -> Recipient | None:
    """Analysts (staff holding the permission, superusers) export every client pseudonymized;
    trainers their consented clients; nobody else exports."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if is_analyst(user):
        return ANALYST
    if is_trainer(user):
        return trainer_audience(user)
    return None


def parse_moment(text: str) -> date | datetime:
    """A date (`2026-11-23`) or a datetime with its UTC offset (`2026-11-23T07:30:00Z`), within years 2000–2100.

    Datetimes are read by `stretchapi.inputs.parse_moment` (in UTC), days checked by `check_day`; both
    raise `InputError`, a `ValueError` with a stable `code`.
    """
    text = text.strip()
    if "T" in text or " " in text:
        return inputs.parse_moment(text)
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise inputs.InputError(
            "invalid", f"'{text}' is neither a date (YYYY-MM-DD) nor a datetime (YYYY-MM-DDTHH:MM:SSZ)."
        )
    return inputs.check_day(day)


def _start_of(moment: date | datetime, *, end: bool) -> datetime:
    """A datetime as is; a date as its first instant (UTC), or for an end the first instant of the next day."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC)
    return datetime.combine(moment + timedelta(days=1 if end else 0), time.min, tzinfo=UTC)


def export_filters(
    *,
    audience: Recipient,
    since: date | datetime | None,
    until: date | datetime | None = None,
    exercise: str | None = None,
    client: str | int | None = None,
    trainer: str | int | None = None,
) -> ExportFilters:
    """The rows asked for, checked: a range of at most EXPORT_MAX_SPAN_DAYS, known exercise and people.

    `since` is inclusive and required; `until` is exclusive for a datetime and
    includes the whole day for a date, and defaults to now. People are
    pseudonyms for analysts (`c_…`, `t_…`) and user ids for trainers, who may
    name only their consented clients.
    """
    problems: dict[str, list[tuple[str, str]]] = {}
    max_days = settings.EXPORT_MAX_SPAN_DAYS
    start = end = None
    if since is None:
        message = f"Give the start of the range (a date or a datetime); a range covers at most {max_days} days."
        problems["since"] = [("required", message)]
    else:
        start = _start_of(since, end=False)
        end = _start_of(until, end=True) if until is not None else timezone.now()
        field = "until" if until is not None else "since"
        if end <= start:
            problems[field] = [("range_empty", "`until` must come after `since`.")]
        elif end - start > timedelta(days=max_days):
            span = (end - start).days
            problems[field] = [("span_too_wide", f"The range spans {span} days; at most {max_days} are allowed.")]

    if exercise is not None and not Exercise.objects.filter(slug=exercise).exists():
        problems["exercise"] = [("invalid_choice", f"Unknown exercise: '{exercise}'.")]
    client_id = _person("client", client, audience, problems)
    trainer_id = _person("trainer", trainer, audience, problems)
    if problems:
        raise InvalidData(problems)
    return ExportFilters(since=start, until=end, exercise=exercise, client=client_id, trainer=trainer_id)


def _person(field: str, value, audience: Recipient, problems: dict) -> int | None:
    if value is None:
        return None
    value = str(value)
    if audience.pseudonymized:
        prefix = pseudonyms.CLIENT if field == "client" else pseudonyms.TRAINER
        users = User.objects.all() if field == "client" else User.objects.filter(role=Role.TRAINER)
        found = pseudonyms.resolve(prefix, value, users.values_list("pk", flat=True).iterator())
        if found is None:
            problems[field] = [("invalid_choice", f"No {field} has the pseudonym '{value}' (`{prefix}…`).")]
        return found
    try:
        user_id = inputs.parse_id(value)
    except inputs.InputError as exc:
        problems[field] = [(exc.code, f"A {field}'s user id is required. {exc.message}")]
        return None
    if field == "client" and not consented_links(audience.trainer).filter(client_id=user_id).exists():
        problems[field] = [("invalid_choice", "Not one of the clients who consented to your access.")]
    return user_id


@dataclass
class Progress:
    """What the receiver has taken so far; `_recorded` keeps it current."""

    rows: int = 0
    bytes: int = 0


@dataclass
class ExportRun:
    record: ExportRecord
    stream: Iterator[bytes]
    media_type: str
    filename: str
    progress: Progress


def export_start(
    *,
    dataset: str,
    fmt: str,
    filters: ExportFilters,
    audience: Recipient,
    user: User | None,
    via: str,
    path: str = "",
) -> ExportRun:
    """Record the export and return its stream; a trainer's export lands in the access log of
    each client it covers."""
    record = export_record_start(
        dataset=dataset, fmt=fmt, filters=filters, audience=audience, user=user, via=via, path=path
    )
    source = streams.chunks(dataset, fmt, filters, audience, chunk_bytes=settings.EXPORT_CHUNK_BYTES)
    day = filters.since.date().isoformat()
    last = (filters.until - timedelta(microseconds=1)).date().isoformat()
    progress = Progress()
    return ExportRun(
        record=record,
        stream=_recorded(record, source, progress),
        media_type=streams.MEDIA_TYPES[fmt],
        filename=f"{dataset}_{day}_{last}.{streams.EXTENSIONS[fmt]}",
        progress=progress,
    )


def export_record_start(
    *,
    dataset: str,
    fmt: str,
    filters: ExportFilters,
    audience: Recipient,
    user: User | None,
    via: str,
    path: str = "",
) -> ExportRecord:
    """The export's record (`running`), and a trainer's read in the access log of each client it covers.

    Every export writes it, streamed (`export_start`) or run as a job (`exports.jobs`)."""
    record = ExportRecord.objects.create(
        user=user,
        via=via,
        audience=audience.kind,
        dataset=dataset,
        format=fmt,
        filters=filters.describe(audience),
    )
    if audience.trainer is not None:
        consented = consented_links(audience.trainer).values_list("client_id", flat=True)
        clients = {filters.client} if filters.client else set(consented)
        log_access(trainer=audience.trainer, client_ids=clients, resource=f"export {dataset}", path=path)
    return record


def _recorded(record: ExportRecord, source: Iterator[tuple[bytes, int]], progress: Progress) -> Iterator[bytes]:
    """Pass the chunks on, counting what the receiver took; finish the record when the stream ends.

    A chunk counts once the receiver asks for the next one (it was written), so
    a client that leaves mid-stream is recorded with what it received.
    """
    status = ExportStatus.FAILED
    try:
        for data, count in source:
            yield data
            progress.rows += count
            progress.bytes += len(data)
        status = ExportStatus.COMPLETED
    except GeneratorExit:
        status = ExportStatus.ABORTED
        raise
    finally:
        source.close()  # a COPY or a cursor still open is cancelled before the record is written
        export_record_finish(record=record, rows=progress.rows, size=progress.bytes, status=status)


def export_record_finish(*, record: ExportRecord, rows: int, size: int, status: str) -> None:
    record.rows, record.bytes, record.status, record.finished_at = rows, size, status, timezone.now()
    record.save(update_fields=["rows", "bytes", "status", "finished_at"])
    if status == ExportStatus.FAILED:
        logger.error("Export %s failed after %s rows", record.pk, rows)
