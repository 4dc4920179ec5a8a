"""Analytics exports: datasets × formats, filters, who may export what, the span limit,
the export record, streaming, and the COPY path against the Python path."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from sessions.choices import ExportStatus
from sessions.exports import pseudonyms, streams
from sessions.exports.datasets import ANALYST, DATASETS, ExportFilters, trainer_audience
from sessions.exports.services import export_start
from sessions.models import AccessLogEntry, ExportRecord
from tests.conftest import bearer_client
from tests.sessions.exports_world import CASEY_NOTES, DIZZY_NOTE, World, hold, session, upload

pytestmark = pytest.mark.django_db

DATASET_NAMES = ["sessions", "holds", "stop-events", "measurements"]
FORMATS = ["csv", "ndjson", "fhir"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson", "fhir": "application/fhir+ndjson"}


def export(api, dataset: str, **params):
    """GET an export; returns the response and its whole body."""
    response = api.get(f"/api/v1/exports/{dataset}/", params)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def since(world: World, days: int = 60) -> str:
    return (world.start - timedelta(days=days)).date().isoformat()


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def ndjson(body: bytes) -> list[dict]:
    return [json.loads(line) for line in body.decode().splitlines()]


def c(user) -> str:
    return pseudonyms.pseudonym(pseudonyms.CLIENT, user.pk)


def t(user) -> str:
    return pseudonyms.pseudonym(pseudonyms.TRAINER, user.pk)


# What each dataset holds -------------------------------------------------------------


def test_analyst_holds_csv_has_every_live_hold_with_pseudonyms(world):
    response, body = export(bearer_client(world.analyst), "holds", since=since(world))

    lines = body.decode().split("\n")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Export-Dictionary-Version"] == "1.0"
    assert lines[0] == (
        "hold_id,session_id,client,session_started_at,exercise,technique,side,side_snomed,position,set_number,"
        "target_seconds,held_seconds,intensity,target_intensity_min,target_intensity_max,above_target,outside_dose,"
        "pain,contract_seconds,relax_seconds,assisted_hold_seconds,started_at"
    )
    start = world.start.strftime("%Y-%m-%dT%H:%M:%S")
    ids = world.ids
    assert lines[2:4] == [
        f"{ids['hold_left']},{ids['main']},{c(world.casey)},{start}Z,assisted-lying-hamstring-stretch,"
        f"passive_static,left,7771000,1,1,30,30,6,5,7,false,false,,,,,{start[:-5]}31:00.250000Z",
        f"{ids['hold_right']},{ids['main']},{c(world.casey)},{start}Z,assisted-lying-hamstring-stretch,"
        f"passive_static,right,24028007,2,1,,30,8,5,7,true,false,2,,,,{start[:-5]}32:00Z",
    ]
    assert [line.split(",")[1] for line in lines[1:-1]] == [
        ids["older"],
        ids["main"],
        ids["main"],
        ids["blank"],
        ids["olive"],
    ]
    assert lines[-1] == ""  # every record ends with a newline


def test_trainer_holds_csv_names_only_consented_clients(world):
    response, body = export(bearer_client(world.trainer), "holds", since=since(world))

    rows = csv_rows(body)
    assert response.status_code == 200
    assert {(r["client"], r["client_name"]) for r in rows} == {
        (str(world.casey.pk), 'Casey "CJ" Jones, Jr.'),
        (str(world.blank.pk), ""),
    }
    assert world.ids["olive"] not in body.decode()
    assert f',{world.blank.pk},"",' in body.decode()  # an empty name is "" (null would be an empty cell)


def test_sessions_export_counts_rows_and_flags(world):
    _, body = export(bearer_client(world.analyst), "sessions", since=since(world), format="ndjson")

    main = next(r for r in ndjson(body) if r["session_id"] == world.ids["main"])
    assert main == {
        "session_id": world.ids["main"],
        "client": c(world.casey),
        "assisted_by": "trainer",
        "trainer": t(world.trainer),
        "started_at": world.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ended_at": (world.start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "goal": "general_flexibility",
        "outcome": "completed",
        "hold_count": 2,
        "stop_event_count": 1,
        "max_pain": 3,
        "app_version": "1.4.0",
    }


def test_trainer_sessions_export_keeps_notes_and_ids(world):
    _, body = export(bearer_client(world.trainer), "sessions", since=since(world), format="ndjson")

    main = next(r for r in ndjson(body) if r["session_id"] == world.ids["main"])
    assert (main["client"], main["client_name"], main["trainer"], main["notes"]) == (
        world.casey.pk,
        'Casey "CJ" Jones, Jr.',
        world.trainer.pk,
        CASEY_NOTES,
    )


def test_stop_events_export_names_the_sign_the_hold_and_the_exercise(world):
    _, body = export(bearer_client(world.analyst), "stop-events", since=since(world), format="ndjson")

    assert ndjson(body) == [
        {
            "stop_event_id": world.ids["tingling"],
            "session_id": world.ids["main"],
            "hold_id": world.ids["hold_right"],
            "client": c(world.casey),
            "exercise": "assisted-lying-hamstring-stretch",
            "kind": "nerve-tingling",
            "side": "right",
            "side_snomed": "24028007",
            "occurred_at": (world.start + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "pain": 3,
            "action": "eased_off",
        },
        {
            "stop_event_id": ndjson(body)[1]["stop_event_id"],
            "session_id": world.ids["olive"],
            "hold_id": None,
            "client": c(world.olive),
            "exercise": None,
            "kind": "other",
            "side": None,
            "side_snomed": None,
            "occurred_at": (world.start + timedelta(days=1, minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "pain": None,
            "action": "stopped_session",
        },
    ]


def test_measurements_csv_keeps_decimals_and_units(world):
    _, body = export(bearer_client(world.analyst), "measurements", since=since(world))

    rows = csv_rows(body)
    assert [(r["kind"], r["side"], r["side_snomed"], r["value"], r["unit"], r["zero_offset_cm"]) for r in rows] == [
        ("straight_leg_raise", "left", "7771000", "74.0", "deg", ""),
        ("sit_and_reach", "", "", "-3.5", "cm", "23.0"),
    ]


@pytest.mark.parametrize("dataset", DATASET_NAMES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_dataset_in_every_format(world, dataset, fmt):
    expected_rows = {"sessions": 4, "holds": 5, "stop-events": 2, "measurements": 2}[dataset]
    expected_resources = {"sessions": 4, "holds": 6, "stop-events": 2, "measurements": 2}[dataset]

    response, body = export(bearer_client(world.analyst), dataset, since=since(world), format=fmt)

    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPES[fmt]
    assert response["Content-Disposition"].startswith(f'attachment; filename="{dataset}_')
    names = [c.name for c in DATASETS[dataset].columns_for(ANALYST)]
    if fmt == "csv":
        assert body.decode().split("\n")[0].split(",") == names
        assert len(csv_rows(body)) == expected_rows
    elif fmt == "ndjson":
        assert [list(row) for row in ndjson(body)] == [names] * expected_rows
    else:
        assert len(ndjson(body)) == expected_resources
    record = ExportRecord.objects.get()
    assert (record.dataset, record.format, record.rows, record.bytes, record.status) == (
        dataset, fmt, expected_rows, len(body), ExportStatus.COMPLETED
    )  # fmt: skip


@pytest.mark.parametrize("dataset", DATASET_NAMES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_analyst_exports_hold_no_names_emails_or_notes(world, dataset, fmt):
    _, body = export(bearer_client(world.analyst), dataset, since=since(world), format=fmt)

    text = body.decode()
    for secret in ["Casey", "Olive", "Tess", "@example.com", "tight", "Tingling", DIZZY_NOTE]:
        assert secret not in text
    for user in (world.casey, world.olive, world.trainer):
        assert f'"client":{user.pk},' not in text
        assert f'"trainer":{user.pk},' not in text


def test_deleted_sessions_are_left_out(world):
    _, body = export(bearer_client(world.analyst), "sessions", since=since(world), format="ndjson")

    assert world.ids["deleted"] not in body.decode()
    assert len(ndjson(body)) == 4


# Format negotiation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("application/fhir+ndjson", "application/fhir+ndjson"),
        ("*/*", "text/csv; charset=utf-8"),
    ],
)
def test_the_accept_header_chooses_the_format(world, accept, media_type):
    response = bearer_client(world.analyst).get(
        "/api/v1/exports/sessions/", {"since": since(world)}, HTTP_ACCEPT=accept
    )

    assert response.status_code == 200
    assert response["Content-Type"] == media_type


def test_an_unknown_format_is_a_400_naming_format(world):
    response = bearer_client(world.analyst).get("/api/v1/exports/holds/", {"since": since(world), "format": "xlsx"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "format",
            "code": "invalid_choice",
            "message": "Unknown format 'xlsx'. Choose one of: csv, ndjson, fhir.",
        }
    ]
    assert not ExportRecord.objects.exists()


def test_an_unservable_accept_header_is_a_406(world):
    response = bearer_client(world.analyst).get(
        "/api/v1/exports/holds/", {"since": since(world)}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_dataset_is_a_404(world):
    response = bearer_client(world.analyst).get("/api/v1/exports/programs/", {"since": since(world)})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# Who may export ----------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    from sessions.models import User

    return User.objects.create_superuser(email="root@example.com", password="a-long-Passphrase-42")


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("client", 403), ("staff", 403), ("trainer", 200), ("analyst", 200), ("superuser", 200)],
)
def test_who_may_export(world, make_user, superuser, who, status):
    users = {
        "client": world.casey,
        "staff": make_user("plain-staff@example.com", role="staff"),
        "trainer": world.trainer,
        "analyst": world.analyst,
        "superuser": superuser,
    }
    api = bearer_client(users[who]) if who in users else APIClient()

    response, _ = export(api, "holds", since=since(world))

    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "application/problem+json"
        assert not ExportRecord.objects.exists()
    if status == 401:
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_trainer_whose_link_ended_no_longer_exports_that_client(world):
    world.casey.trainer_links.update(ended_at=world.start)

    _, body = export(bearer_client(world.trainer), "holds", since=since(world))

    assert {r["client"] for r in csv_rows(body)} == {str(world.blank.pk)}


def test_a_trainer_export_lands_in_the_access_log_of_each_client_it_covers(world):
    export(bearer_client(world.trainer), "holds", since=since(world))

    entries = AccessLogEntry.objects.filter(trainer=world.trainer)
    assert sorted((e.client_id, e.resource) for e in entries) == [
        (world.casey.pk, "export holds"),
        (world.blank.pk, "export holds"),
    ]


# Filters ------------------------------------------------------------------------------


def test_since_and_until_bound_the_session_start(world):
    day = world.start.date()

    _, body = export(
        bearer_client(world.analyst), "sessions", since=day.isoformat(), until=day.isoformat(), format="ndjson"
    )

    assert [r["session_id"] for r in ndjson(body)] == [world.ids["main"], world.ids["blank"]]


def test_datetimes_bound_the_range_exactly(world):
    start = world.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    two_hours_later = (world.start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")

    _, body = export(bearer_client(world.analyst), "sessions", since=start, until=two_hours_later, format="ndjson")

    assert [r["session_id"] for r in ndjson(body)] == [world.ids["main"]]  # until is exclusive


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [("holds", 3), ("sessions", 2), ("stop-events", 1), ("measurements", 1)],
)
def test_exercise_filter(world, dataset, expected):
    _, body = export(
        bearer_client(world.analyst),
        dataset,
        since=since(world),
        exercise="assisted-lying-hamstring-stretch",
        format="ndjson",
    )

    rows = ndjson(body)
    assert len(rows) == expected
    assert {r["session_id"] for r in rows} <= {world.ids["main"], world.ids["older"]}


def test_analysts_filter_a_client_by_pseudonym(world):
    _, body = export(bearer_client(world.analyst), "holds", since=since(world), client=c(world.olive), format="ndjson")

    assert [r["hold_id"] for r in ndjson(body)] == [world.ids["olive_hold"]]
    assert ExportRecord.objects.get().filters["client"] == c(world.olive)


def test_analysts_cannot_filter_by_user_id(world):
    response, _ = export(bearer_client(world.analyst), "holds", since=since(world), client=str(world.olive.pk))

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "client"


def test_trainer_filter_keeps_the_sessions_that_trainer_assisted(world):
    _, body = export(bearer_client(world.analyst), "sessions", since=since(world), trainer=t(world.trainer),
                     format="ndjson")  # fmt: skip

    assert [r["session_id"] for r in ndjson(body)] == [world.ids["main"]]


def test_trainers_filter_a_consented_client_by_id(world):
    _, body = export(bearer_client(world.trainer), "holds", since=since(world), client=str(world.blank.pk))

    assert {r["client"] for r in csv_rows(body)} == {str(world.blank.pk)}


def test_trainers_cannot_name_a_client_without_consent(world):
    response, _ = export(bearer_client(world.trainer), "holds", since=since(world), client=str(world.olive.pk))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "client", "code": "invalid_choice", "message": "Not one of the clients who consented to your access."}
    ]
    assert not ExportRecord.objects.exists()
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({}, "since", "required"),
        ({"since": "2026-01-01", "until": "2027-01-03"}, "until", "span_too_wide"),
        ({"since": "2020-01-01"}, "since", "span_too_wide"),
        ({"since": "2026-03-01", "until": "2026-02-01"}, "until", "range_empty"),
        ({"since": "01/03/2026"}, "since", "invalid"),
        ({"since": "2026-03-01T10:00:00"}, "since", "invalid"),
        ({"since": "2026-03-01", "exercise": "splits"}, "exercise", "invalid_choice"),
        ({"since": "2026-03-01", "client": "c_0000"}, "client", "invalid_choice"),
        ({"since": "2026-03-01", "exercize": "leg-swings"}, "exercize", "unknown_field"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(world, params, field, code):
    response, _ = export(bearer_client(world.analyst), "holds", **params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert not ExportRecord.objects.exists()


def test_a_range_of_exactly_the_maximum_span_is_accepted(world, settings):
    settings.EXPORT_MAX_SPAN_DAYS = 31
    first = world.start.date() - timedelta(days=30)

    response, _ = export(bearer_client(world.analyst), "holds", since=first.isoformat(),
                         until=world.start.date().isoformat())  # fmt: skip
    too_wide, _ = export(bearer_client(world.analyst), "holds", since=(first - timedelta(days=1)).isoformat(),
                         until=world.start.date().isoformat())  # fmt: skip

    assert response.status_code == 200
    assert too_wide.status_code == 400
    assert too_wide.json()["errors"][0]["message"] == "The range spans 32 days; at most 31 are allowed."


# Pseudonyms ------------------------------------------------------------------------------


def test_pseudonyms_are_stable_across_exports_and_change_with_the_key(world, settings):
    api = bearer_client(world.analyst)
    first = csv_rows(export(api, "holds", since=since(world))[1])
    again = csv_rows(export(api, "holds", since=since(world))[1])
    settings.EXPORT_PSEUDONYM_KEY = "another key"
    rekeyed = csv_rows(export(api, "holds", since=since(world))[1])

    assert [r["client"] for r in first] == [r["client"] for r in again]
    assert len({r["client"] for r in first}) == 3
    assert all(r["client"].startswith("c_") and len(r["client"]) == 22 for r in first)
    assert not {r["client"] for r in first} & {r["client"] for r in rekeyed}


# The export record and streaming ------------------------------------------------------------


def test_the_export_record_says_who_what_and_how_much(world):
    day = world.start.date().isoformat()
    _, body = export(bearer_client(world.trainer), "holds", since=day, until=day)

    record = ExportRecord.objects.get()
    assert (record.user, record.via, record.audience, record.dataset, record.format) == (
        world.trainer, "api", "trainer", "holds", "csv"
    )  # fmt: skip
    assert record.filters == {
        "since": f"{day}T00:00:00Z",
        "until": f"{(world.start.date() + timedelta(days=1)).isoformat()}T00:00:00Z",
        "exercise": None,
        "client": None,
        "trainer": None,
    }
    assert (record.rows, record.bytes, record.status) == (3, len(body), "completed")
    assert record.started_at <= record.finished_at


def test_a_client_that_leaves_mid_stream_is_recorded_with_what_it_received(world, settings):
    settings.EXPORT_CHUNK_BYTES = 1  # one row per chunk
    filters = ExportFilters(since=world.start - timedelta(days=60), until=world.start + timedelta(days=10))
    run = export_start(dataset="holds", fmt="csv", filters=filters, audience=ANALYST, user=world.analyst, via="api")

    received = [next(run.stream), next(run.stream), next(run.stream)]  # the header and two rows
    run.stream.close()  # what the server does when the client disconnects (it closes the response)

    record = ExportRecord.objects.get()
    assert received[0].startswith(b"hold_id,session_id,")
    assert (record.status, record.rows, record.bytes) == ("aborted", 1, len(received[0]) + len(received[1]))
    assert record.finished_at is not None


@pytest.mark.parametrize("fmt", ["ndjson", "fhir"])
def test_a_json_export_left_mid_stream_is_recorded_with_what_was_received(world, settings, fmt):
    settings.EXPORT_CHUNK_BYTES = 1  # one row per chunk
    filters = ExportFilters(since=world.start - timedelta(days=60), until=world.start + timedelta(days=10))
    run = export_start(dataset="holds", fmt=fmt, filters=filters, audience=ANALYST, user=world.analyst, via="api")

    received = [next(run.stream), next(run.stream)]
    run.stream.close()

    record = ExportRecord.objects.get()
    assert json.loads(received[0].split(b"\n")[0])  # a whole line of JSON
    assert (record.status, record.rows, record.bytes) == ("aborted", 1, len(received[0]))


def test_the_header_leaves_first_as_its_own_chunk(world, settings):
    settings.EXPORT_CHUNK_BYTES = 1 << 20
    response = bearer_client(world.analyst).get("/api/v1/exports/holds/", {"since": since(world)})

    chunks = list(response.streaming_content)

    assert chunks[0] == ",".join(c.name for c in DATASETS["holds"].columns_for(ANALYST)).encode() + b"\n"
    assert len(chunks) == 2  # the header, then everything else in one chunk


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_costs_the_same_queries_whatever_its_size(world, django_assert_num_queries, fmt):
    api = bearer_client(world.analyst)
    # the device token (1), the permission (user's and groups'), the record, the rows, the record's finish;
    # COPY also sets its own statement_timeout for its own transaction (1), which inside the test's
    # transaction is a savepoint (SAVEPOINT, ROLLBACK TO SAVEPOINT, RELEASE SAVEPOINT: 3)
    queries = 6 + 4 if streams.uses_copy(fmt) else 6
    with django_assert_num_queries(queries):
        export(api, "holds", since=since(world), format=fmt)
    for day in range(10):
        upload(
            world.olive,
            session(world.start - timedelta(days=day + 4), holds=[hold("seated-hamstring-stretch", side="both")]),
        )
    with django_assert_num_queries(queries):
        export(api, "holds", since=since(world), format=fmt)
    assert ExportRecord.objects.order_by("-pk").first().rows == 15


# COPY and the Python iterator agree -----------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY … TO STDOUT exists only on PostgreSQL")
@pytest.mark.parametrize("dataset", DATASET_NAMES)
@pytest.mark.parametrize("audience_kind", ["analyst", "trainer"])
def test_copy_csv_equals_iterator_csv_byte_for_byte(world, dataset, audience_kind):
    audience = ANALYST if audience_kind == "analyst" else trainer_audience(world.trainer)
    filters = ExportFilters(since=world.start - timedelta(days=60), until=world.start + timedelta(days=10))

    from_copy = b"".join(chunk for chunk, _ in streams.copy_chunks(dataset, filters, audience, chunk_bytes=64))
    from_python = b"".join(chunk for chunk, _ in streams.python_chunks(dataset, "csv", filters, audience,
                                                                        chunk_bytes=64))  # fmt: skip

    assert from_copy == from_python
    assert from_copy.count(b"\n") >= 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY … TO STDOUT exists only on PostgreSQL")
@pytest.mark.parametrize("leave_early", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
def test_copy_runs_under_the_exports_statement_timeout_for_its_transaction_only(world, settings, leave_early, fmt):
    filters = ExportFilters(since=world.start - timedelta(days=60), until=world.start + timedelta(days=10))
    settings.EXPORT_STATEMENT_TIMEOUT = 600
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '5s'")  # the web's bound, shorter than a large export
        try:
            with CaptureQueriesContext(connection) as queries:
                stream = streams.copy_chunks("holds", filters, ANALYST, chunk_bytes=64, fmt=fmt)
                first, _ = next(stream)
                rest = b"" if leave_early else b"".join(chunk for chunk, _ in stream)
                stream.close()  # a client that leaves early: the COPY is cancelled, its transaction rolled back
            cursor.execute("SHOW statement_timeout")
            after = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET statement_timeout")

    sql = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "ROLLBACK TO", "RELEASE"))
    ]
    assert "'600s'" in sql[0] and "set_config('statement_timeout'" in sql[0] and ", true)" in sql[0]
    assert sql[1].startswith("COPY (")
    assert (first + rest).count(b"\n") >= (1 if leave_early else 2)
    assert after == "5s"  # even inside the test's own transaction: the export's (a savepoint here) is rolled back


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY … TO STDOUT exists only on PostgreSQL")
def test_copy_rows_are_counted_across_chunks_with_quoted_newlines(world):
    audience = trainer_audience(world.trainer)
    filters = ExportFilters(since=world.start - timedelta(days=60), until=world.start + timedelta(days=10))

    counts = [n for _, n in streams.copy_chunks("sessions", filters, audience, chunk_bytes=7)]

    assert sum(counts) == 3  # Casey's two sessions (one with a note over two lines) and Blank's


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_writes_to_a_binary_file_as_it_streams(world, fmt):
    filters = ExportFilters(since=world.start - timedelta(days=60), until=world.start + timedelta(days=10))
    file = io.BytesIO()

    rows, size = streams.write(file, "holds", fmt, filters, ANALYST, chunk_bytes=64)

    streamed = b"".join(chunk for chunk, _ in streams.chunks("holds", fmt, filters, ANALYST, chunk_bytes=64))
    assert file.getvalue() == streamed
    assert (rows, size) == (5, len(streamed))
    assert not ExportRecord.objects.exists()  # the caller (a job) keeps its own record
