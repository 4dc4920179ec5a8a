"""Serializers of programs: what a trainer sends to assign one, and a program as the client follows it."""

from __future__ import annotations

from rest_framework import serializers

from catalog.api.serializers import ExercisePlanSerializer, PlanWarningSerializer
from catalog.choices import Goal
from sessions.limits import HELD_SECONDS, PROGRAM_HOLDS_PER_SIDE, PROGRAM_SESSIONS_PER_WEEK
from sessions.models import Program, ProgramItem
from stretchapi.api.serializers import StrictCharField, StrictIntegerField, StrictSerializer

from .accounts import PersonSerializer
from .progress import NextStepSerializer


class ProgramItemInputSerializer(StrictSerializer):
    exercise = StrictCharField(max_length=80, help_text="Exercise slug.")
    goal = serializers.ChoiceField(choices=Goal.choices)
    holds_per_side = StrictIntegerField(min_value=PROGRAM_HOLDS_PER_SIDE[0], max_value=PROGRAM_HOLDS_PER_SIDE[1])
    hold_seconds = StrictIntegerField(min_value=HELD_SECONDS[0], max_value=HELD_SECONDS[1])
    override_reason = StrictCharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required to leave the catalog's dose range."
    )


class ProgramInputSerializer(StrictSerializer):
    sessions_per_week = StrictIntegerField(
        min_value=PROGRAM_SESSIONS_PER_WEEK[0], max_value=PROGRAM_SESSIONS_PER_WEEK[1]
    )
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000)
    items = ProgramItemInputSerializer(many=True, min_length=1, max_length=30)


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
    override_reason = serializers.CharField(
        help_text="Why the trainer assigned this item outside the catalog's advice."
    )
    warnings = PlanWarningSerializer(many=True, help_text="A contraindication of this exercise you have recorded.")
    plan = ExercisePlanSerializer(help_text="The timer plan at this item's dose.")
    next_step = NextStepSerializer()


class ProgramViewSerializer(serializers.Serializer):
    """A program as the client follows it: each item with its timer plan and next step."""

    id = serializers.IntegerField()
    trainer = PersonSerializer()
    sessions_per_week = serializers.IntegerField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    items = ProgramItemPlanSerializer(many=True)
