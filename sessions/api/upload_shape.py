"""A session upload's shape and types, checked by a compiled msgspec schema before DRF's serializers.

Checking 40 holds field by field through nested DRF serializers cost about a
third of an upload's CPU. `upload_validated` converts the body with msgspec
types built *from* `SessionUploadSerializer`'s own fields (names, required or
not, defaults, null, bounds, choices, list lengths), so a change to a
declaration changes the fast path with it, and a field of a kind this module
does not know stops the import.

The fast path only ever says yes. Whenever it has the least doubt — a wrong
type, a bound crossed, an unknown field, a string DRF would trim — it returns
None and the view runs the serializer, which answers exactly as before (the
same problems, field paths and codes), because it is the one that answers.
What the fast path accepts, the serializer accepts too, with the same
validated data, key for key: `tests/sessions/test_upload_shape.py` holds the
two to that over the upload corpus and hypothesis-generated bodies. Decimals
go through DRF's own field, and a serializer's own `validate` (the
measurement's kind, unit and range together) runs as DRF runs it; stop events
(rare) go through their serializer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
from rest_framework import serializers
from rest_framework.fields import empty

from stretchapi.api.serializers import StrictCharField, StrictIntegerField, StrictUUIDField
from stretchapi.inputs import InputError, parse_moment

from .serializers.fields import AwareDateTimeField, StrictDecimalField
from .serializers.logbook import SessionUploadSerializer


class Refused(Exception):
    """The fast path cannot vouch for a value: the serializer decides."""


def _text(field: StrictCharField) -> Callable[[str], str]:
    def check(value: str) -> str:
        # DRF trims, refuses blank (unless allowed), NUL and surrogate characters: leave all that to it.
        if value != value.strip() or "\x00" in value or (not value and not field.allow_blank):
            raise Refused
        if not value.isascii() and any("\ud800" <= c <= "\udfff" for c in value):  # ASCII has no surrogate
            raise Refused
        return value

    return check


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(hex=value)
    except ValueError:
        raise Refused from None


def _moment(value: str):
    try:
        return parse_moment(value)
    except InputError:
        raise Refused from None


def _same(value):
    return value


def _own(field: serializers.Field) -> Callable:
    """The field's own validation, for a value of the right JSON type."""

    def check(value):
        try:
            return field.run_validation(value)
        except serializers.ValidationError:
            raise Refused from None

    return check


def _scalar(field: serializers.Field) -> tuple[Any, Callable]:
    """The msgspec type of one DRF field, and what turns a value of it into DRF's validated value."""
    if isinstance(field, StrictIntegerField):
        bounds = {"ge": field.min_value, "le": field.max_value}
        return Annotated[int, msgspec.Meta(**{k: v for k, v in bounds.items() if v is not None})], _same
    if isinstance(field, StrictCharField):
        length = {} if field.max_length is None else {"max_length": field.max_length}
        return Annotated[str, msgspec.Meta(**length)], _text(field)
    if isinstance(field, StrictUUIDField):
        return str, _uuid
    if isinstance(field, AwareDateTimeField):
        return str, _moment
    if isinstance(field, StrictDecimalField):  # digits, places and rounding: DRF's own field decides
        return int | float, _own(field)
    if type(field) is serializers.ChoiceField and not field.allow_blank:
        values = tuple(str(key) for key in field.choices if isinstance(key, str))  # an enum member: its value
        if len(values) != len(field.choices):
            raise TypeError(f"{field.field_name}: only string choices have a fast path")
        return Literal[values], field.choice_strings_to_values.__getitem__  # DRF's value for the string
    raise TypeError(f"{type(field).__name__} ({field.field_name}) has no fast path: add it, or leave it to DRF")


class _Shape:
    """A msgspec struct type built from a serializer's fields, and what builds DRF's validated dict from it."""

    def __init__(self, name: str, serializer: serializers.Serializer, nested: dict[str, _Shape]):
        self.fields = []  # (name, DRF field, converter or nested shape)
        struct_fields = []
        for field_name, field in serializer.fields.items():
            if field.read_only:
                continue
            if field.source != field_name:
                raise TypeError(f"{field_name}: a field with another source has no fast path")
            if field_name in nested and not isinstance(nested[field_name], _Shape):
                kind, convert = Any, None  # a list the fast path leaves to its serializer
            elif isinstance(field, serializers.ListSerializer):
                shape = nested[field_name]
                length = {} if field.max_length is None else {"max_length": field.max_length}
                if field.min_length is not None or not field.allow_empty or field.allow_null:
                    raise TypeError(f"{field_name}: only plain lists have a fast path")
                kind, convert = Annotated[list[shape.struct], msgspec.Meta(**length)], shape
            else:
                kind, convert = _scalar(field)
            if field.allow_null:
                kind = kind | None
            optional = not field.required
            struct_fields.append(
                (field_name, kind | msgspec.UnsetType, msgspec.UNSET) if optional else (field_name, kind)
            )
            self.fields.append((field_name, field, convert))
        struct_fields.sort(key=lambda f: len(f) == 3)  # required fields first, as Python demands
        self.struct = msgspec.defstruct(name, struct_fields, forbid_unknown_fields=True)
        # The serializer's own `validate` (a rule across its fields), run as DRF runs it: last.
        overridden = type(serializer).validate is not serializers.Serializer.validate
        self.validate = serializer.validate if overridden else None

    def __call__(self, value: msgspec.Struct) -> dict[str, Any]:
        data = {}
        for name, field, convert in self.fields:
            item = getattr(value, name)
            if convert is _same and item is not None and item is not msgspec.UNSET:  # most values: ints
                data[name] = item
            elif item is msgspec.UNSET:
                if field.default is empty:
                    continue
                data[name] = field.get_default()
            elif item is None:
                if not field.allow_null:
                    raise Refused
                data[name] = None
            elif convert is None:  # validated by its own serializer
                try:
                    data[name] = field.run_validation(item)
                except serializers.ValidationError:
                    raise Refused from None
            elif isinstance(convert, _Shape):
                data[name] = [convert(element) for element in item]
            else:
                data[name] = convert(item)
        if self.validate is not None:
            try:
                data = self.validate(data)
            except serializers.ValidationError:
                raise Refused from None
        return data


_UPLOAD = SessionUploadSerializer()
_HOLD = _Shape("HoldUpload", _UPLOAD.fields["holds"].child, {})
_MEASUREMENT = _Shape("MeasurementUpload", _UPLOAD.fields["measurements"].child, {})
_SESSION = _Shape("SessionUpload", _UPLOAD, {"holds": _HOLD, "stop_events": "serializer", "measurements": _MEASUREMENT})


def upload_validated(body: Any) -> dict[str, Any] | None:
    """`SessionUploadSerializer(data=body).validated_data` when the fast path can vouch for `body`, else None."""
    if not isinstance(body, dict):
        return None
    try:
        return _SESSION(msgspec.convert(body, type=_SESSION.struct))
    except (msgspec.ValidationError, Refused):
        return None
