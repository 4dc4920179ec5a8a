"""JSON written by PostgreSQL: a template of plain Python values and SQL leaves, compiled to one SQL
text expression whose value, for each row, is the JSON `json.dumps(…, separators=(",", ":"),
ensure_ascii=False)` writes for the same document.

A template is a dict, list, str, int, float, bool or None (written as they are) holding leaves:

- `value(sql, kind)`: a value of the row — `string` (escaped by PostgreSQL's `to_json`, as
  Python escapes it), `plain` (a string with nothing to escape by its type: uuids, our
  timestamps, pseudonyms), `number`, `boolean`, or `json` (a `json` value PostgreSQL wrote
  compactly, e.g. by `array_to_json`, taken as it is); null when the expression is NULL;
- `when(guard, template)`: the template, or — when `guard` is NULL — nothing: the key is left
  out of its object, the element out of its array;
- `choice(sql, {text: template, …})`: the constant template of the expression's value
  (a `CASE`), null for any other value.

Everything constant is written once, by `json.dumps` itself, as a parameter; rows only add
their values. `utc_moment(sql)` is a timestamp's text as the API writes it in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_KINDS = {
    "string": "to_json({sql})::text",
    "plain": "'\"' || ({sql}) || '\"'",
    "number": "({sql})::text",
    "boolean": "({sql})::text",
    "json": "({sql})::text",
}


def utc_moment(sql: str) -> str:
    """The text of the timestamp `sql` as `datetime.isoformat()` writes it in UTC, with `Z` for
    `+00:00` (DRF's and the API's form): the microseconds only when there are any. NULL stays NULL."""
    # One `to_char` with the microseconds, which are dropped when they are none (nothing else in the
    # text can read ".000000"): a third of the server CPU of two calls and an `extract`.
    return f"""replace(to_char({sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z'"""


@dataclass(frozen=True)
class Value:
    sql: str
    kind: str


@dataclass(frozen=True)
class When:
    guard: str
    template: Any


@dataclass(frozen=True)
class Choice:
    sql: str
    cases: Mapping[str, Any]


def value(sql: str, kind: str) -> Value:
    if kind not in _KINDS:
        raise ValueError(f"Unknown JSON kind {kind!r}: one of {', '.join(_KINDS)}.")
    return Value(sql, kind)


def when(guard: str, template: Any) -> When:
    return When(guard, template)


def choice(sql: str, cases: Mapping[str, Any]) -> Choice:
    return Choice(sql, cases)


def _constant(template: Any) -> bool:
    if isinstance(template, Value | When | Choice):
        return False
    if isinstance(template, dict):
        return all(_constant(v) for v in template.values())
    if isinstance(template, list | tuple):
        return all(_constant(v) for v in template)
    return True


def _dumps(template: Any) -> str:
    return json.dumps(template, ensure_ascii=False, separators=(",", ":"))


class _Parts:
    """Pieces of the JSON text: constant text (merged as it comes) and SQL expressions."""

    def __init__(self) -> None:
        self.items: list[tuple[bool, str]] = []  # (is_sql, text or expression)
        self.params: list[str] = []

    def text(self, text: str) -> None:
        if self.items and not self.items[-1][0]:
            self.items[-1] = (False, self.items[-1][1] + text)
        elif text:
            self.items.append((False, text))

    def sql(self, expression: str, params: list[str] | None = None) -> None:
        self.items.append((True, expression))
        self.params.extend(params or [])

    def compile(self) -> tuple[str, list[str]]:
        """The pieces joined by `||`; constant text goes as parameters, in order.

        No piece is NULL (values are COALESCEd to `null`, optional ones to ''), so `||` never
        yields NULL. Measured against `concat()`, `format()` and `array_to_string()` on 300 k
        holds, `||` took the least server CPU (concat() looks up each argument's output function
        on every row).
        """
        arguments, params, sql_params = [], [], iter(self.params)
        for is_sql, item in self.items:
            if is_sql:
                arguments.append(f"({item})")
                params.extend(next(sql_params) for _ in range(item.count("%s")))
            else:
                arguments.append("%s::text")
                params.append(item)
        return " || ".join(arguments), params


def compile_json(template: Any) -> tuple[str, list[str]]:
    """The SQL text expression writing `template`'s JSON, and its parameters."""
    parts = _Parts()
    _write(parts, template)
    return parts.compile()


def _write(parts: _Parts, template: Any) -> None:
    if _constant(template):
        parts.text(_dumps(template))
    elif isinstance(template, Value):
        parts.sql(f"COALESCE({_KINDS[template.kind].format(sql=template.sql)}, 'null')")
    elif isinstance(template, Choice):
        cases, params = [], []
        for key, case in template.cases.items():
            if not _constant(case):
                raise ValueError("A choice's cases are constant templates.")
            cases.append("WHEN %s THEN %s::text")
            params += [key, _dumps(case)]
        parts.sql(f"COALESCE(CASE {template.sql} {' '.join(cases)} END, 'null')", params)
    elif isinstance(template, When):
        raise ValueError("`when` stands for a key's value or an array's element, not a whole document.")
    elif isinstance(template, dict):
        _container(parts, "{", "}", [(_dumps(k) + ":", v) for k, v in template.items()])
    elif isinstance(template, list | tuple):
        _container(parts, "[", "]", [("", v) for v in template])
    else:  # pragma: no cover - _constant() takes every other value
        raise TypeError(template)


def _container(parts: _Parts, opening: str, closing: str, members: list[tuple[str, Any]]) -> None:
    """An object's members (`"key":` prefixes) or an array's elements; optional ones (`when`)
    carry their comma: after them before the first member that is always there, before them after it."""
    if all(isinstance(member, When) for _, member in members):
        raise ValueError("An object or array needs one member that is always there.")
    parts.text(opening)
    seen_fixed = False
    for prefix, member in members:
        if isinstance(member, When):
            inner = _Parts()
            inner.text("," if seen_fixed else "")
            inner.text(prefix)
            _write(inner, member.template)
            inner.text("" if seen_fixed else ",")
            expression, params = inner.compile()
            parts.sql(f"COALESCE(CASE WHEN ({member.guard}) IS NOT NULL THEN {expression} END, '')", params)
        else:
            parts.text("," if seen_fixed else "")
            parts.text(prefix)
            _write(parts, member)
            seen_fixed = True
    parts.text(closing)
