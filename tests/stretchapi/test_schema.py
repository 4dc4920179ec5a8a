"""The OpenAPI schema is a product: valid, warning-free, and identical to the committed file."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from rest_framework.permissions import AllowAny

COMMITTED = Path(settings.BASE_DIR) / "schema" / "openapi.yaml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    # --fail-on-warn turns any generator warning into an error, --validate checks against the OpenAPI spec.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return target.read_text()


def test_committed_schema_matches_the_code(generated):
    assert generated == COMMITTED.read_text(), "schema/openapi.yaml is stale: run `make schema` and commit it"


def test_operation_ids_are_snake_case_and_unique(generated):
    schema = yaml.safe_load(generated)
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values() if isinstance(op, dict)]

    assert len(ids) == len(set(ids))
    assert all(i.replace("_", "").isalnum() and i == i.lower() for i in ids)


def test_every_operation_documents_its_problem_responses(generated):
    schema = yaml.safe_load(generated)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "500" in responses, (method, path)
            assert "application/problem+json" in responses["500"]["content"], (method, path)
            assert "application/problem+json" in responses["503"]["content"], (method, path)
            assert "Retry-After" in responses["503"]["headers"], (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                assert responses["400"]["content"]["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/BadRequestProblem"
                }


def test_enums_have_domain_names(generated):
    components = yaml.safe_load(generated)["components"]["schemas"]

    for name in ["DifficultyEnum", "TechniqueEnum", "LateralityEnum", "GoalEnum", "SideEnum", "TimerPhaseEnum"]:
        assert "enum" in components[name], name
    assert not [n for n in components if n.endswith("Enum") and n[:-4].endswith(tuple("0123456789"))]


def _operations(generated) -> dict[str, dict]:
    schema = yaml.safe_load(generated)
    return {op["operationId"]: op for operations in schema["paths"].values() for op in operations.values()}


def test_role_restricted_operations_document_their_403_and_open_reads_do_not(generated):
    operations = _operations(generated)

    assert operations["trainer_client_list"]["responses"]["403"]["description"] == (
        "Only trainer and staff accounts may use the trainer endpoints."
    )
    assert operations["exercise_history"]["responses"]["403"]["content"]["application/problem+json"]
    assert "403" not in operations["me_retrieve"]["responses"]
    assert "403" not in operations["exercise_list"]["responses"]


def test_writes_document_the_csrf_403_of_browser_sessions_and_sign_in_does_not(generated):
    operations = _operations(generated)

    assert "CSRF" in operations["session_upload"]["responses"]["403"]["description"]
    assert "403" not in operations["auth_token_create"]["responses"]


def test_throttled_operations_document_429_and_every_operation_503(generated):
    operations = _operations(generated)

    assert {name for name, op in operations.items() if "429" in op["responses"]} == {
        "auth_register",
        "auth_token_create",
    }
    assert all("503" in op["responses"] for op in operations.values())


def test_session_operations_link_to_each_other_with_the_id_and_etag(generated):
    operations = _operations(generated)

    links = operations["session_upload"]["responses"]["201"]["links"]

    assert set(links) == {"ReadSession", "ChangeSession", "DeleteSession", "LogHold", "LogStopEvent"}
    assert links["DeleteSession"] == {
        "operationId": "session_delete",
        "parameters": {"path.id": "$response.body#/id", "header.If-Match": "$response.header.ETag"},
    }
    assert set(operations["session_update"]["responses"]["200"]["links"]) == {"ReadSession", "DeleteSession"}


def _views_by_operation():
    """Each schema operation's (path, method) with the view instance that answers it."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    return {(path, method.lower()): view for path, _, method, view in generator._get_paths_and_endpoints()}


def test_public_operations_need_no_credentials_and_every_other_a_bearer_token(generated):
    """Generated clients type AllowAny operations as `Client`, not `AuthenticatedClient`."""
    schema = yaml.safe_load(generated)
    views = _views_by_operation()
    public, private = [], []

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            view = views[(path, method)]
            if all(isinstance(permission, AllowAny) for permission in view.get_permissions()):
                public.append(operation["operationId"])
                assert operation["security"] == [], operation["operationId"]
            else:
                private.append(operation["operationId"])
                assert {"bearerAuth": []} in operation["security"], operation["operationId"]
                assert {} not in operation["security"], operation["operationId"]

    assert {"auth_register", "auth_token_create", "exercise_list", "exercise_retrieve", "muscle_list"} <= set(public)
    assert {"me_retrieve", "session_upload", "exercise_update"} <= set(private)


def test_public_catalog_reads_document_the_401_of_a_stale_token_and_sign_in_does_not(generated):
    operations = _operations(generated)

    assert "sent and its token is not valid" in operations["exercise_list"]["responses"]["401"]["description"]
    assert "401" not in operations["auth_register"]["responses"]


def _directions(schema: dict) -> tuple[set[str], set[str]]:
    """The components reachable from request bodies, and those reachable from answers."""
    from stretchapi.api.schema import _referenced

    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    components = schema["components"]["schemas"]
    requests = _referenced([op["requestBody"] for op in operations if "requestBody" in op], components)
    answers = _referenced([op["responses"] for op in operations], components)
    return requests, answers


def test_request_and_answer_components_are_apart_and_read_well_in_generated_code(generated):
    schema = yaml.safe_load(generated)
    components = schema["components"]["schemas"]
    requests, answers = _directions(schema)

    assert {name for name in requests & answers if "properties" in components[name]} == set()  # enums are shared
    assert [name for name in components if name.endswith(("RequestRequest", "ListList"))] == []
    assert {"TokenRequest", "TokenResponse", "PaginatedExerciseSummaryList", "MeasurementSideEnum"} <= set(components)
    for name in requests:
        for field, definition in components[name].get("properties", {}).items():
            assert not definition.get("readOnly"), (name, field)
    for name in answers:
        for field, definition in components[name].get("properties", {}).items():
            assert not definition.get("writeOnly"), (name, field)


def test_a_field_the_server_fills_in_is_optional_in_the_request_and_always_in_the_answer(generated):
    components = yaml.safe_load(generated)["components"]["schemas"]
    upload, hold = components["SessionUploadRequest"], components["HoldInputRequest"]
    stored, stored_hold = components["StretchSession"], components["Hold"]

    assert {"outcome", "assisted_by", "stop_events"}.isdisjoint(upload["required"])
    assert "set_number" not in hold["required"]
    assert "default" not in upload["properties"]["outcome"]  # openapi-typescript would make it required
    assert "Left out, the server uses `completed`." in upload["properties"]["outcome"]["description"]
    assert {"outcome", "assisted_by", "stop_events"} <= set(stored["required"])
    assert "set_number" in stored_hold["required"]


def test_strict_request_bodies_refuse_unknown_fields_and_state_their_list_bounds(generated):
    components = yaml.safe_load(generated)["components"]["schemas"]
    upload = components["SessionUploadRequest"]

    assert upload["additionalProperties"] is False
    assert "description" not in upload  # not StrictSerializer's docstring
    assert (upload["properties"]["holds"]["maxItems"], upload["properties"]["measurements"]["maxItems"]) == (300, 50)
    assert components["ProgramInputRequest"]["properties"]["items"]["minItems"] == 1
    assert components["RegisterRequest"]["properties"]["password"]["minLength"] == 8
