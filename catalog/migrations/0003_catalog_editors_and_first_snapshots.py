"""The "Catalog editors" group, and a first content snapshot of every exercise already stored.

The group holds `catalog.edit_catalog`: add a trainer to it (admin → Users) to
let them create, change and retire exercises through the API.

Exercises loaded before 0002 have no `content` snapshot and no history. Each
gets its snapshot, rebuilt from its rows, and one history record to compare
later changes with. The builder is a frozen copy of
`selectors.exercise_as_content` + `content.canonical_content` as they were
when this migration was written, so that later code changes cannot break it.
On an empty database (a fresh install, the tests) there is nothing to do.
"""

from django.db import migrations
from django.utils import timezone

GROUP = "Catalog editors"
PNF_RANGES = ("contract_seconds", "relax_seconds", "assisted_hold_seconds", "repetitions_per_side")


def _range(obj, prefix):
    return {"min": getattr(obj, f"{prefix}_min"), "max": getattr(obj, f"{prefix}_max")}


def _content(exercise):
    muscles = list(exercise.muscle_links.select_related("muscle"))
    equipment = list(exercise.equipment_links.select_related("equipment"))
    pnf = exercise.pnf if hasattr(exercise, "pnf") else None
    return {
        **{key: getattr(exercise, key) for key in ("slug", "name", "summary", "description", "difficulty",
                                                  "position", "technique", "assistance", "laterality")},
        "body_region": exercise.body_region.slug,
        "primary_muscles": sorted(m.muscle.slug for m in muscles if m.role == "primary"),
        "secondary_muscles": sorted(m.muscle.slug for m in muscles if m.role == "secondary"),
        "equipment": {
            "required": sorted(e.equipment.slug for e in equipment if e.required),
            "optional": sorted(e.equipment.slug for e in equipment if not e.required),
        },
        "target_intensity": _range(exercise, "target_intensity"),
        "progression_rule": exercise.progression_rule,
        "use_cases": sorted(link.use_case for link in exercise.use_case_links.all()),
        "stop_signs": sorted(sign.slug for sign in exercise.stop_signs.all()),
        "contraindications": sorted(c.slug for c in exercise.contraindications.all()),
        "steps": [
            {"phase": s.phase, "instruction": s.instruction, "checkpoint": s.checkpoint}
            for s in exercise.steps.order_by("position")
        ],
        "tips": [t.text for t in exercise.tips.order_by("position")],
        "common_mistakes": [m.text for m in exercise.common_mistakes.order_by("position")],
        "faq": [{"question": f.question, "answer": f.answer} for f in exercise.faq_entries.order_by("position")],
        "doses": [
            {
                "goal": d.goal,
                "holds_per_side": _range(d, "holds_per_side"),
                "hold_seconds": _range(d, "hold_seconds"),
                "rest_seconds": d.rest_seconds,
                "intensity_cap": d.intensity_cap,
            }
            for d in exercise.doses.order_by("goal")
        ],
        "pnf": None if pnf is None else {
            **{key: _range(pnf, key) for key in PNF_RANGES},
            "rest_seconds": pnf.rest_seconds,
        },
        "cues": dict(sorted((exercise.cues or {}).items())),
        "related": [
            {"exercise": r.to_exercise.slug, "relation": r.relation}
            for r in sorted(exercise.relations.select_related("to_exercise"), key=lambda r: r.to_exercise.slug)
        ],
        "sources": list(exercise.sources or []),
        "assumptions": exercise.assumptions,
    }  # fmt: skip


def create_editors_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Permissions are normally created after all migrations ran; this one is needed now.
    content_type, _ = ContentType.objects.get_or_create(app_label="catalog", model="exercise")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="edit_catalog", defaults={"name": "Can edit the catalog"}
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


def snapshot_existing_exercises(apps, schema_editor):
    Exercise = apps.get_model("catalog", "Exercise")
    HistoricalExercise = apps.get_model("catalog", "HistoricalExercise")
    tracked = [f.attname for f in HistoricalExercise._meta.concrete_fields if not f.name.startswith("history_")]
    now = timezone.now()
    for exercise in Exercise.objects.select_related("body_region"):
        if exercise.content:
            continue
        exercise.content = _content(exercise)
        exercise.save(update_fields=["content"])
        if not HistoricalExercise.objects.filter(id=exercise.pk).exists():
            HistoricalExercise.objects.create(
                **{name: getattr(exercise, name) for name in tracked},
                history_date=now,
                history_type="+",
                history_change_reason="migration",
            )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0002_exercise_editing_history_and_retirement"),
    ]

    operations = [
        migrations.RunPython(create_editors_group, remove_editors_group),
        migrations.RunPython(snapshot_existing_exercises, migrations.RunPython.noop),
    ]
