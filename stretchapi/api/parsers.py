"""The one JSON parser of the API: it refuses what the standard library lets through.

- **Nesting deeper than `JSON_MAX_DEPTH`** (32 arrays or objects inside one
  another). Python's decoder recurses once per level, so 2 KB of `[` raise
  `RecursionError` (a 500). The raw text is scanned first, counting brackets
  outside strings without recursion, and refused as a 400 `json_too_deep`.
  The deepest body the API takes, an exercise in the catalog editing API, is
  4 levels deep (the deepest file under `catalog/data/exercises/`); 32 leaves room.
- **A key written twice in one object.** Python keeps the last and drops the
  first silently (`"notes"` twice, `"email"` twice at sign-up); the caller
  meant one of them and the service cannot know which. Refused as a 400
  `duplicate_key`, its `errors` entry naming the key's path (`holds[0].notes`).
- **A lone UTF-16 surrogate** (`"\\ud800"`): Python decodes it into a str that
  cannot be encoded as UTF-8, so it would fail deep inside a write or a
  response. Refused as a 400 `parse_error`.
- `NaN` and `Infinity`, which are not JSON (DRF's strict mode): `parse_error`.

The checks after decoding walk the value with an explicit stack, never by
recursion, and only when the decoding saw a duplicated key or the text may
hold a surrogate: the common body is not walked at all.

A UTF-8 body with no backslash is first decoded by orjson (in C: a 40-hold
upload's 10 KB in a tenth of the time `json.loads` takes with a Python hook
on every object), and that value is taken only when it must be what the
path above gives (`decoded_fast`): with no escape there is no surrogate,
orjson refuses `NaN` and `Infinity`, a run of 19 digits (where orjson would
read an integer beyond 64 bits as a float) is left to the path above, and
a key written twice shows as quotes and a colon missing from the value
written again.
Anything else takes the path above, with its own errors.
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
from typing import Any

import orjson
from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# Our choice: the deepest body the API takes is 4 levels (a catalog exercise); 32 is far above it and
# far below Python's recursion limit. `settings.JSON_MAX_DEPTH` overrides it.
JSON_MAX_DEPTH = 32

# A JSON string, escapes included: the brackets inside it are not the structure's.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Every byte of UTF-8 text but the brackets (and the double quote); none is part of a longer character.
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_NOT_BRACKET_NOR_QUOTE = bytes(sorted(set(range(256)) - set(b'[]{}"')))
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


# A decoded str holds a lone surrogate only if the text had one, or wrote one as an escape (`\\udc00`;
# this also matches an escaped backslash followed by such letters, which merely costs the walk).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BodyRefused(ParseError):
    """A body that decodes but that the service refuses; shaped like `errors.ApiError` (a `title`, an
    `extra`), which this module cannot import: `errors` imports DRF's views, which import this parser."""

    title = "Invalid request."

    def __init__(self, detail: str | None = None, *, extra: dict[str, Any] | None = None):
        super().__init__(detail=detail, code=self.default_code)
        self.extra = extra or {}


class JSONTooDeep(BodyRefused):
    default_code = "json_too_deep"
    default_detail = "The JSON body nests arrays and objects too deeply."


class DuplicateKey(BodyRefused):
    default_code = "duplicate_key"
    default_detail = "The JSON body has a key twice in one object."


def max_depth() -> int:
    return getattr(settings, "JSON_MAX_DEPTH", JSON_MAX_DEPTH)


def check_depth(text: str, limit: int) -> None:
    """Refuse text whose arrays and objects nest deeper than `limit`, before it is decoded.

    Text with no more than `limit` opening brackets cannot nest deeper. Otherwise the strings are
    dropped, and everything but the brackets (`bytes.translate`, in C). With no backslash in the
    text, a string is what lies between a quote and the next one: of the pieces between quotes,
    the even ones are outside strings, and so is the last when it follows a quote with no partner
    (which opens no string). A text with a backslash has its strings, escapes included, blanked by
    a regex first; a quote left then opens no string. The depth is the highest running count of
    opened less closed brackets.
    """
    if text.count("[") + text.count("{") <= limit:
        return
    if "\\" in text:
        brackets = _STRING.sub("", text).encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKET)
    else:
        pieces = text.encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKET_NOR_QUOTE).split(b'"')
        brackets = b"".join(pieces[::2] if len(pieces) % 2 else [*pieces[::2], pieces[-1]])
    if max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit:
        raise JSONTooDeep(f"Arrays and objects may nest at most {limit} levels deep.")


class _Duplicated(dict):
    """An object in which `key` was written more than once."""

    key: str


def _object(pairs: list[tuple[str, Any]]) -> dict:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    duplicated = _Duplicated(value)
    duplicated.key = next(key for key, _ in pairs if key in seen or seen.add(key))
    return duplicated


def _path(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_value(data: Any) -> None:
    """Refuse a decoded value holding a duplicated key or a lone surrogate (walked with a stack)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not _is_text(value):
                raise ParseError("The body contains text that is not valid Unicode (a lone surrogate).")
        elif isinstance(value, dict):
            if isinstance(value, _Duplicated):
                field = _path(path, value.key)
                message = f"The key '{value.key}' appears more than once in this object; send it once."
                raise DuplicateKey(
                    f"Duplicate key: {field}.",
                    extra={"errors": [{"field": field, "code": "duplicate_key", "message": message}]},
                )
            for key, item in reversed(value.items()):
                if not _is_text(key):
                    raise ParseError("The body contains text that is not valid Unicode (a lone surrogate).")
                stack.append((_path(path, key), item))
        elif isinstance(value, list):
            stack.extend((_path(path, index), item) for index, item in reversed(list(enumerate(value))))


# Where orjson and `json.loads` could differ on text they both take: an integer beyond 64 bits
# (orjson gives a float, json an int) needs a run of 19 digits. Each byte of the text maps to `0`
# if it is a digit, to a space if not, and the run is then a plain substring search.
_DIGITS_AS_ZERO = bytes(ord("0") if chr(byte).isdigit() and byte < 128 else ord(" ") for byte in range(256))
_NINETEEN_DIGITS = b"0" * 19
_NOT_COLON_NOR_QUOTE = bytes(sorted(set(range(256)) - set(b':"')))


_SLOW = object()


def decoded_fast(text: str, raw: bytes) -> Any:
    """`raw` (the UTF-8 of `text`) decoded by orjson when that must be what `JSONParser` would give,
    else `_SLOW`: the text has no backslash (no escape, so no surrogate) and no run of 19 digits, and
    orjson takes it. A key written twice is found by writing the value again: with no backslash in
    the text, orjson writes each string as it was written, so the quotes and colons of the two texts,
    in order, are the same unless a key (with its value) was dropped."""
    if "\\" in text or _NINETEEN_DIGITS in raw.translate(_DIGITS_AS_ZERO):
        return _SLOW
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _SLOW
    again = orjson.dumps(value)
    return value if again.translate(None, _NOT_COLON_NOR_QUOTE) == raw.translate(None, _NOT_COLON_NOR_QUOTE) else _SLOW


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        raw = stream.read()
        try:
            text = codecs.decode(raw, encoding)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        check_depth(text, max_depth())
        if codecs.lookup(encoding).name == "utf-8":
            value = decoded_fast(text, raw)
            if value is not _SLOW:
                return value
        duplicated = []

        def hook(pairs: list[tuple[str, Any]]) -> dict:
            value = _object(pairs)
            if type(value) is _Duplicated:
                duplicated.append(value)
            return value

        try:
            data = json.loads(text, object_pairs_hook=hook, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if duplicated or not _is_text(text) or _SURROGATE_ESCAPE.search(text):
            check_value(data)  # finds the first problem in the body's order, and names its path
        return data
