"""Web clients on the allowed origins, and nobody else, may call the API from a browser."""

import pytest

from tests.catalog.test_api_cache import LIST, wsgi_get

pytestmark = pytest.mark.django_db

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example"


@pytest.fixture(autouse=True)
def allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(api_client, origin: str):
    return api_client.options(
        "/api/v1/sessions/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_a_preflight_from_an_allowed_origin_is_answered_with_what_it_may_send(api_client):
    response = preflight(api_client, ALLOWED)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert set(response["Access-Control-Allow-Headers"].split(", ")) == {
        "authorization", "content-type", "if-match", "if-none-match", "idempotency-key", "x-request-id",
    }  # fmt: skip
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_from_another_origin_gets_no_allow_header(api_client):
    response = preflight(api_client, OTHER)

    assert "Access-Control-Allow-Origin" not in response


def test_an_allowed_origin_may_read_the_headers_clients_use(api_client):
    response = api_client.get(LIST, HTTP_ORIGIN=ALLOWED)

    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert set(response["Access-Control-Expose-Headers"].split(", ")) == {
        "ETag", "X-Request-ID", "Retry-After", "Export-Dictionary-Version",
    }  # fmt: skip
    assert "origin" in response["Vary"].lower()


def test_by_default_no_origin_is_allowed(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = []

    response = preflight(api_client, ALLOWED)

    assert "Access-Control-Allow-Origin" not in response


def test_the_catalog_copy_in_front_of_django_answers_each_origin_as_django_would():
    allowed = [wsgi_get(LIST, HTTP_ORIGIN=ALLOWED) for _ in range(2)]
    other = [wsgi_get(LIST, HTTP_ORIGIN=OTHER) for _ in range(2)]
    no_origin = [wsgi_get(LIST) for _ in range(2)]

    assert [answer.by_django for answer in allowed + other + no_origin] == [True, False] * 3
    assert [allow_origin(answer) for answer in allowed] == [ALLOWED, ALLOWED]
    assert [allow_origin(answer) for answer in other + no_origin] == [None] * 4


def allow_origin(answer) -> str | None:
    return {name.lower(): value for name, value in answer.headers.items()}.get("access-control-allow-origin")
