"""The orjson renderer writes what DRF's JSONRenderer writes, byte for byte."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

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


def test_nothing_renders_as_an_empty_body():
    assert OrjsonRenderer().render(None) == b""
