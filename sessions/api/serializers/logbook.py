"""Serializers of logged sessions: what a session looks like, and what an upload, a live append or an
edit may send.

Inputs are strict (JSON types as documented, unknown fields refused) and
check shape and type only; what makes a session valid is the domain's
(`sessions.rules.records`), checked by the services, which name every bad
value by its path, e.g. `holds[3].intensity`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.choices import Goal, Side
from sessions import choices
from sessions.limits import HELD_SECONDS, MAX_HOLDS_PER_SESSION, MAX_MEASUREMENTS, MAX_STOP_EVENTS
from sessions.logbook.selectors import hold_row
from sessions.models import Hold, Measurement, StopEvent, StretchSession
from sessions.rules import records
from sessions.rules.values import HIGH_PAIN
from stretchapi.api.serializers import StrictCharField, StrictIntegerField, StrictSerializer, StrictUUIDField

from .documents import Moment, hold_document, measurement_document, moment_writer, session_document
from .fields import AwareDateTimeField, StrictDecimalField, intensity_field


class HoldSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    outside_dose_phases = serializers.ListField(
        child=serializers.CharField(),
        source="outside_dose_phase_list",
        help_text="The PNF phases (contract, relax, assisted hold) outside the exercise's protocol.",
    )

    class Meta:
        model = Hold
        fields = [
            "id", "position", "exercise", "side", "set_number", "target_seconds", "held_seconds", "intensity",
            "pain", "contract_seconds", "relax_seconds", "assisted_hold_seconds", "started_at", "above_target",
            "outside_dose", "outside_dose_phases",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, hold: Hold) -> dict[str, Any]:
        """The declared fields, written out (`documents.hold_document`): a page of sessions shows
        hundreds of holds, and DRF's field-by-field path costs several times as much. The schema
        still reads the declarations; a test holds both paths to the same output."""
        return _hold_document(hold, moment_writer())


def _hold_document(hold: Hold, moment: Moment) -> dict[str, Any]:
    return hold_document(hold_row(hold), moment)


class StopEventSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    hold = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    side = serializers.SerializerMethodField()

    class Meta:
        model = StopEvent
        fields = ["id", "kind", "hold", "side", "occurred_at", "pain", "action", "note"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text="A stop-sign slug from the catalog, or `other`."))
    def get_kind(self, event: StopEvent) -> str:
        return event.kind

    @extend_schema_field(serializers.ChoiceField(choices=Side.choices, allow_null=True))
    def get_side(self, event: StopEvent) -> str | None:
        return event.side or None


class MeasurementSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    zero_offset_cm = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True)
    side = serializers.SerializerMethodField()

    class Meta:
        model = Measurement
        fields = ["id", "kind", "side", "value", "unit", "zero_offset_cm", "measured_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Side.choices, allow_null=True))
    def get_side(self, measurement: Measurement) -> str | None:
        return measurement.side or None

    def to_representation(self, measurement: Measurement) -> dict[str, Any]:
        """The declared fields, written out (`documents.measurement_document`), as for holds."""
        return measurement_document(vars(measurement), moment_writer())


class SafetyFlagsSerializer(serializers.Serializer):
    """Derived when the session's holds and stop events are stored."""

    flagged = serializers.BooleanField(source="is_flagged", help_text="Any of the flags below is raised.")
    has_stop_event = serializers.BooleanField()
    holds_above_target = serializers.IntegerField(
        help_text="Holds whose intensity exceeded the cap of the goal's dose (the exercise's target maximum "
        "when it has no dose for the goal)."
    )
    holds_outside_dose = serializers.IntegerField(help_text="Holds whose time fell outside the goal's dose.")
    max_pain = serializers.IntegerField(
        allow_null=True, help_text=f"Highest pain reported, 0–10; {HIGH_PAIN} or more raises `flagged`."
    )


class StretchSessionSerializer(serializers.ModelSerializer):
    trainer_id = serializers.PrimaryKeyRelatedField(source="assisting_trainer", read_only=True, allow_null=True)
    flags = SafetyFlagsSerializer(source="*")
    deleted = serializers.SerializerMethodField()
    holds = HoldSerializer(many=True)
    stop_events = StopEventSerializer(many=True)
    measurements = MeasurementSerializer(many=True)

    class Meta:
        model = StretchSession
        fields = [
            "id", "started_at", "ended_at", "goal", "outcome", "assisted_by", "trainer_id", "partner_name",
            "notes", "app_version", "version", "created_at", "updated_at", "deleted", "deleted_at", "flags",
            "holds", "stop_events", "measurements",
        ]  # fmt: skip
        read_only_fields = fields

    def get_deleted(self, session: StretchSession) -> bool:
        return session.deleted_at is not None

    def to_representation(self, session: StretchSession) -> dict[str, Any]:
        """The declared fields, written out by `documents.session_document`, as the session list
        writes them: building this serializer's fields (its nested serializers among them) cost an
        upload's answer more than writing 40 holds. The schema still reads the declarations; a
        test holds both paths to the same output. A tombstone carries no content."""
        moment = moment_writer()
        document = session_document({**vars(session), "holds": [], "stop_events": [], "measurements": []}, moment)
        if not document["deleted"]:
            document.update(
                holds=[_hold_document(hold, moment) for hold in session.holds.all()],
                stop_events=[_STOP_EVENT.to_representation(event) for event in session.stop_events.all()],
                measurements=[measurement_document(vars(m), moment) for m in session.measurements.all()],
            )
        return document


# Shared by every session written out: their fields are built once.
_STOP_EVENT = StopEventSerializer()


class HoldInputSerializer(StrictSerializer):
    id = StrictUUIDField(required=False, help_text="Chosen by the phone; generated when left out.")
    exercise = StrictCharField(max_length=80, help_text="Exercise slug from the catalog.")
    side = serializers.ChoiceField(choices=Side.choices, help_text="Must match the exercise's laterality.")
    set_number = StrictIntegerField(min_value=1, max_value=100, default=1)
    target_seconds = StrictIntegerField(
        min_value=HELD_SECONDS[0], max_value=HELD_SECONDS[1], required=False, allow_null=True
    )
    held_seconds = StrictIntegerField(min_value=HELD_SECONDS[0], max_value=HELD_SECONDS[1])
    intensity = intensity_field(help_text="How strong the stretch felt, 0–10.")
    pain = intensity_field(required=False, allow_null=True, help_text="Numeric pain rating 0–10, apart from intensity.")
    contract_seconds = StrictIntegerField(min_value=1, max_value=60, required=False, allow_null=True)
    relax_seconds = StrictIntegerField(min_value=1, max_value=60, required=False, allow_null=True)
    assisted_hold_seconds = StrictIntegerField(min_value=1, max_value=120, required=False, allow_null=True)
    started_at = AwareDateTimeField(required=False, allow_null=True)


class HoldAppendSerializer(HoldInputSerializer):
    id = StrictUUIDField(help_text="Chosen by the phone: a retry with the same id stores nothing new.")


class StopEventInputSerializer(StrictSerializer):
    id = StrictUUIDField(required=False, help_text="Chosen by the phone; generated when left out.")
    kind = StrictCharField(
        max_length=80, help_text="A stop-sign slug from the catalog, or `other` (then `note` is required)."
    )
    side = serializers.ChoiceField(choices=Side.choices, required=False, allow_null=True)
    occurred_at = AwareDateTimeField()
    pain = intensity_field(required=False, allow_null=True)
    action = serializers.ChoiceField(choices=choices.StopAction.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)
    hold_index = StrictIntegerField(
        min_value=0, required=False, allow_null=True, help_text="Index in this upload's `holds` of the hold it stopped."
    )


class StopEventAppendSerializer(StopEventInputSerializer):
    id = StrictUUIDField(help_text="Chosen by the phone: a retry with the same id stores nothing new.")
    hold_index = None
    hold = StrictUUIDField(required=False, allow_null=True, help_text="Id of the hold it stopped, in this session.")


class MeasurementInputSerializer(StrictSerializer):
    id = StrictUUIDField(required=False)
    kind = serializers.ChoiceField(choices=choices.MeasurementKind.choices)
    side = serializers.ChoiceField(
        choices=[Side.LEFT, Side.RIGHT], required=False, allow_null=True, help_text="Required for the leg angles."
    )
    value = StrictDecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, help_text="One decimal place at most, e.g. 72.5."
    )
    unit = serializers.ChoiceField(choices=choices.Unit.choices)
    zero_offset_cm = StrictDecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False, required=False, allow_null=True,
        help_text="Sit-and-reach only: where zero sits relative to the soles. One decimal place at most.",
    )  # fmt: skip
    measured_at = AwareDateTimeField()

    def validate(self, data):
        """Kind, unit and range together: the domain's rule (`rules.records.check_measurement`), checked here
        so that a bad measurement is named before the upload as a whole is judged."""
        problems: records.Problems = {}
        records.check_measurement(problems, "", data, timezone.now())
        if problems:
            raise serializers.ValidationError(
                {path: message for path, (_, message) in problems.items()}, code="invalid"
            )
        return data


class SessionUploadSerializer(StrictSerializer):
    id = StrictUUIDField(help_text="Chosen by the phone. Re-sending the same id and content is a safe retry.")
    started_at = AwareDateTimeField()
    ended_at = AwareDateTimeField(required=False, allow_null=True, help_text="Leave out while the session goes on.")
    goal = serializers.ChoiceField(choices=Goal.choices)
    outcome = serializers.ChoiceField(choices=choices.Outcome.choices, default=choices.Outcome.COMPLETED)
    assisted_by = serializers.ChoiceField(choices=choices.AssistedBy.choices, default=choices.AssistedBy.SELF)
    trainer_id = StrictIntegerField(required=False, allow_null=True, help_text="When a trainer account assisted.")
    partner_name = StrictCharField(required=False, allow_blank=True, max_length=80)
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000)
    app_version = StrictCharField(required=False, allow_blank=True, max_length=40)
    holds = HoldInputSerializer(many=True, required=False, max_length=MAX_HOLDS_PER_SESSION)
    stop_events = StopEventInputSerializer(many=True, required=False, max_length=MAX_STOP_EVENTS)
    measurements = MeasurementInputSerializer(many=True, required=False, max_length=MAX_MEASUREMENTS)


class SessionUpdateSerializer(StrictSerializer):
    """The fields of a session that can change after upload (its holds cannot)."""

    ended_at = AwareDateTimeField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=choices.Outcome.choices, required=False)
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000)
