"""The orjson renderer writes what DRF's JSONRenderer writes, byte for byte."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import orjson
import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from catalog.choices import Side
from stretchapi.api.renderers import OrjsonRenderer

VALUES = [
    {"a": 1, "b": [1, 2.5, None, True, False], "c": {"d": "é ✓ 🧘"}},
    {"at": datetime(2026, 11, 23, 7, 30, 0, 123456, tzinfo=UTC), "day": date(2026, 11, 23), "t": time(7, 30, 1)},
    {"at": datetime(2026, 11, 23, 7, 30, tzinfo=UTC), "naive": datetime(2026, 11, 23, 7, 30)},
    {"id": uuid.UUID("7d1c8e4a-3b9f-4c2e-9a51-0f6b2d8e4c11"), "value": Decimal("74.50"), "span": timedelta(seconds=90)},
    {"lazy": gettext_lazy("Invalid token."), "side": Side.LEFT, "tuple": (1, 2)},
    {"separators": "line\u2028and paragraph\u2029", "quote": '"\\/'},
    [{"float": 0.1 + 0.2, "big": 2**53 + 1, "neg": -0.0, "value": 74.0}],
    {"beyond 64 bits": 2**70},
    "plain",
]


@pytest.mark.parametrize("data", VALUES)
def test_renders_the_same_bytes_as_drf(data):
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_an_indented_answer_is_left_to_drf():
    rendered = OrjsonRenderer().render({"a": [1]}, "application/json; indent=2")

    assert rendered == JSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert rendered == b'{\n  "a": [\n    1\n  ]\n}'


def test_json_already_written_goes_out_as_it_is_and_is_read_back_for_an_indented_answer():
    data = {"holds": orjson.Fragment('[{"id":"a","n":1.5}]'), "at": "2026-11-30T10:00:00Z"}

    assert OrjsonRenderer().render(data) == b'{"holds":[{"id":"a","n":1.5}],"at":"2026-11-30T10:00:00Z"}'
    indented = OrjsonRenderer().render(data, "application/json; indent=2")
    plain = {"holds": [{"id": "a", "n": 1.5}], "at": "2026-11-30T10:00:00Z"}
    assert indented == JSONRenderer().render(plain, "application/json; indent=2")


def test_nothing_renders_as_an_empty_body():
    assert OrjsonRenderer().render(None) == b""


# The canonical text of a parsed body ---------------------------------------------------------

import json  # noqa: E402
import math  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from stretchapi.api.renderers import canonical_json  # noqa: E402


def reference(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


# What a JSON body parses into: any text (control characters, quotes, backslashes, beyond ASCII,
# UUIDs, numbers written as text), any float (NaN and the infinities too: `json.loads` reads them),
# floats near the bounds where orjson and `repr` part ways, integers of any size, nested at will.
_near_bounds = st.sampled_from([1e-4, 1e16, 5e-324, 1.7976931348623157e308]).flatmap(
    lambda bound: st.integers(-3, 3).map(lambda steps: _stepped(bound, steps))
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | _near_bounds
    | (_near_bounds.map(lambda x: -x))
    | st.text()
    | st.uuids().map(str)
    | st.floats().map(repr)
)


def _stepped(value: float, steps: int) -> float:
    for _ in range(abs(steps)):
        value = math.nextafter(value, math.inf if steps > 0 else -math.inf)
    return value


_bodies = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5), max_leaves=40
)


@settings(max_examples=400, deadline=None)
@given(_bodies)
def test_the_canonical_text_is_json_dumps_sorted_and_compact(data):
    assert canonical_json(data) == reference(data)


@pytest.mark.parametrize(
    "value",
    [1e16, 1e15, 123456789012345.6, 1234567890123456.7, 1e-4, 1e-5, 9.999e-5, 0.00012, 1.5e-7, 1.23e22, 5e-324,
     1.7976931348623157e308, -0.0, 0.1 + 0.2,
     2**63 - 1, 2**63, 2**64, -(2**63), 10**30, "\x00\x1f\x7f\"\\/", "é", "\u2028", "1e5", "a" * 20],
)  # fmt: skip
def test_edges_of_numbers_and_text(value):
    data = {"b": [value, {"z": value, "a": None}], "a": value}
    assert canonical_json(data) == reference(data)


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), -float("inf"), math.nextafter(1e-4, 0), math.nextafter(1e16, 0), -1e-4, 1e-4,
     math.nextafter(-1e16, 0), -1e16, 2.2250738585072014e-308, -5e-324, 0.0, (1.5, 1e20), uuid.UUID(int=0x3E),
     datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), Decimal("1.5"), Side.LEFT, 7.5, [7.5, {"x": 1e-7}]],
)  # fmt: skip
def test_the_bounds_of_floats_and_values_no_json_body_holds(value):
    """Floats just inside and outside [1e-4, 1e16), NaN and the infinities (`null` by orjson), tuples,
    and values only `default=str` writes: each alone and deep in a body, as `json.dumps` writes it."""
    for data in (value, [value], {"a": [{"b": value}], "c": 3}):
        assert canonical_json(data) == reference(data)


def test_a_body_whose_uuid_reads_like_an_exponent_takes_the_fast_path(monkeypatch):
    """ "…3e4…" in a UUID or "1e5" in a note is text, not a number: no reason for `json.dumps`."""
    body = {"id": "0d3e4a5f-93e1-4c2e-8e0f-5e1b2c3d4e5f", "notes": "1e5 0.00001 12345678901234567",
            "holds": [{"held_seconds": 30, "intensity": 4, "pain": None, "done": True}],
            "measurements": [{"value": 72.5}, {"value": 1e-4}, {"value": 9999999999999998.0},
                             {"value": 0.0}]}  # fmt: skip
    expected = reference(body)
    monkeypatch.setattr(json, "dumps", lambda *args, **kwargs: pytest.fail("json.dumps was called"))
    assert canonical_json(body) == expected


def test_an_upload_body_takes_the_fast_path(monkeypatch):
    """The common body (ASCII, plain numbers) is written by orjson, not by `json.dumps`."""
    body = {"id": "5c1b…"[:4], "holds": [{"exercise": "hamstring-stretch", "held_seconds": 30, "intensity": 4}],
            "measurements": [{"value": 72.5, "unit": "deg"}], "notes": "Felt fine", "ended_at": None}  # fmt: skip
    expected = reference(body)
    monkeypatch.setattr(json, "dumps", lambda *args, **kwargs: pytest.fail("json.dumps was called"))
    assert canonical_json(body) == expected
