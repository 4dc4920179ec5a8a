"""The exercise catalog: stretches, their doses and the vocabularies they use.

Slugs are the public identifiers; database ids never leave the service
(except inside opaque ETags). Every rule the database can hold is a
constraint here, so that no write path (API, admin, loader, shell) can store
an impossible dose.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from . import choices, rules

# Bounds shared by the database constraints, the model validators and the
# data-file checks (catalog/content.py).
INTENSITY = (0, 10)
HOLDS_PER_SIDE = (1, 20)
HOLD_SECONDS = (1, 600)
REST_SECONDS = (0, 600)
PNF_PHASE_SECONDS = (1, 60)
PNF_ASSISTED_HOLD_SECONDS = (1, 120)
REPETITIONS = (1, 10)
POSITION = (1, 1000)
SLUG_MAX_LENGTH = 80
NAME_MAX_LENGTH = 120
SUMMARY_MAX_LENGTH = 200


def bounded(bounds: tuple[int, int], **kwargs) -> models.PositiveSmallIntegerField:
    """A small integer whose allowed range is stated to every layer (admin, API schema, database)."""
    low, high = bounds
    return models.PositiveSmallIntegerField(validators=[MinValueValidator(low), MaxValueValidator(high)], **kwargs)


def _range_check(prefix: str, bounds: tuple[int, int]) -> list[models.CheckConstraint]:
    """The constraint of a `<prefix>_min` / `<prefix>_max` pair: low ≤ min ≤ max ≤ high."""
    lo, hi = f"{prefix}_min", f"{prefix}_max"
    within = Q(**{f"{lo}__gte": bounds[0]}) & Q(**{f"{hi}__gte": F(lo)}) & Q(**{f"{hi}__lte": bounds[1]})
    label = prefix.replace("_", " ")
    return [
        models.CheckConstraint(
            condition=within,
            name=f"%(app_label)s_%(class)s_{prefix}_range",
            violation_error_message=(
                f"{label.capitalize()}: min and max must lie within {bounds[0]}–{bounds[1]}, min not above max."
            ),
        )
    ]


class VocabularyItem(models.Model):
    """Common shape of the catalog's controlled vocabularies."""

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BodyRegion(VocabularyItem):
    """One area of the body that muscles and exercises belong to."""


class Muscle(VocabularyItem):
    """One muscle (or tight group of muscles) that an exercise stretches."""

    region = models.ForeignKey(BodyRegion, on_delete=models.PROTECT, related_name="muscles")


class Equipment(VocabularyItem):
    """One thing an exercise may need: a partner, a strap, a mat, a surface."""

    description = models.TextField(blank=True)

    class Meta(VocabularyItem.Meta):
        verbose_name_plural = "equipment"


class StopSign(VocabularyItem):
    """One symptom to stop or ease off for during a stretch; `severity` says which."""

    description = models.TextField(blank=True)
    severity = models.CharField(
        max_length=10,
        choices=choices.StopSeverity.choices,
        default=choices.StopSeverity.STOP,
        help_text="`stop`: end the stretch at once. `caution`: ease off, and stop if it stays.",
    )

    class Meta(VocabularyItem.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=choices.StopSeverity.values), name="catalog_stopsign_severity_valid"
            ),
        ]

    @property
    def means_stop(self) -> bool:
        """True when this sign ends the stretch at once (`catalog.rules.means_stop`)."""
        return rules.means_stop(self)


class Contraindication(VocabularyItem):
    """One condition under which an exercise should not be done unsupervised."""

    description = models.TextField(blank=True)


class CatalogDisclaimer(models.Model):
    """The single row holding the medical disclaimer shown with every exercise and plan.

    Written by `load_catalog` from `catalog/data/catalog.yaml`; a change moves
    the catalog version like any other catalog content.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    text = models.TextField()
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="catalog_catalogdisclaimer_singleton")]

    def __str__(self) -> str:
        return self.text[:60]


class CatalogVersion(models.Model):
    """The single row whose `number` grows whenever any catalog content changes.

    It keys the catalog's ETags: a client holding the ETag of version N gets a
    304 until the catalog moves to N+1.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    number = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="catalog_catalogversion_singleton")]

    def __str__(self) -> str:
        return f"catalog v{self.number}"


class Exercise(models.Model):
    """One stretch or warm-up movement as the catalog describes it.

    `version` grows with every write (API, admin, load_catalog) and keys the
    exercise's own ETag, which `PATCH` checks in If-Match. `content` is the
    whole exercise in the data-file shape (`content.canonical_content`),
    rewritten with every write, so that each history record (django-simple-
    history) holds a complete snapshot, child rows included. A retired
    exercise leaves the public list but stays readable by slug, because logged
    holds keep pointing at it.
    """

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    summary = models.CharField(max_length=SUMMARY_MAX_LENGTH)
    description = models.TextField()
    difficulty = models.CharField(max_length=20, choices=choices.Difficulty.choices)
    position = models.CharField(max_length=20, choices=choices.Position.choices)
    technique = models.CharField(max_length=30, choices=choices.Technique.choices)
    assistance = models.CharField(max_length=20, choices=choices.Assistance.choices)
    laterality = models.CharField(max_length=20, choices=choices.Laterality.choices)
    body_region = models.ForeignKey(BodyRegion, on_delete=models.PROTECT, related_name="exercises")
    target_intensity_min = bounded(INTENSITY)
    target_intensity_max = bounded(INTENSITY)
    progression_rule = models.TextField()
    progress_by_intensity = models.BooleanField(
        default=True,
        help_text="False when progressing must not raise the intensity: only holds, time or difficulty grow.",
    )
    cues = models.JSONField(
        default=dict,
        help_text="Timer phase → the cue shown during it; `{intensity_min}`/`{intensity_max}` are filled per dose.",
    )
    stop_signs = models.ManyToManyField(StopSign, related_name="exercises")
    contraindications = models.ManyToManyField(Contraindication, blank=True, related_name="exercises")
    sources = models.JSONField(default=list, blank=True)
    assumptions = models.TextField(blank=True)
    source_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the data file last loaded into this row."
    )
    content = models.JSONField(
        default=dict, editable=False, help_text="The whole exercise in the data-file shape, as last written."
    )
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Grows with every write.")
    retired_at = models.DateTimeField(
        null=True, blank=True, help_text="When set, the exercise leaves the public list; its slug still answers."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        permissions = [("edit_catalog", "Can edit the catalog")]
        constraints = [
            *_range_check("target_intensity", INTENSITY),
            models.CheckConstraint(
                condition=Q(difficulty__in=choices.Difficulty.values), name="catalog_exercise_difficulty_valid"
            ),
            models.CheckConstraint(
                condition=Q(technique__in=choices.Technique.values), name="catalog_exercise_technique_valid"
            ),
            models.CheckConstraint(
                condition=Q(laterality__in=choices.Laterality.values), name="catalog_exercise_laterality_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pnf(self) -> bool:
        return self.technique == choices.Technique.PNF_CONTRACT_RELAX

    @property
    def tag(self) -> str:
        """This version of this row, for ETags: `e<id>-<version>` (the id keeps a re-created slug apart)."""
        return f"e{self.pk}-{self.version}"


class ExerciseMuscle(models.Model):
    """One muscle an exercise stretches, as a primary or secondary target."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="muscle_links")
    muscle = models.ForeignKey(Muscle, on_delete=models.PROTECT, related_name="exercise_links")
    role = models.CharField(max_length=10, choices=choices.MuscleRole.choices)

    class Meta:
        ordering = ["exercise", "role", "muscle__name"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "muscle"], name="catalog_exercisemuscle_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.muscle} ({self.role})"


class ExerciseEquipment(models.Model):
    """One piece of equipment an exercise uses, required or optional."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="equipment_links")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="exercise_links")
    required = models.BooleanField()

    class Meta:
        ordering = ["exercise", "-required", "equipment__name"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "equipment"], name="catalog_exerciseequipment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} ({'required' if self.required else 'optional'})"


class ExerciseUseCase(models.Model):
    """One situation an exercise suits (warm-up, cooldown, …)."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="use_case_links")
    use_case = models.CharField(max_length=20, choices=choices.UseCase.choices)

    class Meta:
        ordering = ["exercise", "use_case"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "use_case"], name="catalog_exerciseusecase_unique"),
        ]

    def __str__(self) -> str:
        return self.get_use_case_display()


class ExerciseRelation(models.Model):
    """A link from one exercise to another: `to_exercise` is its easier, harder, … counterpart."""

    from_exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="relations")
    to_exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(max_length=30, choices=choices.Relation.choices)

    class Meta:
        ordering = ["from_exercise", "relation", "to_exercise__name"]
        constraints = [
            models.UniqueConstraint(fields=["from_exercise", "to_exercise"], name="catalog_exerciserelation_unique"),
            models.CheckConstraint(
                condition=~Q(from_exercise=F("to_exercise")), name="catalog_exerciserelation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_relation_display()}: {self.to_exercise}"


class OrderedText(models.Model):
    """Common shape of an exercise's ordered lists of text."""

    exercise: models.ForeignKey  # declared by each subclass, for a readable related name
    position = bounded(POSITION)

    class Meta:
        abstract = True
        ordering = ["exercise", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "position"], name="%(app_label)s_%(class)s_unique_position"),
        ]


class Step(OrderedText):
    """One instruction of an exercise, in order, within its phase."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="steps")
    phase = models.CharField(max_length=20, choices=choices.StepPhase.choices)
    instruction = models.TextField()
    checkpoint = models.TextField(blank=True, help_text="What correct form looks like at this step.")

    def __str__(self) -> str:
        return f"{self.position}. {self.instruction[:60]}"


class Tip(OrderedText):
    """One piece of advice for doing an exercise well."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="tips")
    text = models.TextField()

    def __str__(self) -> str:
        return self.text[:60]


class CommonMistake(OrderedText):
    """One mistake people commonly make in an exercise."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="common_mistakes")
    text = models.TextField()

    def __str__(self) -> str:
        return self.text[:60]


class FaqEntry(OrderedText):
    """One question people ask about an exercise, with its answer."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="faq_entries")
    question = models.TextField()
    answer = models.TextField()

    class Meta(OrderedText.Meta):
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question[:60]


class Dose(models.Model):
    """How much of an exercise to do for one goal: holds per side × seconds, rest and intensity cap."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="doses")
    goal = models.CharField(max_length=30, choices=choices.Goal.choices)
    holds_per_side_min = bounded(HOLDS_PER_SIDE)
    holds_per_side_max = bounded(HOLDS_PER_SIDE)
    hold_seconds_min = bounded(HOLD_SECONDS)
    hold_seconds_max = bounded(HOLD_SECONDS)
    rest_seconds = bounded(REST_SECONDS)
    intensity_cap = bounded(INTENSITY)

    class Meta:
        ordering = ["exercise", "goal"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "goal"], name="catalog_dose_unique_goal"),
            *_range_check("holds_per_side", HOLDS_PER_SIDE),
            *_range_check("hold_seconds", HOLD_SECONDS),
            models.CheckConstraint(
                condition=Q(rest_seconds__lte=REST_SECONDS[1]), name="catalog_dose_rest_seconds_range"
            ),
            models.CheckConstraint(
                condition=Q(intensity_cap__lte=INTENSITY[1]), name="catalog_dose_intensity_cap_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} · {self.get_goal_display()}"


class PnfProtocol(models.Model):
    """The contract–relax–assisted-hold timings of a PNF exercise."""

    exercise = models.OneToOneField(Exercise, on_delete=models.CASCADE, related_name="pnf")
    contract_seconds_min = bounded(PNF_PHASE_SECONDS)
    contract_seconds_max = bounded(PNF_PHASE_SECONDS)
    relax_seconds_min = bounded(PNF_PHASE_SECONDS)
    relax_seconds_max = bounded(PNF_PHASE_SECONDS)
    assisted_hold_seconds_min = bounded(PNF_ASSISTED_HOLD_SECONDS)
    assisted_hold_seconds_max = bounded(PNF_ASSISTED_HOLD_SECONDS)
    rest_seconds = bounded(REST_SECONDS)
    repetitions_per_side_min = bounded(REPETITIONS)
    repetitions_per_side_max = bounded(REPETITIONS)

    class Meta:
        verbose_name = "PNF protocol"
        constraints = [
            *_range_check("contract_seconds", PNF_PHASE_SECONDS),
            *_range_check("relax_seconds", PNF_PHASE_SECONDS),
            *_range_check("assisted_hold_seconds", PNF_ASSISTED_HOLD_SECONDS),
            *_range_check("repetitions_per_side", REPETITIONS),
            models.CheckConstraint(
                condition=Q(rest_seconds__lte=REST_SECONDS[1]), name="catalog_pnfprotocol_rest_seconds_range"
            ),
        ]

    def __str__(self) -> str:
        return f"PNF protocol of {self.exercise}"
