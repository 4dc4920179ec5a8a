"""The exercise list item and detail as plain dicts, from one row of `selectors.exercise_list_values()`
or `selectors.exercise_detail_rows()`.

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

from catalog import choices, selectors
from catalog.models import Exercise

CUES = ("contract", "relax", "assisted_hold", "hold", "rest")
PNF_RANGES = ("contract_seconds", "relax_seconds", "assisted_hold_seconds")
_DATETIME = DateTimeField()
LIST_ROW_ATTRIBUTES = [column for column in selectors.LIST_ITEM_COLUMNS if "__" not in column]


def _range(row: Any, prefix: str, get=getattr) -> dict[str, int]:
    return {"min": get(row, f"{prefix}_min"), "max": get(row, f"{prefix}_max")}


def _key(row: dict, name: str) -> Any:
    return row[name]


def exercise_list_item(row: dict[str, Any]) -> dict[str, Any]:
    """What `ExerciseListSerializer` shows of one row of `exercise_list_values()` (or `_list_row(exercise)`)."""
    primary = choices.MuscleRole.PRIMARY
    return {
        "slug": row["slug"],
        "name": row["name"],
        "summary": row["summary"],
        "difficulty": row["difficulty"],
        "position": row["position"],
        "technique": row["technique"],
        "assistance": row["assistance"],
        "laterality": row["laterality"],
        "body_region": row["body_region__slug"],
        "primary_muscles": [r["slug"] for r in row["muscle_rows"] if r["role"] == primary],
        "required_equipment": [r["slug"] for r in row["equipment_rows"] if r["required"]],
        "target_intensity": _range(row, "target_intensity", _key),
        "goals": [r["goal"] for r in row["dose_rows"]],
        "use_cases": [r["use_case"] for r in row["use_case_rows"]],
    }


def _list_row(exercise: Exercise) -> dict[str, Any]:
    """An exercise of `exercise_detail_rows()` as the row `exercise_list_item` reads."""
    return {
        **{name: getattr(exercise, name) for name in LIST_ROW_ATTRIBUTES},
        "body_region__slug": exercise.body_region.slug,
    }


def exercise_document(exercise: Exercise) -> dict[str, Any]:
    """What `ExerciseDetailSerializer` shows of `exercise` (from `exercise_detail_rows()`)."""
    item = exercise_list_item(_list_row(exercise))
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
