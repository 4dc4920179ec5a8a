"""The trainer's side of the API: consent (invitations and links), the client list,
read-only views of a client's data, and the safety-alert feed.

A trainer sees a client only while the client's consent link is active; every
read of a client's data is written to that client's access log.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.serializers import ExercisePlanSerializer
from catalog.choices import Goal
from catalog.models import Exercise
from sessions import selectors, services
from sessions.choices import Role
from sessions.filters import SessionFilter
from sessions.models import (
    HELD_SECONDS,
    AccessLogEntry,
    Alert,
    Program,
    ProgramItem,
    StretchSession,
    TrainerLink,
    User,
)
from stretchapi.api.pagination import CursorPagination
from stretchapi.api.serializers import StrictCharField, StrictIntegerField, StrictSerializer
from stretchapi.filters import IdFilter, StrictBooleanFilter, StrictChoiceFilter, StrictIsoDateTimeFilter

from . import serializers as session_serializers
from .views import ProgressView, SessionCursorPagination, as_validation_error

TAG = "trainer"
TAG_ME = "accounts"


class IsTrainerOrStaff(BasePermission):
    message = "Only trainer and staff accounts may use the trainer endpoints."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.role in (Role.TRAINER, Role.STAFF))


class IsTrainer(BasePermission):
    message = "Only trainer accounts may invite clients."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.TRAINER)


# Serializers --------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name"]
        read_only_fields = fields


class InvitationSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Give it to the client; it works once.")
    expires_at = serializers.DateTimeField()


class InvitationAcceptSerializer(StrictSerializer):
    code = StrictCharField(max_length=12)


class TrainerLinkSerializer(serializers.ModelSerializer):
    trainer = PersonSerializer()

    class Meta:
        model = TrainerLink
        fields = ["id", "trainer", "created_at"]
        read_only_fields = fields


class AccessLogEntrySerializer(serializers.ModelSerializer):
    trainer = PersonSerializer()

    class Meta:
        model = AccessLogEntry
        fields = ["trainer", "resource", "path", "at"]
        read_only_fields = fields


class MainExerciseBalanceSerializer(serializers.Serializer):
    exercise = serializers.CharField(source="main_exercise")
    left_held_seconds = serializers.FloatField(source="main_left_held_seconds", allow_null=True)
    right_held_seconds = serializers.FloatField(source="main_right_held_seconds", allow_null=True)
    difference = serializers.SerializerMethodField(help_text="Left minus right, mean held seconds over 28 days.")

    def get_difference(self, client) -> float | None:
        left, right = client.main_left_held_seconds, client.main_right_held_seconds
        return round(left - right, 1) if left is not None and right is not None else None


class TrainerClientSerializer(serializers.ModelSerializer):
    last_session_at = serializers.DateTimeField(allow_null=True)
    sessions_last_7_days = serializers.IntegerField()
    sessions_last_28_days = serializers.IntegerField()
    target_sessions_per_week = serializers.IntegerField(allow_null=True, help_text="From the current program.")
    adherence_7_days = serializers.SerializerMethodField(help_text="Sessions in 7 days ÷ the weekly target.")
    adherence_28_days = serializers.SerializerMethodField(help_text="Sessions in 28 days ÷ four weekly targets.")
    open_alerts = serializers.SerializerMethodField()
    main_exercise_balance = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id", "email", "display_name", "last_session_at", "sessions_last_7_days", "sessions_last_28_days",
            "target_sessions_per_week", "adherence_7_days", "adherence_28_days", "open_alerts",
            "main_exercise_balance",
        ]  # fmt: skip
        read_only_fields = fields

    def get_open_alerts(self, client) -> int:
        return client.open_alerts or 0

    def get_adherence_7_days(self, client) -> float | None:
        target = client.target_sessions_per_week
        return round(client.sessions_last_7_days / target, 2) if target else None

    def get_adherence_28_days(self, client) -> float | None:
        target = client.target_sessions_per_week
        return round(client.sessions_last_28_days / (4 * target), 2) if target else None

    @extend_schema_field(MainExerciseBalanceSerializer(allow_null=True))
    def get_main_exercise_balance(self, client):
        return MainExerciseBalanceSerializer(client).data if client.main_exercise else None


class AlertSerializer(serializers.ModelSerializer):
    client = PersonSerializer()
    session = serializers.UUIDField(source="session_id")
    exercise = serializers.SerializerMethodField()
    side = serializers.SerializerMethodField()
    intensity = serializers.SerializerMethodField()
    pain = serializers.SerializerMethodField()
    stop_sign = serializers.SerializerMethodField()
    acknowledged_by = PersonSerializer(allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "client", "session", "occurred_at", "exercise", "side", "intensity", "pain", "stop_sign",
            "created_at", "acknowledged_at", "acknowledged_by", "note",
        ]  # fmt: skip
        read_only_fields = fields

    def _hold(self, alert: Alert):
        return alert.hold if alert.hold_id else (alert.stop_event.hold if alert.stop_event_id else None)

    def get_exercise(self, alert: Alert) -> str | None:
        hold = self._hold(alert)
        return hold.exercise.slug if hold else None

    def get_side(self, alert: Alert) -> str | None:
        if alert.stop_event_id:
            return alert.stop_event.side or None
        return alert.hold.side

    def get_intensity(self, alert: Alert) -> int | None:
        hold = self._hold(alert)
        return hold.intensity if hold else None

    def get_pain(self, alert: Alert) -> int | None:
        return alert.stop_event.pain if alert.stop_event_id else alert.hold.pain

    def get_stop_sign(self, alert: Alert) -> str | None:
        return alert.stop_event.kind if alert.stop_event_id else None


class AlertAcknowledgeSerializer(StrictSerializer):
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)


# Consent --------------------------------------------------------------------------


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
        return TrainerLink.objects.filter(client=self.request.user, ended_at__isnull=True).select_related("trainer")

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


class AccessLogPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-at", "-id")


@extend_schema_view(
    list=extend_schema(operation_id="me_access_log", summary="Who read my data, and when", tags=[TAG_ME])
)
class MyAccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AccessLogEntrySerializer
    pagination_class = AccessLogPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessLogEntry.objects.none()
        return AccessLogEntry.objects.filter(client=self.request.user).select_related("trainer")


# Trainer views of clients ----------------------------------------------------------


class ClientScopedMixin:
    """Resolves `client_id` to a client the trainer may see (404 otherwise) and logs the read."""

    resource = ""

    def client(self) -> User:
        client = selectors.trainer_client(trainer=self.request.user, client_id=self.kwargs["client_id"])
        if client is None:
            raise Http404
        services.access_record(
            trainer=self.request.user, client=client, resource=self.resource, path=self.request.get_full_path()
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


@extend_schema_view(
    list=extend_schema(operation_id="trainer_client_session_list", summary="A client's sessions", tags=[TAG])
)
class TrainerClientSessionViewSet(ClientScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsTrainerOrStaff]
    serializer_class = session_serializers.StretchSessionSerializer
    pagination_class = SessionCursorPagination
    filterset_class = SessionFilter
    resource = "sessions"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StretchSession.objects.none()
        return selectors.session_list(owner=self.client())


class TrainerClientProgressView(ClientScopedMixin, ProgressView):
    permission_classes = [IsTrainerOrStaff]
    resource = "progress"

    @extend_schema(
        operation_id="trainer_client_progress",
        summary="A client's progress on one exercise",
        tags=[TAG],
        parameters=[session_serializers.ProgressQuerySerializer],
    )
    def get(self, request: Request, client_id: int) -> Response:
        return self.progress_response(request, owner=self.client())


class AlertFilter(filters.FilterSet):
    acknowledged = StrictBooleanFilter(field_name="acknowledged_at", lookup_expr="isnull", exclude=True)
    client = IdFilter(field_name="client_id")
    kind = StrictChoiceFilter(choices=Alert.Kind.choices)
    since = StrictIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Alert
        fields: list[str] = []


class AlertPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-occurred_at", "-id")


@extend_schema_view(
    list=extend_schema(
        operation_id="trainer_alert_list",
        summary="The safety feed: stop events, holds above target, pain ≥ 7 — newest first",
        tags=[TAG],
    )
)
class TrainerAlertViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsTrainerOrStaff]
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    lookup_value_regex = "[0-9]+"
    pagination_class = AlertPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return selectors.trainer_alerts(trainer=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        clients = {alert["client"]["id"] for alert in response.data["results"]}
        services.access_records(
            trainer=request.user, client_ids=clients, resource="alerts", path=request.get_full_path()
        )
        return response

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
        alert = services.alert_acknowledge(alert=alert, by=request.user, note=data.validated_data.get("note", ""))
        return Response(AlertSerializer(selectors.trainer_alerts(trainer=request.user).get(pk=alert.pk)).data)


# Programs -----------------------------------------------------------------------------


class ProgramItemInputSerializer(StrictSerializer):
    exercise = StrictCharField(max_length=80, help_text="Exercise slug.")
    goal = serializers.ChoiceField(choices=Goal.choices)
    holds_per_side = StrictIntegerField(min_value=1, max_value=20)
    hold_seconds = StrictIntegerField(min_value=HELD_SECONDS[0], max_value=HELD_SECONDS[1])
    override_reason = StrictCharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required to leave the catalog's dose range."
    )


class ProgramInputSerializer(StrictSerializer):
    sessions_per_week = StrictIntegerField(min_value=1, max_value=14)
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000)
    items = ProgramItemInputSerializer(many=True, min_length=1, max_length=30)

    def validate(self, data):
        slugs = {item["exercise"] for item in data["items"]}
        exercises = {e.slug: e for e in Exercise.objects.filter(slug__in=slugs)}
        problems = {}
        for index, item in enumerate(data["items"]):
            if item["exercise"] not in exercises:
                problems[f"items[{index}].exercise"] = f"Unknown exercise '{item['exercise']}'."
            else:
                item["exercise"] = exercises[item["exercise"]]
        if problems:
            raise serializers.ValidationError(problems, code="invalid")
        return data


class ProgramItemSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ProgramItem
        fields = ["position", "exercise", "goal", "holds_per_side", "hold_seconds", "override_reason"]
        read_only_fields = fields


class ProgramSummarySerializer(serializers.ModelSerializer):
    trainer = PersonSerializer()
    items = ProgramItemSerializer(many=True)

    class Meta:
        model = Program
        fields = ["id", "trainer", "sessions_per_week", "notes", "created_at", "ended_at", "items"]
        read_only_fields = fields


class ProgramItemPlanSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    exercise = serializers.CharField()
    goal = serializers.ChoiceField(choices=Goal.choices)
    holds_per_side = serializers.IntegerField()
    hold_seconds = serializers.IntegerField()
    override_reason = serializers.CharField()
    plan = ExercisePlanSerializer(help_text="The timer plan at this item's dose.")
    next_step = session_serializers.NextStepSerializer()


class ProgramViewSerializer(serializers.Serializer):
    """A program as the client follows it: each item with its timer plan and next step."""

    id = serializers.IntegerField()
    trainer = PersonSerializer()
    sessions_per_week = serializers.IntegerField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    items = ProgramItemPlanSerializer(many=True)


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
        return (
            Program.objects.filter(client=self.client())
            .select_related("trainer")
            .prefetch_related(Prefetch("items", queryset=ProgramItem.objects.select_related("exercise")))
        )

    @extend_schema(
        operation_id="trainer_client_program_assign",
        summary="Give the client a new program (the current one ends)",
        tags=[TAG],
        request=ProgramInputSerializer,
        responses={201: ProgramViewSerializer},
    )
    def create(self, request: Request, client_id: int) -> Response:
        client = self.client()
        data = ProgramInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.program_assign(trainer=request.user, client=client, **data.validated_data)
        except services.InvalidData as exc:
            raise as_validation_error(exc) from exc
        view = selectors.program_view(program=selectors.program_current(client=client))
        return Response(ProgramViewSerializer(view).data, status=status.HTTP_201_CREATED)


class MyProgramView(GenericAPIView):
    serializer_class = ProgramViewSerializer

    @extend_schema(
        operation_id="me_program",
        summary="My current program: each item's timer plan and next step",
        tags=[TAG_ME],
        responses={200: ProgramViewSerializer, 404: None},
    )
    def get(self, request: Request) -> Response:
        program = selectors.program_current(client=request.user)
        if program is None:
            raise Http404
        return Response(ProgramViewSerializer(selectors.program_view(program=program)).data)
