"""The client corpus is real: the server accepts every upload in it."""

import pytest

from tests.conftest import bearer_client

from .corpus import accepted_uploads, minimal_upload

pytestmark = pytest.mark.django_db


def test_the_server_accepts_every_upload_of_the_corpus(make_user, trainer):
    bodies = accepted_uploads(trainer_id=trainer.pk)

    answers = {}
    for name, body in bodies.items():
        phone = bearer_client(make_user(f"{name.replace('_', '-')}@example.com"))  # one client each: no id reused
        answers[name] = phone.post("/api/v1/sessions/", body, format="json").status_code

    assert answers == dict.fromkeys(bodies, 201)


def test_the_minimal_upload_gets_the_servers_values_for_what_it_leaves_out(as_client):
    body = minimal_upload()

    stored = as_client.post("/api/v1/sessions/", body, format="json").json()

    assert (stored["outcome"], stored["assisted_by"], stored["stop_events"]) == ("completed", "self", [])
    assert [hold["set_number"] for hold in stored["holds"]] == [1]
