"""The FHIR resources of `fhir`, written by PostgreSQL inside the export's COPY.

Each dataset's resources are `jsonsql` templates over the row of `queries.json_copy_sql`
(the dictionary's columns as JSON values, by name), element for element what the Python
builders of `fhir` make of the same row — which stay the reference, and the path on SQLite;
a test compares the two on PostgreSQL for every dataset and audience. Constant elements
are `fhir`'s own values (codes, systems, `_category`, `_body_site` for each side, …).

`line_sql(dataset, audience)` is one line per row: a row that makes several resources (a
hold with a pain rating) gives them on one COPY line, newline-separated.
"""

from __future__ import annotations

from typing import Any

from stretchapi.jsonsql import choice, compile_json, value, when

from .datasets import DATASETS, SIDE_SNOMED, Recipient
from .fhir import (
    ACTION,
    ACTION_SYSTEM,
    CODE_SYSTEM,
    EXERCISE_SYSTEM,
    GOAL_SYSTEM,
    INTENSITY,
    MEASUREMENT_DISPLAY,
    PAIN,
    PROCEDURE_STATUS,
    PSEUDONYM_SYSTEM,
    SESSION,
    STOP_EVENT,
    STOP_SIGN_SYSTEM,
    TRAINER_PSEUDONYM_SYSTEM,
    USER_ID_SYSTEM,
    ZERO_OFFSET,
    _body_site,
    _category,
    _quantity,
)
from .queries import JSON_ROWS

IN_PROGRESS = "in-progress"


class _Row:
    """The columns of the formatted row, as SQL and as template values of their JSON kind."""

    def __init__(self, dataset: str, audience: Recipient) -> None:
        self.audience = audience
        self.kinds = {c.name: c.json_kind(audience) for c in DATASETS[dataset].columns_for(audience)}

    def sql(self, name: str) -> str:
        if name not in self.kinds:
            raise KeyError(name)
        return f'{JSON_ROWS}."{name}"'

    def __getitem__(self, name: str):
        return value(self.sql(name), self.kinds[name])

    def has(self, name: str) -> bool:
        return name in self.kinds


def _coded(code: dict[str, str]) -> dict[str, Any]:
    return {"coding": [code], "text": code["display"]}


def _concept(system: str, code) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}], "text": code}


def _person(row: _Row, key: str = "client") -> dict[str, Any]:
    if row.audience.pseudonymized:
        system = PSEUDONYM_SYSTEM if key == "client" else TRAINER_PSEUDONYM_SYSTEM
        return {"identifier": {"system": system, "value": row[key]}}
    user_id = value(f"({row.sql(key)})::text", "string")
    reference: dict[str, Any] = {"identifier": {"system": USER_ID_SYSTEM, "value": user_id}}
    if key == "client" and row.has("client_name"):
        reference["display"] = when(f"NULLIF({row.sql('client_name')}, '')", row["client_name"])
    return reference


def _body_sites(row: _Row) -> dict[str, Any]:
    sites = {side: _body_site(side)["bodySite"] for side in SIDE_SNOMED}
    return {"bodySite": when(row.sql("side"), choice(row.sql("side"), sites))}


def _note(row: _Row, name: str) -> dict[str, Any]:
    if not row.has(name):  # analysts' exports have no free text
        return {}
    return {"note": when(f"NULLIF({row.sql(name)}, '')", [{"text": row[name]}])}


def _observation(row: _Row, *, id, category: str, code, effective, value_element: dict[str, Any]) -> dict[str, Any]:
    """`fhir._observation`'s elements, in its order."""
    return {
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "category": _category(category),
        "code": code,
        "subject": _person(row),
        "partOf": [{"reference": value(f"'Procedure/' || {row.sql('session_id')}", "string")}],
        "effectiveDateTime": effective,
        **value_element,
        **_body_sites(row),
    }


def _exercise(row: _Row, name: str = "exercise") -> dict[str, Any]:
    return {"method": _concept(EXERCISE_SYSTEM, row[name])}


def _session(row: _Row) -> list[tuple[str | None, Any]]:
    status = f"CASE WHEN {row.sql('ended_at')} IS NULL THEN '{IN_PROGRESS}' ELSE {row.sql('outcome')} END"
    procedure = {
        "resourceType": "Procedure",
        "id": row["session_id"],
        "status": choice(status, {IN_PROGRESS: IN_PROGRESS, **PROCEDURE_STATUS}),
        "code": {"coding": [SESSION], "text": "Stretching session"},
        "subject": _person(row),
        "performedPeriod": {"start": row["started_at"], "end": when(row.sql("ended_at"), row["ended_at"])},
        "reasonCode": [_concept(GOAL_SYSTEM, row["goal"])],
        "outcome": {"text": row["outcome"]},
        "performer": when(row.sql("trainer"), [{"actor": _person(row, "trainer")}]),
        **_note(row, "notes"),
    }
    return [(None, procedure)]


def _hold(row: _Row) -> list[tuple[str | None, Any]]:
    def observation(suffix: str, code: dict[str, str], name: str) -> dict[str, Any]:
        effective = f"COALESCE({row.sql('started_at')}, {row.sql('session_started_at')})"
        return {
            **_observation(
                row, id=value(f"{row.sql('hold_id')} || '-{suffix}'", "string"), category="survey",
                code=_coded(code), effective=value(effective, "string"), value_element={"valueInteger": row[name]},
            ),
            **_exercise(row),
        }  # fmt: skip

    intensity, pain = observation("intensity", INTENSITY, "intensity"), observation("pain", PAIN, "pain")
    return [(None, intensity), (row.sql("pain"), pain)]


def _stop_event(row: _Row) -> list[tuple[str | None, Any]]:
    components = [
        when(row.sql("pain"), {"code": {"coding": [PAIN]}, "valueInteger": row["pain"]}),
        {"code": {"coding": [ACTION]}, "valueCodeableConcept": _concept(ACTION_SYSTEM, row["action"])},
    ]
    observation = _observation(
        row, id=row["stop_event_id"], category="survey", code=_coded(STOP_EVENT), effective=row["occurred_at"],
        value_element={"valueCodeableConcept": _concept(STOP_SIGN_SYSTEM, row["kind"])},
    )  # fmt: skip
    observation["component"] = components
    observation.update(_note(row, "note"))
    observation["method"] = when(row.sql("exercise"), _concept(EXERCISE_SYSTEM, row["exercise"]))
    return [(None, observation)]


def _measurement(row: _Row) -> list[tuple[str | None, Any]]:
    codes = {
        kind: _coded({"system": CODE_SYSTEM, "code": kind, "display": display})
        for kind, display in MEASUREMENT_DISPLAY.items()
    }
    observation = _observation(
        row, id=row["measurement_id"], category="exam", code=choice(row.sql("kind"), codes),
        effective=row["measured_at"], value_element={"valueQuantity": _quantity(row["value"], row["unit"])},
    )  # fmt: skip
    zero_offset = {"code": {"coding": [ZERO_OFFSET]}, "valueQuantity": _quantity(row["zero_offset_cm"], "cm")}
    observation["component"] = when(row.sql("zero_offset_cm"), [zero_offset])
    return [(None, observation)]


_TEMPLATES = {"sessions": _session, "holds": _hold, "stop-events": _stop_event, "measurements": _measurement}


def line_sql(dataset: str, audience: Recipient) -> tuple[str, list[str]]:
    """The SQL text of one row's resources (newline-separated) and its parameters."""
    pieces, params = [], []
    for guard, template in _TEMPLATES[dataset](_Row(dataset, audience)):
        expression, expression_params = compile_json(template)
        if guard is not None:
            expression = f"COALESCE(CASE WHEN {guard} IS NOT NULL THEN chr(10) || {expression} END, '')"
        pieces.append(f"({expression})")
        params += expression_params
    return " || ".join(pieces), params
