"""Pagination parameters are strict: a malformed page, page size or cursor is a 400 naming it."""

import base64

import pytest

from tests.conftest import bearer_client
from tests.sessions.test_upload_validation import field_errors

pytestmark = pytest.mark.django_db

EXERCISES = "/api/v1/exercises/"
SESSIONS = "/api/v1/sessions/"


@pytest.mark.parametrize("value", ["abc", "0", "-3", "2.5", "", "last", "１"])
def test_a_page_that_is_not_a_whole_number_from_one_is_refused(api_client, value):
    response = api_client.get(EXERCISES, {"page": value})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field_errors(response) == [("page", "invalid")]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1e2", ""])
def test_a_page_size_that_is_not_a_whole_number_from_one_is_refused(api_client, value):
    response = api_client.get(EXERCISES, {"page_size": value})

    assert response.status_code == 400
    assert field_errors(response) == [("page_size", "invalid")]


def test_page_size_one_gives_one_exercise_and_the_next_page(api_client):
    body = api_client.get(EXERCISES, {"page_size": 1, "page": 2}).json()

    assert body["count"] == 19
    assert len(body["results"]) == 1
    assert body["next"].endswith("page=3&page_size=1")


def test_a_cursor_the_service_did_not_hand_out_is_refused(as_client):
    response = as_client.get(SESSIONS, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert field_errors(response) == [("cursor", "invalid")]


def test_a_well_encoded_cursor_with_a_position_that_is_not_a_time_is_refused(as_client):
    forged = base64.b64encode(b"p=yesterday").decode()

    response = as_client.get(SESSIONS, {"cursor": forged})

    assert response.status_code == 400
    assert field_errors(response) == [("cursor", "invalid")]


@pytest.mark.parametrize("url", ["/api/v1/me/access-log/", "/api/v1/trainer/alerts/"])
def test_every_cursor_list_refuses_a_bad_cursor_and_page_size(trainer, url):
    api = bearer_client(trainer)

    assert field_errors(api.get(url, {"cursor": "not-a-cursor"})) == [("cursor", "invalid")]
    assert field_errors(api.get(url, {"page_size": "0"})) == [("page_size", "invalid")]


def test_cursor_page_size_above_the_maximum_is_served_at_the_maximum(trainer):
    response = bearer_client(trainer).get("/api/v1/trainer/alerts/", {"page_size": 5000})

    assert response.status_code == 200
    assert response.json()["results"] == []
