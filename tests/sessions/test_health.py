"""Health flags: a client records contraindications; plans warn, trainers see them, programs need a reason."""

import pytest
from rest_framework.test import APIClient

from sessions.models import AccessLogEntry, HealthFlag
from tests.catalog.test_api_cache import wsgi_get
from tests.conftest import bearer_client
from tests.sessions.test_programs import EXERCISE, program_body
from tests.sessions.test_trainer import link

pytestmark = pytest.mark.django_db

HEALTH = "/api/v1/me/health/"
PROGRAM = "/api/v1/me/program/"
# EXERCISE lists acute-hamstring-strain, sciatic-nerve-irritation, severe-low-back-pain and nerve-symptoms.
PLAN = f"/api/v1/exercises/{EXERCISE}/plan/?goal=general_flexibility"
STRAIN = {"slug": "acute-hamstring-strain", "name": "Acute hamstring strain"}
NERVES = {"slug": "nerve-symptoms", "name": "Nerve symptoms"}
KNEE = {"slug": "acute-knee-injury", "name": "Acute knee injury"}
STRAIN_MESSAGE = (
    "You recorded 'Acute hamstring strain', which this exercise lists as a contraindication: "
    "do it only if a professional has cleared you, and stop at any stop sign."
)
STRAIN_WARNING = {"code": "contraindicated", "contraindication": "acute-hamstring-strain", "message": STRAIN_MESSAGE}


def record(api: APIClient, *slugs: str) -> None:
    response = api.put(HEALTH, {"contraindications": list(slugs)}, format="json")
    assert response.status_code == 200, response.content


@pytest.fixture
def trainer_api(trainer):
    return bearer_client(trainer)


@pytest.fixture
def programs(trainer_api, as_client, client_user):
    link(trainer_api, as_client)
    return f"/api/v1/trainer/clients/{client_user.pk}/programs/"


# /me/health/ -----------------------------------------------------------------------------


def test_a_client_without_flags_has_none(as_client):
    response = as_client.get(HEALTH)

    assert (response.status_code, response.json()) == (200, {"contraindications": []})


def test_put_stores_the_flags_and_get_returns_them_by_slug(as_client):
    put = as_client.put(HEALTH, {"contraindications": [NERVES["slug"], STRAIN["slug"]]}, format="json")

    get = as_client.get(HEALTH)

    assert (put.status_code, put.json()) == (200, {"contraindications": [STRAIN, NERVES]})
    assert (get.status_code, get.json()) == (200, {"contraindications": [STRAIN, NERVES]})


def test_put_replaces_the_set(as_client, client_user):
    record(as_client, STRAIN["slug"], NERVES["slug"])

    response = as_client.put(HEALTH, {"contraindications": [KNEE["slug"], NERVES["slug"]]}, format="json")

    assert response.json() == {"contraindications": [KNEE, NERVES]}
    assert sorted(HealthFlag.objects.filter(client=client_user).values_list("contraindication__slug", flat=True)) == [
        KNEE["slug"],
        NERVES["slug"],
    ]


def test_an_unknown_slug_is_a_400_naming_its_index_and_nothing_changes(as_client, client_user):
    record(as_client, STRAIN["slug"])

    response = as_client.put(HEALTH, {"contraindications": [NERVES["slug"], "bad-knees"]}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "contraindications[1]", "code": "invalid", "message": "Unknown contraindication 'bad-knees'."}
    ]
    assert as_client.get(HEALTH).json() == {"contraindications": [STRAIN]}


def test_flags_are_each_clients_own(as_client, other_client):
    record(as_client, STRAIN["slug"])

    response = bearer_client(other_client).get(HEALTH)

    assert response.json() == {"contraindications": []}


def test_anonymous_callers_get_401():
    assert APIClient().get(HEALTH).status_code == 401


@pytest.mark.parametrize("count", [1, 5])
def test_get_health_costs_the_same_queries_whatever_the_number_of_flags(
    count, client_user, as_client, django_assert_num_queries
):
    slugs = ["acute-hamstring-strain", "sciatic-nerve-irritation", "severe-low-back-pain", "nerve-symptoms"]
    record(as_client, *[*slugs, KNEE["slug"]][:count])

    with django_assert_num_queries(2):  # the token (one query), the flags
        response = as_client.get(HEALTH)

    assert len(response.json()["contraindications"]) == count


# /trainer/clients/{id}/health/ --------------------------------------------------------------


def test_a_consented_trainer_sees_the_clients_flags_and_the_read_is_logged(trainer_api, as_client, client_user):
    link(trainer_api, as_client)
    record(as_client, STRAIN["slug"])
    url = f"/api/v1/trainer/clients/{client_user.pk}/health/"

    response = trainer_api.get(url)

    assert (response.status_code, response.json()) == (200, {"contraindications": [STRAIN]})
    assert list(AccessLogEntry.objects.values_list("client_id", "resource", "path")) == [
        (client_user.pk, "health", url)
    ]


USER_FIXTURES = {"client": "client_user", "other_client": "other_client", "trainer": "trainer", "staff": "staff"}


@pytest.mark.parametrize(
    ("caller", "consented", "status"),
    [
        ("anonymous", False, 401),
        ("client", False, 403),
        ("other_client", False, 403),
        ("trainer", False, 404),
        ("trainer", True, 200),
        ("staff", False, 200),
    ],
)
def test_trainer_health_endpoint_by_caller(request, caller, consented, status, client_user, as_client, trainer):
    record(as_client, STRAIN["slug"])
    if consented:
        link(bearer_client(trainer), as_client)
    api = APIClient() if caller == "anonymous" else bearer_client(request.getfixturevalue(USER_FIXTURES[caller]))

    response = api.get(f"/api/v1/trainer/clients/{client_user.pk}/health/")

    assert response.status_code == status
    if status == 200:
        assert response.json() == {"contraindications": [STRAIN]}
    else:
        assert "contraindications" not in response.json()


def test_a_trainer_whose_consent_ended_gets_404_and_nothing_is_logged(trainer_api, as_client, client_user):
    link_id = link(trainer_api, as_client)["id"]
    record(as_client, STRAIN["slug"])
    as_client.delete(f"/api/v1/me/trainers/{link_id}/")

    response = trainer_api.get(f"/api/v1/trainer/clients/{client_user.pk}/health/")

    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(resource="health").count() == 0


# The plan endpoint -----------------------------------------------------------------------------


def test_the_plan_warns_a_client_of_each_flagged_contraindication(as_client):
    record(as_client, NERVES["slug"], STRAIN["slug"], KNEE["slug"])

    response = as_client.get(PLAN)

    assert response.status_code == 200
    assert [w["contraindication"] for w in response.json()["warnings"]] == [STRAIN["slug"], NERVES["slug"]]
    assert response.json()["warnings"][0] == STRAIN_WARNING
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Accept, Authorization, Cookie, origin"


def test_the_plan_has_no_warnings_for_anonymous_callers_or_clients_without_flags(client_user, other_client):
    anonymous = APIClient().get(PLAN)
    unflagged = bearer_client(other_client).get(PLAN)

    assert (anonymous.status_code, anonymous.json()["warnings"]) == (200, [])
    assert (unflagged.status_code, unflagged.json()["warnings"]) == (200, [])
    assert anonymous["Cache-Control"] == "public, no-cache"


def test_warnings_never_leak_through_the_catalog_cache(as_client, other_client):
    record(as_client, STRAIN["slug"])
    other = bearer_client(other_client)
    record(other, NERVES["slug"])

    first_a = as_client.get(PLAN).json()["warnings"]
    first_anonymous = APIClient().get(PLAN).json()["warnings"]
    first_b = other.get(PLAN).json()["warnings"]
    again_anonymous = APIClient().get(PLAN).json()["warnings"]
    again_a = as_client.get(PLAN).json()["warnings"]

    assert first_a == again_a == [STRAIN_WARNING]
    assert first_anonymous == again_anonymous == []
    assert [w["contraindication"] for w in first_b] == [NERVES["slug"]]


def test_warnings_never_leak_through_the_cache_in_front_of_django(as_client, client_user):
    record(as_client, STRAIN["slug"])
    token = as_client._credentials["HTTP_AUTHORIZATION"]

    wsgi_get(PLAN)
    kept = wsgi_get(PLAN)
    signed_in = wsgi_get(PLAN, HTTP_AUTHORIZATION=token)
    after = wsgi_get(PLAN)

    assert (kept.by_django, signed_in.by_django, after.by_django) == (False, True, False)
    assert b'"warnings":[]' in kept.content and b'"warnings":[]' in after.content
    assert STRAIN_MESSAGE.encode() in signed_in.content


def test_the_etag_of_a_warned_plan_changes_with_the_flags(as_client):
    record(as_client, STRAIN["slug"])
    warned = as_client.get(PLAN)
    anonymous = APIClient().get(PLAN)

    record(as_client)
    unwarned = as_client.get(PLAN, HTTP_IF_NONE_MATCH=warned["ETag"])

    assert warned["ETag"] != anonymous["ETag"]
    assert (unwarned.status_code, unwarned.json()["warnings"]) == (200, [])


# Programs -----------------------------------------------------------------------------------------


def test_assigning_a_contraindicated_exercise_without_a_reason_is_a_409(trainer_api, as_client, programs):
    record(as_client, STRAIN["slug"])

    response = trainer_api.post(programs, program_body(), format="json")

    body = response.json()
    assert (response.status_code, response["Content-Type"]) == (409, "application/problem+json")
    assert body["code"] == "contraindicated"
    assert body["errors"] == [
        {
            "field": "items[0].exercise",
            "code": "contraindicated",
            "contraindication": "acute-hamstring-strain",
            "message": f"'{EXERCISE}' lists 'Acute hamstring strain', which the client has recorded.",
        }
    ]
    assert as_client.get(PROGRAM).status_code == 404


def test_a_contraindicated_exercise_with_a_reason_is_assigned_and_the_client_sees_why(trainer_api, as_client, programs):
    record(as_client, STRAIN["slug"])
    reason = "Cleared by the physiotherapist on 3 March; gentle range only."

    response = trainer_api.post(programs, program_body(override_reason=reason), format="json")

    assert response.status_code == 201
    [item] = as_client.get(PROGRAM).json()["items"]
    assert item["override_reason"] == reason
    assert item["warnings"] == [STRAIN_WARNING]


def test_program_items_without_flagged_contraindications_have_no_warnings(trainer_api, as_client, programs):
    record(as_client, KNEE["slug"])

    response = trainer_api.post(programs, program_body(), format="json")

    assert response.status_code == 201
    [item] = as_client.get(PROGRAM).json()["items"]
    assert (item["override_reason"], item["warnings"]) == ("", [])
