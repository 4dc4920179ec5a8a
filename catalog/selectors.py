"""Reads from the catalog.

Each selector returns a queryset that already carries what its serializer
reads, so a list costs a fixed number of queries whatever its length.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
from django.conf import settings
from django.contrib.postgres.aggregates import JSONBAgg
from django.core.cache import caches
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    F,
    JSONField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, JSONObject
from django.utils.module_loading import import_string

from stretchapi.compiled import CompiledQuery

from . import choices, rules
from .content import Vocabularies, canonical_content
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
    Step,
    StopSign,
    Tip,
)

VERSION_CACHE = "catalog"  # an alias of settings.CACHES
VERSION_KEY = "catalog:version"


# Compiled once: the ORM spent more CPU building this one-row query than the database answering it,
# on every uncached catalog read.
_VERSION = CompiledQuery(lambda: CatalogVersion.objects.filter(id=1).values_list("number"))


def catalog_version_number() -> int:
    """The catalog's current version (0 before anything was loaded)."""
    rows = _VERSION.rows()
    return (rows[0][0] if rows else None) or 0


def catalog_version_recent() -> int:
    """The catalog version as this process (or the shared cache) read it at most
    `CATALOG_VERSION_CACHE_SECONDS` ago: what keys the catalog's ETags and cached answers.

    `catalog_version_bump` forgets it at once and again at commit, so the
    process that edits the catalog sees its edit immediately; another process
    with its own in-memory cache sees it within those seconds. 0 turns the
    memory off: every call asks the database.
    """
    seconds = settings.CATALOG_VERSION_CACHE_SECONDS
    if seconds <= 0:
        return catalog_version_number()
    cache = caches[VERSION_CACHE]
    number = cache.get(VERSION_KEY)
    if number is None:
        number = catalog_version_number()
        cache.set(VERSION_KEY, number, seconds)
    return number


def catalog_version_forget() -> None:
    caches[VERSION_CACHE].delete(VERSION_KEY)


def _muscle_links() -> Prefetch:
    return Prefetch(
        "muscle_links",
        queryset=ExerciseMuscle.objects.select_related("muscle").order_by("role", "muscle__name"),
    )


def _equipment_links() -> Prefetch:
    return Prefetch(
        "equipment_links",
        queryset=ExerciseEquipment.objects.select_related("equipment").order_by("-required", "equipment__name"),
    )


def exercise_list() -> QuerySet[Exercise]:
    """Exercises in the public list (retired ones left out), with what the compact list item shows."""
    return (
        Exercise.objects.filter(retired_at__isnull=True)
        .select_related("body_region")
        .prefetch_related(_muscle_links(), _equipment_links(), "doses", "use_case_links")
    )


# One query for an exercise and its rows --------------------------------------------------------
# A page of the list or one detail reads every child table of the exercise: one prefetch query per
# table (11 for the detail). The readers below bring each table's rows in the exercise's own query,
# as a correlated subquery aggregating them into one JSON array of objects, in the order the models'
# `Meta.ordering` gives: on PostgreSQL `JSONB_AGG(… ORDER BY …)`; SQLite's `JSON_GROUP_ARRAY` takes
# no ORDER BY, so its rows carry their sort keys and are sorted as they are read, by code point,
# which is SQLite's own (BINARY) collation.


class _JSONGroupArray(Aggregate):
    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()


class _RowsField(JSONField):
    """A JSON array of row objects; on SQLite sorted by their `_0`, `_1`, … keys as read."""

    def __init__(self, order: list[tuple[str, bool]]):
        self.order = order
        super().__init__()

    def from_db_value(self, value, expression, connection):
        # The database's own JSON text, read by orjson: `json.loads` was a tenth of a list page's CPU.
        rows = [] if value is None else orjson.loads(value)
        if connection.vendor != "postgresql":
            for key, descending in reversed(self.order):
                rows.sort(key=lambda row, key=key: row[key], reverse=descending)
        return rows


def _rows(queryset: QuerySet, parent: str, order_by: list[str], **fields: Any) -> Subquery:
    """The rows of `queryset` whose `parent` is the outer exercise, as a list of dicts of `fields`."""
    order = [(f"_{i}", name.startswith("-")) for i, name in enumerate(order_by)]
    keys = {f"_{i}": F(name.lstrip("-")) for i, name in enumerate(order_by)}
    if connection.vendor == "postgresql":
        ordering = [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in order_by]
        rows = JSONBAgg(JSONObject(**fields), order_by=ordering)
    else:
        rows = _JSONGroupArray(JSONObject(**fields, **keys))
    grouped = queryset.filter(**{parent: OuterRef("pk")}).order_by().values(parent).annotate(rows=rows)
    return _compiled(Subquery(grouped.values("rows")), _RowsField(order))


def _compiled(subquery: Subquery, output_field) -> RawSQL:
    """`subquery` (correlated to the outer exercise) as its SQL text, compiled once.

    The ORM compiles every expression of a query each time the query runs: a dozen JSON
    subqueries cost it more CPU than the database spends on them. Their SQL never changes —
    the outer exercise is always `catalog_exercise`, the base table of every query that
    carries them — so they are compiled here, against a bare exercise query, and go into the
    readers' queries as raw SQL with their parameters.
    """
    outer = Exercise.objects.all().query
    compiler = outer.get_compiler(connection=connection)
    sql, params = compiler.compile(subquery.resolve_expression(outer))
    return RawSQL(sql, tuple(params), output_field=output_field)  # noqa: S611 - the ORM's own SQL, with its parameters


def _list_rows() -> dict[str, Subquery]:
    return {
        "muscle_rows": _rows(
            ExerciseMuscle.objects, "exercise", ["role", "muscle__name"], slug=F("muscle__slug"), role=F("role")
        ),
        "equipment_rows": _rows(
            ExerciseEquipment.objects,
            "exercise",
            ["-required", "equipment__name"],
            slug=F("equipment__slug"),
            required=F("required"),
        ),
        "dose_rows": _rows(
            Dose.objects, "exercise", ["goal"],
            **{name: F(name) for name in ("goal", "holds_per_side_min", "holds_per_side_max", "hold_seconds_min",
                                         "hold_seconds_max", "rest_seconds", "intensity_cap")},
        ),
        "use_case_rows": _rows(ExerciseUseCase.objects, "exercise", ["use_case"], use_case=F("use_case")),
    }  # fmt: skip


_TEMPLATES: dict[tuple[str, str], QuerySet] = {}


def _template(name: str, build) -> QuerySet:
    """A copy of the queryset `build()` returns, built once per process and database vendor.

    Resolving a dozen subquery annotations costs the ORM about 15 ms of CPU, three times what
    the query then costs to compile and run; the annotations never change, so each request
    starts from a copy (`.all()`: the template itself is never evaluated, so it holds no rows).
    """
    key = (name, connection.vendor)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = build()
    return _TEMPLATES[key].all()


def exercise_list_values() -> QuerySet[dict[str, Any]]:
    """`exercise_list()` in one query, as dicts of `LIST_ITEM_COLUMNS`: the rows it prefetches come as
    `muscle_rows`, `equipment_rows`, `dose_rows` and `use_case_rows` (lists of dicts, in the models' order).
    Dicts, not exercises: a page of the list shows the columns as they are read.

    The queryset is marked `whole_list`: `page_with_count` reads a page of it with SQL compiled once.
    A queryset derived from it (filtered, ordered, anything) is a clone, and a clone does not carry
    the mark: it is read through the ORM.
    """
    rows = _template("list", _build_list_values)
    rows.whole_list = True
    return rows


def exercise_detail_rows() -> QuerySet[Exercise]:
    """`exercise_detail()` in one query: every row the detail shows comes as a list of dicts
    (`_list_rows()`, and `muscle_rows`/`equipment_rows` with names), the disclaimer included."""
    return _template("detail", _build_detail_rows)


# What a list item shows of the exercise row itself (`documents.exercise_list_item`): a page of the
# list reads no more, the whole-exercise snapshot (`content`) least of all.
LIST_ITEM_FIELDS = (
    "slug", "name", "summary", "difficulty", "position", "technique", "assistance", "laterality",
    "body_region__slug", "target_intensity_min", "target_intensity_max",
)  # fmt: skip


LIST_ITEM_COLUMNS = (*LIST_ITEM_FIELDS, "muscle_rows", "equipment_rows", "dose_rows", "use_case_rows")


def _build_list_values() -> QuerySet[dict[str, Any]]:
    return Exercise.objects.filter(retired_at__isnull=True).annotate(**_list_rows()).values(*LIST_ITEM_COLUMNS)


def page_with_count(
    rows: QuerySet[dict[str, Any]], *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """The `limit` rows of the values queryset `rows` from `offset`, and how many `rows` holds in all.

    One query: `COUNT(*) OVER ()` is counted before LIMIT and OFFSET cut the page, so every row of the
    page carries the total. An empty page carries none: from offset 0 the total is then 0; from
    further on it is only known to be at most `offset`, and is None (a page past the end needs no
    more). A DISTINCT or combined query would count before it deduplicates: it asks the count apart.
    """
    if getattr(rows, "whole_list", False):
        return _counted(_whole_list_rows(offset=offset, limit=limit), offset)
    query = rows.query
    if query.distinct or query.combinator or query.is_sliced:
        return list(rows[offset : offset + limit]), rows.count()
    return _counted(list(rows.annotate(rows_in_all=Window(Count("*")))[offset : offset + limit]), offset)


def _counted(page: list[dict[str, Any]], offset: int) -> tuple[list[dict[str, Any]], int | None]:
    """`page` without the total its rows carry, and that total."""
    if not page:
        return page, 0 if offset == 0 else None
    total = page[0]["rows_in_all"]
    for row in page:
        del row["rows_in_all"]
    return page, total


def _whole_list_slice(offset: int, limit: int) -> QuerySet[dict[str, Any]]:
    return _template("list", _build_list_values).annotate(rows_in_all=Window(Count("*")))[offset : offset + limit]


@functools.lru_cache(maxsize=64)
def _whole_list_page(offset: int, limit: int) -> tuple[CompiledQuery, list[str]]:
    """`page_with_count`'s query for one page of the whole list in its model's order, compiled once per
    process, database and page (the ORM spent more CPU compiling it than the database answering it;
    Django writes LIMIT and OFFSET into the SQL, so each page is its own query: the 64 last asked are
    kept), and the names of its columns, in the order the SQL gives them."""
    query = _whole_list_slice(offset, limit).query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    return CompiledQuery(lambda: _whole_list_slice(offset, limit).values_list(*names)), names


def _whole_list_rows(*, offset: int, limit: int) -> list[dict[str, Any]]:
    query, names = _whole_list_page(offset, limit)
    return [dict(zip(names, row, strict=True)) for row in query.rows()]


def _build_detail_rows() -> QuerySet[Exercise]:
    text_rows = {
        f"{name}_rows": _rows(model.objects, "exercise", ["position"], text=F("text"))
        for name, model in (("tip", Tip), ("mistake", CommonMistake))
    }
    through = {"stop_sign_rows": (Exercise.stop_signs.through, "stopsign"),
               "contraindication_rows": (Exercise.contraindications.through, "contraindication")}  # fmt: skip
    vocabulary_rows = {
        name: _rows(
            model.objects, "exercise", [f"{field}__name"],
            slug=F(f"{field}__slug"), name=F(f"{field}__name"), description=F(f"{field}__description"),
            **({"severity": F(f"{field}__severity")} if field == "stopsign" else {}),
        )
        for name, (model, field) in through.items()
    }  # fmt: skip
    rows = _list_rows() | dict(
        muscle_rows=_rows(
            ExerciseMuscle.objects, "exercise", ["role", "muscle__name"],
            slug=F("muscle__slug"), name=F("muscle__name"), role=F("role"),
        ),
        equipment_rows=_rows(
            ExerciseEquipment.objects, "exercise", ["-required", "equipment__name"],
            slug=F("equipment__slug"), name=F("equipment__name"), required=F("required"),
        ),
        step_rows=_rows(
            Step.objects, "exercise", ["position"],
            position=F("position"), phase=F("phase"), instruction=F("instruction"), checkpoint=F("checkpoint"),
        ),
        faq_rows=_rows(FaqEntry.objects, "exercise", ["position"], question=F("question"), answer=F("answer")),
        relation_rows=_rows(
            ExerciseRelation.objects, "from_exercise", ["relation", "to_exercise__name"],
            exercise=F("to_exercise__slug"), name=F("to_exercise__name"), relation=F("relation"),
        ),
    )  # fmt: skip
    # `content`, the whole exercise as last written for its history, is no part of the detail.
    return with_disclaimer(
        Exercise.objects.select_related("body_region", "pnf").defer("content", "source_hash")
    ).annotate(**rows, **text_rows, **vocabulary_rows)


def catalog_disclaimer() -> str:
    """The catalog's medical disclaimer ("" before `load_catalog` first ran)."""
    return CatalogDisclaimer.objects.filter(id=1).values_list("text", flat=True).first() or ""


def with_disclaimer(exercises: QuerySet[Exercise]) -> QuerySet[Exercise]:
    """Exercises that carry the catalog's disclaimer as `.disclaimer`, read in the same query."""
    text = CatalogDisclaimer.objects.filter(id=1).values("text")[:1]
    return exercises.annotate(disclaimer=Coalesce(Subquery(text), Value(""), output_field=TextField()))


def exercise_detail() -> QuerySet[Exercise]:
    """Exercises with everything the detail page shows, the disclaimer included."""
    return with_disclaimer(Exercise.objects.select_related("body_region", "pnf")).prefetch_related(
        _muscle_links(),
        _equipment_links(),
        "doses",
        "use_case_links",
        "steps",
        "tips",
        "common_mistakes",
        "faq_entries",
        "stop_signs",
        "contraindications",
        Prefetch(
            "relations",
            queryset=ExerciseRelation.objects.select_related("to_exercise").order_by("relation", "to_exercise__name"),
        ),
    )


def exercise_as_content(exercise: Exercise) -> dict[str, Any]:
    """The exercise rebuilt from its rows, in the data-file shape (`content.canonical_content`).

    This is what `PATCH` merges a change into, so it reads the rows, which are
    the truth, rather than the `content` snapshot. `exercise` must come from
    `exercise_detail()`, so that this costs no query.
    """
    muscles = exercise.muscle_links.all()
    equipment = exercise.equipment_links.all()
    pnf = exercise.pnf if hasattr(exercise, "pnf") else None
    pnf_ranges = ("contract_seconds", "relax_seconds", "assisted_hold_seconds", "repetitions_per_side")
    return canonical_content(
        {
            **{key: getattr(exercise, key) for key in ("slug", "name", "summary", "description", "difficulty",
               "position", "technique", "assistance", "laterality", "progression_rule", "progress_by_intensity",
               "assumptions")},
            "body_region": exercise.body_region.slug,
            "primary_muscles": [m.muscle.slug for m in muscles if m.role == choices.MuscleRole.PRIMARY],
            "secondary_muscles": [m.muscle.slug for m in muscles if m.role == choices.MuscleRole.SECONDARY],
            "equipment_required": [e.equipment.slug for e in equipment if e.required],
            "equipment_optional": [e.equipment.slug for e in equipment if not e.required],
            "target_intensity": (exercise.target_intensity_min, exercise.target_intensity_max),
            "use_cases": [link.use_case for link in exercise.use_case_links.all()],
            "stop_signs": [sign.slug for sign in exercise.stop_signs.all()],
            "contraindications": [c.slug for c in exercise.contraindications.all()],
            "steps": [
                {"phase": s.phase, "instruction": s.instruction, "checkpoint": s.checkpoint}
                for s in exercise.steps.all()
            ],
            "tips": [tip.text for tip in exercise.tips.all()],
            "common_mistakes": [mistake.text for mistake in exercise.common_mistakes.all()],
            "faq": [{"question": f.question, "answer": f.answer} for f in exercise.faq_entries.all()],
            "doses": [
                {
                    "goal": d.goal,
                    "holds_per_side": (d.holds_per_side_min, d.holds_per_side_max),
                    "hold_seconds": (d.hold_seconds_min, d.hold_seconds_max),
                    "rest_seconds": d.rest_seconds,
                    "intensity_cap": d.intensity_cap,
                }
                for d in exercise.doses.all()
            ],
            "pnf": None if pnf is None else {
                **{key: (getattr(pnf, f"{key}_min"), getattr(pnf, f"{key}_max")) for key in pnf_ranges},
                "rest_seconds": pnf.rest_seconds,
            },
            "cues": dict(exercise.cues or {}),
            "related": [{"exercise": r.to_exercise.slug, "relation": r.relation} for r in exercise.relations.all()],
            "sources": list(exercise.sources or []),
        }
    )  # fmt: skip


def vocabulary_lookups() -> dict[str, dict[str, Model]]:
    """Every vocabulary row by slug, per kind: what checking and writing an exercise look slugs up in."""
    return {
        "regions": {r.slug: r for r in BodyRegion.objects.all()},
        "muscles": {m.slug: m for m in Muscle.objects.select_related("region")},
        "equipment": {e.slug: e for e in Equipment.objects.all()},
        "stop_signs": {s.slug: s for s in StopSign.objects.all()},
        "contraindications": {c.slug: c for c in Contraindication.objects.all()},
    }


def catalog_vocabularies(lookups: dict[str, dict[str, Model]] | None = None) -> Vocabularies:
    """The vocabularies as the database holds them, in the shape `content.check_exercise` checks against."""
    lookups = lookups if lookups is not None else vocabulary_lookups()

    def rows(kind: str, *extra: str) -> list[dict[str, Any]]:
        return [
            {"slug": slug, "name": obj.name, **{key: getattr(obj, key) for key in extra}}
            for slug, obj in lookups[kind].items()
        ]

    return Vocabularies(
        body_regions=rows("regions"),
        muscles=[{**row, "region": lookups["muscles"][row["slug"]].region.slug} for row in rows("muscles")],
        equipment=rows("equipment", "description"),
        stop_signs=rows("stop_signs", "description", "severity"),
        contraindications=rows("contraindications", "description"),
    )


def exercise_history(*, exercise: Exercise) -> QuerySet:
    """An exercise's history records, newest first, with who made each change."""
    return exercise.history.select_related("history_user").order_by("-history_date", "-history_id")


HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def exercise_history_entries(records: list) -> list[dict[str, Any]]:
    """What each history record changed, compared with the record before it.

    `records` are consecutive, newest first (a page of `exercise_history`);
    the record before the oldest of them costs one query.
    """
    if not records:
        return []
    last = records[-1]
    older = Q(history_date__lt=last.history_date) | Q(history_date=last.history_date, history_id__lt=last.history_id)
    before_last = type(last).objects.filter(older, id=last.id).order_by("-history_date", "-history_id").first()
    entries = []
    for record, previous in zip(records, [*records[1:], before_last], strict=True):
        if previous is None or record.history_type == "+":
            changed_fields, changed_content = [], []
        else:
            changed_fields = record.diff_against(previous).changed_fields
            old, new = previous.content or {}, record.content or {}
            changed_content = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
        entries.append(
            {
                "version": record.version,
                "change_type": HISTORY_TYPES[record.history_type],
                "changed_at": record.history_date,
                "changed_by": record.history_user,
                "via": record.history_change_reason or "",
                "changed_fields": changed_fields,
                "changed_content": changed_content,
            }
        )
    return entries


def exercise_plan_source() -> QuerySet[Exercise]:
    """Exercises with what a timer plan needs: doses, PNF timings, stop signs and the disclaimer."""
    return with_disclaimer(Exercise.objects.select_related("pnf")).prefetch_related("doses", "stop_signs")


def muscle_list() -> QuerySet[Muscle]:
    return Muscle.objects.select_related("region").order_by("name")


def body_region_list() -> QuerySet[BodyRegion]:
    return BodyRegion.objects.order_by("name")


def equipment_list() -> QuerySet[Equipment]:
    return Equipment.objects.order_by("name")


def stop_sign_list() -> QuerySet[StopSign]:
    return StopSign.objects.order_by("name")


def contraindication_list() -> QuerySet[Contraindication]:
    return Contraindication.objects.order_by("name")


def plan_warnings(*, user: Any, exercise: Exercise) -> list[dict[str, str]]:
    """The warnings on `exercise`'s plan for `user`, from the function `CATALOG_PLAN_WARNINGS` names.

    The catalog knows no one's health: the app that does provides the function,
    and the setting wires it, so that the catalog imports no other app.
    """
    path = getattr(settings, "CATALOG_PLAN_WARNINGS", "")
    return import_string(path)(user=user, exercise=exercise) if path else []


def exercise_plan(*, exercise: Exercise, dose: Dose, side: str | None, disclaimer: str | None = None) -> dict:
    """The timeline a mobile timer plays for one exercise at one goal's dose.

    The plan is the starting dose: the low end of every range (holds per side,
    hold seconds, PNF phase seconds). For a per-side exercise it covers the
    left then the right side unless `side` names one; a both-sides exercise
    has one `both` side. A rest follows every hold but the plan's last.
    The target intensity is `rules.target_intensity` at this dose, never above
    its cap, and the cues carry that window's numbers (`rules.fill_cue`).
    `exercise` must come from `exercise_plan_source()`, which also brings the
    disclaimer; from elsewhere, pass `disclaimer` (`catalog_disclaimer()`),
    or the plan has none.
    """
    if exercise.laterality == choices.Laterality.BOTH_SIDES:
        sides = [choices.Side.BOTH]
    else:
        sides = [side] if side else [choices.Side.LEFT, choices.Side.RIGHT]

    window = rules.target_intensity(exercise, dose)
    cues = {phase: rules.fill_cue(text, window) for phase, text in (exercise.cues or {}).items()}
    if exercise.is_pnf:
        pnf = exercise.pnf
        work = [
            (choices.TimerPhase.CONTRACT, pnf.contract_seconds_min, cues.get("contract", "")),
            (choices.TimerPhase.RELAX, pnf.relax_seconds_min, cues.get("relax", "")),
            (
                choices.TimerPhase.ASSISTED_HOLD,
                pnf.assisted_hold_seconds_min,
                cues.get("assisted_hold") or cues.get("hold", ""),
            ),
        ]
        rest_seconds = pnf.rest_seconds
    else:
        work = [(choices.TimerPhase.HOLD, dose.hold_seconds_min, cues.get("hold", ""))]
        rest_seconds = dose.rest_seconds

    holds = dose.holds_per_side_min
    plan_sides = []
    for side_index, side_value in enumerate(sides):
        side_holds = []
        for number in range(1, holds + 1):
            phases = [{"phase": p, "seconds": s, "cue": c} for p, s, c in work]
            last = side_index == len(sides) - 1 and number == holds
            if rest_seconds and not last:
                phases.append({"phase": choices.TimerPhase.REST, "seconds": rest_seconds, "cue": cues.get("rest", "")})
            side_holds.append({"number": number, "phases": phases, "seconds": sum(p["seconds"] for p in phases)})
        plan_sides.append(
            {"side": side_value, "holds": side_holds, "total_seconds": sum(h["seconds"] for h in side_holds)}
        )
    plan = {
        "exercise": exercise.slug,
        "name": exercise.name,
        "goal": dose.goal,
        "technique": exercise.technique,
        "laterality": exercise.laterality,
        "holds_per_side": holds,
        "target_intensity": {"min": window[0], "max": window[1]},
        "intensity_cap": rules.intensity_ceiling(exercise, dose),
        "stop_signs": list(exercise.stop_signs.all()),
        "sides": plan_sides,
        "total_seconds": sum(s["total_seconds"] for s in plan_sides),
    }
    disclaimer = disclaimer if disclaimer is not None else getattr(exercise, "disclaimer", None)
    if disclaimer is not None:
        plan["disclaimer"] = disclaimer
    return plan
