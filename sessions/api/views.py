"""Accounts and logged-sessions API: thin views over sessions.services and sessions.selectors."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from catalog.models import Exercise
from sessions import selectors, services
from sessions.errors import NotTokenAuthenticated
from sessions.filters import SessionFilter
from sessions.models import DeviceToken, StretchSession
from stretchapi.api.pagination import CursorPagination

from . import serializers
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import idempotent

TAG_AUTH = "accounts"
UUID_REGEX = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TAG_SESSIONS = "sessions"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional. A retry with the same key returns the first response; another body with it is a 422.",
)
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The session's current ETag. Without it: 428. When the session changed since: 412.",
)


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=description)


def as_validation_error(exc: services.InvalidData) -> exceptions.ValidationError:
    """The domain's refusal, as the API's 400 naming each field."""
    return exceptions.ValidationError(
        {
            field: [exceptions.ErrorDetail(message, code=code) for code, message in problems]
            for field, problems in exc.errors.items()
        }
    )


# Accounts -----------------------------------------------------------------------


class RegisterView(GenericAPIView):
    authentication_classes: list = []  # a stale token on the phone must not block signing up
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"
    serializer_class = serializers.RegisterSerializer

    @extend_schema(
        operation_id="auth_register",
        summary="Sign up as a client",
        tags=[TAG_AUTH],
        responses={201: serializers.MeSerializer, 429: _problem("Too many sign-ups from this address.")},
    )
    def post(self, request: Request) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.user_register(**data.validated_data)
        except services.InvalidData as exc:
            raise as_validation_error(exc) from exc
        return Response(serializers.MeSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(GenericAPIView):
    authentication_classes: list = []  # an expired or revoked token must not block signing in again
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    serializer_class = serializers.TokenRequestSerializer

    def get_authenticate_header(self, request: Request) -> str:
        return "Bearer"  # wrong credentials stay a 401 although this view authenticates nobody

    @extend_schema(
        operation_id="auth_token_create",
        summary="Sign a device in and get its bearer token",
        description="One token per device: signing in again with the same `device_name` replaces its token.",
        tags=[TAG_AUTH],
        responses={
            201: serializers.TokenResponseSerializer,
            401: _problem("Wrong email or password."),
            429: _problem("Too many attempts."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request, email=data.validated_data["email"].lower(), password=data.validated_data["password"]
        )
        if user is None:
            raise exceptions.AuthenticationFailed("Wrong email or password.", code="invalid_credentials")
        token, raw = services.token_issue(user=user, device_name=data.validated_data["device_name"])
        body = {"token": raw, "expires_at": token.expiry, "device_name": token.device_name, "user": user}
        return Response(serializers.TokenResponseSerializer(body).data, status=status.HTTP_201_CREATED)


class LogoutView(GenericAPIView):
    serializer_class = None

    @extend_schema(
        operation_id="auth_logout",
        summary="Revoke this device's token",
        tags=[TAG_AUTH],
        request=None,
        responses={204: None, 400: _problem("The request was not made with a device token.")},
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, DeviceToken):
            raise NotTokenAuthenticated
        services.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(GenericAPIView):
    serializer_class = None

    @extend_schema(
        operation_id="auth_logout_all",
        summary="Revoke every device token of this user",
        tags=[TAG_AUTH],
        request=None,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        services.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(GenericAPIView):
    serializer_class = serializers.MeSerializer

    @extend_schema(operation_id="me_retrieve", summary="The signed-in user", tags=[TAG_AUTH])
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)


# Sessions ---------------------------------------------------------------------


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
            409: _problem(f"The {noun} id is already used by different content."),
            422: _problem("The Idempotency-Key was used for another request."),
        },
    )


class SessionCursorPagination(CursorPagination):
    """Newest first; with `updated_since`, oldest change first so a sync can resume where it stopped."""

    ordering = ("-started_at", "-id")

    def get_ordering(self, request, queryset, view):
        return ("updated_at", "id") if "updated_since" in request.query_params else self.ordering


def _content_hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


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
        responses={200: serializers.StretchSessionSerializer, 304: _problem("Not modified.")},
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own sessions. Another user's session is a 404, whoever asks."""

    serializer_class = serializers.StretchSessionSerializer
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
        request=serializers.SessionUploadSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: serializers.StretchSessionSerializer,
            200: serializers.StretchSessionSerializer,
            409: _problem("The id is already used by different content or by someone else."),
            413: _problem("The body is too large."),
            422: _problem("The Idempotency-Key was used for another request."),
        },
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = serializers.SessionUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session, created = services.session_upload(
            owner=request.user, data=data.validated_data, content_hash=_content_hash(request)
        )
        if not created:  # a retry: the session as stored then
            session = selectors.session_get(owner=request.user, session_id=session.pk)
        return self._session_response(session, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        operation_id="session_update",
        summary="Change a session's end, outcome or notes",
        tags=[TAG_SESSIONS],
        request=serializers.SessionUpdateSerializer,
        parameters=[IF_MATCH_PARAMETER],
        responses={
            200: serializers.StretchSessionSerializer,
            412: _problem("The session changed since its ETag was read."),
            428: _problem("If-Match is missing."),
        },
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        session = self.get_object()
        data = serializers.SessionUpdateSerializer(data=request.data, context={"session": session})
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
            412: _problem("The session changed since its ETag was read."),
            428: _problem("If-Match is missing."),
        },
    )
    def destroy(self, request: Request, pk=None) -> Response:
        services.session_delete(session=self.get_object(), if_match=request.headers.get("If-Match"))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _append(self, request: Request, *, input_serializer, check, service, output_serializer) -> Response:
        """Live logging of one row: validate, check it against the session, store it idempotently."""
        session = self.get_object()
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        row, created = service(session=session, data=check(dict(data.validated_data), session))
        return Response(output_serializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @_append_schema("session_hold_append", "hold", serializers.HoldAppendSerializer, serializers.HoldSerializer)
    @action(detail=True, methods=["post"], url_path="holds", filter_backends=[], pagination_class=None)
    @idempotent
    def holds(self, request: Request, pk=None) -> Response:
        return self._append(
            request,
            input_serializer=serializers.HoldAppendSerializer,
            check=serializers.validate_hold_append,
            service=services.hold_append,
            output_serializer=serializers.HoldSerializer,
        )

    @_append_schema(
        "session_stop_event_append",
        "stop event",
        serializers.StopEventAppendSerializer,
        serializers.StopEventSerializer,
    )
    @action(detail=True, methods=["post"], url_path="stop-events", filter_backends=[], pagination_class=None)
    @idempotent
    def stop_events(self, request: Request, pk=None) -> Response:
        return self._append(
            request,
            input_serializer=serializers.StopEventAppendSerializer,
            check=serializers.validate_stop_event_append,
            service=services.stop_event_append,
            output_serializer=serializers.StopEventSerializer,
        )


class ProgressView(GenericAPIView):
    serializer_class = serializers.ProgressSerializer

    @extend_schema(
        operation_id="progress_retrieve",
        summary="My progress on one exercise, per side, with the next step",
        tags=[TAG_SESSIONS],
        parameters=[serializers.ProgressQuerySerializer],
    )
    def get(self, request: Request) -> Response:
        return self.progress_response(request, owner=request.user)

    def progress_response(self, request: Request, *, owner) -> Response:
        query = serializers.ProgressQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        exercise = Exercise.objects.filter(slug=query.validated_data["exercise"]).first()
        if exercise is None:
            raise exceptions.ValidationError(
                {"exercise": [exceptions.ErrorDetail("Unknown exercise.", code="invalid_choice")]}
            )
        result = selectors.progress(owner=owner, exercise=exercise, goal=query.validated_data.get("goal"))
        return Response(self.get_serializer(result).data)
