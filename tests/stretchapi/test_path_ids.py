"""Ids in paths and bodies beyond the id columns' range are answers, not crashes."""

from __future__ import annotations

import pytest

from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/api/v1/trainer/clients/{HUGE}/sessions/"),
        ("get", f"/api/v1/trainer/clients/{HUGE}/programs/"),
        ("get", f"/api/v1/trainer/clients/{HUGE}/progress/?exercise=assisted-lying-hamstring-stretch"),
        ("get", f"/api/v1/trainer/clients/{HUGE}/health/"),
        ("post", f"/api/v1/trainer/alerts/{HUGE}/acknowledge/"),
    ],
)
def test_an_id_past_the_columns_range_in_a_trainer_path_is_a_404(trainer, method, path):
    response = getattr(bearer_client(trainer), method)(path, {} if method == "post" else None, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_an_id_past_the_columns_range_in_a_clients_path_is_a_404(as_client):
    response = as_client.delete(f"/api/v1/me/trainers/{HUGE}/")

    assert response.status_code == 404


def test_a_trainer_id_past_the_columns_range_in_an_upload_is_a_400_naming_it(as_client):
    body = session_payload(assisted_by="trainer", trainer_id=int(HUGE))
    body.pop("partner_name")

    response = as_client.post("/api/v1/sessions/", body, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["trainer_id"]
