"""Serializer building blocks shared by every input the API accepts.

DRF is lenient by default: it coerces "5" and 5.0 to 5, True to 1, and
ignores fields it does not know. An upload from a phone that sends the wrong
type or a misspelt field must be told so, not silently "fixed".
"""

from rest_framework import serializers


class StrictIntegerField(serializers.IntegerField):
    """An integer that must arrive as a JSON integer: no strings, floats or booleans."""

    default_error_messages = {"invalid": "A whole number is required (a JSON integer, not a string or a decimal)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A string that must arrive as a JSON string: numbers and booleans are not text."""

    default_error_messages = {"invalid": "A string is required."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID sent as a JSON string; DRF would also turn the integer 12345 into a UUID."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "A JSON boolean (true or false) is required."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class RejectUnknownFieldsMixin:
    """Refuse input fields the serializer does not declare (each is named in the error)."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {
                name: [serializers.ErrorDetail("This field is not part of the API.", code="unknown_field")]
                for name in sorted(set(data) - known)
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update(unknown)
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """An input serializer that refuses unknown fields; declare its fields with the strict types above."""
