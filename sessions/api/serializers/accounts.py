"""Serializers of accounts and device tokens, and of people as other users see them."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from sessions.models import User
from stretchapi.api.serializers import StrictCharField, StrictSerializer


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "role", "date_joined"]
        read_only_fields = fields


def _shortest_password() -> int:
    """The length Django's `MinimumLengthValidator` asks for (AUTH_PASSWORD_VALIDATORS; 8 by default)."""
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        if validator["NAME"].endswith(".MinimumLengthValidator"):
            return validator.get("OPTIONS", {}).get("min_length", 8)
    return 1


@extend_schema_field(
    {
        "type": "string",
        "description": "At least the length Django's password validators ask for; "
        "also not common, not all digits and not like the email.",
    }
)
class NewPasswordField(StrictCharField):
    """A new account's password. Its rules are the password validators', checked by every door that sets a
    password (with their codes, e.g. `password_too_short`); the schema states their length for generated
    clients (`documented_min_length`, read by `stretchapi.api.schema.AutoSchema`)."""

    documented_min_length = _shortest_password()


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = NewPasswordField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
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
