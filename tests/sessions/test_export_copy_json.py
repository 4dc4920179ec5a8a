"""NDJSON and FHIR from PostgreSQL's COPY against the Python iterator, the reference: the same lines,
key for key and value for value, in the same order, for every dataset and audience."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from fhir.resources.R4B import get_fhir_model_class

from sessions.exports import streams
from sessions.exports.datasets import ANALYST, DATASETS, ExportFilters, trainer_audience
from stretchapi.jsonsql import choice, compile_json, value, when
from tests.sessions.exports_world import HARD_TEXT, add_hard_cases

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY … TO STDOUT exists only on PostgreSQL"),
]


@pytest.fixture
def hard_world(world):
    add_hard_cases(world)
    return world


def lines(body: bytes) -> list[dict]:
    assert body.endswith(b"\n")
    return [json.loads(line) for line in body[:-1].split(b"\n")]  # not splitlines(): U+2028 is not a line end


def both_paths(dataset: str, fmt: str, audience, chunk_bytes: int = 256):
    filters = ExportFilters(since=datetime(2025, 10, 1, tzinfo=UTC), until=datetime.now(UTC) + timedelta(days=1))
    from_copy = list(streams.copy_chunks(dataset, filters, audience, chunk_bytes=chunk_bytes, fmt=fmt))
    from_python = list(streams.python_chunks(dataset, fmt, filters, audience, chunk_bytes=chunk_bytes))
    return from_copy, from_python


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("audience_kind", ["analyst", "trainer"])
@pytest.mark.parametrize("fmt", ["ndjson", "fhir"])
def test_copy_json_equals_iterator_json_line_by_line(hard_world, dataset, audience_kind, fmt):
    audience = ANALYST if audience_kind == "analyst" else trainer_audience(hard_world.trainer)

    from_copy, from_python = both_paths(dataset, fmt, audience)

    copy_body, python_body = b"".join(c for c, _ in from_copy), b"".join(c for c, _ in from_python)
    copied, reference = lines(copy_body), lines(python_body)
    assert len(copied) == len(reference) >= 5
    for number, (line, expected) in enumerate(zip(copied, reference, strict=True)):
        assert line == expected, f"line {number}"
        assert list(line) == list(expected), f"line {number}: keys in another order"
    assert copy_body == python_body  # and byte for byte: the same compact JSON
    assert sum(n for _, n in from_copy) == sum(n for _, n in from_python)


@pytest.mark.parametrize("fmt", ["ndjson", "fhir"])
def test_copy_json_times_do_not_depend_on_the_connections_time_zone(hard_world, fmt):
    in_utc, _ = both_paths("holds", fmt, ANALYST)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', 'America/New_York', true)")  # until the test's rollback
    in_new_york, _ = both_paths("holds", fmt, ANALYST)

    assert b"".join(c for c, _ in in_new_york) == b"".join(c for c, _ in in_utc)
    utc = b"".join(c for c, _ in in_utc)
    assert b'"2026-03-29T01:00:01.000001Z"' in utc
    assert b'"2025-11-02T05:30:00Z"' in utc and b'"2025-11-02T06:30:00Z"' in utc  # New York's two 01:30s


def test_the_hard_texts_survive_copy_exactly(hard_world):
    from_copy, _ = both_paths("stop-events", "ndjson", trainer_audience(hard_world.trainer))

    notes = [row["note"] for row in lines(b"".join(c for c, _ in from_copy))]
    assert notes.count(HARD_TEXT) == 4
    holds, _ = both_paths("holds", "ndjson", trainer_audience(hard_world.trainer))
    names = {row["client_name"] for row in lines(b"".join(c for c, _ in holds))}
    assert 'Zoë \\ "Z" 🧘' in names


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("audience_kind", ["analyst", "trainer"])
def test_copy_fhir_resources_validate(hard_world, dataset, audience_kind):
    audience = ANALYST if audience_kind == "analyst" else trainer_audience(hard_world.trainer)

    from_copy, _ = both_paths(dataset, "fhir", audience)

    resources = lines(b"".join(c for c, _ in from_copy))
    assert resources
    for resource in resources:
        parsed = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert parsed.id == resource["id"]


@pytest.mark.parametrize("chunk_bytes", [1, 700, 1 << 20])
def test_copy_fhir_rows_are_counted_whatever_the_chunks(hard_world, chunk_bytes):
    from_copy, from_python = both_paths("holds", "fhir", ANALYST, chunk_bytes=chunk_bytes)

    resources = b"".join(c for c, _ in from_copy).count(b"\n")
    holds = sum(n for _, n in from_copy)
    assert holds == sum(n for _, n in from_python) == 13  # 5 in the world, 8 of Zoë's
    assert resources == holds + 1 + 4  # and a pain observation per rated hold: Casey's one, Zoë's four


JSONSQL_CASES = [
    # (the values a row has, the template over them, what Python writes for that row)
    ({"s": 'a"b\\c\n', "n": None}, lambda: {"s": value("s", "string"), "n": value("n", "number")},
     {"s": 'a"b\\c\n', "n": None}),
    ({"p": None, "x": 3}, lambda: [when("p", value("p", "number")), value("x", "number"), when("p", 1)], [3]),
    ({"p": 2, "x": 3}, lambda: [when("p", value("p", "number")), value("x", "number"), when("p", {"k": [1]})],
     [2, 3, {"k": [1]}]),
    ({"side": "left"}, lambda: {"a": choice("side", {"left": {"c": "7771000"}}), "b": when("side", True)},
     {"a": {"c": "7771000"}, "b": True}),
    ({"side": "other"}, lambda: {"a": choice("side", {"left": {"c": "7771000"}})}, {"a": None}),
    ({"t": "x"}, lambda: {"100%": "%s", "t": value("t", "plain"), "é🧘": [None, False, 1.5]},
     {"100%": "%s", "t": "x", "é🧘": [None, False, 1.5]}),
]  # fmt: skip


@pytest.mark.parametrize(("row", "template", "expected"), JSONSQL_CASES)
def test_jsonsql_writes_what_json_dumps_writes(row, template, expected):
    expression, params = compile_json(template())
    columns = ", ".join(f"%s::{'int' if isinstance(v, int) else 'text'} AS {k}" for k, v in row.items())

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression} FROM (SELECT {columns}) AS r", [*params, *row.values()])  # noqa: S608
        written = cursor.fetchone()[0]

    assert written == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


def test_jsonsql_refuses_a_container_with_only_optional_members():
    with pytest.raises(ValueError, match="always there"):
        compile_json({"a": when("x", 1)})
