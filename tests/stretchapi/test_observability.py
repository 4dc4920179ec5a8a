"""Request ids, the one log line per request, what it may never hold, and Sentry's switch."""

import io
import json
import logging
import os
import runpy
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sentry_sdk
import structlog
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stretchapi.observability import SHARED_PROCESSORS, json_processors, logging_config
from tests.conftest import bearer_client
from tests.sessions.payloads import session_payload

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-42"


@pytest.fixture
def log_lines():
    """Every log record of the test, rendered by the production JSON formatter, DEBUG included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(processors=json_processors(), foreign_pre_chain=SHARED_PROCESSORS)
    )
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["event"] in ("request_finished", "request_failed")]


def test_a_valid_request_id_is_echoed_and_named_in_the_problem(api_client):
    response = api_client.get("/api/v1/no-such-thing/", HTTP_X_REQUEST_ID="phone-7f3a.retry:2")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "phone-7f3a.retry:2"
    assert response.json()["request_id"] == "phone-7f3a.retry:2"


@pytest.mark.parametrize("sent", ["short", "x" * 129, "has space 123", "new\nline-1234", "<script>1234"])
def test_an_unacceptable_request_id_is_replaced_by_a_new_one(api_client, sent):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID=sent)

    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_a_drf_problem_carries_the_request_id_of_its_response(api_client):
    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_each_request_is_one_log_line_with_its_id_user_status_time_and_queries(client_user, log_lines):
    client = bearer_client(client_user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me/?fields=x", HTTP_X_REQUEST_ID="req-00000001")

    [line] = request_lines(log_lines())
    assert response.status_code == 200
    assert set(line) == {
        "event", "timestamp", "level", "logger", "request_id", "user_id",
        "method", "path", "status", "duration_ms", "queries",
    }  # fmt: skip
    assert (line["event"], line["level"], line["request_id"]) == ("request_finished", "info", "req-00000001")
    assert (line["user_id"], line["method"], line["path"], line["status"]) == (
        client_user.pk,
        "GET",
        "/api/v1/me/",
        200,
    )
    assert line["queries"] == len(queries.captured_queries)
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].endswith("Z")


def test_an_anonymous_refusal_is_logged_as_a_warning_without_a_user(api_client, log_lines):
    api_client.get("/api/v1/me/")

    [line] = request_lines(log_lines())
    assert (line["level"], line["status"], line["user_id"]) == ("warning", 401, None)


def test_log_lines_never_hold_a_password_a_token_or_notes(api_client, client_user, log_lines):
    notes = "Left knee sore after the fall on Tuesday"

    signed_in = api_client.post(
        "/api/v1/auth/token/", {"email": client_user.email, "password": PASSWORD, "device_name": "phone"}, format="json"
    )
    token = signed_in.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    uploaded = api_client.post("/api/v1/sessions/", session_payload(notes=notes), format="json")
    api_client.credentials()
    refused = api_client.post(
        "/api/v1/auth/token/",
        {"email": client_user.email, "password": f"{PASSWORD}!", "device_name": "x"},
        format="json",
    )

    text = "\n".join(json.dumps(line) for line in log_lines())
    assert (signed_in.status_code, uploaded.status_code, refused.status_code) == (201, 201, 401)
    assert len(request_lines(log_lines())) == 3
    assert PASSWORD not in text
    assert token not in text and token[:8] not in text
    assert notes not in text and "Left knee" not in text


def test_a_key_naming_a_secret_is_masked_in_any_log_line(log_lines):
    structlog.get_logger("tests").info("oops", password="hunter2-secret", notes="private", path="/x")

    [line] = log_lines()
    assert (line["password"], line["notes"], line["path"]) == ("[redacted]", "[redacted]", "/x")


def test_a_json_line_holds_what_the_faster_encoder_refuses(log_lines):
    class Opaque:
        def __repr__(self):
            return "<opaque 7>"

    when = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    structlog.get_logger("tests").info("big", big=2**70, thing=Opaque())
    structlog.get_logger("tests").info("edge", by_side={1: "left"}, when=when, thing=Opaque())
    structlog.get_logger("tests").info("plain", count=3, ratio=0.5, text='é\n"quoted"')

    big, edge, plain = log_lines()
    assert (big["big"], big["thing"]) == (2**70, "<opaque 7>")
    assert (edge["by_side"], edge["thing"]) == ({"1": "left"}, "<opaque 7>")
    assert datetime.fromisoformat(edge["when"]) == when
    assert (plain["count"], plain["ratio"], plain["text"]) == (3, 0.5, 'é\n"quoted"')


def test_a_log_record_does_not_look_up_its_caller_or_thread(log_lines):
    logging_config("json", "INFO")
    record = logging.getLogger("tests").makeRecord("tests", logging.INFO, "f.py", 1, "m", (), None)
    structlog.get_logger("tests").info("where")

    [line] = log_lines()
    assert (logging._srcfile, record.thread, record.process) == (None, None, os.getpid())
    assert set(line) == {"event", "level", "logger", "timestamp"}


def test_console_and_json_formats_and_nothing_else():
    assert logging_config("json", "INFO")["handlers"]["console"]["formatter"] == "json"
    assert logging_config("console", "INFO")["handlers"]["console"]["formatter"] == "console"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config("xml", "INFO")


def test_production_logs_json_unless_told_otherwise(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.delenv("LOG_FORMAT", raising=False)

    production = runpy.run_module("stretchapi.settings.production")

    assert production["LOGGING"]["handlers"]["console"]["formatter"] == "json"


def test_local_runs_log_plain_text_by_default():
    local = runpy.run_module("stretchapi.settings.local")

    assert local["LOGGING"]["handlers"]["console"]["formatter"] == "console"


def _settings_with_sentry(monkeypatch, dsn: str | None) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: calls.append(options))
    if dsn is None:
        monkeypatch.delenv("SENTRY_DSN", raising=False)
    else:
        monkeypatch.setenv("SENTRY_DSN", dsn)
    runpy.run_path(str(Path(settings.BASE_DIR) / "stretchapi" / "settings" / "base.py"))
    return calls


def test_sentry_starts_with_the_dsn_from_the_environment_and_sends_no_request_data(monkeypatch):
    [options] = _settings_with_sentry(monkeypatch, "https://public@sentry.example.invalid/7")

    assert options["dsn"] == "https://public@sentry.example.invalid/7"
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    assert {"password", "token", "notes", "authorization"} <= set(options["event_scrubber"].denylist)


def test_sentry_stays_off_without_a_dsn(monkeypatch):
    assert _settings_with_sentry(monkeypatch, None) == []


def test_sql_parameters_are_never_logged_even_at_debug():
    assert logging_config("console", "DEBUG")["loggers"]["django.db.backends"]["level"] == "INFO"
