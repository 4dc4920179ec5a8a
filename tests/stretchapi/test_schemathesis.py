"""Hostile input: schemathesis generates requests for every operation of the schema.

The schema is the one the WSGI application serves (`from_wsgi`), and every
request is answered in-process from the test database, as four identities:
anonymous, a client, a trainer the client consented to, and staff who edit
the catalog. Each request, valid or deliberately invalid (negative mode), must
get an answer the schema documents: no 5xx, a documented status and media
type, a body matching its schema, invalid data refused, and no success
without the credentials an operation asks for (`ignored_auth`).

A stateful run chains the session operations through the schema's links as a
client (upload, read, change, log holds, delete, read again): a deleted
session must stay gone (`use_after_free`), and another client replaying the
client's reads must get none of its objects (`object_level_authorization`).

Generation is derandomized (a fixed seed per identity) and bounded
(`MAX_EXAMPLES` per operation and identity), so a run is reproducible and its
cost known. For a deeper local run:

    SCHEMATHESIS_MAX_EXAMPLES=100 SCHEMATHESIS_SEED=7 SCHEMATHESIS_COVERAGE=1 \\
        SCHEMATHESIS_STATEFUL_SCENARIOS=200 .venv/bin/pytest tests/stretchapi/test_schemathesis.py

Each run writes what it sent and what came back to
test-artifacts/<database>/schemathesis.txt, and its totals to the terminal summary.
"""

from __future__ import annotations

import copy
import importlib
import os
import pkgutil
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.wfc.escalation import EscalatingAuthProvider

from sessions.accounts.services import token_issue
from sessions.api.serializers.logbook import SessionUploadSerializer
from sessions.logbook.services import session_upload
from sessions.models import Alert, StretchSession, TrainerLink, User
from sessions.trainers.services import invitation_accept, invitation_create
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
# Schemathesis's own list, plus 412: RFC 9110 §13.2.1 evaluates If-Match before the request content,
# so an exercise edit with a stale ETag is a 412 whatever its body holds.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429", "5xx"]
# Schemathesis's own list for valid data, plus 412 (an If-Match the schema accepts is stale by the time it is
# sent) and 400 when it names only rules beyond the schema (`valid_data_refused_only_by_rules_beyond_the_schema`).
ACCEPTANCES = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "429", "5xx"]
# The codes of refusals the schema states (types, bounds, lengths, required, unknown fields, list sizes): valid
# data must never meet one. Any other 400 names a rule the schema cannot say — a slug or code that must exist, a
# side that must match the exercise's laterality, a time inside the session or within 2000–2100 in UTC, a
# password Django's validators find common — and is the domain's answer to valid-looking data. Three codes
# are the schema's to state in principle but not in JSON Schema's terms: `blank` (text of only white space,
# which the server trims: JSON Schema's regular expressions and Python disagree on what white space is) and
# the decimal precision of measurements (`max_digits`, `max_decimal_places`: a JSON number is a binary
# float, so `multipleOf: 0.1` is no promise; each field's description says "one decimal place").
STATED_BY_THE_SCHEMA = {
    "required", "null", "empty", "min_value", "max_value", "min_length", "max_length", "not_a_list",
    "unknown_field", "null_characters_not_allowed", "password_too_short", "parse_error", "json_too_deep",
    "duplicate_key",
}  # fmt: skip
# An exercise written through the API is the data file's JSON, checked as a whole by the catalog's content
# rules (`catalog.content.check_exercise`, documented in catalog/data/README.md); its schema describes the
# shape only (catalog/api/serializers.py), so a shape-valid body may still break one of those rules.
CHECKED_AS_A_DATA_FILE = {"POST /api/v1/exercises/", "PATCH /api/v1/exercises/{slug}/"}
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20231123"))
COVERAGE_PHASE = os.environ.get("SCHEMATHESIS_COVERAGE") == "1"
STATEFUL_SCENARIOS = int(os.environ.get("SCHEMATHESIS_STATEFUL_SCENARIOS", "25"))
IDENTITIES = ["anonymous", "client", "trainer", "staff"]
SCHEMA_URL = "/api/schema/?format=json"
PASSWORD = "a-long-Passphrase-42"

# The running test's tokens and objects, filled by the `world` fixture.
WORLD: dict[str, Any] = {}
# The run's own report (tests/stretchapi/conftest.py prints it): the test cases run per identity, and what
# each (operation, identity) answered.
CASES: Counter = Counter()
ANSWERS: dict[tuple[str, str], Counter] = {}


def _config(seed: int, *, mode: str = "all", checks: tuple[str, ...] = tuple(CHECKS)) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "mode": mode,
                # Every text field refuses NUL (DRF's `null_characters_not_allowed`), as the API description
                # says; valid data leaves it out rather than give every string a pattern.
                "allow-x00": mode != "positive",
            },
            "phases": {
                "coverage": {"enabled": COVERAGE_PHASE},
                # Stateful runs follow the links the schema declares, not ones guessed from field names.
                "stateful": {"inference": {"algorithms": []}},
            },
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in checks},
                "negative_data_rejection": {"enabled": True, "expected-statuses": REJECTIONS},
                "positive_data_acceptance": {
                    "enabled": "positive_data_acceptance" in checks,
                    "expected-statuses": ACCEPTANCES,
                },
                "valid_data_refused_only_by_rules_beyond_the_schema": {"enabled": "positive_data_acceptance" in checks},
            },
        }
    )


@schemathesis.check
def valid_data_refused_only_by_rules_beyond_the_schema(ctx, response, case) -> bool | None:
    """A valid case answered 400 must name only rules the schema cannot state (see STATED_BY_THE_SCHEMA)."""
    if case.meta is None or case.meta.generation.mode.value != "positive" or response.status_code != 400:
        return None
    if case.operation.label in CHECKED_AS_A_DATA_FILE:
        return None
    problem = response.json()
    stated = sorted({(e["field"], e["code"]) for e in problem.get("errors", []) if e["code"] in STATED_BY_THE_SCHEMA})
    if problem.get("code") in STATED_BY_THE_SCHEMA or stated:
        raise AssertionError(f"Schema-valid data refused for a rule the schema can state: {stated or problem}")
    return None


class Bearer:
    """The device token of one identity in the running test; anonymous sends none."""

    def __init__(self, identity: str):
        self.identity = identity

    def get(self, case, context) -> str | None:
        return WORLD.get("tokens", {}).get(self.identity)

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _record(identity: str):
    def after_call(context, case, response) -> None:
        ANSWERS.setdefault((case.operation.label, identity), Counter())[response.status_code] += 1

    return after_call


# Aiming at objects that exist ----------------------------------------------------------


def _path_targets(path: str) -> dict[str, str]:
    """The path's parameters that name objects, and which of the world's lists holds real ones."""
    for prefix, name, key in (
        ("/api/v1/exercises/{slug}", "slug", "slugs"),
        ("/api/v1/sessions/{id}", "id", "sessions"),
        ("/api/v1/me/trainers/{id}", "id", "links"),
        ("/api/v1/trainer/alerts/{id}", "id", "alerts"),
        ("/api/v1/trainer/alert-groups/{session_id}", "session_id", "sessions"),
        ("/api/v1/trainer/clients/{client_id}", "client_id", "clients"),
    ):
        if path.startswith(prefix):
            return {name: key}
    return {}


# Free-text fields and query parameters that name objects, by the operation they belong to.
TEXT_TARGETS = {
    ("query", "exercise"): "slugs",
    ("body", "exercise"): "slugs",
    ("body", "kind"): "stop_signs",
    ("body", "code"): "codes",
}


def _schema_valid(case, name: str) -> bool:
    value = (case.path_parameters or {}).get(name)
    definition = case.operation.path_parameters.get(name).definition.get("schema", {})
    if definition.get("type") == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    pattern = definition.get("pattern", ".*").removeprefix("^").removesuffix("$")
    return isinstance(value, str) and re.fullmatch(pattern, value) is not None


def _targets(case) -> dict[tuple[str, str], str]:
    """Where this case names an object, as (location, name) → the world's list of real ones.

    Only values the schema accepts are aimed, and they are replaced by values
    it accepts too, so a case generated as invalid stays invalid: path values
    are checked against their schema, and text in queries and bodies is aimed
    only in cases generated as valid throughout.
    """
    path = _path_targets(case.operation.path)
    if not all(_schema_valid(case, name) for name in path):
        return {}
    targets = {("path", name): key for name, key in path.items()}
    if case.meta is not None and case.meta.generation.mode.value != "positive":
        return targets
    containers = {"query": case.query or {}, "body": case.body if isinstance(case.body, dict) else {}}
    for (location, name), key in TEXT_TARGETS.items():
        if isinstance(containers[location].get(name), str):
            targets[(location, name)] = key
    return targets


def aim_at_real_objects(context, case):
    """Half of the time, make a case name objects that exist (and send a session's current ETag)."""
    targets = _targets(case)
    if not targets:
        return st.just(case)

    def aim(choice: dict) -> Any:
        for (location, name), value in choice.items():
            if location == "path":
                as_text = case.operation.path_parameters.get(name).definition["schema"].get("type") == "string"
                case.path_parameters[name] = str(value) if as_text else value
            else:
                (case.query if location == "query" else case.body)[name] = value
        if "If-Match" in (case.headers or {}) and case.path.startswith("/api/v1/sessions/{id}"):
            session = StretchSession.objects.filter(pk=case.path_parameters["id"]).first()
            if session is not None:
                case.headers["If-Match"] = session.etag
        return case

    choices = st.fixed_dictionaries({target: st.sampled_from(WORLD[key]) for target, key in targets.items()})
    return st.one_of(choices.map(aim), st.just(case))


def whole_uploads(context, case):
    """Half of the valid uploads are whole, plausible sessions, so that the links after a 201 get followed."""
    positive = case.meta is None or case.meta.generation.mode.value == "positive"
    if case.operation.label != "POST /api/v1/sessions/" or not positive:
        return st.just(case)

    def upload(session_id) -> Any:
        case.body = session_payload(id=str(session_id))
        return case

    return st.one_of(st.uuids().map(upload), st.just(case))


# The schemas: one per identity, and one for the stateful run ---------------------------


def _import_the_product_code() -> None:
    """Load every module of the apps (settings aside) before anything is generated.

    Hypothesis draws some values from the constants of the project's loaded
    modules; with all of them loaded, a run generates the same cases alone as
    within the whole suite, where other tests import more of the code.
    """
    for package in ("catalog", "sessions", "stretchapi"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if ".settings" not in module.name:
                importlib.import_module(module.name)


_import_the_product_code()

# The schema as the application serves it, fetched once; each identity's copy is bound to the same application.
SERVED = schemathesis.openapi.from_wsgi(SCHEMA_URL, application).raw_schema


def _schema(seed: int, **config) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_dict(copy.deepcopy(SERVED), config=_config(seed, **config))
    schema.app = application
    return schema


def _schema_as(identity: str, seed: int, **config) -> schemathesis.BaseSchema:
    schema = _schema(seed, **config)
    schema.auth.providers.append(Bearer(identity))
    schema.hook("flatmap_case")(aim_at_real_objects)
    schema.hook("after_call")(_record(identity))
    return schema


def _stateful_schema() -> schemathesis.BaseSchema:
    """The session operations as a client; the other client is the peer who must see none of its objects."""
    schema = _schema(SEED).include(path_regex="^/api/v1/sessions/")
    peers = ["client", "other"]
    schema.auth.providers.append(
        EscalatingAuthProvider([Bearer(name) for name in peers], peers, peers=tuple(peers), pinned="client")
    )
    schema.hook("flatmap_case")(whole_uploads)
    schema.hook("after_call")(_record("stateful"))
    return schema


SCHEMAS = {identity: _schema_as(identity, SEED + index) for index, identity in enumerate(IDENTITIES)}
# Valid data only, on the write operations, each sent by the identity that may make it (the fuzz tests above
# already send every operation as everyone): whatever the schema calls valid must be accepted.
WRITERS = {
    "anonymous": "^/api/v1/auth/(register|token)/$",
    "client": "^/api/v1/(sessions|me|auth/logout)",
    "trainer": "^/api/v1/trainer/",
    "staff": "^/api/v1/exercises/",
}
WRITES = {
    identity: _schema_as(
        identity, SEED + 100 + index, mode="positive", checks=(*CHECKS, "positive_data_acceptance")
    ).include(method=["POST", "PUT", "PATCH", "DELETE"], path_regex=paths)
    for index, (identity, paths) in enumerate(WRITERS.items())
}
WRITES["client"].hook("flatmap_case")(whole_uploads)  # half the uploads plausible sessions, which must be stored
STATEFUL = _stateful_schema()


# The objects and tokens --------------------------------------------------------------------


def _upload(owner, body: dict) -> None:
    data = SessionUploadSerializer(data=body)
    data.is_valid(raise_exception=True)
    session_upload(owner=owner, data=data.validated_data, content_hash=body["id"])


def _build_world() -> None:
    client = User.objects.create_user("client@example.com", password=PASSWORD)
    other = User.objects.create_user("other@example.com", password=PASSWORD)
    trainer = User.objects.create_user("trainer@example.com", password=PASSWORD, role="trainer")
    staff = User.objects.create_user("staff@example.com", password=PASSWORD, role="staff")
    staff.groups.add(Group.objects.get(name="Catalog editors"))
    invitation_accept(client=client, code=invitation_create(trainer=trainer).code)
    pending = invitation_create(trainer=trainer).code
    first, second = session_payload(), session_payload()
    second["stop_events"] = [stop_event(second["holds"][0]["started_at"])]
    for owner, body in ((client, first), (client, second), (other, session_payload())):
        _upload(owner, body)
    WORLD.update(
        tokens={
            name: token_issue(user=user, device_name="fuzz")[1]
            for name, user in (("client", client), ("other", other), ("trainer", trainer), ("staff", staff))
        },
        slugs=["assisted-lying-hamstring-stretch", "pnf-hamstring-stretch", "leg-swings", "jumping-jacks"],
        sessions=[str(pk) for pk in StretchSession.objects.values_list("pk", flat=True)],
        links=list(TrainerLink.objects.values_list("pk", flat=True)),
        alerts=list(Alert.objects.values_list("pk", flat=True)),
        stop_signs=["sharp-pain", "cramping", "other"],
        codes=[pending],
        clients=[client.pk, other.pk],
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The objects path parameters point at, and a device token per identity, made once for the module.

    The client has two sessions (one with a stop event, hence an alert) and a
    trainer it consented to; another client has a session of its own; staff
    edit the catalog. They live in a transaction that stays open for the whole
    module and is rolled back after it; each test's own transaction (the `db`
    fixture) nests inside it, as does each example's (`_undone`).
    """
    # The WSGI handler closes a connection that is inside a transaction when a request starts or ends;
    # this connection holds the module's transaction, so keep it open, as Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        _build_world()
        yield WORLD
        transaction.set_rollback(True)
    WORLD.clear()
    caches["throttle"].clear()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The tests -------------------------------------------------------------------------------

# The examples of an operation share `world` and the test's transaction; `_undone` resets both after each one.
EXAMPLES_SHARE_THE_WORLD = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]


@contextmanager
def _undone():
    """Whatever the block writes is rolled back, and the throttles forget it.

    Each example then starts from the same `world`, so an example Hypothesis
    replays (to confirm or shrink a failure) meets the state it first met.
    """
    caches["throttle"].clear()
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
            caches["throttle"].clear()


def _case_test(schema: schemathesis.BaseSchema, identity: str, name: str):
    @schema.parametrize()
    @settings(deadline=None, suppress_health_check=EXAMPLES_SHARE_THE_WORLD)
    def test(case, world, db):
        CASES[identity] += 1
        with _undone():
            case.call_and_validate()

    test.__name__ = name
    return test


test_fuzz_as_anonymous = _case_test(SCHEMAS["anonymous"], "anonymous", "test_fuzz_as_anonymous")
test_fuzz_as_client = _case_test(SCHEMAS["client"], "client", "test_fuzz_as_client")
test_fuzz_as_trainer = _case_test(SCHEMAS["trainer"], "trainer", "test_fuzz_as_trainer")
test_fuzz_as_staff = _case_test(SCHEMAS["staff"], "staff", "test_fuzz_as_staff")

test_valid_writes_accepted_as_anonymous = _case_test(
    WRITES["anonymous"], "anonymous", "test_valid_writes_accepted_as_anonymous"
)
test_valid_writes_accepted_as_client = _case_test(WRITES["client"], "client", "test_valid_writes_accepted_as_client")
test_valid_writes_accepted_as_trainer = _case_test(
    WRITES["trainer"], "trainer", "test_valid_writes_accepted_as_trainer"
)
test_valid_writes_accepted_as_staff = _case_test(WRITES["staff"], "staff", "test_valid_writes_accepted_as_staff")


class SessionLife(STATEFUL.as_state_machine()):
    """Each scenario starts from `world` as the fixture made it."""

    def setup(self) -> None:
        self._undo = _undone()
        self._undo.__enter__()

    def teardown(self) -> None:
        self._undo.__exit__(None, None, None)

    def step(self, input):
        CASES["stateful"] += 1
        return super().step(input)


def test_stateful_session_life_as_a_client(world, db):
    SessionLife.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
