"""Fields shared by the sessions API's serializers: strict timestamps and decimals, the 0–10 scales."""

from __future__ import annotations

from rest_framework import serializers

from sessions.limits import INTENSITY
from stretchapi.api.serializers import StrictIntegerField
from stretchapi.inputs import InputError, parse_moment


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp with its UTC offset, within years 2000–2100, read by `stretchapi.inputs.parse_moment`.

    A naive time is ambiguous and refused; so is any time outside the range, which keeps the
    rules' arithmetic (minutes of tolerance either side) away from the edges of Python's datetime.
    """

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601 string")
        try:
            return parse_moment(value)
        except InputError as exc:
            if exc.code == "invalid":
                self.fail("invalid", format="ISO 8601 string")
            raise serializers.ValidationError(exc.message, code=exc.code) from exc


class StrictDecimalField(serializers.DecimalField):
    """A decimal sent as a JSON number (not a string)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(str(data))


def intensity_field(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=INTENSITY[0], max_value=INTENSITY[1], **kwargs)


MOMENT = serializers.DateTimeField()  # how every timestamp is written out
