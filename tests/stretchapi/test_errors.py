"""Every error under /api/ is an RFC 9457 problem document, never an HTML page."""

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from rest_framework.exceptions import ErrorDetail, ValidationError

from sessions.models import IdempotencyRecord, StretchSession
from stretchapi.api.errors import problem_exception_handler
from stretchapi.errors import DomainError, FieldProblem, InvalidData
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:stretchapi:problem:{code}"
    assert body["title"] and body["detail"]
    return body


def test_400_lists_each_invalid_field(api_client):
    response = api_client.get("/api/v1/exercises/", {"difficulty": "extreme", "technique": "yoga"})

    body = assert_problem(response, 400, "validation_error")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("difficulty", "invalid_choice"),
        ("technique", "invalid_choice"),
    }
    assert body["instance"].startswith("/api/v1/exercises/?")


def test_404_for_an_unknown_object(api_client):
    assert_problem(api_client.get("/api/v1/exercises/no-such-stretch/"), 404, "not_found")


def test_404_for_an_unrouted_api_path(api_client):
    body = assert_problem(api_client.get("/api/v1/nothing-here/"), 404, "not_found")

    assert body["instance"] == "/api/v1/nothing-here/"


def test_404_for_a_page_past_the_end(api_client):
    assert_problem(api_client.get("/api/v1/exercises/", {"page": 99}), 404, "not_found")


def test_405_for_a_write_to_a_read_only_vocabulary(api_client):
    response = api_client.post("/api/v1/muscles/", {"name": "x"}, format="json")

    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_406_when_no_acceptable_media_type(api_client):
    response = api_client.get("/api/v1/exercises/", HTTP_ACCEPT="application/xml")

    assert_problem(response, 406, "not_acceptable")


def test_problem_is_json_even_when_the_browsable_api_was_negotiated(api_client):
    response = api_client.get("/api/v1/exercises/no-such-stretch/", HTTP_ACCEPT="text/html")

    assert_problem(response, 404, "not_found")


@pytest.mark.urls("tests.stretchapi.failing_urls")
@pytest.mark.parametrize("path", ["/api/v1/broken/", "/api/v1/broken-plain/"])
def test_500_is_a_problem_without_internals(path):
    client = Client(raise_request_exception=False)

    response = client.get(path)

    body = assert_problem(response, 500, "server_error")
    assert "a bug" not in response.content.decode()
    assert body["instance"] == path


# The domain's errors, which know no DRF, leave through the same handler ------------


class Gone(DomainError):
    status = 410
    code = "gone"
    title = "Gone."
    default_detail = "It went."


def test_a_domain_error_is_a_problem_with_its_own_status_code_title_detail_and_extra():
    response = problem_exception_handler(Gone(extra={"since": 2024}), {})

    assert response.status_code == 410
    assert response.data == {
        "type": "urn:stretchapi:problem:gone",
        "title": "Gone.",
        "status": 410,
        "detail": "It went.",
        "code": "gone",
        "instance": None,
        "since": 2024,
    }


def test_invalid_data_is_the_validation_problem_a_serializer_gives():
    refused = InvalidData(
        [FieldProblem("holds[3].intensity", "max_value", "Too high."), FieldProblem(None, "x", "No.")]
    )
    serializer = ValidationError(
        {
            "holds": {3: {"intensity": [ErrorDetail("Too high.", code="max_value")]}},
            "non_field_errors": [ErrorDetail("No.", code="x")],
        }
    )

    response = problem_exception_handler(refused, {})

    assert response.status_code == 400
    assert response.data == problem_exception_handler(serializer, {}).data
    assert response.data["errors"] == [
        {"field": "holds[3].intensity", "code": "max_value", "message": "Too high."},
        {"field": None, "code": "x", "message": "No."},
    ]


def test_errors_outside_the_api_stay_html(client):
    response = client.get("/not-an-api-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_health_reports_ok(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# Upper- and lower-case escapes, in a value, a key, and deep in a list: the parser walks the body
# only when its text may hold one, so each place must be found.
@pytest.mark.parametrize("text", ['"\\ud800"', '{"\\udfff": 1}', '"\\uDBFF"', '[{"a": ["b", "x\\uDC00"]}]'])
def test_a_lone_surrogate_in_json_is_a_parse_error(as_client, text):
    response = as_client.post("/api/v1/sessions/", f'{{"id": "x", "goal": {text}}}', content_type="application/json")

    assert_problem(response, 400, "parse_error")


# The database goes away -------------------------------------------------------
# Django's execute_wrapper makes the test database's queries fail the way psycopg
# reports a refused or a dropped connection (Django wraps both into these classes).

REFUSED = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
CLOSED = InterfaceError("connection already closed")


def failing(error: Exception, *, only: str = ""):
    """Every query (or only those whose SQL holds `only`) raises `error`."""

    def wrapper(execute, sql, params, many, context):
        if only in sql:
            raise error
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


def assert_database_unavailable(response, path: str) -> None:
    body = assert_problem(response, 503, "database_unavailable")
    assert response["Retry-After"] == "5"
    assert body["instance"] == path
    assert "5432" not in response.content.decode()


@pytest.mark.parametrize("error", [REFUSED, CLOSED], ids=["refused", "closed"])
def test_503_when_bearer_authentication_cannot_reach_the_database(as_client, error):
    with failing(error):
        response = as_client.get("/api/v1/me/")

    assert_database_unavailable(response, "/api/v1/me/")


def test_503_when_session_authentication_cannot_reach_the_database(client, client_user):
    client.force_login(client_user)

    with failing(REFUSED):
        response = client.get("/api/v1/sessions/", HTTP_ACCEPT="application/json")

    assert_database_unavailable(response, "/api/v1/sessions/")


def test_503_when_a_public_read_cannot_reach_the_database(api_client):
    with failing(REFUSED):
        response = api_client.get("/api/v1/exercises/?difficulty=beginner")

    assert_database_unavailable(response, "/api/v1/exercises/?difficulty=beginner")


def test_upload_that_loses_the_database_midway_stores_nothing_and_can_be_retried(as_client, client_user):
    body = session_payload(holds=3)

    # The holds' insert: on PostgreSQL one statement with the other rows and the alerts, after the session's.
    with failing(REFUSED, only='INSERT INTO "stretch_sessions_hold"'):
        response = as_client.post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="upload-1")

    assert_database_unavailable(response, "/api/v1/sessions/")
    assert not StretchSession.objects.filter(owner=client_user).exists()
    assert not IdempotencyRecord.objects.filter(user=client_user).exists()
    retry = as_client.post("/api/v1/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert retry.status_code == 201
    assert StretchSession.objects.get(owner=client_user).holds.count() == 3


def test_health_reports_the_database_down(api_client):
    with failing(REFUSED):
        response = api_client.get("/api/health/")

    assert_database_unavailable(response, "/api/health/")


@pytest.mark.urls("tests.stretchapi.failing_urls")
def test_503_from_a_view_outside_drf():
    with failing(REFUSED):
        response = Client().get("/api/v1/plain-database/")

    assert_database_unavailable(response, "/api/v1/plain-database/")


@pytest.fixture
def reading_after_the_view(settings) -> Client:
    """A client of the app with a middleware that reads the database after every view."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.stretchapi.failing_urls.DatabaseReadingMiddleware"]
    return Client(raise_request_exception=False)


def test_503_from_a_middleware_after_the_view(reading_after_the_view):
    with failing(REFUSED):
        response = reading_after_the_view.get("/api/v1/nothing-here/")

    assert_database_unavailable(response, "/api/v1/nothing-here/")


def test_database_failure_outside_the_api_stays_a_500_page(reading_after_the_view):
    with failing(REFUSED):
        response = reading_after_the_view.get("/not-an-api-page/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
