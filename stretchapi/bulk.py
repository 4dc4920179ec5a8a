"""Build and insert many new rows of one model, with little Python work per row and per value.

`QuerySet.bulk_create` prepares every value of every row through its field
(`get_db_prep_save`) and hands psycopg one array per column to adapt, value by
value: for a 40-hold session upload, that was more of the request's CPU than
judging the holds. On PostgreSQL, `bulk_insert` sends the rows as one JSON
document instead (written by orjson, in C) and lets the server read it into
the table's row type (`jsonb_populate_recordset`): one parameter, one
statement, the same rows. Elsewhere (SQLite) it is `bulk_create`.

`Builder` makes the new instances themselves as Django's positional path
does, which skips the keyword path's per-field lookups and related-object
checks (a third of the cost; a 40-hold upload builds 40 holds), and, for a
model with plain fields and no `pre_init`/`post_init` receiver, stores the
values as that path would without calling it.

Both are for plain new rows only: no signals (as `bulk_create`), no multi-table
inheritance, values the JSON document carries as the database reads them
(text, numbers, booleans, UUIDs, timezone-aware times, decimals, JSON, and
a JSON field's text already written, `JSONText`). The
defaults and `auto_now` times are set as `bulk_create` sets them; an
auto-incremented primary key comes back as `bulk_create` returns it.
"""

from __future__ import annotations

import functools
import inspect
import operator
import os
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

import orjson
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from .compiled import Reading

M = TypeVar("M", bound=models.Model)


class JSONText:
    """The value of a JSON field given as its JSON text, already written (UTF-8 bytes): on PostgreSQL
    the rows' document carries the text as it is (`orjson.Fragment`), with no parsing and writing
    again; elsewhere it is parsed into the value `bulk_create` stores. The instance keeps the
    `JSONText` as its field's value."""

    __slots__ = ("text",)

    def __init__(self, text: bytes):
        self.text = text


def _default(value):
    if isinstance(value, Decimal):
        return str(value)  # read by the server as numeric, exactly
    if type(value) is JSONText:
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} has no JSON form for bulk_insert")


def _bulk_create(model: type[M], objs: Sequence[M], using: str, **options) -> Sequence[M]:
    """`bulk_create`, each `JSONText` value parsed first."""
    for field in model._meta.concrete_fields:
        if isinstance(field, models.JSONField):
            for obj in objs:
                value = getattr(obj, field.attname)
                if type(value) is JSONText:
                    setattr(obj, field.attname, orjson.loads(value.text))
    return model.objects.using(using).bulk_create(objs, **options)


_UUID4_MASK = ~((0xF000 << 64) | (0xC000 << 48))  # the version's and the variant's bits
_UUID4_BITS = (4 << 76) | (0x8000 << 48)  # version 4, the variant of RFC 4122


def uuid4s(count: int) -> list[uuid.UUID]:
    """`count` random UUIDs of version 4, as `uuid.uuid4()` makes them (16 bytes of `os.urandom`, the
    version and variant bits set), from one read of the system's randomness for all of them: new rows'
    keys at about 60 % of the cost of `count` calls."""
    raw = os.urandom(16 * count)
    return [
        uuid.UUID(int=int.from_bytes(raw[start : start + 16]) & _UUID4_MASK | _UUID4_BITS)
        for start in range(0, 16 * count, 16)
    ]


class Batch(NamedTuple):
    """New rows of one model for `insert_unless_taken` (a `(model, objs)` tuple is one too).
    `ignore_conflicts`: a row whose key or unique fields are taken is left out, as `bulk_create` leaves
    it (and, as there, no auto-incremented key comes back for the batch)."""

    model: type[models.Model]
    objs: Sequence[models.Model]
    ignore_conflicts: bool = False


def insert_unless_taken(
    obj: models.Model,
    *batches: Batch | tuple[type[models.Model], Sequence[models.Model]],
    reading: Reading | None = None,
) -> bool:
    """Insert `obj` (a new instance whose primary key is set) unless a row already has its key, and with
    it the new rows of `batches` (as `bulk_insert_all` inserts them): whether it was inserted. When its
    key is taken, nothing is written, not even the rows. Anything else wrong with a row raises, as an
    insert does.

    On PostgreSQL this is one statement: `obj`'s `INSERT … ON CONFLICT (<key>) DO NOTHING RETURNING`
    as its first data-modifying `WITH` clause, each batch inserted only `WHERE EXISTS` a row that clause
    returned, and a final `SELECT` of how many it returned and of the last batch's auto-incremented keys
    (in the order of its rows; no other batch may have keys to return, but one that ignores conflicts
    returns none). A taken key is no error, so the caller's
    transaction needs no savepoint to go on (a concurrent twin's insert waits for the first to commit or
    roll back, then finds the key taken or not). The batches' foreign keys to `obj` are checked at commit
    (deferred) as always. Elsewhere `obj`'s insert runs in a savepoint, then each batch's `bulk_insert`.
    Either way, when `obj` went in, every row of the batches is marked stored (`_state.adding` false),
    a row a batch that ignores conflicts left out too, as `bulk_create` marks it.

    `reading`: a query the caller reads next (`compiled.Reading`); on PostgreSQL the statement reads
    it too, as it stood before the statement's own writes (which no query of a statement sees), and
    saves the round trip."""
    model = type(obj)
    if obj.pk is None:
        raise ValueError(f"insert_unless_taken needs the key of the {model.__name__} set.")
    batches = tuple(Batch(*batch) for batch in batches if batch[1])
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        return _insert_unless_taken_postgresql(connection, obj, batches, reading)
    try:
        with transaction.atomic(using=connection.alias):
            _bulk_create(model, [obj], connection.alias)
    except IntegrityError:
        if model.objects.using(connection.alias).filter(pk=obj.pk).exists():
            return False
        raise
    for batch in batches:
        bulk_insert(batch.model, batch.objs, ignore_conflicts=batch.ignore_conflicts)
        for row in batch.objs:  # as on PostgreSQL, even where `bulk_create` ignoring conflicts leaves them be
            row._state.adding, row._state.db = False, connection.alias
    return True


def _insert_unless_taken_postgresql(
    connection, obj: models.Model, batches: tuple[Batch, ...], reading: Reading | None
) -> bool:
    model = type(obj)
    quote = connection.ops.quote_name
    sql, document, _ = _statement(connection, model, [obj])
    clauses = [f"s AS ({sql} ON CONFLICT ({quote(model._meta.pk.column)}) DO NOTHING RETURNING 1)"]
    params = [document]
    statements = [_statement(connection, batch.model, batch.objs) for batch in batches]
    keyed = [
        auto_pk if not batch.ignore_conflicts else None
        for batch, (_, _, auto_pk) in zip(batches, statements, strict=True)
    ]
    if any(auto_pk is not None for auto_pk in keyed[:-1]):
        raise ValueError("Only the last batch of insert_unless_taken may have an auto-incremented key.")
    for i, (batch, (batch_sql, batch_document, _)) in enumerate(zip(batches, statements, strict=True)):
        conflict = " ON CONFLICT DO NOTHING" if batch.ignore_conflicts else ""
        clauses.append(f"b{i} AS ({batch_sql} WHERE EXISTS (SELECT FROM s){conflict})")
        params.append(batch_document)
    auto_pk = keyed[-1] if keyed else None
    columns = ["(SELECT count(*) FROM s)", "NULL"]
    if auto_pk is not None:
        key = quote(auto_pk.column)
        clauses[-1] = f"{clauses[-1][:-1]} RETURNING {key})"
        columns[1] = f"(SELECT array_agg({key} ORDER BY {key}) FROM b{len(statements) - 1})"  # noqa: S608
    if reading is not None:
        read_sql, read_params = reading.sql()
        columns.append(f"({read_sql})::text")
        params += read_params
    final = f"SELECT {', '.join(columns)}"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(clauses)} {final}", params)
        inserted, keys, *read = cursor.fetchone()
    if reading is not None:
        reading.take(orjson.loads(read[0]))
    if not inserted:
        obj._state.adding, obj._state.db = True, None  # not stored, nor are the rows
        return False
    if auto_pk is not None:
        for row, pk in zip(batches[-1].objs, keys, strict=True):
            setattr(row, auto_pk.attname, pk)
    for objs in ([obj], *(batch.objs for batch in batches)):
        for row in objs:
            row._state.adding, row._state.db = False, connection.alias
    return True


def bulk_insert(model: type[M], objs: Sequence[M], *, ignore_conflicts: bool = False) -> Sequence[M]:
    """Insert `objs` (new instances of `model`) in one statement; returns them, saved, as `bulk_create` does.
    `ignore_conflicts`: a row whose key or unique fields are taken is left out, as `bulk_create` leaves it
    (and, as there, no auto-incremented key comes back)."""
    if not objs:
        return objs
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return _bulk_create(model, objs, using, ignore_conflicts=ignore_conflicts)
    _insert_postgresql(model, objs, "ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    return objs


def bulk_insert_all(*batches: tuple[type[models.Model], Sequence[models.Model]]) -> None:
    """Several models' new rows, each batch as `bulk_insert` inserts it, in one statement on PostgreSQL
    (each batch but the last a data-modifying `WITH` clause; every row is checked against every
    constraint as in separate inserts, the foreign keys at commit as always): one round trip instead
    of one a table. The auto-incremented keys of the last batch come back; no other batch may have one."""
    batches = [(model, objs) for model, objs in batches if objs]
    if not batches:
        return
    connection = connections[router.db_for_write(batches[-1][0])]
    if connection.vendor != "postgresql":
        for model, objs in batches:
            bulk_insert(model, objs)
        return
    statements = [_statement(connection, model, objs) for model, objs in batches]
    if any(auto_pk is not None for _, _, auto_pk in statements[:-1]):
        raise ValueError("Only the last batch of bulk_insert_all may have an auto-incremented key.")
    clauses = ", ".join(f"b{i} AS ({sql})" for i, (sql, _, _) in enumerate(statements[:-1]))
    sql, _, auto_pk = statements[-1]
    _execute(
        connection,
        [objs for _, objs in batches],
        f"WITH {clauses} {sql}" if clauses else sql,
        [document for _, document, _ in statements],
        auto_pk,
        objs_returning=batches[-1][1],
    )


def _statement(connection, model: type[M], objs: Sequence[M]) -> tuple[str, str, models.Field | None]:
    """The INSERT of `objs` from one JSON document (PostgreSQL), the document, and the auto key if any."""
    meta = model._meta
    auto_pk = meta.pk if isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField) else None
    fields = [f for f in meta.concrete_fields if f is not auto_pk]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for f in stamped:
            f.pre_save(obj, add=True)
    columns = [f.column for f in fields]
    getter = operator.attrgetter(*(f.attname for f in fields))  # every value, read in C
    values = getter if len(fields) > 1 else lambda obj: (getter(obj),)  # (one name: the value itself)
    document = orjson.dumps([dict(zip(columns, values(obj), strict=True)) for obj in objs], default=_default)
    quote = connection.ops.quote_name
    table, listed = quote(meta.db_table), ", ".join(quote(column) for column in columns)
    sql = f"INSERT INTO {table} ({listed}) SELECT {listed} FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)"  # noqa: S608
    return sql, document.decode(), auto_pk


def _execute(connection, groups, sql: str, params: list[str], auto_pk, *, objs_returning, conflict: str = "") -> int:
    """Run an insert of `_statement`s; set the returned auto keys on `objs_returning`; mark every
    object of `groups` stored. How many rows the last INSERT inserted."""
    if conflict:
        sql += f" {conflict}"
    with connection.cursor() as cursor:
        if auto_pk is None or conflict:
            cursor.execute(sql, params)
            inserted = cursor.rowcount
        else:
            cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(auto_pk.column)}", params)
            for obj, (pk,) in zip(objs_returning, cursor.fetchall(), strict=True):
                setattr(obj, auto_pk.attname, pk)
            inserted = len(objs_returning)
    for objs in groups:
        for obj in objs:
            obj._state.adding, obj._state.db = False, connection.alias
    return inserted


def _insert_postgresql(model: type[M], objs: Sequence[M], conflict: str) -> int:
    """`objs` in one statement (`conflict`: its ON CONFLICT clause, if any); how many rows it inserted."""
    connection = connections[router.db_for_write(model)]
    sql, document, auto_pk = _statement(connection, model, objs)
    return _execute(connection, [objs], sql, [document], auto_pk, objs_returning=objs, conflict=conflict)


class Builder(Generic[M]):
    """New, unsaved instances of `model` from keyword values, as `model(**values)` makes them.

    A relation is given by its object (`session=...`, cached on the instance as
    the keyword path caches it) or its key (`session_id=...`); a field left out
    takes its default; a name that is no field is a `TypeError`, as it is for
    `model(**values)`.
    """

    def __init__(self, model: type[M]):
        self.model = model
        fields = model._meta.concrete_fields
        self.columns = [(f.attname, f.get_default) for f in fields]
        self.relations = [(f.name, f.attname, f.target_field.attname, f) for f in fields if f.is_relation]
        self.accepted = frozenset(f.attname for f in fields) | {f.name for f in fields if f.is_relation}
        # The defaults: those made anew for each instance (a callable, a database default), and the
        # others, the same value every time, as `Field.get_default` gives them.
        made = [f for f in fields if (f.has_default() and callable(f.default)) or f.has_db_default()]
        self.made = [(f.attname, f.get_default) for f in made]
        self.fixed = {f.attname: f.get_default() for f in fields if f not in made}
        # `Model.__init__` given every value by position only stores each in the instance's `__dict__`
        # through its field's descriptor, between the `pre_init` and `post_init` signals. When the
        # descriptors are Django's plain ones (a foreign key's only clears a cached object, which a new
        # instance has not got) and nobody listens to those signals, the values go in directly.
        self.plain = not model._meta.parents and all(
            type(inspect.getattr_static(model, f.attname)) in (DeferredAttribute, ForeignKeyDeferredAttribute)
            for f in fields
        )

    def __call__(self, **values: Any) -> M:
        return self._make(self._direct(), **values)

    def maker(self) -> Callable[..., M]:
        """A function that makes instances as this builder does, having asked once, now, whether anyone
        listens to `pre_init`/`post_init` (the builder itself asks for every instance): for a batch
        made at once, with no receiver connected in between."""
        return functools.partial(self._make, self._direct())

    def _direct(self) -> bool:
        return self.plain and not (pre_init.has_listeners(self.model) or post_init.has_listeners(self.model))

    def _make(self, direct: bool, /, **values: Any) -> M:
        if not self.accepted.issuperset(values):
            unknown = ", ".join(sorted(values.keys() - self.accepted))
            raise TypeError(f"{self.model.__name__}() got unexpected keyword arguments: {unknown}")
        related = []
        for name, attname, target, field in self.relations:
            if name in values:
                obj = values.pop(name)
                values[attname] = None if obj is None else getattr(obj, target)
                related.append((field, obj))
        if direct:
            instance = self.model.__new__(self.model)
            instance._state = ModelState()
            attributes = instance.__dict__
            attributes.update(self.fixed)
            for name, default in self.made:
                if name not in values:
                    attributes[name] = default()
            attributes.update(values)
        else:
            instance = self.model(*[values[name] if name in values else default() for name, default in self.columns])
        for field, obj in related:
            field.set_cached_value(instance, obj)
        return instance
