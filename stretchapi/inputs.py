"""The one strict reading of each kind of scalar a caller sends: ids and moments.

Every door reads ids and times through these functions — the strict query
filters (`stretchapi/filters.py`), the sessions API's timestamp field, the
export parameters and the `export` command — so each limit below is named once
and each refusal reads the same wherever it happens.

- An **id** is ASCII digits only (`str.isdigit()` also takes `²` and `１`,
  which `int()` then refuses or misreads) and fits a 64-bit primary key.
- A **moment** is an ISO 8601 time with its UTC offset, resolved to UTC, from
  `EARLIEST_MOMENT` to `LATEST_MOMENT`. Python takes years 1–9999 and offsets
  up to ±23:59; at either end, resolving the offset or adding the rules'
  minutes of tolerance overflows. Nothing this service records lies outside
  years 2000–2100, so nothing outside them is accepted, and the arithmetic on
  accepted times never reaches those ends.

They raise `InputError` (a `ValueError` with a stable `code`); each door turns
it into its own kind of refusal naming the parameter or field.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from django.utils.dateparse import parse_datetime

# The largest id a 64-bit primary key holds; larger numbers are refused before they reach the database.
MAX_ID = 2**63 - 1
# Our choice: nobody logged a session with this app before 2000, nor will after 2100. Both inclusive.
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
RANGE_TEXT = "2000-01-01T00:00:00Z to 2100-12-31T23:59:59Z"

_DIGITS = re.compile(r"[0-9]+")


class InputError(ValueError):
    """A value refused, with a stable `code` (`invalid`, `naive`, `too_early`, `too_late`, `max_value`)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_id(text: str) -> int:
    """A row's id: ASCII digits, from 1 to MAX_ID."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        raise InputError("invalid", "An id is a whole number written with the digits 0–9.")
    value = int(text)
    if value < 1:
        raise InputError("min_value", "An id is 1 or more.")
    if value > MAX_ID:
        raise InputError("max_value", f"An id is at most {MAX_ID}.")
    return value


def check_moment(moment: datetime) -> datetime:
    """An aware datetime, in UTC, within EARLIEST_MOMENT–LATEST_MOMENT."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InputError("naive", "Include a UTC offset, e.g. 2026-11-23T09:30:00+01:00 or …Z.")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # year 1 minus an offset, year 9999 plus one: far outside the range either way
        utc = EARLIEST_MOMENT.replace(year=1) if moment.year < EARLIEST_MOMENT.year else None
    if utc is not None and utc < EARLIEST_MOMENT:
        raise InputError("too_early", f"Must lie within {RANGE_TEXT}.")
    if utc is None or utc > LATEST_MOMENT:
        raise InputError("too_late", f"Must lie within {RANGE_TEXT}.")
    return utc


def check_day(day: date) -> date:
    """A calendar day within the years of EARLIEST_MOMENT–LATEST_MOMENT."""
    if day < EARLIEST_MOMENT.date():
        raise InputError("too_early", f"Must lie within {RANGE_TEXT}.")
    if day > LATEST_MOMENT.date():
        raise InputError("too_late", f"Must lie within {RANGE_TEXT}.")
    return day


def parse_moment(text: str) -> datetime:
    """An ISO 8601 datetime with its UTC offset, in range, as UTC."""
    try:
        moment = parse_datetime(text) if isinstance(text, str) else None
    except ValueError:  # well formed but impossible, e.g. minute 99
        moment = None
    if moment is None:
        raise InputError("invalid", "An ISO 8601 datetime with its UTC offset is required, e.g. 2026-11-23T09:30:00Z.")
    return check_moment(moment)
