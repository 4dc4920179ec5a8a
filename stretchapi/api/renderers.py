"""JSON rendering with orjson: the same bytes as DRF's `JSONRenderer`, at a fraction of its CPU.

DRF's renderer runs `json.dumps` with its `JSONEncoder` in pure Python for
anything that is not a plain type; a 40-hold session or an exercise detail
spent more time there than in its queries. orjson writes the same compact
UTF-8 document. What differs between the two is handed back to DRF's rules:

- dates, times, decimals, UUIDs and lazy strings go through DRF's encoder
  (`default`), so a datetime keeps DRF's `Z` and millisecond form;
- U+2028 and U+2029 are escaped, as DRF does for JSONP safety;
- an indented answer (`Accept: application/json; indent=4`) and values
  orjson refuses (integers beyond 64 bits, non-string keys) fall back to
  DRF's renderer, so every answer DRF could give is still given;
- an `orjson.Fragment` (JSON already written, as the session pages' holds
  are by PostgreSQL) goes out as it is; for an indented answer it is read
  back first, as DRF's renderer cannot write it.
"""

from __future__ import annotations

import json

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _default(value):
    return _ENCODER.default(value)


def dumps(data) -> bytes:
    """`data` as DRF's compact, UTF-8 JSON would write it (raises `TypeError` when orjson cannot)."""
    content = orjson.dumps(data, default=_default, option=_OPTIONS)
    if b"\xe2\x80\xa8" in content or b"\xe2\x80\xa9" in content:
        content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return content


# Where orjson's text may differ from `json.dumps`'s. Text: anything beyond printable ASCII (escaped
# by `json.dumps`, DEL included; written as it is by orjson) — found in the text itself, in C. Numbers:
# a float outside [1e-4, 1e16) (`0.00001` by orjson, `1e-05` by `repr`; past 1e16 both turn to an
# exponent, not always alike), NaN and the infinities (`null` by orjson) — found in the data, not the
# text, where an exponent's digits could not be told from a string's ("…3e…" in a UUID). Zero and
# every float inside that range are written alike (the shortest digits that read back, in decimal
# form): checked over 2.6 million floats, random bit patterns, decimals and the neighbours of each
# boundary (`tests/stretchapi/test_renderers.py` keeps a hypothesis property and the edges). An
# integer beyond 64 bits makes orjson raise.
_FLOATS_ALIKE = (1e-4, 1e16)
_SCALARS = frozenset({str, int, bool, type(None)})


def _numbers_alike(data) -> bool:
    """Whether orjson writes every number of `data` (a parsed JSON body: dicts, lists, text, numbers,
    booleans, null) as `json.dumps` does; anything else is not vouched for. A dict or list of text,
    integers, booleans and nulls only (a hold) is passed over in C: the kinds of its values, as a set."""
    low, high = _FLOATS_ALIKE
    pending = [data if type(data) is dict or type(data) is list else [data]]
    pop, push = pending.pop, pending.append
    while pending:
        container = pop()
        values = container.values() if type(container) is dict else container
        if _SCALARS.issuperset(map(type, values)):
            continue
        for value in values:
            kind = type(value)
            if kind is dict or kind is list:
                push(value)
            elif kind is float:
                if not (low <= abs(value) < high or value == 0.0):  # NaN fails both
                    return False
            elif kind not in _SCALARS:
                return False
    return True


def canonical_json(data) -> str:
    """`json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)`, character for character
    (a fingerprint of stored content is a hash of it), written by orjson unless the text could differ.

    For a parsed JSON body — the only input — that is nearly always: keys sorted, compact, ASCII.
    `json.dumps` sorted the 40-hold upload's keys in C too, but took several times as long."""
    try:
        fast = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        fast = None
    if fast is not None and fast.isascii() and b"\x7f" not in fast and _numbers_alike(data):
        return fast.decode()
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


class OrjsonRenderer(JSONRenderer):
    """`application/json`, as `JSONRenderer` renders it (same media type, format and schema)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(_plain(data), accepted_media_type, renderer_context)
        try:
            return dumps(data)
        except (TypeError, orjson.JSONEncodeError):
            return super().render(data, accepted_media_type, renderer_context)


def _plain(data):
    """`data` without `orjson.Fragment`s (JSON some answers hold already written, e.g. by the
    database), for DRF's renderer, which knows none: the values DRF would write, read back."""
    try:
        return orjson.loads(dumps(data))
    except (TypeError, orjson.JSONEncodeError):
        return data
