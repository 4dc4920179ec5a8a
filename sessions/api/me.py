"""`/me/trainers/`, `/me/access-log/`, `/me/program/`, `/me/health/`, `/me/alerts/`: a client's own view of
their trainers, program, health flags and safety alerts."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.alerts import selectors as alert_selectors
from sessions.health import selectors as health_selectors
from sessions.health import services as health_services
from sessions.models import AccessLogEntry, Alert, TrainerLink
from sessions.programs import selectors as program_selectors
from sessions.trainers import selectors, services

from .pagination import AccessLogPagination, AlertPagination
from .schema import TAG_ME
from .serializers.health import HealthFlagsInputSerializer, HealthFlagsSerializer
from .serializers.my_alerts import MyAlertSerializer
from .serializers.programs import ProgramViewSerializer
from .serializers.trainers import AccessLogEntrySerializer, InvitationAcceptSerializer, TrainerLinkSerializer


@extend_schema_view(
    list=extend_schema(operation_id="me_trainer_list", summary="The trainers who may see my data", tags=[TAG_ME]),
    destroy=extend_schema(
        operation_id="me_trainer_end", summary="End a trainer's access to my data, at once", tags=[TAG_ME]
    ),
)
class MyTrainersViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = TrainerLinkSerializer
    lookup_value_regex = "[0-9]+"
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TrainerLink.objects.none()
        return selectors.my_trainers(client=self.request.user)

    @extend_schema(
        operation_id="me_trainer_accept",
        summary="Accept a trainer's invitation code",
        tags=[TAG_ME],
        request=InvitationAcceptSerializer,
        responses={201: TrainerLinkSerializer},
    )
    def create(self, request: Request) -> Response:
        data = InvitationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.invitation_accept(client=request.user, code=data.validated_data["code"])
        return Response(TrainerLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: TrainerLink) -> None:
        services.trainer_link_end(link=instance)


@extend_schema_view(
    list=extend_schema(operation_id="me_access_log", summary="Who read my data, and when", tags=[TAG_ME])
)
class MyAccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AccessLogEntrySerializer
    pagination_class = AccessLogPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLogEntry.objects.none()
        return selectors.access_log(client=self.request.user)


@extend_schema_view(
    list=extend_schema(
        operation_id="me_alert_list",
        summary="My safety alerts, newest first, and whether my trainer has seen each",
        description=(
            "Every alert my sessions raised (stop events, pain of 7 or more, holds above the goal's cap, "
            "escalations), with what happened in one line and `seen_by_trainer` once a trainer acknowledged it."
        ),
        tags=[TAG_ME],
    )
)
class MyAlertsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MyAlertSerializer
    pagination_class = AlertPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return alert_selectors.client_alerts(client=self.request.user)


class MyProgramView(GenericAPIView):
    serializer_class = ProgramViewSerializer

    @extend_schema(
        operation_id="me_program",
        summary="My current program: each item's timer plan and next step",
        tags=[TAG_ME],
        responses={200: ProgramViewSerializer, 404: None},
    )
    def get(self, request: Request) -> Response:
        program = program_selectors.program_current(client=request.user)
        if program is None:
            raise Http404
        return Response(ProgramViewSerializer(program_selectors.program_view(program=program)).data)


class MyHealthView(GenericAPIView):
    """The contraindications I have: they put warnings on my plans and need my trainer to state a reason."""

    serializer_class = HealthFlagsSerializer

    @extend_schema(
        operation_id="me_health_retrieve",
        summary="The contraindications I have recorded",
        tags=[TAG_ME],
        responses={200: HealthFlagsSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response(
            HealthFlagsSerializer(HealthFlagsSerializer.of(health_selectors.health_flags(client=request.user))).data
        )

    @extend_schema(
        operation_id="me_health_update",
        summary="Replace the contraindications I have",
        description=(
            "Send every contraindication slug you have; the ones left out are removed. An unknown slug is a 400 "
            "naming it (`contraindications[2]`). Plans of exercises listing one of them carry a warning, and a "
            "trainer must state a reason to put such an exercise in your program."
        ),
        tags=[TAG_ME],
        request=HealthFlagsInputSerializer,
        responses={200: HealthFlagsSerializer},
    )
    def put(self, request: Request) -> Response:
        data = HealthFlagsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        health_services.health_flags_set(client=request.user, slugs=data.validated_data["contraindications"])
        return self.get(request)
