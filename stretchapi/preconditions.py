"""`If-Match` on versioned resources (sessions, exercises): the one check, used inside each write's lock.

It lives beside the domain errors, not in the API package, because the
services run it: only once a write holds its row's lock can "is this still
the version the client read?" be answered without a race.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.http import parse_etags

from .errors import PreconditionRequired, StaleWrite


def require_current(
    if_match: str | None, *, is_current: Callable[[str], bool], noun: str, verb: str = "change"
) -> None:
    """Refuse a write whose `If-Match` is missing (428) or names no current version of the `noun` (412).

    `*` matches any current version; otherwise any listed tag for which
    `is_current(tag)` holds (tags keep their quotes, weak ones their `W/`).
    """
    if not if_match or not if_match.strip():
        raise PreconditionRequired(f"Send the {noun}'s current ETag in If-Match to {verb} it.")
    tags = parse_etags(if_match)
    if "*" in tags or any(is_current(tag) for tag in tags):
        return
    raise StaleWrite(f"The {noun} changed since you read it. Fetch it again, then retry with its new ETag.")
