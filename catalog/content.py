"""Reading and validating the catalog's data files (`catalog/data/`).

This module only reads: it turns the YAML files into plain, fully checked
Python structures, or refuses them with `ContentError`s that name the file,
the exercise and the field. Writing them to the database is
`services.catalog_load`'s job. The format is described in
`catalog/data/README.md`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import choices
from .models import (
    HOLD_SECONDS,
    HOLDS_PER_SIDE,
    INTENSITY,
    PNF_ASSISTED_HOLD_SECONDS,
    PNF_PHASE_SECONDS,
    REPETITIONS,
    REST_SECONDS,
)

FORMAT_VERSION = 1
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PHASE_ORDER = [choices.StepPhase.SETUP, choices.StepPhase.EXECUTION, choices.StepPhase.RELEASE]


class ContentError(Exception):
    """A data file that cannot be loaded; the message says where and why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
    exercises: list[dict[str, Any]] = field(default_factory=list)


class _Checker:
    """Collects problems for one file, each prefixed with where it was found."""

    def __init__(self, where: str):
        self.where = where
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{self.where}: field '{path}': {message}")

    def require(self, data: dict, key: str, kind: type | tuple, path: str) -> Any:
        if key not in data:
            self.fail(path, "is required")
            return None
        value = data[key]
        if kind is str and isinstance(value, str):
            if not value.strip():
                self.fail(path, "must not be empty")
                return None
            return value.strip()
        # bool is an int in Python; a YAML `yes` must not pass for a number.
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        self.fail(path, f"must be {_kind_name(kind)}, got {type(value).__name__}")
        return None

    def optional(self, data: dict, key: str, kind: type | tuple, path: str, default: Any) -> Any:
        if key not in data or data[key] is None:
            return default
        return self.require(data, key, kind, path)

    def choice(self, data: dict, key: str, allowed: list[str], path: str) -> str | None:
        value = self.require(data, key, str, path)
        if value is not None and value not in allowed:
            self.fail(path, f"'{value}' is not one of: {', '.join(allowed)}")
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
            self.fail(path, f"min ({lo}) must not be greater than max ({hi})")
            return None
        return lo, hi

    def bounded_int(self, data: dict, key: str, path: str, bounds: tuple[int, int]) -> int | None:
        low, high = bounds
        value = self.require(data, key, int, path)
        if value is not None and not low <= value <= high:
            self.fail(path, f"{value} is outside {low}–{high}")
            return None
        return value

    def slug_list(self, data: dict, key: str, path: str, known: set[str], *, min_items: int = 0) -> list[str]:
        values = self.optional(data, key, list, path, default=[])
        if values is None:
            return []
        if len(values) < min_items:
            self.fail(path, f"needs at least {min_items} item(s)")
        out = []
        for i, value in enumerate(values):
            if not isinstance(value, str):
                self.fail(f"{path}[{i}]", "must be a slug string")
            elif value not in known:
                self.fail(f"{path}[{i}]", f"unknown slug '{value}'")
            elif value in out:
                self.fail(f"{path}[{i}]", f"'{value}' is listed twice")
            else:
                out.append(value)
        return out

    def text_list(self, data: dict, key: str, path: str) -> list[str]:
        values = self.optional(data, key, list, path, default=[])
        out = []
        for i, value in enumerate(values or []):
            if not isinstance(value, str) or not value.strip():
                self.fail(f"{path}[{i}]", "must be a non-empty string")
            else:
                out.append(value.strip())
        return out

    def unknown_keys(self, data: dict, allowed: set[str], path: str) -> None:
        for key in sorted(set(data) - allowed):
            self.fail(f"{path}.{key}" if path else str(key), "is not a known field")


def _kind_name(kind: type | tuple) -> str:
    names = {str: "a string", int: "a whole number", dict: "a mapping", list: "a list"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ContentError([f"{path.name}: not valid YAML: {exc}"]) from exc
    except OSError as exc:
        raise ContentError([f"{path.name}: cannot be read: {exc}"]) from exc


VOCABULARY_KINDS = {
    "body_regions": {"slug", "name"},
    "muscles": {"slug", "name", "region"},
    "equipment": {"slug", "name", "description"},
    "stop_signs": {"slug", "name", "description"},
    "contraindications": {"slug", "name", "description"},
}


def parse_vocabularies(path: Path) -> Vocabularies:
    data = _read_yaml(path)
    check = _Checker(path.name)
    if not isinstance(data, dict):
        raise ContentError([f"{path.name}: must be a mapping at the top level"])
    check.unknown_keys(data, {"format_version", *VOCABULARY_KINDS}, "")
    if data.get("format_version") != FORMAT_VERSION:
        check.fail("format_version", f"must be {FORMAT_VERSION}")
    parsed: dict[str, list[dict]] = {}
    for kind, keys in VOCABULARY_KINDS.items():
        items = check.require(data, kind, list, kind) or []
        seen: set[str] = set()
        parsed[kind] = []
        for i, item in enumerate(items):
            path_i = f"{kind}[{i}]"
            if not isinstance(item, dict):
                check.fail(path_i, "must be a mapping")
                continue
            check.unknown_keys(item, keys, path_i)
            slug = check.require(item, "slug", str, f"{path_i}.slug")
            if slug is not None and not SLUG_RE.match(slug):
                check.fail(f"{path_i}.slug", f"'{slug}' is not a lowercase-hyphenated slug")
            elif slug in seen:
                check.fail(f"{path_i}.slug", f"'{slug}' is defined twice")
            seen.add(slug)
            row = {"slug": slug, "name": check.require(item, "name", str, f"{path_i}.name")}
            if "description" in keys:
                row["description"] = check.optional(item, "description", str, f"{path_i}.description", "")
            if kind == "muscles":
                row["region"] = check.require(item, "region", str, f"{path_i}.region")
            parsed[kind].append(row)
    regions = {r["slug"] for r in parsed["body_regions"]}
    for i, muscle in enumerate(parsed["muscles"]):
        if muscle["region"] is not None and muscle["region"] not in regions:
            check.fail(f"muscles[{i}].region", f"unknown body region '{muscle['region']}'")
    if check.problems:
        raise ContentError(check.problems)
    return Vocabularies(**parsed)


EXERCISE_KEYS = {
    "format_version", "slug", "name", "summary", "description", "difficulty", "position", "technique",
    "assistance", "laterality", "body_region", "primary_muscles", "secondary_muscles", "equipment",
    "target_intensity", "progression_rule", "use_cases", "stop_signs", "contraindications", "steps", "tips",
    "common_mistakes", "faq", "doses", "pnf", "cues", "related", "sources", "assumptions",
}  # fmt: skip


def parse_exercise(path: Path, vocab: Vocabularies) -> dict[str, Any]:
    """Parse and check one exercise file against the vocabularies.

    Relations to other exercises are checked later, once every file is read.
    """
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError([f"{path.name}: must be a mapping at the top level"])
    slug = data.get("slug") if isinstance(data.get("slug"), str) else path.stem
    check = _Checker(f"{path.name} (exercise '{slug}')")
    check.unknown_keys(data, EXERCISE_KEYS, "")
    if data.get("format_version") != FORMAT_VERSION:
        check.fail("format_version", f"must be {FORMAT_VERSION}")
    ex: dict[str, Any] = {"slug": check.require(data, "slug", str, "slug")}
    if ex["slug"] is not None and ex["slug"] != path.stem:
        check.fail("slug", f"'{ex['slug']}' must equal the file name '{path.stem}'")
    if ex["slug"] is not None and not SLUG_RE.match(ex["slug"]):
        check.fail("slug", f"'{ex['slug']}' is not a lowercase-hyphenated slug")
    for key in ("name", "summary", "description", "progression_rule"):
        ex[key] = check.require(data, key, str, key)
    if ex["summary"] is not None and len(ex["summary"]) > 200:
        check.fail("summary", f"is {len(ex['summary'])} characters; at most 200")
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
        check.fail("secondary_muscles", f"'{overlap}' is already a primary muscle")

    equipment = check.optional(data, "equipment", dict, "equipment", default={}) or {}
    check.unknown_keys(equipment, {"required", "optional"}, "equipment")
    known_equipment = vocab.slugs("equipment")
    ex["equipment_required"] = check.slug_list(equipment, "required", "equipment.required", known_equipment)
    ex["equipment_optional"] = check.slug_list(equipment, "optional", "equipment.optional", known_equipment)
    for overlap in sorted(set(ex["equipment_required"]) & set(ex["equipment_optional"])):
        check.fail("equipment.optional", f"'{overlap}' is already required")
    if ex["assistance"] == choices.Assistance.PARTNER and "partner" not in ex["equipment_required"]:
        check.fail("equipment.required", "a partner-assisted exercise must require 'partner'")

    intensity = check.int_range(data, "target_intensity", "target_intensity", INTENSITY)
    ex["target_intensity"] = intensity
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
    ex["sources"] = check.text_list(data, "sources", "sources")
    ex["assumptions"] = check.optional(data, "assumptions", str, "assumptions", default="") or ""
    if check.problems:
        raise ContentError(check.problems)
    ex["source_hash"] = content_hash(ex)
    ex["_where"] = check.where
    return ex


def _parse_steps(check: _Checker, data: dict) -> list[dict]:
    steps = check.require(data, "steps", list, "steps") or []
    if data.get("steps") is not None and not steps:
        check.fail("steps", "needs at least one step")
    out, last_phase = [], 0
    for i, step in enumerate(steps):
        path = f"steps[{i}]"
        if not isinstance(step, dict):
            check.fail(path, "must be a mapping")
            continue
        check.unknown_keys(step, {"phase", "instruction", "checkpoint"}, path)
        phase = check.choice(step, "phase", choices.StepPhase.values, f"{path}.phase")
        if phase is not None:
            order = PHASE_ORDER.index(phase)
            if order < last_phase:
                check.fail(f"{path}.phase", f"'{phase}' comes after a '{PHASE_ORDER[last_phase]}' step")
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
    for i, entry in enumerate(check.optional(data, "faq", list, "faq", default=[]) or []):
        path = f"faq[{i}]"
        if not isinstance(entry, dict):
            check.fail(path, "must be a mapping")
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
    if data.get("doses") is not None and not doses:
        check.fail("doses", "needs at least one dose")
    out, goals = [], set()
    for i, dose in enumerate(doses):
        path = f"doses[{i}]"
        if not isinstance(dose, dict):
            check.fail(path, "must be a mapping")
            continue
        check.unknown_keys(dose, {"goal", "holds_per_side", "hold_seconds", "rest_seconds", "intensity_cap"}, path)
        goal = check.choice(dose, "goal", choices.Goal.values, f"{path}.goal")
        if goal in goals:
            check.fail(f"{path}.goal", f"'{goal}' has a dose already")
        goals.add(goal)
        holds = check.int_range(dose, "holds_per_side", f"{path}.holds_per_side", HOLDS_PER_SIDE)
        seconds = check.int_range(dose, "hold_seconds", f"{path}.hold_seconds", HOLD_SECONDS)
        rest = check.bounded_int(dose, "rest_seconds", f"{path}.rest_seconds", REST_SECONDS)
        cap = check.bounded_int(dose, "intensity_cap", f"{path}.intensity_cap", INTENSITY)
        if cap is not None and intensity is not None and cap > intensity[1]:
            check.fail(f"{path}.intensity_cap", f"{cap} is above the target intensity maximum ({intensity[1]})")
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
            check.fail("pnf", "is required for a PNF exercise")
        return None
    if not is_pnf:
        check.fail("pnf", f"is only for PNF exercises, this one is '{technique}'")
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
                )


def _parse_cues(check: _Checker, data: dict, technique: str | None) -> dict[str, str]:
    cues = check.require(data, "cues", dict, "cues") or {}
    needed = [choices.TimerPhase.HOLD, choices.TimerPhase.REST]
    if technique == choices.Technique.PNF_CONTRACT_RELAX:
        needed += [choices.TimerPhase.CONTRACT, choices.TimerPhase.RELAX]
    check.unknown_keys(cues, set(choices.TimerPhase.values), "cues")
    if data.get("cues") is None:
        return {}
    for phase in needed:
        check.require(cues, phase, str, f"cues.{phase}")
    return {
        str(phase): check.require(cues, phase, str, f"cues.{phase}")
        for phase in choices.TimerPhase.values
        if phase in cues
    }


def _parse_related(check: _Checker, data: dict) -> list[dict]:
    out, seen = [], set()
    for i, rel in enumerate(check.optional(data, "related", list, "related", default=[]) or []):
        path = f"related[{i}]"
        if not isinstance(rel, dict):
            check.fail(path, "must be a mapping")
            continue
        check.unknown_keys(rel, {"exercise", "relation"}, path)
        if rel.get("exercise") in seen:
            check.fail(f"{path}.exercise", f"'{rel['exercise']}' is related twice")
        seen.add(rel.get("exercise"))
        out.append(
            {
                "exercise": check.require(rel, "exercise", str, f"{path}.exercise"),
                "relation": check.choice(rel, "relation", choices.Relation.values, f"{path}.relation"),
                "_path": path,
            }
        )
    return out


def content_hash(exercise: dict[str, Any]) -> str:
    """A stable hash of an exercise's parsed content (file layout and comments do not count)."""
    public = {k: v for k, v in exercise.items() if not k.startswith("_") and k != "source_hash"}
    public["related"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in exercise.get("related", [])]
    encoded = json.dumps(public, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def read_catalog(data_dir: Path = DEFAULT_DATA_DIR) -> CatalogContent:
    """Read and check every data file; raise one ContentError listing all problems."""
    vocab = parse_vocabularies(data_dir / "vocabularies.yaml")
    problems: list[str] = []
    exercises: list[dict] = []
    files = sorted((data_dir / "exercises").glob("*.yaml"))
    if not files:
        problems.append(f"{data_dir / 'exercises'}: no exercise files found")
    for path in files:
        try:
            exercises.append(parse_exercise(path, vocab))
        except ContentError as exc:
            problems.extend(exc.problems)
    # Every file names an exercise, even one that failed its own checks: a
    # link to it is not a second problem.
    known = {path.stem for path in files}
    for ex in exercises:
        for rel in ex["related"]:
            if rel["exercise"] == ex["slug"]:
                problems.append(f"{ex['_where']}: field '{rel['_path']}.exercise': an exercise cannot relate to itself")
            elif rel["exercise"] not in known:
                problems.append(
                    f"{ex['_where']}: field '{rel['_path']}.exercise': unknown exercise '{rel['exercise']}'"
                )
    if problems:
        raise ContentError(problems)
    return CatalogContent(vocabularies=vocab, exercises=exercises)
