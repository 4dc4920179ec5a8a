"""Fields shared by the sessions API's serializers: strict timestamps and decimals, the 0–10 scales."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from sessions.limits import INTENSITY
from sessions.rules.values import EARLIEST_MOMENT
from stretchapi.api.serializers import StrictIntegerField


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp with its UTC offset, from 2000 on; a naive time is ambiguous and refused.

    Nobody logged a session with this app before 2000, and refusing earlier
    times keeps the checks' arithmetic (minus five minutes of tolerance) away
    from the year-1 edge of Python's datetime.
    """

    default_error_messages = {
        "naive": "Include a UTC offset, e.g. 2026-11-23T09:30:00+01:00 or …Z.",
        "too_early": "Must not be before 2000-01-01T00:00:00Z.",
    }

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601 string")
        try:
            parsed = parse_datetime(value)
        except ValueError:  # well formed but impossible, e.g. minute 99
            self.fail("invalid", format="ISO 8601 string")
        if parsed is not None and parsed.tzinfo is None:
            self.fail("naive")
        moment = super().to_internal_value(value)
        if moment < EARLIEST_MOMENT:
            self.fail("too_early")
        return moment


class StrictDecimalField(serializers.DecimalField):
    """A decimal sent as a JSON number (not a string)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(str(data))


def intensity_field(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=INTENSITY[0], max_value=INTENSITY[1], **kwargs)


MOMENT = serializers.DateTimeField()  # how every timestamp is written out
