"""The catalog rows an upload is judged against, remembered per catalog version (sessions/logbook/references.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Dose
from catalog.services import catalog_version_bump
from tests.conftest import bearer_client
from tests.factories import exercise_factory
from tests.sessions.payloads import session_payload, stop_event

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
EXERCISE = "assisted-lying-hamstring-stretch"


@pytest.fixture(autouse=True)
def version_kept(settings):
    settings.CATALOG_VERSION_CACHE_SECONDS = 600  # however slow the machine, the version read stays remembered


def upload(client, body):
    response = client.post(SESSIONS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def with_stop_event(body: dict) -> dict:
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"], hold_index=0)]
    return body


def test_an_upload_after_the_first_reads_no_catalog_row(client_user):
    api = bearer_client(client_user)
    upload(api, with_stop_event(session_payload(holds=4)))

    with CaptureQueriesContext(connection) as queries:
        upload(api, with_stop_event(session_payload(holds=4)))

    assert [q["sql"] for q in queries.captured_queries if '"catalog_' in q["sql"]] == []


def test_a_catalog_edit_judges_the_next_upload(client_user):
    api = bearer_client(client_user)
    body = session_payload(holds=2)  # 30 s holds; the dose of the goal allows them
    assert upload(api, body)["flags"]["holds_outside_dose"] == 0
    Dose.objects.filter(exercise__slug=EXERCISE, goal=body["goal"]).update(hold_seconds_min=40, hold_seconds_max=60)
    catalog_version_bump()  # as every door that edits the catalog does

    flags = upload(api, session_payload(holds=2))["flags"]

    assert flags["holds_outside_dose"] == 2


def test_an_exercise_added_since_the_rows_were_read_is_known(client_user):
    api = bearer_client(client_user)
    upload(api, session_payload(holds=2))  # the rows are read, without the new exercise
    added = exercise_factory()  # written without moving the version, as a shell could

    body = session_payload(holds=2)
    for hold in body["holds"]:
        hold["exercise"] = added.slug
    holds = upload(api, body)["holds"]

    assert [hold["exercise"] for hold in holds] == [added.slug] * 2


def test_an_unknown_exercise_is_still_refused_by_its_path(client_user):
    api = bearer_client(client_user)
    upload(api, session_payload(holds=2))
    body = session_payload(holds=2)
    body["holds"][1]["exercise"] = "no-such-stretch"

    response = api.post(SESSIONS, body, format="json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("holds[1].exercise", "invalid")]
