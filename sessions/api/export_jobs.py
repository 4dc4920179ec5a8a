"""Export jobs: `POST /api/v1/exports/{dataset}/jobs/` (kick-off), `GET`/`DELETE
/api/v1/exports/jobs/{id}/` (status, cancel or remove), `GET …/files/{name}` (download).

The shape of FHIR Bulk Data's `$export`: the kick-off answers `202 Accepted` with the status URL in
`Content-Location` (and `Location`); the status says `queued`, `running` (with `Retry-After`),
`completed` (with the files) or `failed` (with why); the files stream from storage. A job and its
files are its owner's alone: anyone else gets 404, as for a job that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.exports.datasets import DATASETS
from sessions.exports.jobs import export_job_create, export_job_delete, job_file, jobs_of
from sessions.exports.services import export_audience, export_filters
from sessions.models import ExportJobStatus

from .exports import TAG
from .permissions import CanExport
from .serializers.export_jobs import ExportJobKickOffSerializer, ExportJobSerializer

FILTER_FIELDS = ("since", "until", "exercise", "client", "trainer")

KICK_OFF = """Ask for an export to be written in the background, for spans too large to stream
within a request. The body takes the filters of `GET /api/v1/exports/{dataset}/` (`since`
required, `until`, `exercise`, `client`, `trainer`: the same checks, the same audience rules) and a
`format`: `csv`, `ndjson`, `fhir` (FHIR Bulk Data NDJSON, one file per resource type) or `parquet`
(typed columns, for analysts' tools).

Answers `202 Accepted` with the job's status URL in `Content-Location` and `Location`. A worker
writes the files; poll the status (`Retry-After` says when), then download each file. Files are
deleted `EXPORT_JOB_EXPIRY_HOURS` (24) hours after the job finishes. Every job is recorded like a
streamed export, when it runs."""


def _job_id_parameter() -> OpenApiParameter:
    return OpenApiParameter("job_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class _OwnJobMixin:
    """The requester's own job, or 404."""

    def get_job(self, request: Request, job_id):
        job = jobs_of(request.user).filter(pk=job_id).first()
        if job is None:
            raise exceptions.NotFound("No such export job.")
        return job


def _status_response(request: Request, job, status_code: int = status.HTTP_200_OK) -> Response:
    context = {"request": request, "audience": export_audience(request.user)}
    data = ExportJobSerializer(job, context=context).data
    response = Response(data, status=status_code)
    if job.status in (ExportJobStatus.QUEUED, ExportJobStatus.RUNNING):
        response["Retry-After"] = str(settings.EXPORT_JOB_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class ExportJobKickOffView(GenericAPIView):
    permission_classes = [IsAuthenticated, CanExport]
    serializer_class = ExportJobKickOffSerializer

    @extend_schema(
        operation_id="export_job_create",
        summary="Start an export job (CSV, NDJSON, FHIR NDJSON or Parquet)",
        description=KICK_OFF,
        tags=[TAG],
        parameters=[OpenApiParameter("dataset", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(DATASETS))],
        request=ExportJobKickOffSerializer,
        responses={
            202: OpenApiResponse(
                ExportJobSerializer, description="Accepted: the job's status is at `Content-Location`."
            ),
            400: OpenApiResponse(description="A filter or the format refused (the problem names the field)."),
            403: OpenApiResponse(description="Not an analyst or a trainer."),
            404: OpenApiResponse(description="No such dataset."),
        },
    )
    def post(self, request: Request, dataset: str) -> Response:
        if dataset not in DATASETS:
            raise exceptions.NotFound(f"No dataset '{dataset}'. Datasets: {', '.join(DATASETS)}.")
        query = self.get_serializer(data=request.data)
        query.is_valid(raise_exception=True)
        audience = export_audience(request.user)
        filters = export_filters(audience=audience, **{key: query.validated_data.get(key) for key in FILTER_FIELDS})
        job = export_job_create(
            user=request.user,
            dataset=dataset,
            fmt=query.validated_data["format"],
            filters=filters,
            path=request.get_full_path(),
        )
        job = jobs_of(request.user).get(pk=job.pk)
        response = _status_response(request, job, status.HTTP_202_ACCEPTED)
        response["Content-Location"] = response["Location"] = response.data["url"]
        return response


class ExportJobView(_OwnJobMixin, GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ExportJobSerializer

    @extend_schema(
        operation_id="export_job_status",
        summary="An export job's status, and its files once completed",
        tags=[TAG],
        parameters=[_job_id_parameter()],
        responses={
            200: OpenApiResponse(
                ExportJobSerializer, description="`Retry-After` (seconds) while `queued` or `running`."
            ),
            404: OpenApiResponse(description="No such job of yours (cancelled, expired, or someone else's)."),
        },
    )
    def get(self, request: Request, job_id) -> Response:
        return _status_response(request, self.get_job(request, job_id))

    @extend_schema(
        operation_id="export_job_delete",
        summary="Cancel an export job, or remove a finished one with its files",
        tags=[TAG],
        parameters=[_job_id_parameter()],
        responses={
            204: OpenApiResponse(description="Cancelled or removed."),
            404: OpenApiResponse(description="No such job of yours."),
        },
    )
    def delete(self, request: Request, job_id) -> Response:
        export_job_delete(job=self.get_job(request, job_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportJobFileView(_OwnJobMixin, GenericAPIView):
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # A file answers with its own media type whatever the Accept header; errors are problem+json.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="export_job_file",
        summary="Download one file of a completed export job",
        tags=[TAG],
        parameters=[_job_id_parameter(), OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, streamed from storage, with its own media type (`text/csv`, "
                "`application/x-ndjson`, `application/fhir+ndjson`, `application/vnd.apache.parquet`).",
            ),
            404: OpenApiResponse(description="No such file of a job of yours."),
        },
    )
    def get(self, request: Request, job_id, name: str) -> FileResponse:
        found = job_file(self.get_job(request, job_id), name)
        if found is None:
            raise exceptions.NotFound("No such file of this export job.")
        file, opened = found
        response = FileResponse(opened, content_type=file.media_type, as_attachment=True, filename=file.name)
        response["Content-Length"] = str(file.bytes)
        response["Cache-Control"] = "no-store"
        return response
