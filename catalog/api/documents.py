"""The exercise list item and detail as plain dicts, from one row of `selectors.exercise_*_rows()`.

`ExerciseListSerializer` and `ExerciseDetailSerializer` describe these answers
(the schema is generated from them) and render the detail after a write; on
the read path, running DRF's nested serializers over a dozen prefetched
relations cost more CPU than the database did. These functions build the same
document, key for key and in the same order, from the JSON rows the selectors
bring in the exercise's own query. `tests/catalog/test_documents.py` holds them
to the serializers' output for every exercise of the catalog.
"""

from __future__ import annotations

from typing import Any

from rest_framework.fields import DateTimeField

from catalog import choices
from catalog.models import Exercise

CUES = ("contract", "relax", "assisted_hold", "hold", "rest")
PNF_RANGES = ("contract_seconds", "relax_seconds", "assisted_hold_seconds")
_DATETIME = DateTimeField()


def _range(row: Any, prefix: str, get=getattr) -> dict[str, int]:
    return {"min": get(row, f"{prefix}_min"), "max": get(row, f"{prefix}_max")}


def _key(row: dict, prefix: str) -> Any:
    return row[prefix]


def exercise_list_item(exercise: Exercise) -> dict[str, Any]:
    """What `ExerciseListSerializer` shows of `exercise` (from `exercise_list_rows()` or `exercise_detail_rows()`)."""
    primary = choices.MuscleRole.PRIMARY
    return {
        "slug": exercise.slug,
        "name": exercise.name,
        "summary": exercise.summary,
        "difficulty": exercise.difficulty,
        "position": exercise.position,
        "technique": exercise.technique,
        "assistance": exercise.assistance,
        "laterality": exercise.laterality,
        "body_region": exercise.body_region.slug,
        "primary_muscles": [row["slug"] for row in exercise.muscle_rows if row["role"] == primary],
        "required_equipment": [row["slug"] for row in exercise.equipment_rows if row["required"]],
        "target_intensity": _range(exercise, "target_intensity"),
        "goals": [row["goal"] for row in exercise.dose_rows],
        "use_cases": [row["use_case"] for row in exercise.use_case_rows],
    }


def exercise_document(exercise: Exercise) -> dict[str, Any]:
    """What `ExerciseDetailSerializer` shows of `exercise` (from `exercise_detail_rows()`)."""
    item = exercise_list_item(exercise)
    pnf = exercise.pnf if exercise.is_pnf and hasattr(exercise, "pnf") else None
    cues = exercise.cues
    return {
        **item,
        "body_region": {"slug": exercise.body_region.slug, "name": exercise.body_region.name},
        "description": exercise.description,
        "muscles": [{"slug": r["slug"], "name": r["name"], "role": r["role"]} for r in exercise.muscle_rows],
        "equipment": [
            {"slug": r["slug"], "name": r["name"], "required": bool(r["required"])} for r in exercise.equipment_rows
        ],
        "progression_rule": exercise.progression_rule,
        "progress_by_intensity": exercise.progress_by_intensity,
        "steps": [
            {
                "position": r["position"],
                "phase": r["phase"],
                "instruction": r["instruction"],
                "checkpoint": r["checkpoint"],
            }
            for r in exercise.step_rows
        ],
        "tips": [r["text"] for r in exercise.tip_rows],
        "common_mistakes": [r["text"] for r in exercise.mistake_rows],
        "faq": [{"question": r["question"], "answer": r["answer"]} for r in exercise.faq_rows],
        "doses": [
            {
                "goal": r["goal"],
                "holds_per_side": _range(r, "holds_per_side", _key),
                "hold_seconds": _range(r, "hold_seconds", _key),
                "rest_seconds": r["rest_seconds"],
                "intensity_cap": r["intensity_cap"],
            }
            for r in exercise.dose_rows
        ],
        "pnf": None
        if pnf is None
        else {
            **{name: _range(pnf, name) for name in PNF_RANGES},
            "rest_seconds": pnf.rest_seconds,
            "repetitions_per_side": _range(pnf, "repetitions_per_side"),
        },
        "stop_signs": [
            {"slug": r["slug"], "name": r["name"], "description": r["description"], "severity": r["severity"]}
            for r in exercise.stop_sign_rows
        ],
        "contraindications": [
            {"slug": r["slug"], "name": r["name"], "description": r["description"]}
            for r in exercise.contraindication_rows
        ],
        "related": [
            {"exercise": r["exercise"], "name": r["name"], "relation": r["relation"]} for r in exercise.relation_rows
        ],
        "cues": None if cues is None else {key: str(cues[key]) for key in CUES if key in cues},
        "sources": None if exercise.sources is None else [str(source) for source in exercise.sources],
        "assumptions": exercise.assumptions,
        "disclaimer": exercise.disclaimer,
        "retired_at": _DATETIME.to_representation(exercise.retired_at),
        "updated_at": _DATETIME.to_representation(exercise.updated_at),
    }
