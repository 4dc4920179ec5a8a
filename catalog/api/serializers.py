"""Catalog API serializers (read-only: the catalog is edited in the admin and by load_catalog)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import choices
from catalog.models import (
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


class StopSignSerializer(serializers.ModelSerializer):
    class Meta:
        model = StopSign
        fields = ["slug", "name", "description"]


class ContraindicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contraindication
        fields = ["slug", "name", "description"]


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
    cues = CuesSerializer()
    sources = serializers.ListField(child=serializers.CharField())

    class Meta(ExerciseListSerializer.Meta):
        fields = [
            *ExerciseListSerializer.Meta.fields, "description", "muscles", "equipment", "progression_rule",
            "steps", "tips", "common_mistakes", "faq", "doses", "pnf", "stop_signs", "contraindications",
            "related", "cues", "sources", "assumptions", "updated_at",
        ]  # fmt: skip

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
        fields = ["slug", "name"]


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


class ExercisePlanSerializer(serializers.Serializer):
    """The timeline a timer plays: sides, then holds, then phases, in order."""

    exercise = serializers.CharField()
    name = serializers.CharField()
    goal = serializers.ChoiceField(choices=choices.Goal.choices)
    technique = serializers.ChoiceField(choices=choices.Technique.choices)
    laterality = serializers.ChoiceField(choices=choices.Laterality.choices)
    holds_per_side = serializers.IntegerField()
    target_intensity = IntRangeSerializer()
    intensity_cap = serializers.IntegerField(help_text="Never exceed this 0–10 intensity for this goal.")
    stop_signs = StopSignBriefSerializer(many=True, help_text="Stop at once if any of these appears.")
    sides = PlanSideSerializer(many=True)
    total_seconds = serializers.IntegerField()
