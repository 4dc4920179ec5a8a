"""Serializers of webhooks and alert email preferences: shapes and types only; the domain checks
the URL (SSRF) and the event types (`sessions.webhooks.services`)."""

from __future__ import annotations

from rest_framework import serializers

from sessions.choices import AlertEmails, DeliveryStatus, WebhookEventType
from sessions.models import NotificationPreference, WebhookDelivery, WebhookEndpoint
from stretchapi.api.serializers import StrictBooleanField, StrictCharField, StrictSerializer


class WebhookEndpointInputSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000, help_text="http or https; must resolve to public addresses only.")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), allow_empty=False, max_length=10
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class WebhookEndpointUpdateSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        allow_empty=False,
        max_length=10,
        required=False,
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    enabled = StrictBooleanField(required=False, help_text="true turns a disabled endpoint back on.")


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEventType.choices))
    enabled = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "url", "event_types", "description", "enabled", "disabled_at", "disabled_reason",
            "failing_since", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_enabled(self, endpoint: WebhookEndpoint) -> bool:
        return endpoint.disabled_at is None


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="Shown this once: verify each delivery's webhook-signature with it.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(help_text="The webhook-id header, the same on every attempt.")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = [
            "webhook_id", "event_type", "status", "attempts", "last_status_code", "last_error", "created_at",
            "next_attempt_at", "delivered_at", "payload",
        ]  # fmt: skip
        read_only_fields = fields


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    alert_emails = serializers.ChoiceField(choices=AlertEmails.choices)

    class Meta:
        model = NotificationPreference
        fields = ["alert_emails", "last_digest_at"]
        read_only_fields = ["last_digest_at"]


class NotificationPreferenceInputSerializer(StrictSerializer):
    alert_emails = serializers.ChoiceField(choices=AlertEmails.choices)
