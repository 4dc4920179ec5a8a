"""Limits on what one caller can make the service spend: database time per statement.

The other limits have their tests beside the feature they bound: page sizes
(tests/catalog/test_api.py, tests/stretchapi/test_pagination.py), the body size
and holds per session (tests/sessions/test_upload_validation.py), and the sign-in
and sign-up throttles (tests/sessions/test_accounts.py).
"""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.stretchapi.test_errors import assert_problem
from tests.stretchapi.test_project import run_manage

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")

# The statement_timeout settings among the server options the connections are opened with.
PRINT_OPTIONS = (
    "from django.conf import settings; "
    "print([o for o in settings.DATABASES['default'].get('OPTIONS', {}).get('options', '').replace('-c ', '').split() "
    "if 'statement_timeout' in o])"
)


def test_statement_timeout_is_25_seconds_by_default_on_postgresql():
    result = run_manage("shell", "--no-imports", "-c", PRINT_OPTIONS, DATABASE_URL="postgres://u@127.0.0.1:1/db")

    assert result.stdout.strip() == "['statement_timeout=25s']", result.stderr


def test_statement_timeout_follows_the_environment_and_zero_lifts_it():
    url = "postgres://u@127.0.0.1:1/db"

    five = run_manage("shell", "--no-imports", "-c", PRINT_OPTIONS, DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT="5")
    lifted = run_manage("shell", "--no-imports", "-c", PRINT_OPTIONS, DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT="0")

    assert five.stdout.strip() == "['statement_timeout=5s']", five.stderr
    assert lifted.stdout.strip() == "[]", lifted.stderr


def test_sqlite_gets_no_statement_timeout_option():
    result = run_manage("shell", "--no-imports", "-c", PRINT_OPTIONS, DATABASE_URL="sqlite:///:memory:")

    assert result.stdout.strip() == "[]", result.stderr


@on_postgresql
@pytest.mark.django_db
def test_database_connections_carry_the_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (value,) = cursor.fetchone()

    assert value == f"{settings.DATABASE_STATEMENT_TIMEOUT}s"


@on_postgresql
@pytest.mark.django_db
@pytest.mark.urls("tests.stretchapi.failing_urls")
def test_a_statement_past_the_timeout_is_a_503_problem():
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '50ms'")  # for this test's connection only, rolled back after

    response = Client(raise_request_exception=False).get("/api/v1/slow/")

    body = assert_problem(response, 503, "statement_timeout")
    assert body["detail"] == "The database took too long to answer and the request was stopped. Try again shortly."
    assert "pg_sleep" not in response.content.decode()
