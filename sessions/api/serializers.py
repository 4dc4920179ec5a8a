"""Sessions and accounts API serializers.

Inputs are strict (JSON types as documented, unknown fields refused) and
name every bad value by its path, e.g. `holds[3].intensity`. References to
the catalog (exercise and stop-sign slugs) are resolved for a whole upload in
one query each, so validating 300 holds costs what validating 3 does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.choices import Goal, Laterality, Side, Technique
from catalog.models import Exercise, StopSign
from sessions import choices
from sessions.models import (
    ANGLE_DEGREES,
    HELD_SECONDS,
    INTENSITY,
    MAX_HOLDS_PER_SESSION,
    SIT_AND_REACH_CM,
    Hold,
    Measurement,
    StopEvent,
    StretchSession,
    User,
)
from sessions.selectors import without_exercise_json
from stretchapi.api.serializers import (
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
    StrictUUIDField,
)

MAX_STOP_EVENTS = 100
MAX_MEASUREMENTS = 50
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
WINDOW_TOLERANCE = timedelta(minutes=5)
PNF_FIELDS = ("contract_seconds", "relax_seconds", "assisted_hold_seconds")


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp with its UTC offset, from 2000 on; a naive time is ambiguous and refused.

    Nobody logged a session with this app before 2000, and refusing earlier
    times keeps the checks' arithmetic (minus five minutes of tolerance) away
    from the year-1 edge of Python's datetime.
    """

    default_error_messages = {
        "naive": "Include a UTC offset, e.g. 2026-11-23T09:30:00+01:00 or …Z.",
        "too_early": "Must not be before 2000-01-01T00:00:00Z.",
    }

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601 string")
        try:
            parsed = parse_datetime(value)
        except ValueError:  # well formed but impossible, e.g. minute 99
            self.fail("invalid", format="ISO 8601 string")
        if parsed is not None and parsed.tzinfo is None:
            self.fail("naive")
        moment = super().to_internal_value(value)
        if moment < EARLIEST_MOMENT:
            self.fail("too_early")
        return moment


class StrictDecimalField(serializers.DecimalField):
    """A decimal sent as a JSON number (not a string)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(str(data))


def _intensity(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=INTENSITY[0], max_value=INTENSITY[1], **kwargs)


# Accounts -----------------------------------------------------------------------


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "role", "date_joined"]
        read_only_fields = fields


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"})
    display_name = StrictCharField(required=False, allow_blank=True, max_length=80)


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


# Output -----------------------------------------------------------------------


MOMENT = serializers.DateTimeField()  # how every timestamp is written out


class HoldSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Hold
        fields = [
            "id", "position", "exercise", "side", "set_number", "target_seconds", "held_seconds", "intensity",
            "pain", "contract_seconds", "relax_seconds", "assisted_hold_seconds", "started_at", "above_target",
            "outside_dose",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, hold: Hold) -> dict[str, Any]:
        """The declared fields, written out: a page of sessions shows hundreds of holds, and
        DRF's field-by-field path costs several times as much. The schema still reads the
        declarations; a test holds both paths to the same output."""
        started = hold.started_at
        return {
            "id": str(hold.id),
            "position": hold.position,
            "exercise": hold.exercise.slug,
            "side": hold.side,
            "set_number": hold.set_number,
            "target_seconds": hold.target_seconds,
            "held_seconds": hold.held_seconds,
            "intensity": hold.intensity,
            "pain": hold.pain,
            "contract_seconds": hold.contract_seconds,
            "relax_seconds": hold.relax_seconds,
            "assisted_hold_seconds": hold.assisted_hold_seconds,
            "started_at": None if started is None else MOMENT.to_representation(started),
            "above_target": hold.above_target,
            "outside_dose": hold.outside_dose,
        }


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


class SafetyFlagsSerializer(serializers.Serializer):
    """Derived when the session's holds and stop events are stored."""

    flagged = serializers.BooleanField(source="is_flagged", help_text="Any of the flags below is raised.")
    has_stop_event = serializers.BooleanField()
    holds_above_target = serializers.IntegerField(help_text="Holds whose intensity exceeded the exercise's target.")
    holds_outside_dose = serializers.IntegerField(help_text="Holds whose time fell outside the goal's dose.")
    max_pain = serializers.IntegerField(allow_null=True, help_text="Highest pain reported, 0–10.")


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
        data = super().to_representation(session)
        if session.deleted_at is not None:  # a tombstone carries no content
            data.update(holds=[], stop_events=[], measurements=[], notes="")
        return data


# Input ------------------------------------------------------------------------


class HoldInputSerializer(StrictSerializer):
    id = StrictUUIDField(required=False, help_text="Chosen by the phone; generated when left out.")
    exercise = StrictCharField(max_length=80, help_text="Exercise slug from the catalog.")
    side = serializers.ChoiceField(choices=Side.choices, help_text="Must match the exercise's laterality.")
    set_number = StrictIntegerField(min_value=1, max_value=100, default=1)
    target_seconds = StrictIntegerField(
        min_value=HELD_SECONDS[0], max_value=HELD_SECONDS[1], required=False, allow_null=True
    )
    held_seconds = StrictIntegerField(min_value=HELD_SECONDS[0], max_value=HELD_SECONDS[1])
    intensity = _intensity(help_text="How strong the stretch felt, 0–10.")
    pain = _intensity(required=False, allow_null=True, help_text="Numeric pain rating 0–10, apart from intensity.")
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
    pain = _intensity(required=False, allow_null=True)
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
    value = StrictDecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    unit = serializers.ChoiceField(choices=choices.Unit.choices)
    zero_offset_cm = StrictDecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False, required=False, allow_null=True,
        help_text="Sit-and-reach only: where zero sits relative to the soles.",
    )  # fmt: skip
    measured_at = AwareDateTimeField()

    def validate(self, data):
        kind, unit, value = data["kind"], data["unit"], data["value"]
        problems = {}
        if kind == choices.MeasurementKind.SIT_AND_REACH:
            expected, bounds = choices.Unit.CENTIMETRES, SIT_AND_REACH_CM
            if data.get("side"):
                problems["side"] = "Sit-and-reach measures both legs together: leave 'side' out."
        else:
            expected, bounds = choices.Unit.DEGREES, ANGLE_DEGREES
            if not data.get("side"):
                problems["side"] = "A leg angle needs its side: 'left' or 'right'."
            if data.get("zero_offset_cm") is not None:
                problems["zero_offset_cm"] = "Only sit-and-reach has a zero offset."
        if unit != expected:
            problems["unit"] = f"'{kind}' is measured in '{expected}'."
        elif not Decimal(bounds[0]) <= value <= Decimal(bounds[1]):
            problems["value"] = f"Must lie within {bounds[0]}–{bounds[1]} {unit}."
        if problems:
            raise serializers.ValidationError(problems, code="invalid")
        return {**data, "side": data.get("side") or ""}


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

    def validate(self, data):
        problems: dict[str, str] = {}
        now = timezone.now()
        started, ended = data["started_at"], data.get("ended_at")
        _not_future(problems, "started_at", started, now)
        if ended is not None:
            _not_future(problems, "ended_at", ended, now)
            if ended < started:
                problems["ended_at"] = "Must not be before started_at."
        window = (started - WINDOW_TOLERANCE, (ended or now) + WINDOW_TOLERANCE)

        data["trainer"] = _assistance(problems, data)
        holds = data.setdefault("holds", [])
        exercises = _exercises_by_slug({h["exercise"] for h in holds})
        for index, hold in enumerate(holds):
            _check_hold(problems, f"holds[{index}]", hold, exercises, window, now)
        signs = _stop_signs_by_slug({e["kind"] for e in data.get("stop_events", [])})
        for index, event in enumerate(data.setdefault("stop_events", [])):
            path = f"stop_events[{index}]"
            _check_stop_event(problems, path, event, signs, window, now)
            hold_index = event.get("hold_index")
            if hold_index is not None and hold_index >= len(holds):
                problems[f"{path}.hold_index"] = f"There is no hold {hold_index} in this upload ({len(holds)} holds)."
        for index, measurement in enumerate(data.setdefault("measurements", [])):
            _not_future(problems, f"measurements[{index}].measured_at", measurement["measured_at"], now)
        for key in ("holds", "stop_events", "measurements"):
            _unique_ids(problems, key, data[key])
        if problems:
            raise serializers.ValidationError(problems, code="invalid")
        return data


def _not_future(problems: dict, path: str, moment, now) -> None:
    if moment > now + CLOCK_SKEW:
        problems[path] = "Must not be in the future (more than 5 minutes of clock skew)."


def _within(problems: dict, path: str, moment, window, now) -> None:
    _not_future(problems, path, moment, now)
    if path not in problems and not window[0] <= moment <= window[1]:
        problems[path] = "Must fall within the session's start and end (5 minutes of tolerance)."


def _assistance(problems: dict, data: dict) -> User | None:
    assisted_by, trainer_id, partner = data["assisted_by"], data.get("trainer_id"), data.get("partner_name", "")
    data.pop("trainer_id", None)
    if assisted_by == choices.AssistedBy.TRAINER:
        trainer = User.objects.filter(pk=trainer_id, role=choices.Role.TRAINER, is_active=True).first()
        if trainer_id is None:
            problems["trainer_id"] = "Required when a trainer assisted."
        elif trainer is None:
            problems["trainer_id"] = "No trainer account has this id."
        if partner:
            problems["partner_name"] = "Only when 'assisted_by' is 'partner'."
        return trainer
    if trainer_id is not None:
        problems["trainer_id"] = "Only when 'assisted_by' is 'trainer'."
    if assisted_by == choices.AssistedBy.PARTNER and not partner.strip():
        problems["partner_name"] = "Name the partner who assisted."
    if assisted_by == choices.AssistedBy.SELF and partner:
        problems["partner_name"] = "Only when 'assisted_by' is 'partner'."
    return None


def _exercises_by_slug(slugs: set[str]) -> dict[str, Exercise]:
    if not slugs:
        return {}
    exercises = without_exercise_json(Exercise.objects.filter(slug__in=slugs).prefetch_related("doses"))
    return {e.slug: e for e in exercises}


def _stop_signs_by_slug(slugs: set[str]) -> dict[str, StopSign]:
    return {s.slug: s for s in StopSign.objects.filter(slug__in=slugs)} if slugs else {}


def _check_hold(problems: dict, path: str, hold: dict, exercises: dict[str, Exercise], window, now) -> None:
    """Resolve the hold's exercise in place and check the hold against it."""
    exercise = exercises.get(hold["exercise"])
    if exercise is None:
        problems[f"{path}.exercise"] = f"Unknown exercise '{hold['exercise']}'."
        return
    hold["exercise"] = exercise
    per_side = exercise.laterality == Laterality.PER_SIDE
    if per_side and hold["side"] == Side.BOTH:
        problems[f"{path}.side"] = f"'{exercise.slug}' is done one side at a time: 'left' or 'right'."
    elif not per_side and hold["side"] != Side.BOTH:
        problems[f"{path}.side"] = f"'{exercise.slug}' works both sides at once: 'both'."
    if exercise.technique != Technique.PNF_CONTRACT_RELAX:
        for name in PNF_FIELDS:
            if hold.get(name) is not None:
                problems[f"{path}.{name}"] = f"Only for PNF exercises; '{exercise.slug}' is not one."
    if hold.get("started_at") is not None:
        _within(problems, f"{path}.started_at", hold["started_at"], window, now)


def _check_stop_event(problems: dict, path: str, event: dict, signs: dict[str, StopSign], window, now) -> None:
    """Resolve the event's kind in place (a StopSign, or None for `other`) and check it."""
    kind = event["kind"]
    if kind == choices.STOP_KIND_OTHER:
        event["kind"] = None
        if not event.get("note", "").strip():
            problems[f"{path}.note"] = "Describe what happened when the kind is 'other'."
    elif kind in signs:
        event["kind"] = signs[kind]
    else:
        problems[f"{path}.kind"] = f"Unknown stop sign '{kind}'; use a catalog stop-sign slug or 'other'."
    event["side"] = event.get("side") or ""
    _within(problems, f"{path}.occurred_at", event["occurred_at"], window, now)


def _unique_ids(problems: dict, key: str, items: list[dict]) -> None:
    seen = set()
    for index, item in enumerate(items):
        if item.get("id") is not None:
            if item["id"] in seen:
                problems[f"{key}[{index}].id"] = "Listed twice in this upload."
            seen.add(item["id"])


def validate_hold_append(data: dict, session: StretchSession) -> dict:
    """Checks of a live-logged hold against its session (as for an upload's holds)."""
    problems: dict[str, str] = {}
    now = timezone.now()
    window = (session.started_at - WINDOW_TOLERANCE, (session.ended_at or now) + WINDOW_TOLERANCE)
    _check_hold(problems, "", data, _exercises_by_slug({data["exercise"]}), window, now)
    if problems:
        raise serializers.ValidationError({k.lstrip("."): v for k, v in problems.items()}, code="invalid")
    return data


def validate_stop_event_append(data: dict, session: StretchSession) -> dict:
    problems: dict[str, str] = {}
    now = timezone.now()
    window = (session.started_at - WINDOW_TOLERANCE, (session.ended_at or now) + WINDOW_TOLERANCE)
    _check_stop_event(problems, "", data, _stop_signs_by_slug({data["kind"]}), window, now)
    hold_id = data.pop("hold", None)
    data["hold"] = None
    if hold_id is not None:
        data["hold"] = session.holds.filter(pk=hold_id).first()
        if data["hold"] is None:
            problems[".hold"] = "No hold with this id in this session."
    if problems:
        raise serializers.ValidationError({k.lstrip("."): v for k, v in problems.items()}, code="invalid")
    return data


class SessionUpdateSerializer(StrictSerializer):
    """The fields of a session that can change after upload (its holds cannot)."""

    ended_at = AwareDateTimeField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=choices.Outcome.choices, required=False)
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000)

    def validate(self, data):
        session: StretchSession = self.context["session"]
        ended = data.get("ended_at")
        if ended is not None:
            problems: dict[str, str] = {}
            _not_future(problems, "ended_at", ended, timezone.now())
            latest = session_latest_moment(session)
            if ended < session.started_at:
                problems["ended_at"] = "Must not be before started_at."
            elif latest is not None and ended < latest - WINDOW_TOLERANCE:
                problems["ended_at"] = "Must not be before the session's last hold or stop event."
            if problems:
                raise serializers.ValidationError(problems, code="invalid")
        return data


def session_latest_moment(session: StretchSession):
    """When the session's last recorded hold started or stop event happened (None if neither)."""
    moments = [
        session.holds.aggregate(last=Max("started_at"))["last"],
        session.stop_events.aggregate(last=Max("occurred_at"))["last"],
    ]
    return max((m for m in moments if m is not None), default=None)


# Progress ------------------------------------------------------------------------


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


class NextStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=choices.NextStepAction.choices)
    hold_seconds = serializers.IntegerField(allow_null=True)
    intensity_max = serializers.IntegerField(allow_null=True, help_text="Do not stretch harder than this, 0–10.")
    reason = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    exercise = serializers.CharField()
    goal = serializers.ChoiceField(choices=Goal.choices)
    sides = ProgressSideSerializer(many=True)
    measurements = MeasurementSeriesSerializer(many=True)
    balance = BalanceSerializer()
    next_step = NextStepSerializer()
