"""Serializers of progress: an exercise's history per side, balance and next step."""

from __future__ import annotations

from rest_framework import serializers

from catalog.choices import Goal, Side
from sessions import choices
from stretchapi.api.serializers import StrictCharField, StrictSerializer


class ProgressQuerySerializer(StrictSerializer):
    exercise = StrictCharField(help_text="Exercise slug.")
    goal = serializers.ChoiceField(
        choices=Goal.choices, required=False, help_text="Defaults to the goal of the latest session with this exercise."
    )


class ProgressHoldSerializer(serializers.Serializer):
    session = serializers.UUIDField()
    date = serializers.DateTimeField()
    held_seconds = serializers.IntegerField()
    intensity = serializers.IntegerField()
    pain = serializers.IntegerField(allow_null=True)


class ProgressSideSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Side.choices)
    holds = ProgressHoldSerializer(many=True)


class MeasurementPointSerializer(serializers.Serializer):
    measured_at = serializers.DateTimeField()
    value = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)


class MeasurementSeriesSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=choices.MeasurementKind.choices)
    side = serializers.ChoiceField(choices=Side.choices, allow_null=True)
    unit = serializers.ChoiceField(choices=choices.Unit.choices)
    values = MeasurementPointSerializer(many=True)


class AngleBalanceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=choices.MeasurementKind.choices)
    left = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    right = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    difference = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    unit = serializers.ChoiceField(choices=choices.Unit.choices)


class BalanceSerializer(serializers.Serializer):
    """Left minus right."""

    left_held_seconds = serializers.FloatField(allow_null=True, help_text="Mean of the last 5 left holds.")
    right_held_seconds = serializers.FloatField(allow_null=True, help_text="Mean of the last 5 right holds.")
    held_seconds_difference = serializers.FloatField(allow_null=True)
    angles = AngleBalanceSerializer(many=True, help_text="Latest left and right leg angles.")


class SafetyEventSerializer(serializers.Serializer):
    """The safety event a frozen next step points at."""

    kind = serializers.ChoiceField(choices=choices.AlertKind.choices)
    session = serializers.UUIDField()
    occurred_at = serializers.DateTimeField()
    exercise = serializers.CharField(allow_null=True, help_text="Slug of the exercise it happened in, if any.")
    side = serializers.ChoiceField(choices=Side.choices, allow_null=True)
    acknowledged = serializers.BooleanField(help_text="Whether a trainer has acknowledged it.")


class NextStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=choices.NextStepAction.choices)
    hold_seconds = serializers.IntegerField(allow_null=True)
    intensity_max = serializers.IntegerField(allow_null=True, help_text="Do not stretch harder than this, 0–10.")
    reason = serializers.CharField()
    event = SafetyEventSerializer(allow_null=True, help_text="For `frozen`: the event that froze progression.")


class ProgressSerializer(serializers.Serializer):
    exercise = serializers.CharField()
    goal = serializers.ChoiceField(choices=Goal.choices)
    sides = ProgressSideSerializer(many=True)
    measurements = MeasurementSeriesSerializer(many=True)
    balance = BalanceSerializer()
    next_step = NextStepSerializer()
