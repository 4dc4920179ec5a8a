"""Serializers of export jobs: the kick-off's input (the streaming export's filters, plus Parquet) and
the job's status with its files."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from sessions.exports.datasets import ANALYST
from sessions.exports.jobs import FORMATS, job_filters
from sessions.models import ExportJob, ExportJobFile

from ..exports import ExportQuerySerializer, MomentField


@extend_schema_field(
    {
        "type": "string",
        "description": "A date `YYYY-MM-DD` (UTC) or a datetime with its offset.",
        "example": "2026-01-01",
    }
)
class ExportMomentField(MomentField):
    """The streaming export's moment, as a JSON body field (documented as a string)."""


class ExportJobKickOffSerializer(ExportQuerySerializer):
    """The filters of `GET /api/v1/exports/{dataset}/` (same fields, same checks), and the job's format."""

    since = ExportMomentField(required=False, help_text="Start (inclusive); required.")
    until = ExportMomentField(
        required=False, help_text="End: a date includes that whole day (UTC); a datetime is exclusive. Default: now."
    )
    format = serializers.ChoiceField(choices=FORMATS, default="csv", help_text="CSV unless given.")


class ExportJobFileSerializer(serializers.ModelSerializer):
    type = serializers.CharField(
        source="resource_type", help_text="The FHIR resource type (FHIR jobs), else the dataset's name."
    )
    url = serializers.SerializerMethodField(help_text="Download it here (the job's owner only).")

    class Meta:
        model = ExportJobFile
        fields = ["type", "name", "url", "media_type", "rows", "bytes"]
        read_only_fields = fields

    def get_url(self, file: ExportJobFile) -> str:
        kwargs = {"job_id": file.job_id, "name": file.name}
        return reverse("export-job-file", kwargs=kwargs, request=self.context.get("request"))


class ExportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This status (`Content-Location` of the kick-off).")
    rows = serializers.IntegerField(help_text="Rows written so far (the dataset's rows; a FHIR file counts resources).")
    filters = serializers.SerializerMethodField(help_text="The filters as applied (people as you see them).")
    error = serializers.CharField(help_text="Why it failed; empty otherwise.")
    files = ExportJobFileSerializer(many=True, help_text="When completed: the output files.")

    class Meta:
        model = ExportJob
        fields = [
            "id", "url", "dataset", "format", "status", "rows", "filters", "error", "files",
            "created_at", "started_at", "finished_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, job: ExportJob) -> str:
        return reverse("export-job", kwargs={"job_id": job.pk}, request=self.context.get("request"))

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "since": {"type": "string", "format": "date-time"},
                "until": {"type": "string", "format": "date-time"},
                "exercise": {"type": "string", "nullable": True},
                "client": {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True},
                "trainer": {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True},
            },
        }
    )
    def get_filters(self, job: ExportJob) -> dict:
        return job_filters(job).describe(self.context.get("audience") or ANALYST)
