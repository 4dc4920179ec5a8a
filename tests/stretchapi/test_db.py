"""PostgreSQL connections read timestamps with psycopg's compiled loader (stretchapi/db.py),
giving exactly what Django's own loader gives."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection
from psycopg.pq import Format

from stretchapi import db

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="a psycopg loader: PostgreSQL only")

# Text as PostgreSQL writes timestamptz values in a UTC session: whole seconds, every width of
# fraction, the ends of the supported range, a leap day, a value written with an offset.
MOMENTS = [
    "2026-11-30 07:00:00+00",
    "2026-11-30 07:00:00.5+00",
    "2026-11-30 07:00:00.123456+00",
    "2026-11-30 07:00:00.000001+00",
    "2024-02-29 23:59:59.999999+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-03-29 01:30:00+02",
]


def _read(cursor, texts: list[str]) -> list[datetime.datetime]:
    cursor.execute("SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n", [texts])
    return [row[0] for row in cursor.fetchall()]


@on_postgresql
def test_a_connection_reads_timestamps_with_the_compiled_loader():
    connection.ensure_connection()
    adapters = connection.connection.adapters
    oid = adapters.types["timestamptz"].oid
    assert adapters.get_loader(oid, Format.TEXT) is db.UtcTimestamptzLoader
    compiled = psycopg.adapters.get_loader(oid, Format.TEXT)  # psycopg's own default: its C class
    assert not compiled.__module__.startswith("psycopg.")
    assert isinstance(db.UtcTimestamptzLoader(oid, connection.connection).load.__self__, compiled)


@on_postgresql
def test_the_compiled_loader_gives_what_djangos_own_gives():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as ours:
        fast = _read(ours, MOMENTS)
    with connection.cursor() as django_s:
        register_tzloader(connection.timezone, django_s.cursor)  # Django's loader, on this cursor only
        oid = django_s.cursor.adapters.types["timestamptz"].oid
        assert django_s.cursor.adapters.get_loader(oid, Format.TEXT) is not db.UtcTimestamptzLoader
        reference = _read(django_s, MOMENTS)
    assert fast == reference
    assert [value.tzinfo for value in fast] == [datetime.UTC] * len(MOMENTS)
    assert [value.isoformat() for value in fast] == [value.isoformat() for value in reference]
    assert fast[2] == datetime.datetime(2026, 11, 30, 7, 0, 0, 123456, tzinfo=datetime.UTC)
    assert fast[-1] == datetime.datetime(2026, 3, 28, 23, 30, tzinfo=datetime.UTC)


@on_postgresql
def test_a_stored_moment_comes_back_as_it_was_written(django_user_model):
    moment = datetime.datetime(2026, 11, 30, 6, 59, 58, 765432, tzinfo=datetime.UTC)
    user = django_user_model.objects.create_user(email="clock@example.com", password="x-Stretch-2026")
    django_user_model.objects.filter(pk=user.pk).update(last_login=moment)
    stored = django_user_model.objects.values_list("last_login", flat=True).get(pk=user.pk)
    assert stored == moment and stored.tzinfo is datetime.UTC


def test_another_time_zone_keeps_djangos_loader():
    """Django's loader stays wherever the compiled one would not give the same values."""
    for timezone, name in ((ZoneInfo("Europe/Paris"), "Europe/Paris"), (datetime.UTC, "Europe/Paris")):
        stand_in = SimpleNamespace(vendor="postgresql", timezone=timezone, timezone_name=name, connection=None)
        db.use_compiled_timestamps(sender=None, connection=stand_in)  # would fail on `.connection.adapters`
    db.use_compiled_timestamps(sender=None, connection=SimpleNamespace(vendor="sqlite", connection=None))


# Prepared statements ------------------------------------------------------------------------

PRINT_PREPARING = (
    "from django.conf import settings; o = settings.DATABASES['default'].get('OPTIONS', {}); "
    "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
)


def test_postgresql_connections_prepare_repeated_statements_unless_told_not_to():
    from tests.stretchapi.test_project import run_manage

    url = "postgres://u@127.0.0.1:1/db"
    default = run_manage("shell", "--no-imports", "-c", PRINT_PREPARING, DATABASE_URL=url)
    off = run_manage(
        "shell", "--no-imports", "-c", PRINT_PREPARING, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false"
    )
    sqlite = run_manage("shell", "--no-imports", "-c", PRINT_PREPARING, DATABASE_URL="sqlite:///:memory:")

    assert default.stdout.strip() == "True 5", default.stderr
    assert off.stdout.strip() == sqlite.stdout.strip() == "None None", (off.stderr, sqlite.stderr)


@on_postgresql
def test_a_statement_run_a_sixth_time_runs_prepared():
    """The server keeps the plan of a statement the connection has run more than five times."""

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%often_read%"])
            return cursor.fetchone()[0]

    before = prepared()
    for n in range(6):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 1 AS often_read", [n])
            assert cursor.fetchone() == (n + 1,)
    assert prepared() == before + 1
