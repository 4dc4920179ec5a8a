"""Writes to the catalog.

Every write of an exercise goes through `_exercise_write`, whatever its source
(data files, API, admin): it bumps the exercise's `version`, rewrites its
`content` snapshot, and so leaves one history record saying who changed what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from stretchapi.preconditions import require_current

from . import choices
from .content import (
    DEFAULT_DATA_DIR,
    ContentError,
    Problem,
    canonical_content,
    check_exercise,
    merge_patch,
    read_catalog,
)
from .models import (
    BodyRegion,
    CatalogDisclaimer,
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
from .selectors import (
    catalog_version_forget,
    catalog_vocabularies,
    exercise_as_content,
    exercise_detail,
    vocabulary_lookups,
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
    """Mark the catalog as changed, so every catalog ETag and cached catalog answer changes with it.

    The remembered version is forgotten now, for the rest of this transaction,
    and again once it commits: a reader that cached the old number meanwhile
    must not keep it.
    """
    CatalogVersion.objects.get_or_create(id=1)
    CatalogVersion.objects.filter(id=1).update(number=F("number") + 1, changed_at=timezone.now())
    catalog_version_forget()
    transaction.on_commit(catalog_version_forget)


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
    _sync_disclaimer(content.disclaimer, report)

    # Locked, so that an edit made through the API meanwhile is not lost under this load's version numbers.
    existing = {ex.slug: ex for ex in Exercise.objects.select_for_update()}
    rewritten: list[tuple[Exercise, dict[str, Any]]] = []
    for data in content.exercises:
        exercise = existing.get(data["slug"])
        if exercise is not None and exercise.source_hash == data["source_hash"] and not force:
            report.unchanged.append(data["slug"])
            continue
        (report.updated if exercise is not None else report.created).append(data["slug"])
        exercise = _exercise_write(
            exercise or Exercise(slug=data["slug"]), data, lookups, by=None, via=choices.EditSource.LOAD_CATALOG
        )
        existing[exercise.slug] = exercise
        rewritten.append((exercise, data))

    # Relations point at other exercises, so they are written once all exist.
    ids = {slug: exercise.pk for slug, exercise in existing.items()}
    for exercise, data in rewritten:
        _relations_write(exercise, data["related"], ids)

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


def _sync_disclaimer(disclaimer: dict[str, Any], report: LoadReport) -> None:
    """Create or update the one disclaimer row from `catalog.yaml`."""
    current = CatalogDisclaimer.objects.filter(id=1).first()
    if current is not None and (current.text, current.sources) == (disclaimer["text"], disclaimer["sources"]):
        return
    CatalogDisclaimer.objects.update_or_create(id=1, defaults=disclaimer)
    report.vocabulary_changes.append(f"disclaimer {'updated' if current is not None else 'created'}")


def _exercise_write(
    exercise: Exercise, data: dict[str, Any], lookups: dict[str, dict], *, by: AbstractBaseUser | None, via: str
) -> Exercise:
    """Write one checked exercise (`content.check_exercise`) and replace all of its child rows.

    Relations are left to `_relations_write`: they may point at exercises not
    written yet. `retired_at` is never touched: only `exercise_retire` and
    staff in the admin change it, so a reload does not bring an exercise back.
    """
    for key in (
        "name", "summary", "description", "difficulty", "position", "technique", "assistance",
        "laterality", "progression_rule", "progress_by_intensity", "cues", "sources", "assumptions", "source_hash",
    ):  # fmt: skip
        setattr(exercise, key, data[key])
    exercise.body_region = lookups["regions"][data["body_region"]]
    exercise.target_intensity_min, exercise.target_intensity_max = data["target_intensity"]
    exercise.content = canonical_content(data)
    created = exercise.pk is None
    if not created:
        exercise.version += 1
    _record_as(exercise, by=by, via=via)
    exercise.save()

    if not created:  # a rewrite replaces every child row
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


def _relations_write(exercise: Exercise, related: list[dict[str, Any]], ids: dict[str, int]) -> None:
    """Replace an exercise's links to other exercises; `ids` maps every slug `related` names to its row id."""
    exercise.relations.all().delete()
    ExerciseRelation.objects.bulk_create(
        ExerciseRelation(from_exercise=exercise, to_exercise_id=ids[rel["exercise"]], relation=rel["relation"])
        for rel in related
    )


def _record_as(exercise: Exercise, *, by: AbstractBaseUser | None, via: str) -> None:
    """Tell django-simple-history who makes the next save and through what.

    Set explicitly rather than left to its middleware: a bearer-token request
    is authenticated by DRF inside the view, and load_catalog has no request.
    """
    exercise._history_user = by if by is not None and by.is_authenticated else None
    exercise._change_reason = via


# Editing through the API.


def _check_if_match(exercise: Exercise, if_match: str | None) -> None:
    """The client must hold the exercise's current version: `If-Match` names it (428 without, 412 when stale).

    Any strong ETag that carries the exercise's tag (`Exercise.tag`) matches,
    whatever else it says: the detail ETag also carries the catalog version,
    and a change elsewhere in the catalog does not make an edit of this
    exercise stale. `*` matches whatever the version.
    """
    mine = re.compile(rf"(?<![\w-]){re.escape(exercise.tag)}(?!\w)")
    require_current(if_match, is_current=lambda tag: tag.startswith('"') and bool(mine.search(tag)), noun="exercise")


def _check_new_content(
    content: Any, *, where: str, lookups: dict[str, dict], ids: dict[str, int], extra: list[Problem]
) -> dict[str, Any]:
    """`check_exercise` against the database's vocabularies and exercises, plus the caller's own problems."""
    issues = list(extra)
    try:
        data = check_exercise(content, catalog_vocabularies(lookups), where, exercises=set(ids))
    except ContentError as exc:
        issues = [*exc.issues, *issues]
    if issues:
        raise ContentError(issues)
    return data


@transaction.atomic
def exercise_create(*, content: dict[str, Any], by: AbstractBaseUser | None = None) -> Exercise:
    """Add an exercise from content in the data-file shape, checked by the rules load_catalog applies.

    Raises ContentError naming each offending field (a taken slug included);
    nothing is stored then. The exercise has no data file behind it
    (`source_hash` empty), so load_catalog leaves it alone until a file of the
    same slug appears.
    """
    lookups = vocabulary_lookups()
    ids = dict(Exercise.objects.values_list("slug", "pk"))
    slug = content.get("slug").strip() if isinstance(content.get("slug"), str) else None
    where = f"exercise '{slug}'"
    taken = Problem(where, "slug", "slug_taken", f"'{slug}' is already the slug of an exercise")
    data = _check_new_content(content, where=where, lookups=lookups, ids=ids, extra=[taken] if slug in ids else [])
    data["source_hash"] = ""
    try:
        with transaction.atomic():
            exercise = _exercise_write(Exercise(slug=data["slug"]), data, lookups, by=by, via=choices.EditSource.API)
    except IntegrityError:
        if not Exercise.objects.filter(slug=data["slug"]).exists():
            raise
        raise ContentError([taken]) from None  # created by someone else since `ids` was read
    _relations_write(exercise, data["related"], ids)
    catalog_version_bump()
    return exercise


@transaction.atomic
def exercise_update(
    *, exercise: Exercise, changes: dict[str, Any], if_match: str | None, by: AbstractBaseUser | None = None
) -> Exercise:
    """Change an exercise: `changes` is a JSON merge patch (RFC 7396) of its content in the data-file shape.

    The exercise's current content is rebuilt from its rows, the patch merged
    into it (mappings merge, lists and values replace, null removes), and the
    whole result checked by the rules load_catalog applies. The slug cannot
    change: clients and logged holds name the exercise by it. A patch that
    changes nothing writes nothing (same version, no history record).
    """
    locked = Exercise.objects.select_for_update().get(pk=exercise.pk)
    _check_if_match(locked, if_match)
    current = exercise_as_content(exercise_detail().get(pk=locked.pk))
    merged = merge_patch(current, changes)
    lookups = vocabulary_lookups()
    ids = dict(Exercise.objects.values_list("slug", "pk"))
    where = f"exercise '{locked.slug}'"
    renamed = []
    if isinstance(merged.get("slug"), str) and merged["slug"].strip() not in ("", locked.slug):
        renamed.append(
            Problem(where, "slug", "slug_immutable", f"cannot change: this exercise is '{locked.slug}' for good")
        )
    data = _check_new_content(merged, where=where, lookups=lookups, ids=ids, extra=renamed)
    if canonical_content(data) == current:
        return locked
    data["source_hash"] = locked.source_hash  # load_catalog rewrites it only when its file changes
    _exercise_write(locked, data, lookups, by=by, via=choices.EditSource.API)
    _relations_write(locked, data["related"], ids)
    catalog_version_bump()
    return locked


@transaction.atomic
def exercise_retire(
    *, exercise: Exercise, by: AbstractBaseUser | None = None, via: str = choices.EditSource.API
) -> Exercise:
    """Take an exercise out of the public list, for good; its slug keeps answering.

    Logged holds keep pointing at it (the database refuses to delete an
    exercise they use), and a phone that still knows it can read and plan it.
    Retiring a retired exercise changes nothing.
    """
    locked = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if locked.retired_at is not None:
        return locked
    locked.retired_at = timezone.now()
    locked.version += 1
    _record_as(locked, by=by, via=via)
    locked.save(update_fields=["retired_at", "version", "updated_at"])
    catalog_version_bump()
    return locked


@transaction.atomic
def exercise_edited_in_admin(
    *, exercise: Exercise, created: bool, retirement_changed: bool, by: AbstractBaseUser | None
) -> None:
    """Record an edit the admin made to an exercise's row and inlines, as `_exercise_write` would.

    The admin saves the row, then its inlines; only then is the whole content
    known, and checked: ContentError when it breaks a catalog rule. The admin
    skips history on a change's first save, and this records the new version
    once everything is written, unless neither the content nor `retired_at`
    (the only field outside the content) changed. A new exercise keeps its
    creation record, completed with its content.
    """
    locked = Exercise.objects.select_for_update().get(pk=exercise.pk)
    content = exercise_as_content(exercise_detail().get(pk=locked.pk))
    # The admin checks each form and inline alone; the whole content must pass the
    # rules load_catalog and the API apply (a muscle, steps, a stop sign, PNF
    # timings for a PNF stretch, …). ContentError undoes the admin's whole save.
    ids = dict(Exercise.objects.values_list("slug", "pk"))
    _check_new_content(content, where=f"exercise '{locked.slug}'", lookups=vocabulary_lookups(), ids=ids, extra=[])
    if created:
        Exercise.objects.filter(pk=locked.pk).update(content=content)
        locked.history.filter(history_type="+").update(content=content, history_change_reason=choices.EditSource.ADMIN)
        return
    if not retirement_changed and content == locked.content:
        return
    locked.content = content
    locked.version += 1
    _record_as(locked, by=by, via=choices.EditSource.ADMIN)
    locked.save()
