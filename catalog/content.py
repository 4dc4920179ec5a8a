"""Reading and validating the catalog's data files (`catalog/data/`).

This module only reads: it turns the YAML files into plain, fully checked
Python structures, or refuses them with `ContentError`s that name the file,
the exercise and the field. Writing them to the database is
`services.catalog_load`'s job. The format is described in
`catalog/data/README.md`.

The rules for one exercise live in `check_exercise`, which works on a plain
dict: the loader feeds it each file, and the API (`services.exercise_create`,
`services.exercise_update`) feeds it a JSON body of the same shape, so a rule
added here holds for both. `canonical_content` turns a checked exercise back
into that shape, in a stable order: it is what an exercise's history records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stretchapi.errors import FieldProblem, InvalidData

from . import choices, rules
from .models import (
    HOLD_SECONDS,
    HOLDS_PER_SIDE,
    INTENSITY,
    NAME_MAX_LENGTH,
    PNF_ASSISTED_HOLD_SECONDS,
    PNF_PHASE_SECONDS,
    POSITION,
    REPETITIONS,
    REST_SECONDS,
    SLUG_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
)

FORMAT_VERSION = 1
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOG_FILE = "catalog.yaml"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PHASE_ORDER = [choices.StepPhase.SETUP, choices.StepPhase.EXECUTION, choices.StepPhase.RELEASE]


@dataclass(frozen=True)
class Problem:
    """One reason content is refused: where (file or exercise), which field, a stable code, and why."""

    where: str
    field: str | None
    code: str
    message: str

    def __str__(self) -> str:
        if self.field is None:
            return f"{self.where}: {self.message}"
        return f"{self.where}: field '{self.field}': {self.message}"


class ContentError(InvalidData):
    """Content that cannot be stored: the domain's `InvalidData`, which also says where each problem was found.

    `issues` are the `Problem`s (where, field, code, message) the loader and
    the admin show; `lines` the same, one string each (`str(exc)` joins them);
    `problems` the same as `FieldProblem`s, whose `field` is a path such as
    `doses[0].hold_seconds`: the API turns them into its `errors` list.
    """

    def __init__(self, issues: Iterable[Problem]):
        self.issues = list(issues)
        self.lines = [str(issue) for issue in self.issues]
        super().__init__(FieldProblem(issue.field, issue.code, issue.message) for issue in self.issues)
        self.detail = "\n".join(self.lines)
        self.args = (self.detail,)


@dataclass
class Vocabularies:
    body_regions: list[dict[str, Any]]
    muscles: list[dict[str, Any]]
    equipment: list[dict[str, Any]]
    stop_signs: list[dict[str, Any]]
    contraindications: list[dict[str, Any]]

    def slugs(self, kind: str) -> set[str]:
        return {item["slug"] for item in getattr(self, kind)}


@dataclass
class CatalogContent:
    vocabularies: Vocabularies
    disclaimer: dict[str, Any] = field(default_factory=dict)
    exercises: list[dict[str, Any]] = field(default_factory=list)


class _Checker:
    """Collects problems for one file or request body, each prefixed with where it was found."""

    def __init__(self, where: str):
        self.where = where
        self.issues: list[Problem] = []

    def fail(self, path: str | None, message: str, code: str = "invalid") -> None:
        self.issues.append(Problem(self.where, path, code, message))

    def require(self, data: dict, key: str, kind: type | tuple, path: str) -> Any:
        if key not in data:
            self.fail(path, "is required", "required")
            return None
        value = data[key]
        if kind is str and isinstance(value, str):
            return self.text(value, path)
        # bool is an int in Python; a YAML `yes` must not pass for a number.
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        self.fail(path, f"must be {_kind_name(kind)}, got {_type_name(value)}", "invalid_type")
        return None

    def text(self, value: str, path: str) -> str | None:
        if not value.strip():
            self.fail(path, "must not be empty", "blank")
            return None
        return value.strip()

    def max_length(self, value: str | None, path: str, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.fail(path, f"is {len(value)} characters; at most {limit}", "max_length")

    def optional(self, data: dict, key: str, kind: type | tuple, path: str, default: Any) -> Any:
        """Absent, null, or for text an empty string: the default."""
        if key not in data or data[key] is None or (kind is str and data[key] == ""):
            return default
        return self.require(data, key, kind, path)

    def choice(self, data: dict, key: str, allowed: list[str], path: str) -> str | None:
        value = self.require(data, key, str, path)
        if value is not None and value not in allowed:
            self.fail(path, f"'{value}' is not one of: {', '.join(allowed)}", "invalid_choice")
            return None
        return value

    def int_range(self, data: dict, key: str, path: str, bounds: tuple[int, int]) -> tuple[int, int] | None:
        value = self.require(data, key, dict, path)
        if value is None:
            return None
        self.unknown_keys(value, {"min", "max"}, path)
        lo = self.bounded_int(value, "min", f"{path}.min", bounds)
        hi = self.bounded_int(value, "max", f"{path}.max", bounds)
        if lo is None or hi is None:
            return None
        if lo > hi:
            self.fail(path, f"min ({lo}) must not be greater than max ({hi})", "min_above_max")
            return None
        return lo, hi

    def bounded_int(self, data: dict, key: str, path: str, bounds: tuple[int, int]) -> int | None:
        low, high = bounds
        value = self.require(data, key, int, path)
        if value is not None and not low <= value <= high:
            self.fail(path, f"{value} is outside {low}–{high}", "out_of_range")
            return None
        return value

    def slug_list(self, data: dict, key: str, path: str, known: set[str], *, min_items: int = 0) -> list[str]:
        values = self.optional(data, key, list, path, default=[])
        if values is None:
            return []
        if len(values) < min_items:
            self.fail(path, f"needs at least {min_items} item(s)", "too_few")
        out = []
        for i, value in enumerate(values):
            if not isinstance(value, str):
                self.fail(f"{path}[{i}]", "must be a slug string", "invalid_type")
            elif value not in known:
                self.fail(f"{path}[{i}]", f"unknown slug '{value}'", "unknown_slug")
            elif value in out:
                self.fail(f"{path}[{i}]", f"'{value}' is listed twice", "duplicate")
            else:
                out.append(value)
        return out

    def text_list(self, data: dict, key: str, path: str) -> list[str]:
        values = self.optional(data, key, list, path, default=[])
        self.max_items(values, path)
        out = []
        for i, value in enumerate(values or []):
            if not isinstance(value, str) or not value.strip():
                self.fail(
                    f"{path}[{i}]", "must be a non-empty string", "blank" if isinstance(value, str) else "invalid_type"
                )
            elif (text := self.text(value, f"{path}[{i}]")) is not None:
                out.append(text)
        return out

    def max_items(self, values: list | None, path: str, limit: int = POSITION[1]) -> None:
        """Ordered lists are numbered 1…limit in the database."""
        if values is not None and len(values) > limit:
            self.fail(path, f"has {len(values)} items; at most {limit}", "too_many")

    def unknown_keys(self, data: dict, allowed: set[str], path: str) -> None:
        for key in sorted(str(k) for k in data if k not in allowed):
            self.fail(f"{path}.{key}" if path else key, "is not a known field", "unknown_field")


def _kind_name(kind: type | tuple) -> str:
    names = {str: "a string", int: "a whole number", dict: "a mapping", list: "a list", bool: "true or false"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _type_name(value: Any) -> str:
    """The value's type in the words of the format (YAML/JSON), not Python's."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a whole number", float: "a decimal number", str: "a string",
            dict: "a mapping", list: "a list"}.get(type(value), type(value).__name__)  # fmt: skip


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ContentError([Problem(path.name, None, "invalid_yaml", f"not valid YAML: {exc}")]) from exc
    except OSError as exc:
        raise ContentError([Problem(path.name, None, "unreadable", f"cannot be read: {exc}")]) from exc


def _not_a_mapping(where: str) -> ContentError:
    return ContentError([Problem(where, None, "invalid_type", "must be a mapping at the top level")])


VOCABULARY_KINDS = {
    "body_regions": {"slug", "name"},
    "muscles": {"slug", "name", "region"},
    "equipment": {"slug", "name", "description"},
    "stop_signs": {"slug", "name", "description", "severity"},
    "contraindications": {"slug", "name", "description"},
}


def parse_vocabularies(path: Path) -> Vocabularies:
    data = _read_yaml(path)
    check = _Checker(path.name)
    if not isinstance(data, dict):
        raise _not_a_mapping(path.name)
    check.unknown_keys(data, {"format_version", *VOCABULARY_KINDS}, "")
    if data.get("format_version") != FORMAT_VERSION:
        check.fail("format_version", f"must be {FORMAT_VERSION}", "invalid_version")
    parsed: dict[str, list[dict]] = {}
    for kind, keys in VOCABULARY_KINDS.items():
        items = check.require(data, kind, list, kind) or []
        seen: set[str] = set()
        parsed[kind] = []
        for i, item in enumerate(items):
            path_i = f"{kind}[{i}]"
            if not isinstance(item, dict):
                check.fail(path_i, "must be a mapping", "invalid_type")
                continue
            check.unknown_keys(item, keys, path_i)
            slug = check.require(item, "slug", str, f"{path_i}.slug")
            if slug is not None and not SLUG_RE.match(slug):
                check.fail(f"{path_i}.slug", f"'{slug}' is not a lowercase-hyphenated slug", "invalid_slug")
            elif slug in seen:
                check.fail(f"{path_i}.slug", f"'{slug}' is defined twice", "duplicate")
            seen.add(slug)
            row = {"slug": slug, "name": check.require(item, "name", str, f"{path_i}.name")}
            if "description" in keys:
                row["description"] = check.optional(item, "description", str, f"{path_i}.description", "")
            if kind == "muscles":
                row["region"] = check.require(item, "region", str, f"{path_i}.region")
            if kind == "stop_signs":
                row["severity"] = check.choice(item, "severity", choices.StopSeverity.values, f"{path_i}.severity")
            parsed[kind].append(row)
    regions = {r["slug"] for r in parsed["body_regions"]}
    for i, muscle in enumerate(parsed["muscles"]):
        if muscle["region"] is not None and muscle["region"] not in regions:
            check.fail(f"muscles[{i}].region", f"unknown body region '{muscle['region']}'", "unknown_slug")
    if check.issues:
        raise ContentError(check.issues)
    return Vocabularies(**parsed)


def parse_catalog_file(path: Path) -> dict[str, Any]:
    """The catalog-wide texts (`catalog.yaml`): the medical disclaimer and where it comes from."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise _not_a_mapping(path.name)
    check = _Checker(path.name)
    check.unknown_keys(data, {"format_version", "disclaimer", "sources"}, "")
    if data.get("format_version") != FORMAT_VERSION:
        check.fail("format_version", f"must be {FORMAT_VERSION}", "invalid_version")
    parsed = {
        "text": check.require(data, "disclaimer", str, "disclaimer"),
        "sources": check.text_list(data, "sources", "sources"),
    }
    if check.issues:
        raise ContentError(check.issues)
    return parsed


EXERCISE_KEYS = {
    "format_version", "slug", "name", "summary", "description", "difficulty", "position", "technique",
    "assistance", "laterality", "body_region", "primary_muscles", "secondary_muscles", "equipment",
    "target_intensity", "progression_rule", "progress_by_intensity", "use_cases", "stop_signs", "contraindications",
    "steps", "tips", "common_mistakes", "faq", "doses", "pnf", "cues", "related", "sources", "assumptions",
}  # fmt: skip


def parse_exercise(path: Path, vocab: Vocabularies, exercises: set[str] | None = None) -> dict[str, Any]:
    """Parse and check one exercise file: `check_exercise`, plus what only a file has.

    A file must state its `format_version` and be named after its slug.
    `exercises` are the slugs that `related` may name (every file of the folder).
    """
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise _not_a_mapping(path.name)
    slug = data.get("slug") if isinstance(data.get("slug"), str) else path.stem
    where = f"{path.name} (exercise '{slug}')"
    issues = []
    if "format_version" not in data:
        issues.append(Problem(where, "format_version", "invalid_version", f"must be {FORMAT_VERSION}"))
    if isinstance(data.get("slug"), str) and data["slug"].strip() not in ("", path.stem):
        issues.append(
            Problem(where, "slug", "slug_mismatch", f"'{data['slug'].strip()}' must equal the file name '{path.stem}'")
        )
    try:
        exercise = check_exercise(data, vocab, where, exercises=exercises)
    except ContentError as exc:
        issues.extend(exc.issues)
    if issues:
        raise ContentError(issues)
    return exercise


def check_exercise(data: Any, vocab: Vocabularies, where: str, *, exercises: set[str] | None = None) -> dict[str, Any]:
    """Check one exercise, in the data-file shape, against the rules and the vocabularies.

    Returns the parsed exercise (ranges as `(min, max)` tuples, equipment split
    into `equipment_required`/`equipment_optional`, `source_hash` set), or
    raises one ContentError listing every problem with its field path.
    `exercises` are the slugs `related` may name; None skips that check (the
    caller checks relations once it knows every exercise). `format_version`
    may be left out here; when given it must be the current one.
    """
    if not isinstance(data, dict):
        raise _not_a_mapping(where)
    unstorable = list(_unstorable_text(data, ""))
    if unstorable:  # reported alone: other messages would quote the text
        raise ContentError(
            [
                Problem(where, path or None, "invalid_text", "must be text without NUL characters or lone surrogates")
                for path in unstorable
            ]
        )
    check = _Checker(where)
    check.unknown_keys(data, EXERCISE_KEYS, "")
    if "format_version" in data and data["format_version"] != FORMAT_VERSION:
        check.fail("format_version", f"must be {FORMAT_VERSION}", "invalid_version")
    ex: dict[str, Any] = {"slug": check.require(data, "slug", str, "slug")}
    if ex["slug"] is not None and not SLUG_RE.match(ex["slug"]):
        check.fail("slug", f"'{ex['slug']}' is not a lowercase-hyphenated slug", "invalid_slug")
    check.max_length(ex["slug"], "slug", SLUG_MAX_LENGTH)
    for key in ("name", "summary", "description", "progression_rule"):
        ex[key] = check.require(data, key, str, key)
    check.max_length(ex["name"], "name", NAME_MAX_LENGTH)
    check.max_length(ex["summary"], "summary", SUMMARY_MAX_LENGTH)
    ex["difficulty"] = check.choice(data, "difficulty", choices.Difficulty.values, "difficulty")
    ex["position"] = check.choice(data, "position", choices.Position.values, "position")
    ex["technique"] = check.choice(data, "technique", choices.Technique.values, "technique")
    ex["assistance"] = check.choice(data, "assistance", choices.Assistance.values, "assistance")
    ex["laterality"] = check.choice(data, "laterality", choices.Laterality.values, "laterality")
    ex["body_region"] = check.choice(data, "body_region", sorted(vocab.slugs("body_regions")), "body_region")

    muscles = vocab.slugs("muscles")
    ex["primary_muscles"] = check.slug_list(data, "primary_muscles", "primary_muscles", muscles, min_items=1)
    ex["secondary_muscles"] = check.slug_list(data, "secondary_muscles", "secondary_muscles", muscles)
    for overlap in sorted(set(ex["primary_muscles"]) & set(ex["secondary_muscles"])):
        check.fail("secondary_muscles", f"'{overlap}' is already a primary muscle", "overlap")

    equipment = check.optional(data, "equipment", dict, "equipment", default={}) or {}
    check.unknown_keys(equipment, {"required", "optional"}, "equipment")
    known_equipment = vocab.slugs("equipment")
    ex["equipment_required"] = check.slug_list(equipment, "required", "equipment.required", known_equipment)
    ex["equipment_optional"] = check.slug_list(equipment, "optional", "equipment.optional", known_equipment)
    for overlap in sorted(set(ex["equipment_required"]) & set(ex["equipment_optional"])):
        check.fail("equipment.optional", f"'{overlap}' is already required", "overlap")
    if ex["assistance"] == choices.Assistance.PARTNER and "partner" not in ex["equipment_required"]:
        check.fail("equipment.required", "a partner-assisted exercise must require 'partner'", "partner_required")

    intensity = check.int_range(data, "target_intensity", "target_intensity", INTENSITY)
    ex["target_intensity"] = intensity
    ex["progress_by_intensity"] = check.optional(
        data, "progress_by_intensity", bool, "progress_by_intensity", default=True
    )
    ex["use_cases"] = check.slug_list(data, "use_cases", "use_cases", set(choices.UseCase.values), min_items=1)
    ex["stop_signs"] = check.slug_list(data, "stop_signs", "stop_signs", vocab.slugs("stop_signs"), min_items=1)
    ex["contraindications"] = check.slug_list(
        data, "contraindications", "contraindications", vocab.slugs("contraindications")
    )
    ex["steps"] = _parse_steps(check, data)
    ex["tips"] = check.text_list(data, "tips", "tips")
    ex["common_mistakes"] = check.text_list(data, "common_mistakes", "common_mistakes")
    ex["faq"] = _parse_faq(check, data)
    ex["doses"] = _parse_doses(check, data, intensity)
    ex["pnf"] = _parse_pnf(check, data, ex["technique"])
    _check_pnf_doses(check, ex["doses"], ex["pnf"])
    ex["cues"] = _parse_cues(check, data, ex["technique"])
    ex["related"] = _parse_related(check, data)
    if exercises is not None:
        _check_related(check, ex["slug"], ex["related"], exercises)
    ex["sources"] = check.text_list(data, "sources", "sources")
    ex["assumptions"] = check.optional(data, "assumptions", str, "assumptions", default="") or ""
    if check.issues:
        raise ContentError(check.issues)
    ex["source_hash"] = content_hash(ex)
    ex["_where"] = check.where
    return ex


def _unstorable_text(value: Any, path: str) -> Iterator[str]:
    """Paths of strings the database cannot store (NUL) or UTF-8 cannot encode (lone surrogates, from JSON)."""
    if isinstance(value, str):
        if "\x00" in value or not _encodable(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and ("\x00" in key or not _encodable(key)):
                yield path  # the key itself cannot be named in a message
                continue
            yield from _unstorable_text(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _unstorable_text(item, f"{path}[{i}]")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_steps(check: _Checker, data: dict) -> list[dict]:
    steps = check.require(data, "steps", list, "steps") or []
    if data.get("steps") is not None and not steps and isinstance(data["steps"], list):
        check.fail("steps", "needs at least one step", "too_few")
    check.max_items(steps, "steps")
    out, last_phase = [], 0
    for i, step in enumerate(steps):
        path = f"steps[{i}]"
        if not isinstance(step, dict):
            check.fail(path, "must be a mapping", "invalid_type")
            continue
        check.unknown_keys(step, {"phase", "instruction", "checkpoint"}, path)
        phase = check.choice(step, "phase", choices.StepPhase.values, f"{path}.phase")
        if phase is not None:
            order = PHASE_ORDER.index(phase)
            if order < last_phase:
                check.fail(f"{path}.phase", f"'{phase}' comes after a '{PHASE_ORDER[last_phase]}' step", "phase_order")
            last_phase = max(last_phase, order)
        out.append(
            {
                "phase": phase,
                "instruction": check.require(step, "instruction", str, f"{path}.instruction"),
                "checkpoint": check.optional(step, "checkpoint", str, f"{path}.checkpoint", default="") or "",
            }
        )
    return out


def _parse_faq(check: _Checker, data: dict) -> list[dict]:
    out = []
    entries = check.optional(data, "faq", list, "faq", default=[]) or []
    check.max_items(entries, "faq")
    for i, entry in enumerate(entries):
        path = f"faq[{i}]"
        if not isinstance(entry, dict):
            check.fail(path, "must be a mapping", "invalid_type")
            continue
        check.unknown_keys(entry, {"question", "answer"}, path)
        out.append(
            {
                "question": check.require(entry, "question", str, f"{path}.question"),
                "answer": check.require(entry, "answer", str, f"{path}.answer"),
            }
        )
    return out


def _parse_doses(check: _Checker, data: dict, intensity: tuple[int, int] | None) -> list[dict]:
    doses = check.require(data, "doses", list, "doses") or []
    if data.get("doses") is not None and not doses and isinstance(data["doses"], list):
        check.fail("doses", "needs at least one dose", "too_few")
    out, goals = [], set()
    for i, dose in enumerate(doses):
        path = f"doses[{i}]"
        if not isinstance(dose, dict):
            check.fail(path, "must be a mapping", "invalid_type")
            continue
        check.unknown_keys(dose, {"goal", "holds_per_side", "hold_seconds", "rest_seconds", "intensity_cap"}, path)
        goal = check.choice(dose, "goal", choices.Goal.values, f"{path}.goal")
        if goal is not None and goal in goals:
            check.fail(f"{path}.goal", f"'{goal}' has a dose already", "duplicate")
        goals.add(goal)
        holds = check.int_range(dose, "holds_per_side", f"{path}.holds_per_side", HOLDS_PER_SIDE)
        seconds = check.int_range(dose, "hold_seconds", f"{path}.hold_seconds", HOLD_SECONDS)
        rest = check.bounded_int(dose, "rest_seconds", f"{path}.rest_seconds", REST_SECONDS)
        cap = check.bounded_int(dose, "intensity_cap", f"{path}.intensity_cap", INTENSITY)
        if cap is not None and intensity is not None and cap > intensity[1]:
            check.fail(
                f"{path}.intensity_cap",
                f"{cap} is above the target intensity maximum ({intensity[1]})",
                "above_target_max",
            )
        out.append(
            {"goal": goal, "holds_per_side": holds, "hold_seconds": seconds, "rest_seconds": rest, "intensity_cap": cap}
        )
    return out


PNF_RANGES = {
    "contract_seconds": PNF_PHASE_SECONDS,
    "relax_seconds": PNF_PHASE_SECONDS,
    "assisted_hold_seconds": PNF_ASSISTED_HOLD_SECONDS,
    "repetitions_per_side": REPETITIONS,
}


def _parse_pnf(check: _Checker, data: dict, technique: str | None) -> dict | None:
    is_pnf = technique == choices.Technique.PNF_CONTRACT_RELAX
    if "pnf" not in data or data["pnf"] is None:
        if is_pnf:
            check.fail("pnf", "is required for a PNF exercise", "required")
        return None
    if not is_pnf:
        check.fail("pnf", f"is only for PNF exercises, this one is '{technique}'", "not_allowed")
        return None
    pnf = check.require(data, "pnf", dict, "pnf")
    if pnf is None:
        return None
    check.unknown_keys(pnf, {*PNF_RANGES, "rest_seconds"}, "pnf")
    out = {key: check.int_range(pnf, key, f"pnf.{key}", bounds) for key, bounds in PNF_RANGES.items()}
    out["rest_seconds"] = check.bounded_int(pnf, "rest_seconds", "pnf.rest_seconds", REST_SECONDS)
    return out


def _check_pnf_doses(check: _Checker, doses: list[dict], pnf: dict | None) -> None:
    """A PNF exercise's doses stay inside its protocol: reps and assisted-hold seconds."""
    if not pnf:
        return
    for i, dose in enumerate(doses):
        for dose_key, pnf_key in (
            ("holds_per_side", "repetitions_per_side"),
            ("hold_seconds", "assisted_hold_seconds"),
        ):
            inner, outer = dose.get(dose_key), pnf.get(pnf_key)
            if inner and outer and not (outer[0] <= inner[0] <= inner[1] <= outer[1]):
                check.fail(
                    f"doses[{i}].{dose_key}",
                    f"{inner[0]}–{inner[1]} is outside the PNF protocol's {pnf_key} ({outer[0]}–{outer[1]})",
                    "outside_pnf_protocol",
                )


def _parse_cues(check: _Checker, data: dict, technique: str | None) -> dict[str, str]:
    cues = check.require(data, "cues", dict, "cues") or {}
    needed = [choices.TimerPhase.HOLD, choices.TimerPhase.REST]
    if technique == choices.Technique.PNF_CONTRACT_RELAX:
        needed += [choices.TimerPhase.CONTRACT, choices.TimerPhase.RELAX]
    check.unknown_keys(cues, set(choices.TimerPhase.values), "cues")
    if not isinstance(data.get("cues"), dict):
        return {}
    for phase in needed:
        if phase not in cues:
            check.fail(f"cues.{phase}", "is required", "required")
    out = {}
    for phase in choices.TimerPhase.values:
        if phase in cues:
            out[str(phase)] = cue = check.require(cues, phase, str, f"cues.{phase}")
            if cue is not None:
                _check_cue_template(check, cue, f"cues.{phase}")
    return out


def _check_cue_template(check: _Checker, cue: str, path: str) -> None:
    """A cue may name the plan's intensity window (`rules.CUE_PLACEHOLDERS`), and nothing else, in braces."""
    for name in rules.cue_placeholders(cue):
        if name not in rules.CUE_PLACEHOLDERS:
            known = ", ".join(f"{{{known}}}" for known in rules.CUE_PLACEHOLDERS)
            check.fail(path, f"unknown placeholder '{{{name}}}'; known: {known}", "unknown_placeholder")
    if (problem := rules.cue_brace_problem(cue)) is not None:
        check.fail(path, problem, "unknown_placeholder")


def _parse_related(check: _Checker, data: dict) -> list[dict]:
    out, seen = [], set()
    for i, rel in enumerate(check.optional(data, "related", list, "related", default=[]) or []):
        path = f"related[{i}]"
        if not isinstance(rel, dict):
            check.fail(path, "must be a mapping", "invalid_type")
            continue
        check.unknown_keys(rel, {"exercise", "relation"}, path)
        exercise = check.require(rel, "exercise", str, f"{path}.exercise")
        if exercise is not None and exercise in seen:
            check.fail(f"{path}.exercise", f"'{exercise}' is related twice", "duplicate")
        seen.add(exercise)
        out.append(
            {
                "exercise": exercise,
                "relation": check.choice(rel, "relation", choices.Relation.values, f"{path}.relation"),
                "_path": path,
            }
        )
    return out


def _check_related(check: _Checker, slug: str | None, related: list[dict], exercises: set[str]) -> None:
    for rel in related:
        if rel["exercise"] is None:
            continue
        if rel["exercise"] == slug:
            check.fail(f"{rel['_path']}.exercise", "an exercise cannot relate to itself", "self_relation")
        elif rel["exercise"] not in exercises:
            check.fail(f"{rel['_path']}.exercise", f"unknown exercise '{rel['exercise']}'", "unknown_exercise")


def content_hash(exercise: dict[str, Any]) -> str:
    """A stable hash of an exercise's parsed content (file layout and comments do not count)."""
    public = {k: v for k, v in exercise.items() if not k.startswith("_") and k != "source_hash"}
    public["related"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in exercise.get("related", [])]
    encoded = json.dumps(public, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _range(bounds: tuple[int, int] | list[int]) -> dict[str, int]:
    return {"min": bounds[0], "max": bounds[1]}


def canonical_content(exercise: dict[str, Any]) -> dict[str, Any]:
    """A checked exercise back in the data-file shape, with unordered lists sorted.

    Muscles, equipment, use cases, stop signs, contraindications, doses (by
    goal) and related exercises have no order in the database, so they are
    sorted; steps, tips, mistakes, FAQ and sources keep theirs. Two exercises
    with the same content have equal canonical content, whether it was read
    from a file, sent to the API or rebuilt from the database
    (`selectors.exercise_as_content`): history compares these.
    """
    pnf = exercise["pnf"]
    return {
        **{key: exercise[key] for key in ("slug", "name", "summary", "description", "difficulty", "position",
                                          "technique", "assistance", "laterality", "body_region")},
        "primary_muscles": sorted(exercise["primary_muscles"]),
        "secondary_muscles": sorted(exercise["secondary_muscles"]),
        "equipment": {
            "required": sorted(exercise["equipment_required"]),
            "optional": sorted(exercise["equipment_optional"]),
        },
        "target_intensity": _range(exercise["target_intensity"]),
        "progression_rule": exercise["progression_rule"],
        "progress_by_intensity": exercise["progress_by_intensity"],
        "use_cases": sorted(exercise["use_cases"]),
        "stop_signs": sorted(exercise["stop_signs"]),
        "contraindications": sorted(exercise["contraindications"]),
        "steps": [
            {"phase": s["phase"], "instruction": s["instruction"], "checkpoint": s["checkpoint"]}
            for s in exercise["steps"]
        ],
        "tips": list(exercise["tips"]),
        "common_mistakes": list(exercise["common_mistakes"]),
        "faq": [{"question": f["question"], "answer": f["answer"]} for f in exercise["faq"]],
        "doses": [
            {
                "goal": d["goal"],
                "holds_per_side": _range(d["holds_per_side"]),
                "hold_seconds": _range(d["hold_seconds"]),
                "rest_seconds": d["rest_seconds"],
                "intensity_cap": d["intensity_cap"],
            }
            for d in sorted(exercise["doses"], key=lambda d: d["goal"])
        ],
        "pnf": None if pnf is None else {
            **{key: _range(pnf[key]) for key in PNF_RANGES},
            "rest_seconds": pnf["rest_seconds"],
        },
        "cues": dict(sorted(exercise["cues"].items())),
        "related": [
            {"exercise": r["exercise"], "relation": r["relation"]}
            for r in sorted(exercise["related"], key=lambda r: r["exercise"])
        ],
        "sources": list(exercise["sources"]),
        "assumptions": exercise["assumptions"],
    }  # fmt: skip


def read_catalog(data_dir: Path = DEFAULT_DATA_DIR) -> CatalogContent:
    """Read and check every data file; raise one ContentError listing all problems."""
    vocab = parse_vocabularies(data_dir / "vocabularies.yaml")
    disclaimer = parse_catalog_file(data_dir / CATALOG_FILE)
    issues: list[Problem] = []
    exercises: list[dict] = []
    files = sorted((data_dir / "exercises").glob("*.yaml"))
    if not files:
        issues.append(Problem(str(data_dir / "exercises"), None, "empty", "no exercise files found"))
    # Every file names an exercise, even one that fails its own checks: a
    # link to it is not a second problem.
    known = {path.stem for path in files}
    for path in files:
        try:
            exercises.append(parse_exercise(path, vocab, exercises=known))
        except ContentError as exc:
            issues.extend(exc.issues)
    if issues:
        raise ContentError(issues)
    return CatalogContent(vocabularies=vocab, exercises=exercises, disclaimer=disclaimer)


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON merge patch (RFC 7396): mappings merge key by key, `null` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
