"""`/trainer/…`: invitations, the trainer's clients and their sessions, progress, programs and health
flags, and the safety-alert feed, reason by reason and grouped per session.

A trainer sees a client only while the client's consent link is active
(`sessions.access`); every read of a client's data is written to that
client's access log.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from sessions import access
from sessions.alerts import selectors as alert_selectors
from sessions.alerts import services as alert_services
from sessions.health import selectors as health_selectors
from sessions.logbook import selectors as session_selectors
from sessions.models import Alert, Program, StretchSession, User
from sessions.programs import selectors as program_selectors
from sessions.programs import services as program_services
from sessions.rules.values import HIGH_PAIN
from sessions.trainers import selectors, services
from stretchapi.api.filtering import SkipsIdleFilters

from .filters import AlertFilter, AlertGroupFilter, SessionFilter
from .pagination import AlertGroupPagination, AlertPagination, SessionCursorPagination
from .permissions import IsTrainer, IsTrainerOrStaff
from .progress import ProgressView
from .schema import TAG_TRAINER as TAG
from .schema import UUID_REGEX
from .serializers.documents import alert_documents, trainer_client_documents
from .serializers.health import HealthFlagsSerializer
from .serializers.logbook import StretchSessionSerializer
from .serializers.programs import ProgramInputSerializer, ProgramSummarySerializer, ProgramViewSerializer
from .serializers.progress import ProgressQuerySerializer
from .serializers.trainers import (
    AlertAcknowledgeSerializer,
    AlertGroupSerializer,
    AlertSerializer,
    InvitationSerializer,
    TrainerClientSerializer,
)
from .sessions import session_page_response


class InvitationView(GenericAPIView):
    permission_classes = [IsTrainer]
    serializer_class = InvitationSerializer

    @extend_schema(
        operation_id="trainer_invitation_create",
        summary="Create an invitation code for a client",
        tags=[TAG],
        request=None,
        responses={201: InvitationSerializer},
    )
    def post(self, request: Request) -> Response:
        invitation = services.invitation_create(trainer=request.user)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class ClientScopedMixin:
    """Resolves `client_id` to a client the trainer may see (404 otherwise) and logs the read."""

    resource = ""
    _client: User | None = None

    def client(self) -> User:
        if self._client is None:
            self._client = selectors.trainer_client(trainer=self.request.user, client_id=self.kwargs["client_id"])
            if self._client is None:
                raise Http404
        return self._client

    def read_client(self) -> User:
        client = self.client()
        access.log_access(
            trainer=self.request.user, client_ids=[client.pk], resource=self.resource, path=self.request.get_full_path()
        )
        return client


@extend_schema_view(
    list=extend_schema(
        operation_id="trainer_client_list", summary="My clients, their activity and open alerts", tags=[TAG]
    )
)
class TrainerClientViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsTrainerOrStaff]
    serializer_class = TrainerClientSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return selectors.trainer_clients(trainer=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        rows = list(selectors.trainer_client_rows(trainer=request.user))
        balances = selectors.main_exercise_balances(
            {row["id"]: row["main_exercise"] for row in rows if row["main_exercise"]}
        )
        return Response(trainer_client_documents(rows, balances))


@extend_schema_view(
    list=extend_schema(operation_id="trainer_client_session_list", summary="A client's sessions", tags=[TAG])
)
class TrainerClientSessionViewSet(ClientScopedMixin, SkipsIdleFilters, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsTrainerOrStaff]
    serializer_class = StretchSessionSerializer
    pagination_class = SessionCursorPagination
    filterset_class = SessionFilter
    resource = "sessions"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StretchSession.objects.none()
        return session_selectors.session_list(owner=self.client())

    def list(self, request: Request, *args, **kwargs) -> Response:
        return session_page_response(self, session_selectors.session_rows(owner=self.read_client()))


class TrainerClientProgressView(ClientScopedMixin, ProgressView):
    permission_classes = [IsTrainerOrStaff]
    resource = "progress"

    @extend_schema(
        operation_id="trainer_client_progress",
        summary="A client's progress on one exercise",
        tags=[TAG],
        parameters=[ProgressQuerySerializer],
    )
    def get(self, request: Request, client_id: int) -> Response:
        return self.progress_response(request, owner=self.read_client())


class TrainerClientHealthView(ClientScopedMixin, GenericAPIView):
    permission_classes = [IsTrainerOrStaff]
    serializer_class = HealthFlagsSerializer
    resource = "health"

    @extend_schema(
        operation_id="trainer_client_health",
        summary="The contraindications a client has recorded",
        tags=[TAG],
        responses={200: HealthFlagsSerializer, 404: None},
    )
    def get(self, request: Request, client_id: int) -> Response:
        flags = health_selectors.health_flags(client=self.read_client())
        return Response(HealthFlagsSerializer(HealthFlagsSerializer.of(flags)).data)


class AlertFeedMixin:
    """The safety feed, per reason or per session: for trainers and staff, and every client it
    shows gets a read of "alerts" in their access log."""

    permission_classes = [IsTrainerOrStaff]

    def log_read(self, client_ids) -> None:
        access.log_access(
            trainer=self.request.user, client_ids=client_ids, resource="alerts", path=self.request.get_full_path()
        )

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        self.log_read({row["client"]["id"] for row in response.data["results"]})
        return response


@extend_schema_view(
    list=extend_schema(
        operation_id="trainer_alert_list",
        summary=f"The safety feed: escalations, stop events, pain ≥ {HIGH_PAIN}, holds above the cap — newest first",
        tags=[TAG],
    )
)
class TrainerAlertViewSet(AlertFeedMixin, SkipsIdleFilters, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    lookup_value_regex = "[0-9]+"
    pagination_class = AlertPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return alert_selectors.trainer_alerts(trainer=self.request.user)

    # A page of the feed (rows of `trainer_alert_rows`, filtered by the view's filters) as
    # `AlertSerializer` shows it (`documents.alert_document`); every client shown gets a read in
    # their access log. (A comment: a docstring would be in the schema.)
    def list(self, request: Request, *args, **kwargs) -> Response:
        rows = self.filter_queryset(alert_selectors.trainer_alert_rows(trainer=request.user))
        page = alert_selectors.alert_rows_with_sources(self.paginate_queryset(rows))
        self.log_read({row["client_id"] for row in page})
        return self.get_paginated_response(alert_documents(page))

    @extend_schema(
        operation_id="trainer_alert_acknowledge",
        summary="Acknowledge an alert, with a note",
        tags=[TAG],
        request=AlertAcknowledgeSerializer,
        responses={200: AlertSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def acknowledge(self, request: Request, pk=None) -> Response:
        alert = get_object_or_404(self.get_queryset(), pk=pk)
        data = AlertAcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = alert_services.alert_acknowledge(alert=alert, by=request.user, note=data.validated_data.get("note", ""))
        return Response(AlertSerializer(alert_selectors.trainer_alerts(trainer=request.user).get(pk=alert.pk)).data)


@extend_schema_view(
    list=extend_schema(
        operation_id="trainer_alert_group_list",
        summary="The safety feed grouped per session: the most urgent open session first",
        tags=[TAG],
    )
)
class TrainerAlertGroupViewSet(AlertFeedMixin, SkipsIdleFilters, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The safety feed, one entry per session that raised alerts, with all its reasons; the
    per-reason feed (`TrainerAlertViewSet`) keeps each reason's full record.

    Ordering (`alerts.selectors.trainer_alert_groups`): by the session's most urgent open reason,
    in the order of `rules.safety.URGENCY`; sessions whose reasons are all acknowledged after the
    open ones; then the newest latest reason first; the session id breaks ties.

    Pagination: numbered pages, `page_size` 20 by default and at most 100 (`AlertGroupPagination`).
    A cursor needs an ordering whose first key is a stored value that a row keeps; this one
    starts with an aggregate that takes four values and changes as reasons arrive and are
    acknowledged, so a cursor would skip or repeat groups. Numbered pages cost one COUNT, and a
    group acknowledged between two reads moves down and may shift the later pages by one.
    """

    serializer_class = AlertGroupSerializer
    filterset_class = AlertGroupFilter
    pagination_class = AlertGroupPagination
    lookup_url_kwarg = "session_id"
    lookup_value_regex = UUID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StretchSession.objects.none()
        return alert_selectors.trainer_alert_groups(trainer=self.request.user)

    @extend_schema(
        operation_id="trainer_alert_group_acknowledge",
        summary="Acknowledge every open reason of a session's alerts at once, with a note",
        description=(
            "Every reason of the session not yet acknowledged is acknowledged now, by the caller, with the note; "
            "reasons acknowledged earlier keep their acknowledgement. Answers the session's group. A session "
            "without alerts, or of a client the caller may not see, is a 404."
        ),
        tags=[TAG],
        request=AlertAcknowledgeSerializer,
        responses={200: AlertGroupSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def acknowledge(self, request: Request, session_id=None) -> Response:
        session = get_object_or_404(self.get_queryset().prefetch_related(None), pk=session_id)
        data = AlertAcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert_services.alert_group_acknowledge(
            client=session.owner, session=session, by=request.user, note=data.validated_data.get("note", "")
        )
        group = self.get_queryset().get(pk=session.pk)
        self.log_read([group.owner_id])
        return Response(AlertGroupSerializer(group).data)


@extend_schema_view(
    list=extend_schema(
        operation_id="trainer_client_program_list", summary="A client's programs, newest first", tags=[TAG]
    )
)
class TrainerClientProgramViewSet(ClientScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsTrainerOrStaff]
    serializer_class = ProgramSummarySerializer
    pagination_class = None
    resource = "programs"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Program.objects.none()
        return program_selectors.client_programs(client=self.client())

    def list(self, request: Request, *args, **kwargs) -> Response:
        self.read_client()
        return super().list(request, *args, **kwargs)

    @extend_schema(
        operation_id="trainer_client_program_assign",
        summary="Give the client a new program (the current one ends)",
        tags=[TAG],
        request=ProgramInputSerializer,
        responses={201: ProgramViewSerializer},
    )
    def create(self, request: Request, client_id: int) -> Response:
        client = self.read_client()
        data = ProgramInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        program_services.program_assign(trainer=request.user, client=client, **data.validated_data)
        view = program_selectors.program_view(program=program_selectors.program_current(client=client))
        return Response(ProgramViewSerializer(view).data, status=status.HTTP_201_CREATED)
