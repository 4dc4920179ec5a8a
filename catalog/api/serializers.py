"""Catalog API serializers: the public read side, and the editors' write side and history."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.settings import api_settings

from catalog import choices
from catalog.content import FORMAT_VERSION
from catalog.models import (
    HOLD_SECONDS,
    HOLDS_PER_SIDE,
    INTENSITY,
    NAME_MAX_LENGTH,
    REST_SECONDS,
    SLUG_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    BodyRegion,
    Contraindication,
    Dose,
    Equipment,
    Exercise,
    ExerciseRelation,
    FaqEntry,
    Muscle,
    PnfProtocol,
    Step,
    StopSign,
)


class IntRangeSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()


@extend_schema_field(IntRangeSerializer)
class RangeField(serializers.Field):
    """Presents a `<prefix>_min` / `<prefix>_max` column pair as `{min, max}`."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return {"min": getattr(instance, f"{self.prefix}_min"), "max": getattr(instance, f"{self.prefix}_max")}


def always_in_answer(*names: str) -> dict[str, dict[str, bool]]:
    """`extra_kwargs` for the fields of an answer-only serializer that have a model default.

    DRF makes such fields optional, which in the schema would say that an answer may lack them;
    every answer carries them, so the schema lists them as required. (These serializers never read input.)
    """
    return {name: {"required": True} for name in names}


class BodyRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = BodyRegion
        fields = ["slug", "name"]


class MuscleSerializer(serializers.ModelSerializer):
    region = BodyRegionSerializer()

    class Meta:
        model = Muscle
        fields = ["slug", "name", "region"]


class EquipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = ["slug", "name", "description"]
        extra_kwargs = always_in_answer("description")


class StopSignSerializer(serializers.ModelSerializer):
    class Meta:
        model = StopSign
        fields = ["slug", "name", "description", "severity"]
        extra_kwargs = always_in_answer("description", "severity")


class ContraindicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contraindication
        fields = ["slug", "name", "description"]
        extra_kwargs = always_in_answer("description")


class ExerciseMuscleSerializer(serializers.Serializer):
    slug = serializers.CharField(source="muscle.slug")
    name = serializers.CharField(source="muscle.name")
    role = serializers.ChoiceField(choices=choices.MuscleRole.choices)


class ExerciseEquipmentSerializer(serializers.Serializer):
    slug = serializers.CharField(source="equipment.slug")
    name = serializers.CharField(source="equipment.name")
    required = serializers.BooleanField()


class DoseSerializer(serializers.ModelSerializer):
    holds_per_side = RangeField("holds_per_side")
    hold_seconds = RangeField("hold_seconds")

    class Meta:
        model = Dose
        fields = ["goal", "holds_per_side", "hold_seconds", "rest_seconds", "intensity_cap"]


class PnfProtocolSerializer(serializers.ModelSerializer):
    contract_seconds = RangeField("contract_seconds")
    relax_seconds = RangeField("relax_seconds")
    assisted_hold_seconds = RangeField("assisted_hold_seconds")
    repetitions_per_side = RangeField("repetitions_per_side")

    class Meta:
        model = PnfProtocol
        fields = ["contract_seconds", "relax_seconds", "assisted_hold_seconds", "rest_seconds", "repetitions_per_side"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["position", "phase", "instruction", "checkpoint"]
        extra_kwargs = always_in_answer("checkpoint")


class FaqEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = FaqEntry
        fields = ["question", "answer"]


class ExerciseRelationSerializer(serializers.ModelSerializer):
    exercise = serializers.CharField(source="to_exercise.slug")
    name = serializers.CharField(source="to_exercise.name")

    class Meta:
        model = ExerciseRelation
        fields = ["exercise", "name", "relation"]


class CuesSerializer(serializers.Serializer):
    """What the timer shows during each phase (absent phases have no cue)."""

    contract = serializers.CharField(required=False)
    relax = serializers.CharField(required=False)
    assisted_hold = serializers.CharField(required=False)
    hold = serializers.CharField(required=False)
    rest = serializers.CharField(required=False)


DISCLAIMER_HELP = "The catalog's medical disclaimer: show it with the exercise; it is the same for every exercise."


@extend_schema_serializer(component_name="ExerciseSummary")  # not "ExerciseList": its page would be "…ListList"
class ExerciseListSerializer(serializers.ModelSerializer):
    """The compact list item: enough to choose an exercise."""

    body_region = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    primary_muscles = serializers.SerializerMethodField()
    required_equipment = serializers.SerializerMethodField()
    target_intensity = RangeField("target_intensity")
    goals = serializers.SerializerMethodField()
    use_cases = serializers.SerializerMethodField()

    class Meta:
        model = Exercise
        fields = [
            "slug", "name", "summary", "difficulty", "position", "technique", "assistance", "laterality",
            "body_region", "primary_muscles", "required_equipment", "target_intensity", "goals", "use_cases",
        ]  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_primary_muscles(self, exercise: Exercise) -> list[str]:
        return [link.muscle.slug for link in exercise.muscle_links.all() if link.role == choices.MuscleRole.PRIMARY]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_required_equipment(self, exercise: Exercise) -> list[str]:
        return [link.equipment.slug for link in exercise.equipment_links.all() if link.required]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=choices.Goal.choices)))
    def get_goals(self, exercise: Exercise) -> list[str]:
        return [dose.goal for dose in exercise.doses.all()]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=choices.UseCase.choices)))
    def get_use_cases(self, exercise: Exercise) -> list[str]:
        return [link.use_case for link in exercise.use_case_links.all()]


@extend_schema_serializer(component_name="ExerciseDetail")
class ExerciseDetailSerializer(ExerciseListSerializer):
    """Everything the catalog knows about one exercise."""

    body_region = BodyRegionSerializer()
    muscles = ExerciseMuscleSerializer(source="muscle_links", many=True)
    equipment = ExerciseEquipmentSerializer(source="equipment_links", many=True)
    steps = StepSerializer(many=True)
    tips = serializers.SerializerMethodField()
    common_mistakes = serializers.SerializerMethodField()
    faq = FaqEntrySerializer(source="faq_entries", many=True)
    doses = DoseSerializer(many=True)
    pnf = serializers.SerializerMethodField()
    stop_signs = StopSignSerializer(many=True)
    contraindications = ContraindicationSerializer(many=True)
    related = ExerciseRelationSerializer(source="relations", many=True)
    cues = CuesSerializer(
        help_text=(
            "Cue templates as stored: `{intensity_min}` and `{intensity_max}` stand for the target window of a dose, "
            "which the plan fills in."
        )
    )
    sources = serializers.ListField(child=serializers.CharField())
    disclaimer = serializers.CharField(read_only=True, help_text=DISCLAIMER_HELP)

    class Meta(ExerciseListSerializer.Meta):
        fields = [
            *ExerciseListSerializer.Meta.fields, "description", "muscles", "equipment", "progression_rule",
            "progress_by_intensity", "steps", "tips", "common_mistakes", "faq", "doses", "pnf", "stop_signs",
            "contraindications", "related", "cues", "sources", "assumptions", "disclaimer", "retired_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = always_in_answer("progress_by_intensity", "assumptions", "retired_at")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tips(self, exercise: Exercise) -> list[str]:
        return [tip.text for tip in exercise.tips.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_common_mistakes(self, exercise: Exercise) -> list[str]:
        return [mistake.text for mistake in exercise.common_mistakes.all()]

    @extend_schema_field(PnfProtocolSerializer(allow_null=True))
    def get_pnf(self, exercise: Exercise):
        if not exercise.is_pnf or not hasattr(exercise, "pnf"):
            return None
        return PnfProtocolSerializer(exercise.pnf).data


class PlanQuerySerializer(serializers.Serializer):
    """Query parameters of the plan; `context["exercise"]` is the exercise planned."""

    goal = serializers.ChoiceField(choices=choices.Goal.choices, help_text="The goal whose dose the plan plays.")
    side = serializers.ChoiceField(
        choices=choices.Side.choices,
        required=False,
        help_text="Plan one side only (`left` or `right` for per-side exercises; `both` for both-sides ones).",
    )

    def validate_goal(self, goal: str) -> str:
        goals = [dose.goal for dose in self.context["exercise"].doses.all()]
        if goal not in goals:
            raise serializers.ValidationError(
                f"This exercise has no dose for '{goal}'. Its goals: {', '.join(goals)}.", code="goal_not_available"
            )
        return goal

    def validate_side(self, side: str) -> str:
        laterality = self.context["exercise"].laterality
        per_side = laterality == choices.Laterality.PER_SIDE
        if per_side and side == choices.Side.BOTH:
            raise serializers.ValidationError(
                "This exercise is done one side at a time: use 'left' or 'right', or leave 'side' out.",
                code="side_not_available",
            )
        if not per_side and side != choices.Side.BOTH:
            raise serializers.ValidationError(
                "This exercise works both sides at once: use 'both', or leave 'side' out.", code="side_not_available"
            )
        return side


class StopSignBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StopSign
        fields = ["slug", "name", "severity"]
        extra_kwargs = always_in_answer("severity")


class PlanPhaseSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=choices.TimerPhase.choices)
    seconds = serializers.IntegerField()
    cue = serializers.CharField()


class PlanHoldSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 for the first hold of this side.")
    phases = PlanPhaseSerializer(many=True)
    seconds = serializers.IntegerField(help_text="This hold's phases added up.")


class PlanSideSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=choices.Side.choices)
    holds = PlanHoldSerializer(many=True)
    total_seconds = serializers.IntegerField()


class PlanWarningSerializer(serializers.Serializer):
    """Why this plan may not suit the signed-in client: one per contraindication they have recorded."""

    code = serializers.CharField(help_text="`contraindicated`.")
    contraindication = serializers.CharField(help_text="The contraindication's slug.")
    message = serializers.CharField()


class ExercisePlanSerializer(serializers.Serializer):
    """The timeline a timer plays: sides, then holds, then phases, in order."""

    exercise = serializers.CharField()
    name = serializers.CharField()
    goal = serializers.ChoiceField(choices=choices.Goal.choices)
    technique = serializers.ChoiceField(choices=choices.Technique.choices)
    laterality = serializers.ChoiceField(choices=choices.Laterality.choices)
    holds_per_side = serializers.IntegerField()
    target_intensity = IntRangeSerializer(
        help_text="The 0–10 window to aim for at this goal: the exercise's target, never above `intensity_cap`."
    )
    intensity_cap = serializers.IntegerField(help_text="Never exceed this 0–10 intensity for this goal.")
    stop_signs = StopSignBriefSerializer(
        many=True,
        help_text="Stop at once if a `stop` sign appears; ease off for a `caution` sign, and stop if it stays.",
    )
    sides = PlanSideSerializer(many=True)
    total_seconds = serializers.IntegerField()
    disclaimer = serializers.CharField(
        required=False,
        help_text=DISCLAIMER_HELP + " Always present in `/exercises/{slug}/plan/`.",
    )


class ExercisePlanAnswerSerializer(ExercisePlanSerializer):
    """The plan endpoint's answer: the plan, and the warnings for the client asking (none when anonymous)."""

    disclaimer = serializers.CharField(help_text=DISCLAIMER_HELP)

    warnings = PlanWarningSerializer(
        many=True,
        help_text=(
            "One per contraindication of this exercise that the signed-in client has recorded "
            "(`/api/v1/me/health/`); empty for anonymous callers."
        ),
    )


# Editing.
#
# The write side takes an exercise in the shape of its data file
# (catalog/data/README.md), as JSON. The rules are the data files' own
# (`catalog.content.check_exercise`, run by the services), so these serializers
# only describe the shape for the schema: their fields are documentation, and
# `ExerciseWriteSerializer` checks no more than "a JSON object".


def _slugs(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.SlugField(), help_text=help_text, **kwargs)


class ExerciseWriteEquipmentSerializer(serializers.Serializer):
    required = _slugs("Equipment slugs the exercise cannot be done without; partner stretches list `partner`.",
                      required=False)  # fmt: skip
    optional = _slugs("Equipment slugs that help; none may also be required.", required=False)


class ExerciseWriteStepSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(
        choices=choices.StepPhase.choices, help_text="Setup before execution before release."
    )
    instruction = serializers.CharField()
    checkpoint = serializers.CharField(required=False, help_text="What correct form looks like at this step.")


class ExerciseWriteFaqSerializer(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.CharField()


class ExerciseWriteDoseSerializer(serializers.Serializer):
    goal = serializers.ChoiceField(choices=choices.Goal.choices, help_text="One dose per goal.")
    holds_per_side = IntRangeSerializer(help_text=f"{HOLDS_PER_SIDE[0]}–{HOLDS_PER_SIDE[1]}, min ≤ max.")
    hold_seconds = IntRangeSerializer(help_text=f"{HOLD_SECONDS[0]}–{HOLD_SECONDS[1]} s, min ≤ max.")
    rest_seconds = serializers.IntegerField(min_value=REST_SECONDS[0], max_value=REST_SECONDS[1])
    intensity_cap = serializers.IntegerField(
        min_value=INTENSITY[0], max_value=INTENSITY[1], help_text="Not above `target_intensity.max`."
    )


class ExerciseWritePnfSerializer(serializers.Serializer):
    contract_seconds = IntRangeSerializer()
    relax_seconds = IntRangeSerializer()
    assisted_hold_seconds = IntRangeSerializer()
    rest_seconds = serializers.IntegerField(min_value=REST_SECONDS[0], max_value=REST_SECONDS[1])
    repetitions_per_side = IntRangeSerializer()


class ExerciseWriteRelatedSerializer(serializers.Serializer):
    exercise = serializers.SlugField(help_text="The slug of another exercise, which must exist.")
    relation = serializers.ChoiceField(choices=choices.Relation.choices)


class ExerciseWriteSerializer(serializers.Serializer):
    """An exercise in the shape of its data file, as JSON; the rules are those of `load_catalog`.

    `PATCH` takes any part of it as a JSON merge patch (RFC 7396).
    """

    format_version = serializers.IntegerField(
        required=False, min_value=FORMAT_VERSION, max_value=FORMAT_VERSION, help_text="May be left out."
    )
    slug = serializers.SlugField(max_length=SLUG_MAX_LENGTH, help_text="Lowercase words joined by `-`; never changes.")
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    summary = serializers.CharField(max_length=SUMMARY_MAX_LENGTH)
    description = serializers.CharField()
    difficulty = serializers.ChoiceField(choices=choices.Difficulty.choices)
    position = serializers.ChoiceField(choices=choices.Position.choices)
    technique = serializers.ChoiceField(choices=choices.Technique.choices)
    assistance = serializers.ChoiceField(choices=choices.Assistance.choices)
    laterality = serializers.ChoiceField(choices=choices.Laterality.choices)
    body_region = serializers.SlugField(help_text="A body-region slug.")
    primary_muscles = _slugs("Muscle slugs, at least one.")
    secondary_muscles = _slugs("Muscle slugs, none of them primary.", required=False)
    equipment = ExerciseWriteEquipmentSerializer(required=False)
    target_intensity = IntRangeSerializer(help_text=f"{INTENSITY[0]}–{INTENSITY[1]} perceived intensity, min ≤ max.")
    progression_rule = serializers.CharField()
    progress_by_intensity = serializers.BooleanField(
        required=False,
        help_text=(
            "Default true. False: progressing this exercise must not raise its intensity, only its holds, "
            "seconds or difficulty."
        ),
    )
    use_cases = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.UseCase.choices), help_text="At least one."
    )
    stop_signs = _slugs("Stop-sign slugs, at least one.")
    contraindications = _slugs("Contraindication slugs.", required=False)
    steps = ExerciseWriteStepSerializer(many=True, help_text="At least one, in order.")
    tips = serializers.ListField(child=serializers.CharField(), required=False)
    common_mistakes = serializers.ListField(child=serializers.CharField(), required=False)
    faq = ExerciseWriteFaqSerializer(many=True, required=False)
    doses = ExerciseWriteDoseSerializer(many=True, help_text="At least one; one per goal.")
    pnf = ExerciseWritePnfSerializer(
        required=False, allow_null=True, help_text="Required for `pnf_contract_relax` exercises, refused otherwise."
    )
    cues = CuesSerializer(
        help_text=(
            "`hold` and `rest` always; `contract` and `relax` too for PNF. A cue may say `{intensity_min}` and "
            "`{intensity_max}`, which the plan fills with the dose's window; no other `{…}` is accepted."
        )
    )
    related = ExerciseWriteRelatedSerializer(many=True, required=False)
    sources = serializers.ListField(child=serializers.CharField(), required=False)
    assumptions = serializers.CharField(required=False, allow_blank=True)

    def to_internal_value(self, data):
        """Pass the object through as sent: `check_exercise` judges it, field by field."""
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        "The body must be a JSON object: an exercise in its data-file shape."
                    ]
                },
                code="invalid",
            )
        return dict(data)


class CatalogEditorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()


class ExerciseHistoryEntrySerializer(serializers.Serializer):
    """One recorded change of an exercise, compared with the change before it."""

    version = serializers.IntegerField(
        help_text="The exercise's version after this change (the `e…-<version>` in its ETag)."
    )
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    changed_at = serializers.DateTimeField()
    changed_by = CatalogEditorSerializer(allow_null=True, help_text="Null for load_catalog and migrations.")
    via = serializers.CharField(help_text="`api`, `admin`, `load_catalog` or `migration`.")
    changed_fields = serializers.ListField(
        child=serializers.CharField(), help_text="The exercise's own fields that changed (e.g. `name`, `retired_at`)."
    )
    changed_content = serializers.ListField(
        child=serializers.CharField(),
        help_text="Top-level keys of the content (data-file shape) that changed, e.g. `doses`, `steps`.",
    )
