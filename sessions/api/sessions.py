"""`/sessions/…`: upload, read, sync, edit and delete one's own sessions, and log holds and stop events live."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.logbook import selectors, services
from sessions.models import StretchSession
from stretchapi.api.filtering import SkipsIdleFilters
from stretchapi.bulk import Batch

from .filters import SessionFilter
from .idempotency import body_fingerprint, idempotent, keeping
from .pagination import SessionCursorPagination
from .schema import IDEMPOTENCY_PARAMETER, IF_MATCH_PARAMETER, TAG_SESSIONS, UUID_REGEX, problem
from .serializers.documents import hold_json_when_utc, session_documents
from .serializers.logbook import (
    HoldAppendSerializer,
    HoldSerializer,
    SessionUpdateSerializer,
    SessionUploadSerializer,
    StopEventAppendSerializer,
    StopEventSerializer,
    StretchSessionSerializer,
)
from .upload_shape import upload_validated


def _append_schema(operation_id: str, noun: str, request_serializer, response_serializer):
    return extend_schema(
        operation_id=operation_id,
        summary=f"Log one {noun} live (idempotent by its id)",
        tags=[TAG_SESSIONS],
        request=request_serializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: response_serializer,
            200: response_serializer,
            409: problem(f"The {noun} id is already used by different content."),
            422: problem("The Idempotency-Key was used for another request."),
        },
    )


def session_page_response(view: viewsets.GenericViewSet, rows: QuerySet) -> Response:
    """A page of sessions (rows of `selectors.session_rows`, filtered by the view's filters), with
    their holds, stop events and measurements, as `StretchSessionSerializer` shows them."""
    page = view.paginate_queryset(view.filter_queryset(rows))
    rows = selectors.session_rows_with_children(page, holds_json=hold_json_when_utc())
    return view.get_paginated_response(session_documents(rows))


@extend_schema_view(
    list=extend_schema(
        operation_id="session_list",
        summary="My sessions, newest first (delta sync with `updated_since`)",
        tags=[TAG_SESSIONS],
    ),
    retrieve=extend_schema(
        operation_id="session_retrieve",
        summary="One of my sessions",
        tags=[TAG_SESSIONS],
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The ETag the client holds; 304 when the session has not changed since.",
            )
        ],
        responses={200: StretchSessionSerializer, 304: problem("Not modified.")},
    ),
)
class SessionViewSet(SkipsIdleFilters, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own sessions. Another user's session is a 404, whoever asks."""

    serializer_class = StretchSessionSerializer
    filterset_class = SessionFilter
    pagination_class = SessionCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Only a UUID reaches the view; anything else is a 404 from the router, not a failed lookup.
    lookup_value_regex = UUID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return StretchSession.objects.none()
        include_deleted = self.action == "list" and "updated_since" in self.request.query_params
        return selectors.session_list(owner=self.request.user, include_deleted=include_deleted)

    def get_object(self) -> StretchSession:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def list(self, request: Request, *args, **kwargs) -> Response:
        delta_sync = "updated_since" in request.query_params  # tombstones included
        return session_page_response(self, selectors.session_rows(owner=request.user, include_deleted=delta_sync))

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        session = self.get_object()
        if session.etag in parse_etags(request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": session.etag})
        return self._session_response(session)

    def _session_response(self, session: StretchSession, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(session).data, status=status_code, headers={"ETag": session.etag})

    @extend_schema(
        operation_id="session_upload",
        summary="Upload a whole session (idempotent by its id)",
        description=(
            "Stores the session with its holds, stop events and measurements in one transaction. "
            "Re-sending the same `id` with the same body is a retry: 200 with the stored session, nothing stored "
            "twice. The same `id` with a different body is a 409 `session_conflict`; an `id` another user owns "
            "is a 409 `session_id_taken`."
        ),
        tags=[TAG_SESSIONS],
        request=SessionUploadSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: StretchSessionSerializer,
            200: StretchSessionSerializer,
            409: problem("The id is already used by different content or by someone else."),
            413: problem("The body is too large."),
            422: problem("The Idempotency-Key was used for another request."),
        },
    )
    @idempotent
    def create(self, request: Request) -> Response:
        validated = upload_validated(request.data)  # the compiled check; None leaves it to the serializer
        if validated is None:
            body = SessionUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            validated = body.validated_data
        kept, answer = keeping(request), {}

        def answered(stored: StretchSession) -> list[Batch]:
            """The answer to a new session, written once, and the key's record of it (if any), to be
            stored in the session's own statement."""
            answer["data"] = data = self.get_serializer(stored).data
            return [kept.batch(status.HTTP_201_CREATED, data)] if kept is not None else []

        session, created = services.session_upload(
            owner=request.user, data=validated, content_hash=body_fingerprint(request), also=answered
        )
        if created:
            return Response(answer["data"], status=status.HTTP_201_CREATED, headers={"ETag": session.etag})
        # a retry: the session as stored then
        session = selectors.session_get(owner=request.user, session_id=session.pk)
        return self._session_response(session, status.HTTP_200_OK)

    @extend_schema(
        operation_id="session_update",
        summary="Change a session's end, outcome or notes",
        description=(
            "Needs the session's current ETag in `If-Match` (checked first: a stale ETag is a 412 even for a body "
            "that changes nothing). A body that changes nothing (`{}`, or values equal to the stored ones) is a "
            "no-op: 200 with the session as stored, its `version` and ETag unchanged, nothing written."
        ),
        tags=[TAG_SESSIONS],
        request=SessionUpdateSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={
            200: StretchSessionSerializer,
            412: problem("The session changed since its ETag was read."),
            428: problem("If-Match is missing."),
        },
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        session = self.get_object()
        data = SessionUpdateSerializer(data=request.data, context={"session": session})
        data.is_valid(raise_exception=True)
        services.session_update(session=session, if_match=request.headers.get("If-Match"), data=data.validated_data)
        return self._session_response(selectors.session_get(owner=request.user, session_id=session.pk))

    @extend_schema(
        operation_id="session_delete",
        summary="Delete a session (a tombstone stays for sync)",
        tags=[TAG_SESSIONS],
        parameters=[IF_MATCH_PARAMETER],
        responses={
            204: None,
            412: problem("The session changed since its ETag was read."),
            428: problem("If-Match is missing."),
        },
    )
    def destroy(self, request: Request, pk=None) -> Response:
        services.session_delete(session=self.get_object(), if_match=request.headers.get("If-Match"))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _appended(self, row, created: bool, serializer_class) -> Response:
        return Response(serializer_class(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @_append_schema("session_hold_append", "hold", HoldAppendSerializer, HoldSerializer)
    @action(detail=True, methods=["post"], url_path="holds", filter_backends=[], pagination_class=None)
    @idempotent
    def holds(self, request: Request, pk=None) -> Response:
        data = HoldAppendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hold, created = services.hold_append(session=self.get_object(), data=dict(data.validated_data))
        return self._appended(hold, created, HoldSerializer)

    @_append_schema("session_stop_event_append", "stop event", StopEventAppendSerializer, StopEventSerializer)
    @action(detail=True, methods=["post"], url_path="stop-events", filter_backends=[], pagination_class=None)
    @idempotent
    def stop_events(self, request: Request, pk=None) -> Response:
        data = StopEventAppendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event, created = services.stop_event_append(session=self.get_object(), data=dict(data.validated_data))
        return self._appended(event, created, StopEventSerializer)
