"""Hostile input is refused at the door with a 400 naming it, on every endpoint it can reach.

Each kind of input has one strict reader: JSON bodies `stretchapi/api/parsers.py`, ids and times
`stretchapi/inputs.py`, cursors `stretchapi/api/pagination.py`. The endpoints and parameters are
read from the committed schema, so a new one is covered (or this file fails) without editing it.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from base64 import b64encode
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from django.contrib.auth.models import Group
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from sessions.models import Alert, StretchSession, User
from sessions.trainers.services import invitation_accept, invitation_create
from sessions.webhooks.services import endpoint_create
from stretchapi.api import parsers
from stretchapi.api.parsers import JSON_MAX_DEPTH, DuplicateKey, JSONParser, JSONTooDeep, check_depth
from stretchapi.inputs import MAX_ID, InputError, parse_id, parse_moment
from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload, stop_event
from tests.sessions.test_upload_validation import field_errors

pytestmark = pytest.mark.django_db

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "schema" / "openapi.yaml").read_text())
PROBLEM = "application/problem+json"


def _operations():
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict):
                yield path, method, operation


JSON_WRITES = sorted(
    (method.upper(), path)
    for path, method, operation in _operations()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
)
QUERY_PARAMETERS = sorted(
    (path, parameter["name"], parameter["schema"].get("format") or parameter["schema"]["type"])
    for path, method, operation in _operations()
    if method == "get"
    for parameter in operation.get("parameters", [])
    if parameter["in"] == "query"
)
TIME_PARAMETERS = [(path, name) for path, name, kind in QUERY_PARAMETERS if kind == "date-time"]
ID_PARAMETERS = [
    (path, name)
    for path, operation in ((p, o) for p, m, o in _operations() if m == "get")
    for parameter in operation.get("parameters", [])
    if parameter["in"] == "query" and parameter["schema"].get("maximum") == MAX_ID
    for name in [parameter["name"]]
]
CURSOR_LISTS = sorted(path for path, name, _ in QUERY_PARAMETERS if name == "cursor")


@pytest.fixture
def doors(client_user, trainer, staff):
    """Who may call each JSON write endpoint, and at which URL (real objects, current ETags)."""
    staff.groups.add(Group.objects.get(name="Catalog editors"))
    invitation_accept(client=client_user, code=invitation_create(trainer=trainer).code)
    as_client, as_trainer, as_staff = bearer_client(client_user), bearer_client(trainer), bearer_client(staff)
    body = session_payload()
    body["stop_events"] = [stop_event(body["holds"][0]["started_at"])]
    assert as_client.post("/api/v1/sessions/", body, format="json").status_code == 201
    session_id = body["id"]
    session_etag = as_client.get(f"/api/v1/sessions/{session_id}/")["ETag"]
    exercise_etag = as_staff.get("/api/v1/exercises/leg-swings/")["ETag"]
    alert = Alert.objects.get(session_id=session_id)
    endpoint = endpoint_create(owner=trainer, url="https://93.184.215.14/hooks", event_types=["alert.raised"])
    anonymous = APIClient()
    return {
        ("POST", "/api/v1/auth/register/"): (anonymous, "/api/v1/auth/register/", {}),
        ("POST", "/api/v1/auth/token/"): (anonymous, "/api/v1/auth/token/", {}),
        ("POST", "/api/v1/exercises/"): (as_staff, "/api/v1/exercises/", {}),
        ("POST", "/api/v1/exports/{dataset}/jobs/"): (as_trainer, "/api/v1/exports/holds/jobs/", {}),
        ("PATCH", "/api/v1/exercises/{slug}/"): (
            as_staff,
            "/api/v1/exercises/leg-swings/",
            {"HTTP_IF_MATCH": exercise_etag},
        ),
        ("PUT", "/api/v1/me/health/"): (as_client, "/api/v1/me/health/", {}),
        ("POST", "/api/v1/me/trainers/"): (as_client, "/api/v1/me/trainers/", {}),
        ("POST", "/api/v1/sessions/"): (as_client, "/api/v1/sessions/", {}),
        ("PATCH", "/api/v1/sessions/{id}/"): (
            as_client,
            f"/api/v1/sessions/{session_id}/",
            {"HTTP_IF_MATCH": session_etag},
        ),
        ("POST", "/api/v1/sessions/{id}/holds/"): (as_client, f"/api/v1/sessions/{session_id}/holds/", {}),
        ("POST", "/api/v1/sessions/{id}/stop-events/"): (
            as_client,
            f"/api/v1/sessions/{session_id}/stop-events/",
            {},
        ),
        ("POST", "/api/v1/trainer/alert-groups/{session_id}/acknowledge/"): (
            as_trainer,
            f"/api/v1/trainer/alert-groups/{session_id}/acknowledge/",
            {},
        ),
        ("POST", "/api/v1/trainer/alerts/{id}/acknowledge/"): (
            as_trainer,
            f"/api/v1/trainer/alerts/{alert.pk}/acknowledge/",
            {},
        ),
        ("POST", "/api/v1/trainer/clients/{client_id}/programs/"): (
            as_trainer,
            f"/api/v1/trainer/clients/{client_user.pk}/programs/",
            {},
        ),
        ("PUT", "/api/v1/notifications/preferences/"): (as_trainer, "/api/v1/notifications/preferences/", {}),
        ("POST", "/api/v1/webhooks/"): (as_trainer, "/api/v1/webhooks/", {}),
        ("PATCH", "/api/v1/webhooks/{id}/"): (as_trainer, f"/api/v1/webhooks/{endpoint.pk}/", {}),
    }


def send(doors, endpoint, text: str):
    api, url, headers = doors[endpoint]
    return getattr(api, endpoint[0].lower())(url, text, content_type="application/json", **headers)


def assert_problem(response, code: str) -> dict:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["code"], body["type"]) == (code, f"urn:stretchapi:problem:{code}")
    return body


def test_the_doors_cover_every_json_write_endpoint_of_the_schema(doors):
    assert sorted(doors) == JSON_WRITES


# Nesting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", JSON_WRITES, ids=" ".join)
def test_deeply_nested_json_is_refused_on_every_write_endpoint(doors, endpoint):
    response = send(doors, endpoint, "[" * 1000)

    body = assert_problem(response, "json_too_deep")
    assert body["detail"] == f"Arrays and objects may nest at most {JSON_MAX_DEPTH} levels deep."


def test_json_nested_to_the_limit_is_decoded_and_one_level_more_is_not():
    parser = JSONParser()
    at_limit = "[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH

    assert parser.parse(io.BytesIO(at_limit.encode()), "application/json", {}) is not None
    with pytest.raises(JSONTooDeep):
        parser.parse(io.BytesIO(("[" + at_limit + "]").encode()), "application/json", {})


def test_many_shallow_brackets_are_decoded_and_depth_after_them_is_not():
    wide = "[" + ",".join(['{"a": [1]}'] * (2 * JSON_MAX_DEPTH)) + "]"  # more brackets than the limit, 3 deep
    deep_after = "[" + ",".join(["[]"] * 100) + "," + "[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH + "]"

    assert len(JSONParser().parse(io.BytesIO(wide.encode()), "application/json", {})) == 2 * JSON_MAX_DEPTH
    with pytest.raises(JSONTooDeep):
        JSONParser().parse(io.BytesIO(deep_after.encode()), "application/json", {})


def test_brackets_inside_strings_do_not_count_towards_the_nesting():
    text = '{"notes": "[[[[{{{{' + "[" * 100 + '\\"]]", "n": [[1]]}'

    assert JSONParser().parse(io.BytesIO(text.encode()), "application/json", {}) == {
        "notes": "[[[[{{{{" + "[" * 100 + '"]]',
        "n": [[1]],
    }


def _depth_by_regex(text: str, limit: int) -> bool:
    """Whether the earlier `check_depth` refused `text`: strings blanked by a regex, then everything
    but the brackets, then the running count."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = re.sub(r"[^\[\]{}]+", "", re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', "", text, flags=re.DOTALL))
    steps = {"[": 1, "{": 1, "]": -1, "}": -1}
    return max(itertools.accumulate(steps[c] for c in brackets), default=0) > limit


def _refused(text: str, limit: int) -> bool:
    try:
        check_depth(text, limit)
    except JSONTooDeep:
        return True
    return False


# Texts of brackets, quotes, backslashes and a few other characters in any order (valid JSON or
# not: unterminated strings, escaped quotes and backslashes, backslashes outside strings), and JSON
# documents whose strings hold brackets, quotes and backslashes.
_json_strings = st.text(alphabet='[]{}"\\ab\n\u00e9\u2028', max_size=12)
_documents = st.recursive(
    st.none() | st.integers() | _json_strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_json_strings, inner, max_size=4),
    max_leaves=30,
).map(lambda value: json.dumps(value, ensure_ascii=False))
_texts = st.text(alphabet='[]{}"\\ a,:\u00e9', max_size=80) | _documents


@settings(max_examples=1500, deadline=None)
@given(_texts, st.integers(min_value=0, max_value=8))
def test_the_nesting_check_refuses_what_the_regex_check_refused(text, limit):
    assert _refused(text, limit) == _depth_by_regex(text, limit)


@pytest.mark.parametrize(
    "text",
    ['"[\\"[[', '"x\\"[[[', '[[["a"]]]', '"[[[', '[["]]"[[', '\\"[[[["', '["\\\\"[[[', '[["\\\\\\"[["]]',
     '"a"[["b"[[', '[[[\u00e9"\u2028["'],
)  # fmt: skip
def test_the_nesting_check_on_quotes_and_backslashes_that_open_no_string(text):
    for limit in range(5):
        assert _refused(text, limit) == _depth_by_regex(text, limit), limit


def test_the_deepest_catalog_exercise_is_far_below_the_nesting_limit():
    def depth(value) -> int:  # catalog files are small and shallow: recursion is safe here
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        return 1 + max((depth(child) for child in children), default=0) if isinstance(value, dict | list) else 0

    files = (Path(__file__).resolve().parents[2] / "catalog" / "data" / "exercises").glob("*.yaml")
    deepest = max(depth(yaml.safe_load(file.read_text())) for file in files)

    assert deepest * 4 <= JSON_MAX_DEPTH


# Duplicate keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", JSON_WRITES, ids=" ".join)
def test_a_duplicated_key_is_refused_on_every_write_endpoint(doors, endpoint):
    response = send(doors, endpoint, '{"note": "first", "note": "second"}')

    body = assert_problem(response, "duplicate_key")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("note", "duplicate_key")]


def test_an_upload_with_notes_twice_is_refused_naming_notes_and_stores_nothing(as_client):
    body = session_payload(notes="first")
    text = JSONParser.renderer_class().render(body).decode()
    text = text.replace('"notes":"first"', '"notes":"first","notes":"second"')

    response = as_client.post("/api/v1/sessions/", text, content_type="application/json")

    assert [(e["field"], e["code"]) for e in assert_problem(response, "duplicate_key")["errors"]] == [
        ("notes", "duplicate_key")
    ]
    assert not StretchSession.objects.exists()


def test_a_duplicated_key_is_named_by_its_path():
    text = '{"holds": [{"side": "left"}, {"side": "left", "intensity": 3, "intensity": 9}]}'

    with pytest.raises(DuplicateKey) as refused:
        JSONParser().parse(io.BytesIO(text.encode()), "application/json", {})

    assert refused.value.extra["errors"][0]["field"] == "holds[1].intensity"


# The fast decoding (orjson) against the decoding with a hook on every object ---------------------


def _by_hook(text: str):
    """What `JSONParser` gives for `text` without its fast path: the value, or the refusal."""
    with mock.patch.object(parsers, "decoded_fast", return_value=parsers._SLOW):
        return _parsed(text)


def _parsed(text: str):
    try:
        return JSONParser().parse(io.BytesIO(text.encode("utf-8", "surrogatepass")), "application/json", {})
    except ParseError as refused:
        return (type(refused).__name__, str(refused.detail), getattr(refused, "extra", None))


def _written(value) -> str:
    """The value with its types and its keys' order (1 and 1.0, -0.0 and 0.0 differ; NaN is written)."""
    return json.dumps(value, ensure_ascii=False)


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["", ":", '"', "\\", "a:b", "\u2028", "\ud800", "é:", "{", "]"])
)
_keys = st.text(alphabet='ab:"\\é', max_size=3)


@st.composite
def _json_texts(draw) -> str:
    """JSON texts as phones and scripts write them: any spacing, escapes or not, numbers of every
    size, NaN, and objects that may write a key twice."""
    ascii_only = draw(st.booleans())
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (",\n", " : ")]))

    def write(value) -> str:
        if isinstance(value, list) and value and value[0] == "<object>":
            members = [f"{write(key)}{separators[1]}{write(item)}" for key, item in value[1:]]
            return "{" + separators[0].join(members) + "}"
        if isinstance(value, list):
            return "[" + separators[0].join(write(item) for item in value) + "]"
        return json.dumps(value, ensure_ascii=ascii_only)

    objects = st.lists(st.tuples(_keys, st.deferred(lambda: values)), max_size=4).map(
        lambda pairs: ["<object>", *pairs]
    )
    values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | objects, max_leaves=20)
    return write(draw(values))


@settings(max_examples=2000, deadline=None)
@given(_json_texts())
def test_the_fast_decoding_gives_what_the_hook_decoding_gives(text):
    assert _written(_parsed(text)) == _written(_by_hook(text))


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 2}', '[{"b": {"c": 1, "c": 1}}]', '{"a": "x:y", "b": ":", "b": 1}', "123456789012345678901",
     "-9223372036854775809", "[1e400]", "[NaN]",
     # a key twice, whose value written again has the quotes and colon of the dropped member: only
     # escapes can do that, and a text with a backslash is never decoded fast
     '{"a":1,"a":"\\u0022\\u003a\\u0022"}', '"\\ud800"', '{"\\u0061": 1, "a": 2}', '{"a":1}{"b":2}', "\ufeff{}"],
)  # fmt: skip
def test_what_orjson_would_read_otherwise_takes_the_hook_decoding(text):
    assert parsers.decoded_fast(text, text.encode("utf-8", "surrogatepass")) is parsers._SLOW
    assert _written(_parsed(text)) == _written(_by_hook(text))


def test_an_upload_body_is_decoded_by_orjson():
    body = json.dumps(session_payload(holds=40))
    value = parsers.decoded_fast(body, body.encode())
    assert value is not parsers._SLOW and value == json.loads(body)


def test_sign_up_with_the_email_twice_is_refused_and_creates_nobody(api_client):
    text = (
        '{"email": "a@example.com", "email": "b@example.com", "password": "a-long-Passphrase-42", "display_name": "A"}'
    )

    response = api_client.post("/api/v1/auth/register/", text, content_type="application/json")

    assert [(e["field"], e["code"]) for e in assert_problem(response, "duplicate_key")["errors"]] == [
        ("email", "duplicate_key")
    ]
    assert not User.objects.filter(email__in=["a@example.com", "b@example.com"]).exists()


# Times --------------------------------------------------------------------------------------------

OUT_OF_RANGE_TIMES = [
    ("9999-12-31T23:59:59Z", "too_late"),
    ("9999-12-31T23:59:59-23:59", "too_late"),
    ("2101-01-01T00:00:00Z", "too_late"),
    ("2100-12-31T23:59:59-00:01", "too_late"),
    ("0001-01-01T00:00:00+01:00", "too_early"),
    ("1999-12-31T23:59:59Z", "too_early"),
    ("2000-01-01T00:30:00+01:00", "too_early"),
]


@pytest.mark.parametrize(("text", "code"), OUT_OF_RANGE_TIMES)
def test_a_time_outside_years_2000_to_2100_is_refused(text, code):
    with pytest.raises(InputError) as refused:
        parse_moment(text)

    assert refused.value.code == code


@pytest.mark.parametrize("text", ["2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2000-01-01T00:00:00-16:30"])
def test_times_at_the_edges_of_the_range_are_read_in_utc(text):
    assert parse_moment(text).utcoffset() == timedelta(0)


UPLOAD_TIMES = [
    pytest.param(lambda b, t: b.update(ended_at=t), "ended_at", id="ended_at"),
    pytest.param(lambda b, t: b.update(started_at=t, ended_at=None), "started_at", id="started_at"),
    pytest.param(lambda b, t: b["holds"][0].update(started_at=t), "holds[0].started_at", id="hold"),
    pytest.param(lambda b, t: b.update(stop_events=[stop_event(t)]), "stop_events[0].occurred_at", id="stop-event"),
    pytest.param(
        lambda b, t: b["measurements"][0].update(measured_at=t), "measurements[0].measured_at", id="measurement"
    ),
]


@pytest.mark.parametrize(("text", "code"), OUT_OF_RANGE_TIMES)
@pytest.mark.parametrize(("change", "field"), UPLOAD_TIMES)
def test_an_upload_with_a_time_outside_the_range_is_refused_naming_it(as_client, change, field, text, code):
    body = session_payload()
    change(body, text)

    response = as_client.post("/api/v1/sessions/", body, format="json")

    assert response.status_code == 400
    assert field_errors(response) == [(field, code)]
    assert not StretchSession.objects.exists()


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        (("PATCH", "/api/v1/sessions/{id}/"), {"ended_at": "9999-12-31T23:59:59Z"}, "ended_at"),
        (("POST", "/api/v1/sessions/{id}/holds/"), {"started_at": "9999-12-31T23:59:59Z"}, "started_at"),
        (
            ("POST", "/api/v1/sessions/{id}/stop-events/"),
            stop_event("9999-12-31T23:59:59-23:59"),
            "occurred_at",
        ),
    ],
    ids=["patch", "live-hold", "live-stop-event"],
)
def test_a_live_write_with_a_time_outside_the_range_is_refused_naming_it(doors, endpoint, body, field):
    api, url, headers = doors[endpoint]

    response = getattr(api, endpoint[0].lower())(url, body, format="json", **headers)

    assert response.status_code == 400
    assert (field, "too_late") in field_errors(response)


@pytest.fixture
def reader(client_user, trainer):
    """A trainer the client consented to, who may read every list with a time or id filter."""
    invitation_accept(client=client_user, code=invitation_create(trainer=trainer).code)
    return {"client": bearer_client(client_user), "trainer": bearer_client(trainer), "client_id": client_user.pk}


def _get(reader, path: str, params: dict):
    api = reader["trainer"] if path.startswith("/api/v1/trainer/") else reader["client"]
    return api.get(path.replace("{client_id}", str(reader["client_id"])), params)


def test_the_time_and_id_parameters_are_those_expected():
    assert len(TIME_PARAMETERS) >= 8 and len(ID_PARAMETERS) >= 2


@pytest.mark.parametrize(("text", "code"), OUT_OF_RANGE_TIMES)
@pytest.mark.parametrize(("path", "name"), TIME_PARAMETERS)
def test_every_time_filter_refuses_a_time_outside_the_range(reader, path, name, text, code):
    response = _get(reader, path, {name: text})

    assert response.status_code == 400
    assert field_errors(response) == [(name, code)]


@pytest.mark.parametrize("text", ["2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z"])
@pytest.mark.parametrize(("path", "name"), TIME_PARAMETERS)
def test_every_time_filter_takes_the_edges_of_the_range(reader, path, name, text):
    assert _get(reader, path, {name: text}).status_code == 200


# Ids ----------------------------------------------------------------------------------------------

BAD_IDS = ["²", "１", "٣", " 1", "+1", "1_000", "0", "0x1", str(MAX_ID + 1), "9" * 30]


@pytest.mark.parametrize("text", BAD_IDS)
def test_an_id_is_ascii_digits_from_one_to_the_largest_key(text):
    with pytest.raises(InputError):
        parse_id(text)


def test_the_largest_key_is_an_id():
    assert parse_id(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize("text", BAD_IDS)
@pytest.mark.parametrize(("path", "name"), ID_PARAMETERS)
def test_every_id_filter_refuses_what_is_not_an_id(reader, path, name, text):
    response = _get(reader, path, {name: text})

    assert response.status_code == 400
    assert [field for field, _ in field_errors(response)] == [name]


# Cursors ------------------------------------------------------------------------------------------

MALFORMED_CURSORS = ["\x00\x00", " ", "", "====", "cj0x", b64encode(b"o=1").decode(), "cj0x:forged"]


def test_the_cursor_lists_are_those_expected():
    assert CURSOR_LISTS == [
        "/api/v1/me/access-log/",
        "/api/v1/me/alerts/",
        "/api/v1/sessions/",
        "/api/v1/trainer/alerts/",
        "/api/v1/trainer/clients/{client_id}/sessions/",
    ]


@pytest.mark.parametrize("cursor", MALFORMED_CURSORS)
@pytest.mark.parametrize("path", CURSOR_LISTS)
def test_every_cursor_list_refuses_a_cursor_it_did_not_hand_out(reader, path, cursor):
    response = _get(reader, path, {"cursor": cursor})

    assert response.status_code == 400
    assert field_errors(response) == [("cursor", "invalid")]


def _cursor(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cursor"][0]


def test_a_handed_out_cursor_leads_through_every_session_and_a_changed_one_is_refused(as_client):
    start = timezone.now() - timedelta(days=3)
    ids = []
    for hours in range(3):
        body = session_payload(started=start + timedelta(hours=hours))
        assert as_client.post("/api/v1/sessions/", body, format="json").status_code == 201
        ids.insert(0, body["id"])

    seen, url = [], "/api/v1/sessions/?page_size=1"
    while url:
        page = as_client.get(url).json()
        seen += [session["id"] for session in page["results"]]
        url = page["next"]
    handed_out = _cursor(as_client.get("/api/v1/sessions/?page_size=1").json()["next"])
    encoded, signature = handed_out.rsplit(":", 1)
    changed = b64encode(b"o=1").decode()

    assert seen == ids
    assert as_client.get("/api/v1/sessions/", {"cursor": f"{changed}:{signature}"}).status_code == 400
    assert as_client.get("/api/v1/sessions/", {"cursor": encoded}).status_code == 400
