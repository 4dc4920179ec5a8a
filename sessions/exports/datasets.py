"""The four export datasets: their columns (the versioned column dictionary), rows and SQL.

Every dataset is one list of `Column`s. The same list gives the rows of the
Python path (`rows`: a `values_list` queryset, iterated in chunks), the SQL of
PostgreSQL's `COPY` path (`copy_sql`, which wraps that very query), the
dictionary in the docs and the OpenAPI description (`dictionary.dictionary_markdown`), and
each value's text (`Column.text`), so that the two CSV paths produce the same
bytes: timestamps in UTC as `YYYY-MM-DDTHH:MM:SSZ` (`.ffffff` before the `Z`
when the moment has a fraction of a second), booleans `true`/`false`, decimals
as stored (`72.5`), an empty cell for null, `""` for an empty string.

Analysts (`ANALYST`) get every client, each person as a pseudonym
(`pseudonyms.py`) and no column marked `trainer_only` (names, free-text notes).
A trainer's audience (`trainer_audience`) gets their consented clients only,
with user ids and names. Deleted sessions (tombstones) are never exported.

The dictionary is versioned (`DICTIONARY_VERSION`): a new column at the end is a
minor version; renaming, removing, reordering or changing what a column means is
a new major version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    Model,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from catalog.choices import Side
from sessions.choices import ExportAudience
from sessions.models import Hold, Measurement, StopEvent, StretchSession, User
from stretchapi.jsonsql import utc_moment

from . import pseudonyms

DICTIONARY_VERSION = "1.0"

SNOMED = "http://snomed.info/sct"
SIDE_SNOMED = {Side.LEFT: "7771000", Side.RIGHT: "24028007", Side.BOTH: "51440002"}
SIDE_SNOMED_DISPLAY = {Side.LEFT: "Left", Side.RIGHT: "Right", Side.BOTH: "Bilateral"}


class ColumnType(StrEnum):
    UUID = "uuid"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DECIMAL = "decimal"
    STRING = "string"


def _timestamp_text(value: datetime) -> str:
    moment = value.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds") + "Z"


_TEXT: dict[ColumnType, Callable[[Any], str]] = {
    ColumnType.UUID: str,
    ColumnType.INTEGER: str,
    ColumnType.BOOLEAN: lambda value: "true" if value else "false",
    ColumnType.TIMESTAMP: _timestamp_text,
    ColumnType.DECIMAL: lambda value: format(value, "f"),
    ColumnType.STRING: str,
}
_JSON: dict[ColumnType, Callable[[Any], Any]] = {
    ColumnType.UUID: str,
    ColumnType.INTEGER: int,
    ColumnType.BOOLEAN: bool,
    ColumnType.TIMESTAMP: _timestamp_text,
    ColumnType.DECIMAL: float,
    ColumnType.STRING: str,
}
_JSON_KIND = {
    ColumnType.UUID: "plain",
    ColumnType.INTEGER: "number",
    ColumnType.BOOLEAN: "boolean",
    ColumnType.TIMESTAMP: "plain",
    ColumnType.DECIMAL: "number",
    ColumnType.STRING: "string",
}
# The same text, computed by PostgreSQL inside COPY; `{c}` is the column.
_SQL: dict[ColumnType, str] = {
    ColumnType.UUID: "({c})::text",
    ColumnType.INTEGER: "{c}",
    ColumnType.BOOLEAN: "({c})::text",
    ColumnType.TIMESTAMP: utc_moment("{c}"),
    ColumnType.DECIMAL: "{c}",
    ColumnType.STRING: "{c}",
}
# The value `_JSON` makes, as PostgreSQL's JSON functions (`row_to_json`, `to_json`) write it:
# uuids, strings and the timestamp's text as strings, integers and decimals as numbers, booleans as such.
_JSON_SQL: dict[ColumnType, str] = {**_SQL, ColumnType.BOOLEAN: "{c}"}


@dataclass(frozen=True)
class Recipient:
    """Who an export is for: analysts (everyone, pseudonymized) or one trainer (their consented clients)."""

    kind: str
    trainer: User | None = None

    @property
    def pseudonymized(self) -> bool:
        return self.kind == ExportAudience.ANALYST


ANALYST = Recipient(ExportAudience.ANALYST)


def trainer_audience(trainer: User) -> Recipient:
    return Recipient(ExportAudience.TRAINER, trainer)


@dataclass(frozen=True)
class Column:
    """One column of a dataset: where its value comes from, its type, and what it means."""

    name: str
    source: str | Callable[[], Any]  # an ORM lookup, or a function making the expression
    type: ColumnType
    description: str
    person: str | None = None  # pseudonyms.CLIENT or .TRAINER: a user id, pseudonymized for analysts
    trainer_only: bool = False

    def expression(self):
        return self.source if isinstance(self.source, str) else self.source()

    def type_for(self, audience: Recipient) -> str:
        if self.person:
            return "string (pseudonym)" if audience.pseudonymized else "integer (user id)"
        return self.type.value

    def text_converter(self, audience: Recipient) -> Callable[[Any], str]:
        if self.person:
            return pseudonyms.pseudonymizer(self.person) if audience.pseudonymized else str
        return _TEXT[self.type]

    def json_converter(self, audience: Recipient) -> Callable[[Any], Any]:
        if self.person:
            return pseudonyms.pseudonymizer(self.person) if audience.pseudonymized else int
        return _JSON[self.type]

    def sql(self, column: str, audience: Recipient, *, json: bool = False) -> tuple[str, list]:
        """PostgreSQL's expression for the value's CSV text (`text_converter`), or with `json` for its
        JSON value (`json_converter`), over `column`; and its parameters."""
        if self.person and audience.pseudonymized:
            return pseudonyms.sql(self.person, column)
        forms = _JSON_SQL if json else _SQL
        return forms[ColumnType.INTEGER if self.person else self.type].format(c=column), []

    def json_kind(self, audience: Recipient) -> str:
        """What JSON value this column is for `audience` (or null): a `string`, or `plain` for a string
        with nothing to escape (uuids, timestamps, pseudonyms), a `number` or a `boolean` (`jsonsql`)."""
        if self.person:
            return "plain" if audience.pseudonymized else "number"
        return _JSON_KIND[self.type]


@dataclass(frozen=True)
class Dataset:
    name: str
    model: type[Model]
    session: str  # lookup prefix from a row to its session
    description: str
    columns: tuple[Column, ...]
    order_by: tuple[str, ...]
    exercise_filter: Callable[[str], Q]
    fhir: str = ""  # what its FHIR output is made of

    def columns_for(self, audience: Recipient) -> list[Column]:
        return [c for c in self.columns if not (c.trainer_only and audience.pseudonymized)]


@dataclass(frozen=True)
class ExportFilters:
    """Which rows: sessions started in [since, until), optionally one exercise, client or assisting trainer."""

    since: datetime
    until: datetime
    exercise: str | None = None  # exercise slug
    client: int | None = None  # user id
    trainer: int | None = None  # user id of the assisting trainer

    def describe(self, audience: Recipient) -> dict[str, Any]:
        """The filters as an export record keeps them (people as the audience sees them)."""

        def person(prefix: str, user_id: int | None):
            return pseudonyms.pseudonym(prefix, user_id) if audience.pseudonymized else user_id

        return {
            "since": _timestamp_text(self.since),
            "until": _timestamp_text(self.until),
            "exercise": self.exercise,
            "client": person(pseudonyms.CLIENT, self.client),
            "trainer": person(pseudonyms.TRAINER, self.trainer),
        }


# Column building blocks.


def _snomed(side_lookup: str) -> Callable[[], Case]:
    def expression() -> Case:
        return Case(
            *(When(**{side_lookup: side}, then=Value(code)) for side, code in SIDE_SNOMED.items()),
            default=None,
            output_field=CharField(),
        )

    return expression


def _blank_as_null(lookup: str) -> Callable[[], NullIf]:
    return lambda: NullIf(lookup, Value(""), output_field=TextField())


def _count(model: type[Model]) -> Callable[[], Coalesce]:
    def expression() -> Coalesce:
        per_session = model.objects.filter(session=OuterRef("pk")).order_by().values("session")
        return Coalesce(Subquery(per_session.annotate(n=Count("pk")).values("n")), 0, output_field=IntegerField())

    return expression


def _session_has_exercise(session_lookup: str) -> Callable[[str], Q]:
    def condition(slug: str) -> Q:
        return Q(Exists(Hold.objects.filter(session_id=OuterRef(session_lookup), exercise__slug=slug)))

    return condition


SIDE_DESCRIPTION = "`left`, `right` or `both` (both sides at once)"
SNOMED_DESCRIPTION = "The side as a SNOMED CT laterality code: `7771000` left, `24028007` right, `51440002` bilateral"
PAIN_DESCRIPTION = "Pain, 0–10 numeric rating scale (LOINC 72514-3); empty when not rated"
CLIENT_DESCRIPTION = "The client who logged the session: a pseudonym for analysts, the user id for trainers"
NAME_DESCRIPTION = "The client's display name (trainer exports only)"


def _client(prefix: str) -> Column:
    return Column("client", f"{prefix}owner_id", ColumnType.INTEGER, CLIENT_DESCRIPTION, person=pseudonyms.CLIENT)


def _client_name(prefix: str) -> Column:
    return Column("client_name", f"{prefix}owner__display_name", ColumnType.STRING, NAME_DESCRIPTION, trainer_only=True)


T = ColumnType

SESSIONS = Dataset(
    name="sessions",
    model=StretchSession,
    session="",
    description="One row per session.",
    order_by=("started_at", "id"),
    exercise_filter=_session_has_exercise("pk"),
    fhir="one `Procedure` per session",
    columns=(
        Column("session_id", "id", T.UUID, "The session's id (chosen by the phone)"),
        _client(""),
        _client_name(""),
        Column("assisted_by", "assisted_by", T.STRING, "Who helped: `self`, `partner` or `trainer`"),
        Column(
            "trainer",
            "assisting_trainer_id",
            T.INTEGER,
            "The assisting trainer when `assisted_by` is `trainer`: a pseudonym for analysts, the user id for trainers",
            person=pseudonyms.TRAINER,
        ),
        Column("started_at", "started_at", T.TIMESTAMP, "When the session started (UTC)"),
        Column("ended_at", "ended_at", T.TIMESTAMP, "When it ended (UTC); empty while in progress"),
        Column("goal", "goal", T.STRING, "The session's goal, e.g. `general_flexibility`"),
        Column("outcome", "outcome", T.STRING, "`completed` or `stopped_early`"),
        Column("hold_count", _count(Hold), T.INTEGER, "Number of holds"),
        Column("stop_event_count", _count(StopEvent), T.INTEGER, "Number of stop events"),
        Column("max_pain", "max_pain", T.INTEGER,
               "Highest pain rating (0–10, LOINC 72514-3) of its holds and stop events; empty when none"),
        Column("app_version", _blank_as_null("app_version"), T.STRING, "Version of the app that uploaded it"),
        Column("notes", _blank_as_null("notes"), T.STRING, "The client's free-text notes (trainer exports only)",
               trainer_only=True),
    ),
)  # fmt: skip

HOLDS = Dataset(
    name="holds",
    model=Hold,
    session="session__",
    description="One row per hold: one timed stretch of one exercise on one side.",
    order_by=("session__started_at", "session_id", "position"),
    exercise_filter=lambda slug: Q(exercise__slug=slug),
    fhir="an intensity `Observation` per hold, and a pain `Observation` (LOINC 72514-3) per hold with a pain rating",
    columns=(
        Column("hold_id", "id", T.UUID, "The hold's id"),
        Column("session_id", "session_id", T.UUID, "Its session"),
        _client("session__"),
        _client_name("session__"),
        Column("session_started_at", "session__started_at", T.TIMESTAMP, "When its session started (UTC)"),
        Column("exercise", "exercise__slug", T.STRING, "The exercise's slug in the catalog"),
        Column("technique", "exercise__technique", T.STRING, "The exercise's technique, e.g. `pnf_contract_relax`"),
        Column("side", "side", T.STRING, SIDE_DESCRIPTION),
        Column("side_snomed", _snomed("side"), T.STRING, SNOMED_DESCRIPTION),
        Column("position", "position", T.INTEGER, "Order in the session, from 1"),
        Column("set_number", "set_number", T.INTEGER, "Set number, from 1"),
        Column("target_seconds", "target_seconds", T.INTEGER, "Planned hold time in seconds; empty when none"),
        Column("held_seconds", "held_seconds", T.INTEGER, "Seconds actually held (1–600)"),
        Column("intensity", "intensity", T.INTEGER, "Perceived stretch intensity, 0–10"),
        Column("target_intensity_min", "exercise__target_intensity_min", T.INTEGER,
               "The exercise's target intensity, lower end (0–10)"),
        Column("target_intensity_max", "exercise__target_intensity_max", T.INTEGER,
               "The exercise's target intensity, upper end (0–10)"),
        Column("above_target", "above_target", T.BOOLEAN, "Intensity above the exercise's target maximum"),
        Column("outside_dose", "outside_dose", T.BOOLEAN, "Held seconds outside the dose for the session's goal"),
        Column("pain", "pain", T.INTEGER, PAIN_DESCRIPTION),
        Column("contract_seconds", "contract_seconds", T.INTEGER, "PNF only: seconds of contraction"),
        Column("relax_seconds", "relax_seconds", T.INTEGER, "PNF only: seconds of relaxation"),
        Column("assisted_hold_seconds", "assisted_hold_seconds", T.INTEGER, "PNF only: seconds of assisted hold"),
        Column("started_at", "started_at", T.TIMESTAMP, "When the hold started (UTC); empty when not recorded"),
    ),
)  # fmt: skip

STOP_EVENTS = Dataset(
    name="stop-events",
    model=StopEvent,
    session="session__",
    description="One row per stop event: a stop sign that appeared during a session, and what was done.",
    order_by=("session__started_at", "session_id", "occurred_at", "id"),
    exercise_filter=lambda slug: Q(hold__exercise__slug=slug),
    fhir="one `Observation` per stop event (the stop sign as value; pain and action as components)",
    columns=(
        Column("stop_event_id", "id", T.UUID, "The stop event's id"),
        Column("session_id", "session_id", T.UUID, "Its session"),
        Column("hold_id", "hold_id", T.UUID, "The hold it interrupted; empty when none"),
        _client("session__"),
        _client_name("session__"),
        Column("exercise", "hold__exercise__slug", T.STRING, "The interrupted hold's exercise; empty when no hold"),
        Column("kind", lambda: Coalesce("stop_sign__slug", Value("other")), T.STRING,
               "The stop sign's slug in the catalog (`sharp-pain`, `nerve-tingling`, …) or `other`"),
        Column("side", _blank_as_null("side"), T.STRING, SIDE_DESCRIPTION + "; empty when not given"),
        Column("side_snomed", _snomed("side"), T.STRING, SNOMED_DESCRIPTION + "; empty when no side"),
        Column("occurred_at", "occurred_at", T.TIMESTAMP, "When it happened (UTC)"),
        Column("pain", "pain", T.INTEGER, PAIN_DESCRIPTION),
        Column("action", "action", T.STRING, "`stopped_session`, `eased_off` or `continued`"),
        Column("note", _blank_as_null("note"), T.STRING, "The client's free-text note (trainer exports only)",
               trainer_only=True),
    ),
)  # fmt: skip

MEASUREMENTS = Dataset(
    name="measurements",
    model=Measurement,
    session="session__",
    description="One row per flexibility measurement.",
    order_by=("session__started_at", "session_id", "measured_at", "id"),
    exercise_filter=_session_has_exercise("session_id"),
    fhir="one `Observation` per measurement, `valueQuantity` in UCUM `deg` or `cm`",
    columns=(
        Column("measurement_id", "id", T.UUID, "The measurement's id"),
        Column("session_id", "session_id", T.UUID, "Its session"),
        _client("session__"),
        _client_name("session__"),
        Column("kind", "kind", T.STRING, "`straight_leg_raise`, `active_knee_extension` or `sit_and_reach`"),
        Column("side", _blank_as_null("side"), T.STRING, SIDE_DESCRIPTION + "; empty when not given"),
        Column("side_snomed", _snomed("side"), T.STRING, SNOMED_DESCRIPTION + "; empty when no side"),
        Column("value", "value", T.DECIMAL, "The result, one decimal place, in `unit`"),
        Column("unit", "unit", T.STRING, "UCUM unit: `deg` (angles) or `cm` (sit-and-reach)"),
        Column("zero_offset_cm", "zero_offset_cm", T.DECIMAL,
               "Sit-and-reach only: where the scale's zero sits relative to the soles, in cm"),
        Column("measured_at", "measured_at", T.TIMESTAMP, "When it was measured (UTC)"),
    ),
)  # fmt: skip

DATASETS: dict[str, Dataset] = {d.name: d for d in (SESSIONS, HOLDS, STOP_EVENTS, MEASUREMENTS)}
