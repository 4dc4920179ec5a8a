"""Exports as background jobs: asked for now, written by a worker to storage, downloaded later.

The flow follows FHIR Bulk Data's `$export` (kick-off, status, download):

- `export_job_create` keeps the checked filters and enqueues `export_job_run` after commit;
- `export_job_run` (a worker) claims the job (`queued` → `running`), records the export like any
  other (`services.export_record_start`: the ExportRecord, a trainer's access-log lines), writes
  its files through the same code paths as the streaming endpoint — `streams.chunks` (COPY on
  PostgreSQL for CSV, the iterator otherwise) or `parquet.write` — to a temporary file, then
  into the `exports` storage, and completes the job with each file's rows and bytes;
- while it writes, a heartbeat thread stores the rows written so far and renews `heartbeat_at`,
  on a connection of its own (the COPY's transaction is rolled back at its end); the heartbeat
  finding the job gone (cancelled) stops the writing at the next chunk;
- `export_jobs_sweep` (periodic, TASKS_PERIODIC) marks `failed` every running job whose heartbeat
  is older than EXPORT_JOB_LEASE_SECONDS — its worker died (SIGKILL, out of memory, machine
  lost) — with that reason, and deletes jobs past `expires_at` with their files.

A job whose worker died is failed, not re-queued: what killed one worker (memory, a huge span)
would likely kill the next, and asking again is one POST. Its owner sees the reason.

Files: CSV, NDJSON and Parquet make one file named after the dataset (`holds.csv`); FHIR makes
one file per resource type (`Observation.ndjson`), as Bulk Data does; a FHIR file's `rows` are
its resources (lines), the job's `rows` the dataset's rows.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from sessions.choices import ExportStatus, ExportVia
from sessions.models import ExportJob, ExportJobFile, ExportJobStatus, User

from . import parquet, services, streams
from .datasets import ExportFilters, Recipient

logger = logging.getLogger(__name__)

PARQUET = parquet.PARQUET
FORMATS = (*services.FORMATS, PARQUET)
MEDIA_TYPES = {**streams.MEDIA_TYPES, PARQUET: parquet.MEDIA_TYPE}
EXTENSIONS = {**streams.EXTENSIONS, PARQUET: "parquet"}
# What each dataset's FHIR output is made of (`fhir.BUILDERS`): one file per resource type.
FHIR_RESOURCE_TYPES = {
    "sessions": "Procedure",
    "holds": "Observation",
    "stop-events": "Observation",
    "measurements": "Observation",
}
STORAGE = "exports"


class JobStopped(Exception):
    """The job was cancelled (deleted) while a worker wrote it."""


def exports_storage() -> Storage:
    return storages[STORAGE]


# Kick-off ---------------------------------------------------------------------------------


def _stored_filters(filters: ExportFilters) -> dict:
    return {
        "since": filters.since.isoformat(),
        "until": filters.until.isoformat(),
        "exercise": filters.exercise,
        "client": filters.client,
        "trainer": filters.trainer,
    }


def job_filters(job: ExportJob) -> ExportFilters:
    stored = job.filters
    return ExportFilters(
        since=datetime.fromisoformat(stored["since"]),
        until=datetime.fromisoformat(stored["until"]),
        exercise=stored["exercise"],
        client=stored["client"],
        trainer=stored["trainer"],
    )


def export_job_create(*, user: User, dataset: str, fmt: str, filters: ExportFilters, path: str = "") -> ExportJob:
    """A queued job for filters already checked (`services.export_filters`); a worker runs it after commit."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user, dataset=dataset, format=fmt, filters=_stored_filters(filters), path=path[:2000]
        )
        transaction.on_commit(lambda: export_job_run.enqueue(str(job.pk)))
    return job


def export_job_delete(*, job: ExportJob) -> None:
    """Cancel a queued or running job, or remove a finished one with its files.

    The row goes at once: a worker still writing it notices at its next heartbeat (or when it
    completes) and deletes what it wrote; the export's record stays, as `aborted`.
    """
    names = list(job.files.values_list("storage_name", flat=True))
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).delete()
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    storage = exports_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a file already gone, or the bucket away: the expiry sweep is not retried for it
            logger.exception("export jobs: could not delete %s", name)


# The worker -------------------------------------------------------------------------------


@dataclass
class _Written:
    name: str
    resource_type: str
    storage_name: str
    media_type: str
    rows: int
    bytes: int


class JobHeartbeat(threading.Thread):
    """Every EXPORT_JOB_HEARTBEAT_SECONDS, stores the rows written so far and renews the job's lease.

    Its own thread, so its own database connection: its updates commit at once, outside the
    export's transaction. A job no longer running (deleted) sets `stopped_by_owner`."""

    def __init__(self, job_id) -> None:
        super().__init__(name=f"export-job-{job_id}", daemon=True)
        self.job_id = job_id
        self.rows = 0
        self.done = threading.Event()
        self.stopped_by_owner = threading.Event()

    def beat(self) -> None:
        alive = ExportJob.objects.filter(pk=self.job_id, status=ExportJobStatus.RUNNING).update(
            heartbeat_at=timezone.now(), rows=self.rows
        )
        if not alive:
            self.stopped_by_owner.set()

    def run(self) -> None:
        try:
            while not self.done.wait(settings.EXPORT_JOB_HEARTBEAT_SECONDS):
                try:
                    self.beat()
                except Exception:  # the database away for a moment: the lease is long enough for a retry
                    logger.exception("export job %s: heartbeat failed", self.job_id)
                if self.stopped_by_owner.is_set():
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self.done.set()
        self.join()


@task()
def export_job_run(job_id: str) -> None:
    """Run one export job (the worker's task): claim it, write its files, complete or fail it."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJobStatus.QUEUED).update(
        status=ExportJobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return  # cancelled before it ran, or already run
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    audience = services.export_audience(job.user)
    if audience is None:
        _fail(job.pk, "Its owner may no longer export.")
        return
    filters = job_filters(job)
    record = services.export_record_start(
        dataset=job.dataset, fmt=job.format, filters=filters, audience=audience, user=job.user,
        via=ExportVia.API, path=job.path,
    )  # fmt: skip
    ExportJob.objects.filter(pk=job.pk).update(record=record)
    heartbeat = JobHeartbeat(job.pk)
    heartbeat.start()
    written: list[_Written] = []
    status = ExportStatus.FAILED
    try:
        written = _write(job, filters, audience, heartbeat)
        _complete(job.pk, written, rows=heartbeat.rows)
        status = ExportStatus.COMPLETED
    except JobStopped:
        status = ExportStatus.ABORTED
        _delete_files([w.storage_name for w in written])
        logger.info("export job %s: cancelled by its owner after %s rows", job.pk, heartbeat.rows)
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        _delete_files([w.storage_name for w in written])
        _fail(job.pk, f"The export failed: {type(exc).__name__}.")
    finally:
        heartbeat.stop()
        size = sum(w.bytes for w in written) if status == ExportStatus.COMPLETED else 0
        services.export_record_finish(record=record, rows=heartbeat.rows, size=size, status=status)


def _write(job: ExportJob, filters: ExportFilters, audience: Recipient, heartbeat: JobHeartbeat) -> list[_Written]:
    """The job's files, each written to a temporary file and then saved in the exports storage."""
    if job.format == PARQUET:
        name, kind = f"{job.dataset}.parquet", job.dataset

        def fill(target: BinaryIO) -> int:
            for count in parquet.write(
                target, job.dataset, filters, audience, row_group_rows=settings.EXPORT_PARQUET_ROW_GROUP_ROWS
            ):
                heartbeat.rows += count
                _check(heartbeat)
            return heartbeat.rows

    else:
        if job.format == streams.FHIR:
            kind = FHIR_RESOURCE_TYPES[job.dataset]
            name = f"{kind}.ndjson"
        else:
            kind, name = job.dataset, f"{job.dataset}.{EXTENSIONS[job.format]}"

        def fill(target: BinaryIO) -> int:
            chunks = streams.chunks(job.dataset, job.format, filters, audience, chunk_bytes=settings.EXPORT_CHUNK_BYTES)
            lines = 0
            try:
                for data, count in chunks:
                    target.write(data)
                    lines += data.count(b"\n")
                    heartbeat.rows += count
                    _check(heartbeat)
            finally:
                chunks.close()  # a COPY or a cursor still open is cancelled
            return lines - 1 if job.format == streams.CSV else lines  # a CSV file's rows: without its header

    return [_save(job, name, kind, MEDIA_TYPES[job.format], fill)]


def _check(heartbeat: JobHeartbeat) -> None:
    if heartbeat.stopped_by_owner.is_set():
        raise JobStopped


def _save(job: ExportJob, name: str, kind: str, media_type: str, fill) -> _Written:
    directory = settings.FILE_UPLOAD_TEMP_DIR or None
    handle, temporary = tempfile.mkstemp(prefix="export-job-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as target:
            rows = fill(target)
        size = Path(temporary).stat().st_size
        with open(temporary, "rb") as source:
            stored = exports_storage().save(f"{job.pk}/{name}", _TemporaryFile(source, temporary))
    finally:
        Path(temporary).unlink(missing_ok=True)
    return _Written(name, kind, stored, media_type, rows, size)


class _TemporaryFile(File):
    """A file on local disk: FileSystemStorage moves it into place instead of copying it."""

    def __init__(self, file, path: str) -> None:
        super().__init__(file, name=os.path.basename(path))
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def _complete(job_id, written: list[_Written], *, rows: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id, status=ExportJobStatus.RUNNING).first()
        if job is None:
            raise JobStopped
        ExportJobFile.objects.bulk_create(
            ExportJobFile(
                job=job, name=w.name, resource_type=w.resource_type, storage_name=w.storage_name,
                media_type=w.media_type, rows=w.rows, bytes=w.bytes,
            )
            for w in written
        )  # fmt: skip
        job.status, job.rows, job.finished_at, job.heartbeat_at = ExportJobStatus.COMPLETED, rows, now, now
        job.expires_at = now + timedelta(hours=settings.EXPORT_JOB_EXPIRY_HOURS)
        job.save(update_fields=["status", "rows", "finished_at", "heartbeat_at", "expires_at"])


def _fail(job_id, reason: str) -> int:
    now = timezone.now()
    return ExportJob.objects.filter(pk=job_id, status=ExportJobStatus.RUNNING).update(
        status=ExportJobStatus.FAILED,
        error=reason,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.EXPORT_JOB_EXPIRY_HOURS),
    )


# The sweep --------------------------------------------------------------------------------


def stale_jobs_fail(*, now: datetime | None = None) -> int:
    """Mark failed every running job whose heartbeat is older than the lease; how many.

    Safe to run twice at once (each update re-checks the job is still running and stale)."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.EXPORT_JOB_LEASE_SECONDS)
    failed = 0
    stale = ExportJob.objects.filter(status=ExportJobStatus.RUNNING, heartbeat_at__lt=limit)
    for job in stale.select_related("record"):
        seen = job.heartbeat_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        reason = (
            f"The worker running this export stopped (no heartbeat since {seen}, after {job.rows} rows). "
            "Ask for the export again."
        )
        if ExportJob.objects.filter(pk=job.pk, status=ExportJobStatus.RUNNING, heartbeat_at__lt=limit).update(
            status=ExportJobStatus.FAILED,
            error=reason,
            finished_at=now,
            expires_at=now + timedelta(hours=settings.EXPORT_JOB_EXPIRY_HOURS),
        ):
            failed += 1
            logger.warning("export job %s: %s", job.pk, reason)
            if job.record is not None and job.record.status == ExportStatus.RUNNING:
                services.export_record_finish(record=job.record, rows=job.rows, size=0, status=ExportStatus.FAILED)
    return failed


def expired_jobs_delete(*, now: datetime | None = None) -> int:
    """Delete finished jobs past `expires_at`, and their files; how many."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(expires_at__lt=now).exclude(status=ExportJobStatus.RUNNING)
    deleted = 0
    for job in expired.prefetch_related("files"):
        export_job_delete(job=job)
        deleted += 1
    return deleted


@task()
def export_jobs_sweep() -> dict[str, int]:
    """The periodic sweep (TASKS_PERIODIC): fail jobs whose worker died, delete expired ones."""
    return {"failed": stale_jobs_fail(), "expired": expired_jobs_delete()}


def jobs_of(user: User):
    """The user's jobs with their files (two queries)."""
    return ExportJob.objects.filter(user=user).prefetch_related("files")


def job_file(job: ExportJob, name: str) -> tuple[ExportJobFile, File] | None:
    """One file of a completed job, opened from storage; None when there is no such file."""
    found = next((f for f in job.files.all() if f.name == name), None)
    if found is None:
        return None
    return found, exports_storage().open(found.storage_name, "rb")
