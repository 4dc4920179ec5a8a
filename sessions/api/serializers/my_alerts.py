"""`/me/alerts/`: a client's own safety alerts, and whether their trainer has seen each."""

from __future__ import annotations

from rest_framework import serializers

from sessions.alerts.summaries import what_happened
from sessions.models import Alert

from .trainers import AlertSourceFieldsMixin


class MyAlertSerializer(AlertSourceFieldsMixin, serializers.ModelSerializer):
    session = serializers.UUIDField(source="session_id")
    what_happened = serializers.SerializerMethodField(help_text="The alert's source in one line, as trainers read it.")
    seen_by_trainer = serializers.SerializerMethodField(help_text="A trainer (or staff) has acknowledged it.")
    seen_at = serializers.DateTimeField(
        source="acknowledged_at", allow_null=True, help_text="When it was acknowledged."
    )

    class Meta:
        model = Alert
        fields = [
            "id", "kind", "session", "occurred_at", "exercise", "side", "intensity", "pain", "stop_sign",
            "what_happened", "seen_by_trainer", "seen_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_what_happened(self, alert: Alert) -> str:
        return what_happened(alert)

    def get_seen_by_trainer(self, alert: Alert) -> bool:
        return alert.acknowledged_at is not None
