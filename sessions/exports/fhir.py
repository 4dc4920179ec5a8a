"""FHIR R4 resources for the export datasets, as plain dicts (bulk-data NDJSON: one resource a line).

- sessions → `Procedure` (performedPeriod, status from the outcome, the goal as reasonCode);
- holds → an `Observation` of the perceived intensity (`valueInteger` 0–10, coded
  in this project's code system) and, when rated, one of pain (LOINC 72514-3,
  `valueInteger`), each `partOf` its session's Procedure, the side as `bodySite`
  (SNOMED CT laterality) and the exercise as `method`;
- stop events → an `Observation` whose value is the stop sign, with the pain
  (LOINC 72514-3) and the action taken as components;
- measurements → an `Observation` with `valueQuantity` in UCUM `deg` or `cm`.

People are logical references by identifier — a pseudonym for analysts
(`urn:stretchapi:fhir:client-pseudonym`), the user id for trainers
(`urn:stretchapi:fhir:user-id`) — since no Patient resources are exported.
Codes that no standard provides live in `CODE_SYSTEM` (`urn:stretchapi:fhir:…`).
Ids are the rows' UUIDs, with a suffix where one row makes two resources.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .datasets import SIDE_SNOMED, SIDE_SNOMED_DISPLAY, SNOMED

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CODE_SYSTEM = "urn:stretchapi:fhir:stretch"
EXERCISE_SYSTEM = "urn:stretchapi:fhir:exercise"
STOP_SIGN_SYSTEM = "urn:stretchapi:fhir:stop-sign"
GOAL_SYSTEM = "urn:stretchapi:fhir:goal"
ACTION_SYSTEM = "urn:stretchapi:fhir:stop-action"
PSEUDONYM_SYSTEM = "urn:stretchapi:fhir:client-pseudonym"
TRAINER_PSEUDONYM_SYSTEM = "urn:stretchapi:fhir:trainer-pseudonym"
USER_ID_SYSTEM = "urn:stretchapi:fhir:user-id"

PAIN = {"system": LOINC, "code": "72514-3", "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
INTENSITY = {"system": CODE_SYSTEM, "code": "stretch-intensity", "display": "Perceived stretch intensity (0-10)"}
STOP_EVENT = {"system": CODE_SYSTEM, "code": "stop-event", "display": "Stop sign during a stretch"}
SESSION = {"system": CODE_SYSTEM, "code": "stretching-session", "display": "Stretching session"}
ACTION = {"system": CODE_SYSTEM, "code": "stop-action", "display": "Action taken after a stop sign"}
ZERO_OFFSET = {"system": CODE_SYSTEM, "code": "zero-offset", "display": "Sit-and-reach scale zero offset"}
MEASUREMENT_DISPLAY = {
    "straight_leg_raise": "Straight-leg raise angle",
    "active_knee_extension": "Active knee extension angle",
    "sit_and_reach": "Sit-and-reach distance",
}
PROCEDURE_STATUS = {"completed": "completed", "stopped_early": "stopped"}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY, "code": code}]}]


def _person(row: dict[str, Any], key: str = "client") -> dict[str, Any]:
    value = row[key]
    if isinstance(value, str):  # a pseudonym: the export is for analysts
        system = PSEUDONYM_SYSTEM if key == "client" else TRAINER_PSEUDONYM_SYSTEM
        return {"identifier": {"system": system, "value": value}}
    reference: dict[str, Any] = {"identifier": {"system": USER_ID_SYSTEM, "value": str(value)}}
    if key == "client" and row.get("client_name"):
        reference["display"] = row["client_name"]
    return reference


def _body_site(side: str | None) -> dict[str, Any]:
    if not side:
        return {}
    coding = {"system": SNOMED, "code": SIDE_SNOMED[side], "display": SIDE_SNOMED_DISPLAY[side]}
    return {"bodySite": {"coding": [coding], "text": side}}


def _part_of(row: dict[str, Any]) -> dict[str, Any]:
    return {"partOf": [{"reference": f"Procedure/{row['session_id']}"}]}


def _note(text: str | None) -> dict[str, Any]:
    return {"note": [{"text": text}]} if text else {}


def session_resources(row: dict[str, Any]) -> list[dict[str, Any]]:
    period = {"start": row["started_at"], **({"end": row["ended_at"]} if row["ended_at"] else {})}
    procedure: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": row["session_id"],
        "status": PROCEDURE_STATUS[row["outcome"]] if row["ended_at"] else "in-progress",
        "code": {"coding": [SESSION], "text": "Stretching session"},
        "subject": _person(row),
        "performedPeriod": period,
        "reasonCode": [{"coding": [{"system": GOAL_SYSTEM, "code": row["goal"]}], "text": row["goal"]}],
        "outcome": {"text": row["outcome"]},
    }
    if row["trainer"] is not None:
        procedure["performer"] = [{"actor": _person(row, "trainer")}]
    procedure.update(_note(row.get("notes")))
    return [procedure]


def _observation(
    row: dict[str, Any], *, id: str, category: str, code: dict[str, Any], effective: str, value: dict[str, Any]
) -> dict[str, Any]:
    """The elements every exported Observation has, in one order."""
    return {
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "category": _category(category),
        "code": {"coding": [code], "text": code["display"]},
        "subject": _person(row),
        **_part_of(row),
        "effectiveDateTime": effective,
        **value,
        **_body_site(row["side"]),
    }  # fmt: skip


def _exercise(slug: str) -> dict[str, Any]:
    return {"method": {"coding": [{"system": EXERCISE_SYSTEM, "code": slug}], "text": slug}}


def _hold_observation(row: dict[str, Any], suffix: str, code: dict[str, Any], value: int) -> dict[str, Any]:
    effective = row["started_at"] or row["session_started_at"]
    observation = _observation(
        row, id=f"{row['hold_id']}-{suffix}", category="survey", code=code, effective=effective,
        value={"valueInteger": value},
    )  # fmt: skip
    return {**observation, **_exercise(row["exercise"])}


def hold_resources(row: dict[str, Any]) -> list[dict[str, Any]]:
    resources = [_hold_observation(row, "intensity", INTENSITY, row["intensity"])]
    if row["pain"] is not None:
        resources.append(_hold_observation(row, "pain", PAIN, row["pain"]))
    return resources


def stop_event_resources(row: dict[str, Any]) -> list[dict[str, Any]]:
    components = [
        {
            "code": {"coding": [ACTION]},
            "valueCodeableConcept": {
                "coding": [{"system": ACTION_SYSTEM, "code": row["action"]}],
                "text": row["action"],
            },
        }
    ]
    if row["pain"] is not None:
        components.insert(0, {"code": {"coding": [PAIN]}, "valueInteger": row["pain"]})
    sign = {"coding": [{"system": STOP_SIGN_SYSTEM, "code": row["kind"]}], "text": row["kind"]}
    observation = _observation(
        row,
        id=row["stop_event_id"],
        category="survey",
        code=STOP_EVENT,
        effective=row["occurred_at"],
        value={"valueCodeableConcept": sign},
    )
    observation.update(
        component=components, **_note(row.get("note")), **(_exercise(row["exercise"]) if row["exercise"] else {})
    )
    return [observation]  # fmt: skip


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def measurement_resources(row: dict[str, Any]) -> list[dict[str, Any]]:
    code = {"system": CODE_SYSTEM, "code": row["kind"], "display": MEASUREMENT_DISPLAY[row["kind"]]}
    observation = _observation(
        row, id=row["measurement_id"], category="exam", code=code, effective=row["measured_at"],
        value={"valueQuantity": _quantity(row["value"], row["unit"])},
    )  # fmt: skip
    if row["zero_offset_cm"] is not None:
        observation["component"] = [
            {"code": {"coding": [ZERO_OFFSET]}, "valueQuantity": _quantity(row["zero_offset_cm"], "cm")}
        ]
    return [observation]


BUILDERS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "sessions": session_resources,
    "holds": hold_resources,
    "stop-events": stop_event_resources,
    "measurements": measurement_resources,
}
