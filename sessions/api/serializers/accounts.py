"""Serializers of accounts and device tokens, and of people as other users see them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from sessions.models import User
from stretchapi.api.serializers import StrictCharField, StrictSerializer


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "role", "date_joined"]
        read_only_fields = fields


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"})
    display_name = StrictCharField(required=False, allow_blank=True, max_length=80)


@extend_schema_serializer(
    component_name="Token"
)  # read as `TokenRequest` beside `TokenResponse`, not `TokenRequestRequest`
class TokenRequestSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"})
    device_name = StrictCharField(
        max_length=80, help_text="Names this device; signing in again from it replaces its token."
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`. Shown once; stored hashed.")
    expires_at = serializers.DateTimeField()
    device_name = serializers.CharField()
    user = MeSerializer()


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name"]
        read_only_fields = fields
