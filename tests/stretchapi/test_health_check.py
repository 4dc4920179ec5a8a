"""The PostgreSQL backend's health check (stretchapi/postgresql/base.py): a quiet, idle connection is
usable without a query; anything else is asked with Django's `SELECT 1`, and a connection the server
ended is found dead and replaced."""

from __future__ import annotations

import select
import time
import uuid

import psycopg
import pytest
from django.db import connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="the project's PostgreSQL backend"),
]


@pytest.fixture
def connection():
    """A connection of the app's own kind to the test database, as a request finds it: in autocommit
    (idle between statements), outside the test's transaction."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def observer(connection):
    """A second connection to the same database, to watch and act on the app's one from outside."""
    params = {
        k: v
        for k, v in connection.get_connection_params().items()
        if k in ("dbname", "user", "password", "host", "port")
    }
    with psycopg.connect(**params, autocommit=True) as other:
        yield other


def _marked(connection) -> tuple[int, str]:
    """Run a statement nobody else runs on the app's connection; its backend's pid and the statement."""
    marker = f"SELECT 'quiet {uuid.uuid4()}'"
    with connection.cursor() as cursor:
        cursor.execute(marker)
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return pid, "SELECT pg_backend_pid()"


def _last_statement(observer, pid: int) -> str:
    return observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def _readable(connection, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([connection.connection.fileno()], [], [], 0.05)[0]:
            return True
    return False


def test_the_backend_is_the_projects(connection):
    assert type(connection).__module__ == "stretchapi.postgresql.base"
    assert connection.health_check_enabled


def test_a_quiet_idle_connection_is_usable_without_a_query(connection, observer):
    pid, last = _marked(connection)
    assert _last_statement(observer, pid) == last
    assert connection.is_usable()
    assert _last_statement(observer, pid) == last  # no SELECT 1 reached the server


def test_a_connection_in_a_transaction_is_asked(connection, observer):
    pid, _ = _marked(connection)
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            assert connection.is_usable()
            assert _last_statement(observer, pid) == "SELECT 1"
        finally:
            cursor.execute("ROLLBACK")


def test_a_connection_with_something_to_read_is_asked_and_kept(connection, observer):
    pid, _ = _marked(connection)
    with connection.cursor() as cursor:
        cursor.execute("LISTEN health_check_test")
    observer.execute("NOTIFY health_check_test")
    assert _readable(connection), "the notification never arrived"
    assert connection.is_usable()
    assert _last_statement(observer, pid) == "SELECT 1"
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN health_check_test")


def test_a_connection_the_server_ended_is_found_dead_and_replaced(connection, observer):
    pid, _ = _marked(connection)
    assert observer.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    assert _readable(connection), "the server's goodbye never arrived"
    connection.health_check_done = False  # as at the start of a request
    connection.close_if_health_check_failed()
    assert connection.connection is None  # closed: the next query opens a new one
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()
    assert new_pid != pid


def test_a_closed_connection_is_not_usable(connection):
    connection.connection.close()
    assert not connection.is_usable()
