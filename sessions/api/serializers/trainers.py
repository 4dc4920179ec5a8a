"""Serializers of the trainer's side: invitations, consent links, the access log, clients and alerts
(reason by reason, and grouped per session)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions.alerts.rules import AlertSource, alert_source_of
from sessions.choices import AlertKind
from sessions.models import AccessLogEntry, Alert, TrainerLink, User
from sessions.rules.adherence import FOUR_WEEKS_DAYS, WEEK_DAYS, adherence
from stretchapi.api.serializers import StrictCharField, StrictSerializer

from .accounts import PersonSerializer
from .documents import balance_difference


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
        return balance_difference(client.main_left_held_seconds, client.main_right_held_seconds)


# A row of `trainers.selectors.trainer_clients` with its main exercise's balance (`main_left_held_seconds`,
# `main_right_held_seconds`). The list writes it out as `documents.trainer_client_document`; this
# describes it (the schema), and a test holds the two equal. (A comment: a docstring would be in the schema.)
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
        return adherence(sessions=client.sessions_last_7_days, sessions_per_week=target, days=WEEK_DAYS)

    def get_adherence_28_days(self, client) -> float | None:
        target = client.target_sessions_per_week
        return adherence(sessions=client.sessions_last_28_days, sessions_per_week=target, days=FOUR_WEEKS_DAYS)

    @extend_schema_field(MainExerciseBalanceSerializer(allow_null=True))
    def get_main_exercise_balance(self, client):
        return MainExerciseBalanceSerializer(client).data if client.main_exercise else None


class AlertSourceFieldsMixin(serializers.Serializer):
    """What an alert points at — the hold or stop event that raised it — as flat fields."""

    exercise = serializers.SerializerMethodField()
    side = serializers.SerializerMethodField()
    intensity = serializers.SerializerMethodField()
    pain = serializers.SerializerMethodField()
    stop_sign = serializers.SerializerMethodField()

    # The rule is `alerts.rules.alert_source`; it is worked out once per alert, not once per field.
    _source: tuple[Alert, AlertSource] | None = None

    def _source_of(self, alert: Alert) -> AlertSource:
        if self._source is None or self._source[0] is not alert:
            self._source = (alert, alert_source_of(alert))
        return self._source[1]

    def get_exercise(self, alert: Alert) -> str | None:
        return self._source_of(alert).exercise

    def get_side(self, alert: Alert) -> str | None:
        return self._source_of(alert).side

    def get_intensity(self, alert: Alert) -> int | None:
        return self._source_of(alert).intensity

    def get_pain(self, alert: Alert) -> int | None:
        return self._source_of(alert).pain

    def get_stop_sign(self, alert: Alert) -> str | None:
        return self._source_of(alert).stop_sign


class AlertSerializer(AlertSourceFieldsMixin, serializers.ModelSerializer):
    client = PersonSerializer()
    session = serializers.UUIDField(source="session_id")
    acknowledged_by = PersonSerializer(allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "client", "session", "occurred_at", "exercise", "side", "intensity", "pain", "stop_sign",
            "created_at", "acknowledged_at", "acknowledged_by", "note",
        ]  # fmt: skip
        read_only_fields = fields


class AlertGroupReasonSerializer(AlertSourceFieldsMixin, serializers.ModelSerializer):
    """One reason of a session's alert group; its full record (who acknowledged it, the note) is
    on `/trainer/alerts/`."""

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "exercise", "side", "intensity", "pain", "stop_sign", "occurred_at", "acknowledged_at",
        ]  # fmt: skip
        read_only_fields = fields


class AlertGroupSerializer(serializers.Serializer):
    """The alerts of one client's session, as one entry of the grouped feed."""

    session = serializers.UUIDField(source="id")
    client = PersonSerializer(source="owner")
    started_at = serializers.DateTimeField(help_text="When the session started.")
    most_urgent = serializers.ChoiceField(
        choices=AlertKind.choices, help_text="The most urgent kind among all the reasons (the first reason's)."
    )
    occurred_at = serializers.DateTimeField(source="latest_reason_at", help_text="When the latest reason occurred.")
    open = serializers.IntegerField(source="reasons_open", help_text="Reasons not yet acknowledged.")
    acknowledged = serializers.SerializerMethodField(help_text="Every reason is acknowledged.")
    reasons = AlertGroupReasonSerializer(source="alerts", many=True, help_text="Most urgent first, then newest first.")

    def get_acknowledged(self, session) -> bool:
        return session.reasons_open == 0


class AlertAcknowledgeSerializer(StrictSerializer):
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)
