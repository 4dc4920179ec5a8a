"""Query filters refuse what they cannot read, instead of quietly filtering nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stretchapi.filters import MAX_ID
from tests.conftest import bearer_client
from tests.sessions.payloads import iso, session_payload
from tests.sessions.test_upload_validation import field_errors

pytestmark = pytest.mark.django_db

EXERCISES = "/api/v1/exercises/"
SESSIONS = "/api/v1/sessions/"
ALERTS = "/api/v1/trainer/alerts/"


@pytest.mark.parametrize("parameter", ["goal", "difficulty", "use_case", "muscle_role"])
def test_a_choice_sent_blank_is_refused(api_client, parameter):
    response = api_client.get(EXERCISES, {parameter: ""})

    assert response.status_code == 400
    assert field_errors(response) == [(parameter, "blank")]


def test_a_choice_left_out_filters_nothing(api_client):
    assert api_client.get(EXERCISES).json()["count"] == 19


@pytest.mark.parametrize("value", ["maybe", "1", "True", "yes", ""])
def test_flagged_accepts_only_true_or_false(as_client, value):
    response = as_client.get(SESSIONS, {"flagged": value})

    assert response.status_code == 400
    assert field_errors(response) == [("flagged", "blank" if value == "" else "invalid")]


def test_flagged_false_lists_the_sessions_without_flags(as_client):
    clean = session_payload()
    flagged = session_payload()
    flagged["holds"][0]["intensity"] = 9
    for body in (clean, flagged):
        assert as_client.post(SESSIONS, body, format="json").status_code == 201

    listed = as_client.get(SESSIONS, {"flagged": "false"}).json()["results"]

    assert [s["id"] for s in listed] == [clean["id"]]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "0001-01-01T00:30:00+01:00"])
def test_a_time_that_is_not_one_or_falls_before_year_one_in_utc_is_refused(as_client, value):
    response = as_client.get(SESSIONS, {"started_after": value})

    assert response.status_code == 400
    assert field_errors(response)[0][0] == "started_after"


def test_a_time_with_an_offset_postgresql_does_not_take_still_filters(as_client):
    body = session_payload(started=timezone.now() - timedelta(days=2))
    as_client.post(SESSIONS, body, format="json")

    response = as_client.get(SESSIONS, {"started_after": "2000-01-01T00:00:00-16:30"})

    assert [s["id"] for s in response.json()["results"]] == [body["id"]]


def test_a_valid_time_filters(as_client):
    body = session_payload(started=timezone.now() - timedelta(days=2))
    as_client.post(SESSIONS, body, format="json")

    after = as_client.get(SESSIONS, {"started_after": iso(timezone.now() - timedelta(days=1))}).json()

    assert after["results"] == []


@pytest.mark.parametrize("value", [str(MAX_ID + 1), "0", "1.5", "x"])
def test_alert_client_filter_takes_an_id_that_fits_the_database(trainer, value):
    response = bearer_client(trainer).get(ALERTS, {"client": value})

    assert response.status_code == 400
    assert [field for field, _ in field_errors(response)] == ["client"]


def test_alert_client_filter_at_the_largest_id_finds_nothing(trainer):
    response = bearer_client(trainer).get(ALERTS, {"client": str(MAX_ID)})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("value", ["price", "name,slug", "-", "Name", ""])
def test_ordering_takes_one_listed_term(api_client, value):
    response = api_client.get(EXERCISES, {"ordering": value})

    assert response.status_code == 400
    assert field_errors(response) == [("ordering", "invalid_choice")]


def test_ordering_by_reversed_slug(api_client):
    slugs = [e["slug"] for e in api_client.get(EXERCISES, {"ordering": "-slug", "page_size": 3}).json()["results"]]

    assert slugs == ["standing-knee-raises", "standing-crossed-feet-wrist-pull-stretch",
                     "standing-crossed-feet-hamstring-stretch"]  # fmt: skip
