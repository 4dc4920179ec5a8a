"""How the service reports on itself: the log format and Sentry, chosen by the settings.

Every log line, Django's and the app's alike, goes through structlog's processors: the
request's context (`request_id`, `user_id`, bound by django-structlog for the length of a
request), the level, the logger's name and a UTC timestamp; then one renderer, JSON (one
object per line, for a log shipper) or plain text (for a terminal), as `LOG_FORMAT` says.

Nothing that reaches a log line may carry a secret or a client's notes: the request line
names the path, never the query string, headers or body, and `redact` masks any key named
below in case a future log call passes one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
import structlog

LOG_FORMATS = ("json", "console")
# Keys never written to a log line (nor sent to Sentry) with their value.
SECRET_KEYS = frozenset(
    {"password", "new_password", "token", "authorization", "digest", "token_key", "notes", "note", "secret"}
)
REDACTED = "[redacted]"


def redact(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: mask the value of every key that names a secret or free text."""
    for key in event_dict.keys() & SECRET_KEYS:
        event_dict[key] = REDACTED
    return event_dict


SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.PositionalArgumentsFormatter(),
    redact,
]


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for one format (`json` or `console`), and structlog configured to feed it."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    # No line says where the call was made from, nor on which thread: the standard library is told
    # not to find out (a walk up the stack and a thread lookup in every record, about a third of a
    # request line's cost). The logging HOWTO's "Optimization" names both switches. The process id
    # stays: gunicorn's own lines print it.
    logging._srcfile = None
    logging.logThreads = False
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": json_processors(),
                "foreign_pre_chain": SHARED_PROCESSORS,
            },
            "console": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.dev.ConsoleRenderer(colors=False),
                ],
                "foreign_pre_chain": SHARED_PROCESSORS,
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django logs every 4xx/5xx answer again ("Not Found: /api/…"); the request line
            # already says it, and an unhandled exception's traceback is in `request_failed`.
            "django.request": {"level": "CRITICAL"},
            # At DEBUG (with DEBUG on) Django logs each SQL statement with its parameters:
            # token digests and clients' notes. Never.
            "django.db.backends": {"level": "INFO"},
        },
    }


def json_processors() -> list:
    """The JSON formatter's last steps: tracebacks as text, then one JSON object per line."""
    return [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(serializer=json_line),
    ]


def json_line(event_dict: dict[str, Any], **dumps_kw: Any) -> str:
    """One event as compact JSON, by orjson; by the standard library where orjson refuses a value.

    orjson refuses an integer beyond 64 bits, which `json.dumps` writes. A value neither can write
    goes through structlog's fallback (`dumps_kw["default"]`: the value's `repr`) in both.
    """
    try:
        return orjson.dumps(event_dict, default=dumps_kw["default"], option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(event_dict, separators=(",", ":"), **dumps_kw)


def sentry_options(dsn: str, *, environment: str, traces_sample_rate: float) -> dict[str, Any] | None:
    """`sentry_sdk.init`'s arguments when a DSN is configured, else None (Sentry stays off).

    No request body, cookie, header value or user address is sent, and the scrubber masks
    the same keys as the logs in the local variables of a traceback.
    """
    if not dsn:
        return None
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    return {
        "dsn": dsn,
        "environment": environment,
        "traces_sample_rate": traces_sample_rate,
        "send_default_pii": False,
        "max_request_body_size": "never",
        "event_scrubber": EventScrubber(denylist=sorted({*DEFAULT_DENYLIST, *SECRET_KEYS})),
    }
