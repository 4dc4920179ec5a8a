"""Pseudonyms: analysts see a stable keyed hash of each person instead of their user id.

A pseudonym is `c_` (clients) or `t_` (trainers) followed by the first 20 hex
digits of HMAC-SHA256(key, str(user id)). The same person gets the same
pseudonym in every export, so months of exports join up, and nobody without the
key can go back from a pseudonym to a person (nor forward: the ids are small
integers, which a plain hash would give away). The key is the setting
`EXPORT_PSEUDONYM_KEY`, or, when that is empty, one derived from SECRET_KEY.

PostgreSQL computes the same HMAC inside `COPY` (`sql`), with its built-in
`sha256()` and the key's inner and outer pads passed as parameters (RFC 2104),
so no extension is needed and the COPY and Python paths agree byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings

CLIENT = "c_"
TRAINER = "t_"
HEX_DIGITS = 20
_BLOCK = 64  # SHA-256's block size, in bytes


def key() -> bytes:
    configured = settings.EXPORT_PSEUDONYM_KEY
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"stretchapi export pseudonyms", hashlib.sha256).digest()


@lru_cache(maxsize=65_536)  # bounded by the number of people, not of rows
def _pseudonym(key: bytes, prefix: str, user_id: int) -> str:
    return prefix + hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:HEX_DIGITS]


def pseudonym(prefix: str, user_id: int | None) -> str | None:
    """The pseudonym of one user (None stays None)."""
    return None if user_id is None else _pseudonym(key(), prefix, user_id)


def pseudonymizer(prefix: str) -> Callable[[int], str]:
    """`pseudonym(prefix, …)` for a whole export: the key is read once, not once a row."""
    secret = key()
    return lambda user_id: _pseudonym(secret, prefix, user_id)


def sql(prefix: str, column: str) -> tuple[str, list[bytes]]:
    """PostgreSQL expression computing `pseudonym(prefix, <column>)`, and its parameters."""
    secret = key()
    if len(secret) > _BLOCK:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in secret)
    outer = bytes(b ^ 0x5C for b in secret)
    expression = (
        f"'{prefix}' || left(encode(sha256(%s::bytea || sha256(%s::bytea || "
        f"convert_to(({column})::text, 'UTF8'))), 'hex'), {HEX_DIGITS})"
    )
    return expression, [outer, inner]


def resolve(prefix: str, value: str, user_ids) -> int | None:
    """The user among `user_ids` whose pseudonym is `value`, or None."""
    if not value.startswith(prefix):
        return None
    secret = key()
    return next((uid for uid in user_ids if _pseudonym(secret, prefix, uid) == value), None)
