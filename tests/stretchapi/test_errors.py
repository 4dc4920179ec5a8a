"""Every error under /api/ is an RFC 9457 problem document, never an HTML page."""

import pytest
from django.test import Client

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


def test_errors_outside_the_api_stay_html(client):
    response = client.get("/not-an-api-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_health_reports_ok(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("text", ['"\\ud800"', '{"\\udfff": 1}'])
def test_a_lone_surrogate_in_json_is_a_parse_error(as_client, text):
    response = as_client.post("/api/v1/sessions/", f'{{"id": "x", "goal": {text}}}', content_type="application/json")

    assert_problem(response, 400, "parse_error")
