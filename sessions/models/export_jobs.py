"""Exports run as background jobs, and the files they leave in storage."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from .accounts import User
from .exports import ExportRecord


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """One export asked for in the background: what to export, how far the worker got, and its outcome.

    `queued` at kick-off; `running` once a worker claims it, with `heartbeat_at` renewed while it
    writes (a job whose heartbeat is older than EXPORT_JOB_LEASE_SECONDS lost its worker and is
    marked `failed` by the sweep); then `completed` with its files, or `failed` with `error`.
    Cancelling deletes the row (a worker writing it stops at its next heartbeat). The filters are
    kept as checked at kick-off (user ids, not pseudonyms); the export's `record` is written when
    it runs, and outlives the job.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="export_jobs")
    record = models.OneToOneField(ExportRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="job")
    dataset = models.CharField(max_length=20)
    format = models.CharField(max_length=10)
    filters = models.JSONField(help_text="The checked filters: since, until (ISO 8601), exercise, client, trainer ids.")
    path = models.CharField(max_length=2000, blank=True, help_text="The kick-off request, for the access log.")
    status = models.CharField(max_length=10, choices=ExportJobStatus.choices, default=ExportJobStatus.QUEUED)
    rows = models.PositiveBigIntegerField(default=0, help_text="Rows written so far.")
    error = models.TextField(blank=True, help_text="Why it failed.")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When its files are deleted.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="export_job_status_beat")]

    def __str__(self) -> str:
        return f"{self.dataset} as {self.format} for {self.user} ({self.status})"


class ExportJobFile(models.Model):
    """One output file of a completed export job, kept in the exports storage until the job expires."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=100, help_text="The name in the job's download URL, e.g. `Observation.ndjson`.")
    resource_type = models.CharField(max_length=40, help_text="The FHIR resource type, or the dataset's name.")
    storage_name = models.CharField(max_length=300, help_text="Where the exports storage keeps it.")
    media_type = models.CharField(max_length=100)
    rows = models.PositiveBigIntegerField()
    bytes = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["job", "name"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="export_job_file_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} of {self.job_id}"
