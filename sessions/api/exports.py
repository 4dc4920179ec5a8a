"""`GET /api/v1/exports/{dataset}/`: analytics exports, streamed as CSV, NDJSON or FHIR NDJSON.

The format comes from `?format=` or the Accept header through DRF's content
negotiation: the three renderers below only name the media types (the view
streams the body itself), and an unknown `?format=` is a 400 naming the field
instead of DRF's 404.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from sessions.choices import ExportVia
from sessions.exports import streams
from sessions.exports.datasets import DATASETS, DICTIONARY_VERSION
from sessions.exports.dictionary import dictionary_markdown
from sessions.exports.services import (
    FORMATS,
    export_audience,
    export_filters,
    export_start,
    parse_moment,
)
from stretchapi.api.serializers import StrictCharField, StrictSerializer
from stretchapi.inputs import InputError

from .permissions import CanExport

TAG = "exports"


class _StreamedRenderer(BaseRenderer):
    """Names a media type for negotiation; export bodies are streamed by the view, never rendered."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("Export bodies are streamed by the view.")


class CSVRenderer(_StreamedRenderer):
    media_type = streams.MEDIA_TYPES[streams.CSV]
    format = streams.CSV
    charset = "utf-8"


class NDJSONRenderer(_StreamedRenderer):
    media_type = streams.MEDIA_TYPES[streams.NDJSON]
    format = streams.NDJSON


class FHIRNDJSONRenderer(_StreamedRenderer):
    media_type = streams.MEDIA_TYPES[streams.FHIR]
    format = streams.FHIR


class ExportNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            message = f"Unknown format '{format}'. Choose one of: {', '.join(FORMATS)}."
            raise exceptions.ValidationError({"format": [exceptions.ErrorDetail(message, code="invalid_choice")]})
        return matching


class MomentField(serializers.Field):
    """A date or a datetime with its offset, within years 2000–2100 (`exports.services.parse_moment`)."""

    default_error_messages = {"invalid": "{message}"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", message="A date or a datetime is required.")
        try:
            return parse_moment(data)
        except InputError as exc:
            # The export has always answered `invalid` for a time without its offset; the range has its own codes.
            code = "invalid" if exc.code == "naive" else exc.code
            raise serializers.ValidationError(exc.message, code=code) from exc


class ExportQuerySerializer(StrictSerializer):
    since = MomentField(required=False)
    until = MomentField(required=False)
    exercise = StrictCharField(required=False, max_length=100)
    client = StrictCharField(required=False, max_length=40)
    trainer = StrictCharField(required=False, max_length=40)
    format = StrictCharField(required=False)  # consumed by content negotiation


def _parameter(name: str, description: str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=description, **kwargs)


DESCRIPTION = f"""Stream one dataset for analysis: CSV (`text/csv`, with a header row), NDJSON
(`application/x-ndjson`, one JSON object a line) or FHIR R4 bulk-data NDJSON
(`application/fhir+ndjson`, one resource a line), chosen by `?format=` or the
Accept header (CSV when both leave it open).

**Who**: analysts — staff accounts in the *Analysts* group (permission
`export_analytics`) and superusers — export every client, with people as
pseudonyms (`c_…` clients, `t_…` trainers: stable keyed hashes) and without
names or free-text notes. Trainers export the clients whose consent link is
active, with user ids and names; each such export lands in those clients'
access logs. Everyone else gets `403`. Every export is recorded: who, what,
filters, rows, bytes, when.

**Which rows**: sessions started in `[since, until)`; `since` is required and
the range may span at most `EXPORT_MAX_SPAN_DAYS` (366) days. Deleted sessions
are left out. Rows come in session start order.

The response streams (`Content-Disposition: attachment`); its
`Export-Dictionary-Version` header names the dictionary below.

{dictionary_markdown()}"""


class ExportView(APIView):
    permission_classes = [IsAuthenticated, CanExport]
    renderer_classes = [CSVRenderer, NDJSONRenderer, FHIRNDJSONRenderer]
    content_negotiation_class = ExportNegotiation
    http_method_names = ["get"]

    @extend_schema(
        operation_id="export_dataset",
        summary="Export a dataset (CSV, NDJSON or FHIR NDJSON), streamed",
        description=DESCRIPTION,
        tags=[TAG],
        parameters=[
            OpenApiParameter("dataset", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(DATASETS)),
            _parameter(
                "since", "Start (inclusive): a date `YYYY-MM-DD` (UTC) or a datetime with its offset.", required=True
            ),
            _parameter("until", "End: a date includes that whole day (UTC); a datetime is exclusive. Default: now."),
            _parameter("exercise", "An exercise slug: its holds; stop events during its holds; sessions "
                       "(and their measurements) that include it."),
            _parameter("client", "One client: a pseudonym (`c_…`) for analysts, a user id for trainers."),
            _parameter("trainer", "Sessions assisted by one trainer: a pseudonym (`t_…`) for analysts, a user id "
                       "for trainers."),
            _parameter("format", "The format, instead of the Accept header.", enum=list(FORMATS)),
        ],
        responses={
            (200, streams.MEDIA_TYPES[streams.CSV]): OpenApiResponse(
                OpenApiTypes.STR, description="CSV with a header row, streamed."
            ),
            (200, streams.MEDIA_TYPES[streams.NDJSON]): OpenApiResponse(
                OpenApiTypes.STR, description="One JSON object per line, streamed."
            ),
            (200, streams.MEDIA_TYPES[streams.FHIR]): OpenApiResponse(
                OpenApiTypes.STR, description="One FHIR R4 resource per line, streamed."
            ),
            403: OpenApiResponse(description="Not an analyst or a trainer."),
            404: OpenApiResponse(description="No such dataset."),
        },
    )  # fmt: skip
    def get(self, request: Request, dataset: str) -> StreamingHttpResponse:
        if dataset not in DATASETS:
            raise exceptions.NotFound(f"No dataset '{dataset}'. Datasets: {', '.join(DATASETS)}.")
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asked = {key: query.validated_data.get(key) for key in ("since", "until", "exercise", "client", "trainer")}
        audience = export_audience(request.user)
        filters = export_filters(audience=audience, **asked)
        run = export_start(
            dataset=dataset,
            fmt=request.accepted_renderer.format,
            filters=filters,
            audience=audience,
            user=request.user,
            via=ExportVia.API,
            path=request.get_full_path(),
        )
        charset = "; charset=utf-8" if run.media_type.startswith("text/") else ""
        response = StreamingHttpResponse(run.stream, content_type=run.media_type + charset)
        response["Content-Disposition"] = f'attachment; filename="{run.filename}"'
        response["Export-Dictionary-Version"] = DICTIONARY_VERSION
        response["Cache-Control"] = "no-store"
        return response
