"""Hostile input: schemathesis generates requests for every operation of the schema.

The schema is loaded from the WSGI application itself (`from_wsgi`), and every
request is served in-process against the test database, as four identities:
anonymous, a client, a trainer the client consented to, and a staff member
who edits the catalog. Each generated request, valid or deliberately invalid
(negative mode), must get an answer the schema documents: no 5xx, a documented
status and media type, a body matching its schema, invalid data refused, and
no success without the credentials an operation asks for.

A stateful run chains operations as a client (upload a session, read it,
change it, delete it, read it again): a deleted session must stay gone
(`use_after_free`), and another client replaying the reads must not get the
client's objects (`object_level_authorization`).

Generation is derandomized (fixed seed) and bounded (`MAX_EXAMPLES` per
operation and identity), so a run is reproducible and its cost known.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.wfc.escalation import EscalatingAuthProvider

from sessions import services
from sessions.api.serializers import SessionUploadSerializer
from sessions.models import Alert, StretchSession, TrainerLink
from stretchapi.wsgi import application
from tests.sessions.payloads import session_payload, stop_event

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "use_after_free",
    "object_level_authorization",
]
MAX_EXAMPLES = 10
SEED = 20231123
IDENTITIES = ["anonymous", "client", "trainer", "staff"]

# What the running test's identities and objects are; filled by the `world` fixture.
WORLD: dict[str, Any] = {}
# Status codes answered, per (operation, identity): the run's own report (see `fuzz_report`).
ANSWERS: dict[tuple[str, str], Counter] = {}


def _config(seed: int) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            # Stateful runs follow the links the schema declares, not ones guessed from field names.
            "phases": {"coverage": {"enabled": False}, "stateful": {"inference": {"algorithms": []}}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )


class Bearer:
    """The device token of one identity of the running test (none for anonymous)."""

    def __init__(self, identity: str):
        self.identity = identity

    def get(self, case, context) -> str | None:
        return WORLD.get("tokens", {}).get(self.identity)

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _real_values(case) -> dict[str, list]:
    """Values of this operation's path parameters that name existing objects."""
    path = case.operation.path
    if path.startswith("/api/v1/exercises/{slug}"):
        return {"slug": WORLD["slugs"]}
    if path.startswith("/api/v1/sessions/{id}"):
        return {"id": WORLD["sessions"]}
    if path.startswith("/api/v1/me/trainers/{id}"):
        return {"id": WORLD["links"]}
    if path.startswith("/api/v1/trainer/alerts/{id}"):
        return {"id": WORLD["alerts"]}
    if path.startswith("/api/v1/trainer/clients/{client_id}"):
        return {"client_id": WORLD["clients"]}
    return {}


def point_at_real_objects(context, case):
    """Half of the time, aim a well-formed path at objects that exist (and send the session's ETag).

    Only schema-valid values are replaced, by other schema-valid values, so a
    case generated as invalid stays invalid.
    """
    real = _real_values(case)
    if not real or any(not _well_formed(case, name) for name in real):
        return st.just(case)

    def aim(choice: dict) -> Any:
        for name, value in choice.items():
            parameter = case.operation.path_parameters.get(name)
            as_string = parameter is not None and parameter.definition.get("schema", {}).get("type") == "string"
            case.path_parameters[name] = str(value) if as_string else value
        if "If-Match" in (case.headers or {}) and case.path.startswith("/api/v1/sessions/{id}"):
            session = StretchSession.objects.filter(pk=case.path_parameters["id"]).first()
            if session is not None:
                case.headers["If-Match"] = session.etag
        return case

    choices = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in real.items()})
    return st.one_of(choices.map(aim), st.just(case))


def _well_formed(case, name: str) -> bool:
    value = (case.path_parameters or {}).get(name)
    parameter = case.operation.path_parameters.get(name)
    if value is None or parameter is None:
        return False
    schema = parameter.definition.get("schema", {})
    if schema.get("type") == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    import re

    return isinstance(value, str) and re.fullmatch(schema.get("pattern", ".*").strip("^$"), value) is not None


def _schema_as(identity: str, seed: int) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=_config(seed))
    schema.auth(refresh_interval=None)(type(f"Bearer_{identity}", (Bearer,), {"__init__": _init_as(identity)}))
    schema.hook("flatmap_case")(point_at_real_objects)
    return schema


def _init_as(identity: str):
    def __init__(self):
        Bearer.__init__(self, identity)

    return __init__


SCHEMAS = {identity: _schema_as(identity, SEED + index) for index, identity in enumerate(IDENTITIES)}


def _upload(owner, body: dict) -> None:
    data = SessionUploadSerializer(data=body)
    data.is_valid(raise_exception=True)
    services.session_upload(owner=owner, data=data.validated_data, content_hash=body["id"])


@pytest.fixture
def world(db, make_user) -> dict[str, Any]:
    """The objects path parameters point at, and a device token per identity.

    The client has two sessions (one with a stop event, hence an alert) and a
    trainer it consented to; another client has a session of its own; staff
    edits the catalog.
    """
    cache.clear()  # the sign-in and sign-up throttles count in the cache
    client = make_user("client@example.com")
    other = make_user("other@example.com")
    trainer = make_user("trainer@example.com", role="trainer")
    staff = make_user("staff@example.com", role="staff")
    staff.groups.add(Group.objects.get(name="Catalog editors"))
    services.invitation_accept(client=client, code=services.invitation_create(trainer=trainer).code)
    first, second = session_payload(), session_payload()
    second["stop_events"] = [stop_event(second["holds"][0]["started_at"])]
    for owner, body in ((client, first), (client, second), (other, session_payload())):
        _upload(owner, body)
    WORLD.update(
        tokens={
            user.email.split("@")[0]: services.token_issue(user=user, device_name="fuzz")[1]
            for user in (client, other, trainer, staff)
        },
        slugs=["assisted-lying-hamstring-stretch", "pnf-hamstring-stretch", "leg-swings", "jumping-jacks"],
        sessions=[str(pk) for pk in StretchSession.objects.values_list("pk", flat=True)],
        links=list(TrainerLink.objects.values_list("pk", flat=True)),
        alerts=list(Alert.objects.values_list("pk", flat=True)),
        clients=[client.pk, other.pk],
    )
    yield WORLD
    WORLD.clear()
    cache.clear()


FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _fuzz(case, identity: str) -> None:
    response = case.call()
    ANSWERS.setdefault((case.operation.label, identity), Counter())[response.status_code] += 1
    case.validate_response(response)


@SCHEMAS["anonymous"].parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_anonymous(case, world):
    _fuzz(case, "anonymous")


@SCHEMAS["client"].parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_client(case, world):
    _fuzz(case, "client")


@SCHEMAS["trainer"].parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_trainer(case, world):
    _fuzz(case, "trainer")


@SCHEMAS["staff"].parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_staff(case, world):
    _fuzz(case, "staff")


@pytest.fixture(scope="module", autouse=True)
def fuzz_report():
    yield
    import sys

    total = sum(sum(c.values()) for c in ANSWERS.values())
    sys.stderr.write(f"\nschemathesis: {total} requests over {len({op for op, _ in ANSWERS})} operations\n")
    for (operation, identity), codes in sorted(ANSWERS.items()):
        sys.stderr.write(f"  {operation:58} {identity:9} {dict(sorted(codes.items()))}\n")


def _stateful_schema() -> schemathesis.BaseSchema:
    """The session operations as a client, with another client as the peer who must see none of its objects."""
    config = _config(SEED)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config).include(
        path_regex="^/api/v1/sessions/"
    )
    names = ["client", "other"]
    schema.auth.providers.append(
        EscalatingAuthProvider([Bearer(name) for name in names], names, peers=("client", "other"), pinned="client")
    )
    return schema


STATEFUL = _stateful_schema()


@STATEFUL.hook("flatmap_case")
def _valid_uploads(context, case):
    """Half of the uploads are whole, valid sessions, so that the links after a 201 are followed."""
    if case.operation.label != "POST /api/v1/sessions/" or (
        case.meta and case.meta.generation.mode.value != "positive"
    ):
        return st.just(case)

    def upload(session_id) -> Any:
        case.body = session_payload(id=str(session_id))
        return case

    return st.one_of(st.uuids().map(upload), st.just(case))


@STATEFUL.hook("after_call")
def _count_stateful(context, case, response):
    ANSWERS.setdefault((case.operation.label, "stateful"), Counter())[response.status_code] += 1


def test_stateful_session_life_as_a_client(world):
    STATEFUL.as_state_machine().run(
        settings=settings(
            max_examples=20,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
