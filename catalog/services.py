"""Writes to the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import choices
from .content import DEFAULT_DATA_DIR, read_catalog
from .models import (
    BodyRegion,
    CatalogVersion,
    CommonMistake,
    Contraindication,
    Dose,
    Equipment,
    Exercise,
    ExerciseEquipment,
    ExerciseMuscle,
    ExerciseRelation,
    ExerciseUseCase,
    FaqEntry,
    Muscle,
    PnfProtocol,
    Step,
    StopSign,
    Tip,
)


@dataclass
class LoadReport:
    """What one `catalog_load` did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    vocabulary_changes: list[str] = field(default_factory=list)
    version: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.vocabulary_changes)


def catalog_version_bump() -> None:
    """Mark the catalog as changed, so every catalog ETag changes with it."""
    CatalogVersion.objects.get_or_create(id=1)
    CatalogVersion.objects.filter(id=1).update(number=F("number") + 1, changed_at=timezone.now())


@transaction.atomic
def catalog_load(*, data_dir: Path = DEFAULT_DATA_DIR, force: bool = False) -> LoadReport:
    """Bring the database in line with the catalog's data files, all or nothing.

    Every file is read and checked before anything is written (a ContentError
    leaves the database untouched). An exercise is rewritten only when its file
    changed since it was last loaded (or with `force`), so a second run writes
    nothing, and an edit made in the admin survives until its file changes.
    Exercises that exist only in the database are left alone.
    """
    content = read_catalog(data_dir)
    report = LoadReport()
    vocab = content.vocabularies
    regions = _sync_vocabulary(BodyRegion, vocab.body_regions, report)
    muscles = _sync_vocabulary(Muscle, [{**m, "region": regions[m["region"]]} for m in vocab.muscles], report)
    lookups = {
        "muscles": muscles,
        "regions": regions,
        "equipment": _sync_vocabulary(Equipment, vocab.equipment, report),
        "stop_signs": _sync_vocabulary(StopSign, vocab.stop_signs, report),
        "contraindications": _sync_vocabulary(Contraindication, vocab.contraindications, report),
    }

    existing = {ex.slug: ex for ex in Exercise.objects.all()}
    rewritten: list[tuple[Exercise, dict[str, Any]]] = []
    for data in content.exercises:
        exercise = existing.get(data["slug"])
        if exercise is not None and exercise.source_hash == data["source_hash"] and not force:
            report.unchanged.append(data["slug"])
            continue
        (report.updated if exercise is not None else report.created).append(data["slug"])
        exercise = _exercise_write(exercise or Exercise(slug=data["slug"]), data, lookups)
        existing[exercise.slug] = exercise
        rewritten.append((exercise, data))

    # Relations point at other exercises, so they are written once all exist.
    for exercise, data in rewritten:
        exercise.relations.all().delete()
        ExerciseRelation.objects.bulk_create(
            ExerciseRelation(from_exercise=exercise, to_exercise=existing[rel["exercise"]], relation=rel["relation"])
            for rel in data["related"]
        )

    if report.changed:
        catalog_version_bump()
    report.version = CatalogVersion.objects.get(id=1).number if CatalogVersion.objects.exists() else 0
    return report


def _sync_vocabulary(model, rows: list[dict[str, Any]], report: LoadReport) -> dict[str, Any]:
    """Create or update vocabulary rows by slug; return every row of the model by slug."""
    by_slug = {obj.slug: obj for obj in model.objects.all()}
    for row in rows:
        obj = by_slug.get(row["slug"])
        if obj is None:
            by_slug[row["slug"]] = model.objects.create(**row)
            report.vocabulary_changes.append(f"{model._meta.verbose_name} '{row['slug']}' created")
            continue
        changed = [key for key, value in row.items() if getattr(obj, key) != value]
        if changed:
            for key in changed:
                setattr(obj, key, row[key])
            obj.save(update_fields=changed)
            report.vocabulary_changes.append(f"{model._meta.verbose_name} '{row['slug']}' updated")
    return by_slug


def _exercise_write(exercise: Exercise, data: dict[str, Any], lookups: dict[str, dict]) -> Exercise:
    """Write one exercise and replace all of its child rows with the file's."""
    for key in (
        "name", "summary", "description", "difficulty", "position", "technique", "assistance",
        "laterality", "progression_rule", "cues", "sources", "assumptions", "source_hash",
    ):  # fmt: skip
        setattr(exercise, key, data[key])
    exercise.body_region = lookups["regions"][data["body_region"]]
    exercise.target_intensity_min, exercise.target_intensity_max = data["target_intensity"]
    exercise.save()

    for related in (
        exercise.muscle_links, exercise.equipment_links, exercise.use_case_links, exercise.steps,
        exercise.tips, exercise.common_mistakes, exercise.faq_entries, exercise.doses,
    ):  # fmt: skip
        related.all().delete()
    PnfProtocol.objects.filter(exercise=exercise).delete()

    muscles = lookups["muscles"]
    ExerciseMuscle.objects.bulk_create(
        [ExerciseMuscle(exercise=exercise, muscle=muscles[s], role=choices.MuscleRole.PRIMARY)
         for s in data["primary_muscles"]]
        + [ExerciseMuscle(exercise=exercise, muscle=muscles[s], role=choices.MuscleRole.SECONDARY)
           for s in data["secondary_muscles"]]
    )  # fmt: skip
    equipment = lookups["equipment"]
    ExerciseEquipment.objects.bulk_create(
        [ExerciseEquipment(exercise=exercise, equipment=equipment[s], required=True)
         for s in data["equipment_required"]]
        + [ExerciseEquipment(exercise=exercise, equipment=equipment[s], required=False)
           for s in data["equipment_optional"]]
    )  # fmt: skip
    ExerciseUseCase.objects.bulk_create(ExerciseUseCase(exercise=exercise, use_case=u) for u in data["use_cases"])
    Step.objects.bulk_create(Step(exercise=exercise, position=i, **step) for i, step in enumerate(data["steps"], 1))
    Tip.objects.bulk_create(Tip(exercise=exercise, position=i, text=t) for i, t in enumerate(data["tips"], 1))
    CommonMistake.objects.bulk_create(
        CommonMistake(exercise=exercise, position=i, text=t) for i, t in enumerate(data["common_mistakes"], 1)
    )
    FaqEntry.objects.bulk_create(
        FaqEntry(exercise=exercise, position=i, **entry) for i, entry in enumerate(data["faq"], 1)
    )
    Dose.objects.bulk_create(
        Dose(
            exercise=exercise,
            goal=dose["goal"],
            holds_per_side_min=dose["holds_per_side"][0],
            holds_per_side_max=dose["holds_per_side"][1],
            hold_seconds_min=dose["hold_seconds"][0],
            hold_seconds_max=dose["hold_seconds"][1],
            rest_seconds=dose["rest_seconds"],
            intensity_cap=dose["intensity_cap"],
        )
        for dose in data["doses"]
    )
    if data["pnf"] is not None:
        pnf = data["pnf"]
        PnfProtocol.objects.create(
            exercise=exercise,
            **{f"{key}_{end}": pnf[key][i] for key in ("contract_seconds", "relax_seconds",
               "assisted_hold_seconds", "repetitions_per_side") for i, end in enumerate(("min", "max"))},
            rest_seconds=pnf["rest_seconds"],
        )  # fmt: skip
    exercise.stop_signs.set([lookups["stop_signs"][s] for s in data["stop_signs"]])
    exercise.contraindications.set([lookups["contraindications"][s] for s in data["contraindications"]])
    return exercise
