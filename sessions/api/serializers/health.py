"""Serializers of a client's health flags: the slugs a client sends, and the flags as shown."""

from __future__ import annotations

from rest_framework import serializers

from stretchapi.api.serializers import StrictCharField, StrictSerializer


class HealthFlagsInputSerializer(StrictSerializer):
    contraindications = serializers.ListField(
        child=StrictCharField(max_length=80),
        max_length=100,
        help_text="Every contraindication slug you have (`/api/v1/contraindications/`); replaces the set.",
    )


class HealthContraindicationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class HealthFlagsSerializer(serializers.Serializer):
    """A client's recorded contraindications, by slug."""

    contraindications = HealthContraindicationSerializer(many=True)

    @staticmethod
    def of(flags) -> dict:
        """The answer for these `HealthFlag` rows."""
        return {"contraindications": [flag.contraindication for flag in flags]}
