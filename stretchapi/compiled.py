"""Queries whose SQL the ORM writes once per process, run many times with new values.

The ORM builds and compiles a queryset's SQL every time it runs it. For the
small indexed reads every request makes — whose token is this, which
webhook endpoints want this client's events, was this Idempotency-Key seen —
that costs several times what the database spends answering them. A
`CompiledQuery` is the same queryset, built by the same code (so the rule it
encodes is still written once, in its own module), compiled the first time
it runs on a database; later runs put their values where the placeholders
were and apply the converters the ORM would (SQLite's datetimes, JSON).

Only values go through placeholders; anything else the query depends on is
fixed for the life of the process. So a query must not read the clock, the
settings or the request while it is built: those belong in its parameters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models import QuerySet

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, tuple[int, ...]]  # each placeholder's positions in `params`
    prepared: dict[str, Callable[[Any], Any]]  # how a value of a placeholder goes in its positions
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]
    width: int  # how many columns
    unsafe: str | None  # a column a `Reading` cannot carry through JSON, if any


def _as_given(value: Any) -> Any:
    return value


def _uuid_text(value: uuid.UUID) -> str:
    return value.hex


def _found(params: list[Any], placeholder: Any) -> tuple[tuple[int, ...], Callable[[Any], Any]]:
    """Where `placeholder` went among the compiled `params`, and how a value is prepared to go there:
    as given, or — a UUID on a database without a uuid type (SQLite) — as the ORM writes it, its hex."""
    positions = tuple(i for i, p in enumerate(params) if type(p) is type(placeholder) and p == placeholder)
    if positions or not isinstance(placeholder, uuid.UUID):
        return positions, _as_given
    return tuple(i for i, p in enumerate(params) if p == placeholder.hex), _uuid_text


class CompiledQuery:
    """`build(**placeholders)` — a `values_list()` queryset — compiled once per database alias.

    `placeholders` are values of the right type that appear nowhere else in the
    query's parameters (say `-7_001` for an id, `"\\0key"` for a text): the
    compiled parameters are searched for them, and a run puts its own values in
    their places. A placeholder the ORM did not pass through as given (or at all)
    is an error at the first run, not a wrong answer.
    """

    def __init__(self, build: Callable[..., QuerySet], **placeholders: Any):
        self.build = build
        self.placeholders = placeholders
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._alias: str | None = None  # the database the queryset reads, known at its first build

    def _compile(self, queryset: QuerySet) -> _Compiled:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots, prepared = {}, {}
        for name, placeholder in self.placeholders.items():
            slots[name], prepared[name] = _found(params, placeholder)
            if not slots[name]:
                raise ValueError(f"The placeholder {name}={placeholder!r} is not among the query's parameters.")
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        unsafe = next((repr(f.output_field) for f in fields if not isinstance(f.output_field, _JSON_SAFE)), None)
        return _Compiled(sql, tuple(params), slots, prepared, converters, len(fields), unsafe)

    @property
    def database(self) -> str:
        """The alias of the database the query reads (known once it has run)."""
        if self._alias is None:
            self._alias = self.build(**self.placeholders).db
        return self._alias

    def _statement(self, values: dict[str, Any]) -> tuple[Any, _Compiled, list[Any]]:
        """The connection, the compiled query and its parameters for these values."""
        if values.keys() != self.placeholders.keys():
            raise TypeError(f"Give exactly {sorted(self.placeholders)}, not {sorted(values)}.")
        connection = connections[self.database]
        key = (self.database, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(self.build(**self.placeholders))
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            value = compiled.prepared[name](values[name])
            for position in positions:
                params[position] = value
        return connection, compiled, params

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The query's rows for these values of the placeholders, as the ORM would convert them
        (tuples, as `values_list` gives them)."""
        connection, compiled, params = self._statement(values)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return self._converted(connection, compiled, rows)

    def reading(self, **values: Any) -> Reading:
        """The query for these values, to be read as part of another statement (`Reading`)."""
        return Reading(self, values)

    def _converted(self, connection, compiled: _Compiled, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not compiled.converters:  # PostgreSQL's types, mostly: psycopg's values are the ORM's
            return rows
        converted = [list(row) for row in rows]
        for row in converted:
            for position, functions, expression in compiled.converters:
                for function in functions:
                    row[position] = function(row[position], expression, connection)
        return [tuple(row) for row in converted]


# The columns a `Reading` carries through JSON and gets back as the ORM gives them.
_JSON_SAFE = (
    models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField, models.SmallIntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField, models.CharField, models.TextField,
    models.BooleanField, models.JSONField,
)  # fmt: skip


class Reading:
    """A `CompiledQuery` for given values, to be read inside another statement on PostgreSQL (a
    subquery whose rows come back as one JSON array: `sql()`, then `take()` of what it gave), or on
    its own elsewhere (`rows` runs it). Its columns must be numbers, text, booleans or JSON, which
    come back from JSON as the ORM gives them. `rows`: the query's rows, once read."""

    def __init__(self, query: CompiledQuery, values: dict[str, Any]):
        self.query, self.values = query, values
        self._rows: list[tuple[Any, ...]] | None = None

    def sql(self) -> tuple[str, list[Any]]:
        """A scalar subquery giving the rows as a JSON array of arrays, and its parameters."""
        _, compiled, params = self.query._statement(self.values)
        if compiled.unsafe is not None:
            raise ValueError(f"A Reading carries numbers, text, booleans and JSON, not {compiled.unsafe}.")
        names = ", ".join(f"c{i}" for i in range(compiled.width))
        sql = f"SELECT coalesce(json_agg(json_build_array({names})), '[]') FROM ({compiled.sql}) AS q({names})"  # noqa: S608
        return sql, params

    def take(self, rows: list[list[Any]]) -> None:
        """The rows the subquery of `sql()` gave (its JSON array, decoded)."""
        self._rows = [tuple(row) for row in rows]

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            self._rows = self.query.rows(**self.values)
        return self._rows


class Loader(Generic[M]):
    """Instances of `model` (and of the models its foreign keys name, cached on them) from the
    columns of a row, as a queryset with `select_related` builds them.

    `Loader(AuthToken, user=User)` reads `columns()` — the token's concrete fields,
    then `user__<field>` for each of the user's — and gives a token whose `.user` is
    loaded too, with no query.
    """

    def __init__(self, model: type[M], **related: type[models.Model]):
        self.model = model
        self.names = [f.attname for f in model._meta.concrete_fields]
        self.related = [
            (model._meta.get_field(name), [f.attname for f in other._meta.concrete_fields])
            for name, other in related.items()
        ]

    def columns(self) -> list[str]:
        """What to give `values_list()` for `load` to read."""
        return [
            *self.names,
            *(f"{field.name}__{name}" for field, names in self.related for name in names),
        ]

    def load(self, row: Sequence[Any], using: str) -> M:
        instance = self.model.from_db(using, self.names, row[: len(self.names)])
        start = len(self.names)
        for field, names in self.related:
            values = row[start : start + len(names)]
            start += len(names)
            loaded = getattr(instance, field.attname) is not None
            field.set_cached_value(instance, field.related_model.from_db(using, names, values) if loaded else None)
        return instance
