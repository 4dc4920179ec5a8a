"""PostgreSQL connections: timestamps read by psycopg's compiled loader.

Django reads every `timestamptz` value through its own loader (`BaseTzLoader`
in `django.db.backends.postgresql.psycopg_any`), a subclass of psycopg's
pure-Python one, so that it can set the connection's time zone on the result.
Being a Python subclass, it never gets psycopg's C implementation: a page of
sessions with 800 holds spent about 15 µs on each of its ~1,000 timestamps,
more than a third of the request's CPU.

When Django's time zone for the connection is UTC — always, with `USE_TZ` on
and no `TIME_ZONE` in the database settings, as here — Django has set the
session's `TimeZone` to UTC, and psycopg's C loader gives the same value with
the same `tzinfo` (`datetime.timezone.utc`). `use_compiled_timestamps`
registers it then, and leaves Django's loader in place in every other case
(another time zone, psycopg without its C extension).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings

UTC = datetime.UTC


def _compiled_loader() -> type | None:
    """psycopg's C `timestamptz` text loader, or None (no psycopg 3, or its pure-Python build)."""
    try:
        import psycopg
        from psycopg.pq import Format
    except ImportError:
        return None
    if psycopg.pq.__impl__ == "python":
        return None
    loader = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)
    return None if loader is None or loader.__module__.startswith("psycopg.") else loader


_COMPILED = _compiled_loader()

if _COMPILED is not None:
    from psycopg.adapt import Loader

    class UtcTimestamptzLoader(Loader):
        """psycopg's C loader behind a Python one: the C class cannot be subclassed, and Django's
        cursor reads the loader's `timezone` to decide whether to register its own."""

        timezone = UTC

        def __init__(self, oid: int, context: Any = None):
            super().__init__(oid, context)
            # psycopg's row loader takes `loader.load` once a result: the compiled method itself,
            # bound to its instance, with no Python frame of ours around each value.
            self.load = _COMPILED(oid, context).load  # type: ignore[method-assign]

        def load(self, data: Any) -> datetime.datetime:  # replaced on each instance (above)
            raise NotImplementedError


def use_compiled_timestamps(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: a PostgreSQL connection in UTC reads timestamps with psycopg's
    C loader."""
    if _COMPILED is None or connection.vendor != "postgresql" or not settings.USE_TZ:
        return
    if connection.timezone is not UTC or connection.timezone_name != "UTC":
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
