"""Anonymous catalog reads answered from the catalog cache in front of Django.

`CatalogCacheApp` wraps the WSGI application (`WSGI_WRAPPERS`, stretchapi/wsgi.py). The
catalog views keep each 200 JSON answer under the catalog version, the URL
and the Accept header (stretchapi/api/conditional.py); once the whole stack
has answered an anonymous GET that way, this layer keeps the answer with its
headers under the version and the request's raw URL parts, and answers the
same request itself until the version moves — a 304 when If-None-Match names
the ETag, else the kept body. It runs no Django request: no request object,
no request signals, no middleware, no routing, no DRF, and no query while
the process remembers the version (`CATALOG_VERSION_CACHE_SECONDS`).

It only replays what the stack said to an identical request: the key holds
every raw input that decides the answer (scheme and the proxy's scheme
header, host headers, server name and port, script name, path, query string,
Accept), so a host the stack refuses, a redirect to HTTPS or a 400 for a bad
filter is never kept and goes to the stack every time. The `Origin` header is part of the
key: the CORS headers the stack gave one web origin (or withheld from it) are replayed only
to the same origin. A request with a session cookie always goes to the stack. A
request with a bearer token is answered here only from what the stack said to a
signed-in request (its own keys: an answer given to a signed-in caller is never
replayed to an anonymous one, nor the other way), and only once the token passes
the API's own check (`stretchapi.api.authentication.signed_in_user_id`, one indexed
query): a token it refuses — unknown, expired, of an inactive user — and any other form of
the header go to the stack, which refuses them as it always does. A 304 carries the headers
RFC 9110 §15.4.5 asks for (as Django's own 304s do); a replayed 200 carries every header the
stack gave it, but the ones particular to one answer: each replay has its own `X-Request-ID`
(the caller's, when acceptable) and its own request line in the log, as the stack's answers
do.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

import structlog
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.utils.http import parse_etags
from knox.settings import knox_settings

from catalog.selectors import VERSION_CACHE, catalog_version_recent
from stretchapi.api.authentication import bearer_token, signed_in_user_id
from stretchapi.api.conditional import RESPONSE_CACHE_SECONDS, CachedResponse
from stretchapi.api.observability import REQUEST_ID_HEADER, QueryCounter, accepted_request_id

logger = logging.getLogger(__name__)
request_logger = structlog.get_logger("stretchapi.front_cache")

PATH_PREFIX = "/api/v1/"
# Where the version this layer read waits for the view, so that both key the same version.
VERSION_ENVIRON_KEY = "stretchapi.catalog_version"
# The raw request parts the stack's answer to an anonymous catalog GET depends on.
KEY_PARTS = (
    "wsgi.url_scheme", "HTTP_X_FORWARDED_PROTO", "HTTP_HOST", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT",
    "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_ACCEPT", "HTTP_ORIGIN",
)  # fmt: skip
# Set by the server, or particular to one answer (a 200's type and length are kept apart).
NOT_REPLAYED = {"set-cookie", "date", "server", "content-length", "content-type", REQUEST_ID_HEADER.lower()}
# What a 304 repeats of its 200 (RFC 9110 §15.4.5; django.middleware.http keeps the same).
NOT_MODIFIED_HEADERS = {"cache-control", "content-location", "etag", "expires", "last-modified", "vary"}

StartResponse = Callable[..., object]


class CatalogCacheApp:
    def __init__(self, application: Callable[[dict, StartResponse], Iterable[bytes]]):
        self.application = application

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        cache = caches[VERSION_CACHE]
        started = time.perf_counter()
        queries = QueryCounter()
        user_id = None
        try:
            with connection.execute_wrapper(queries):
                key = self.key(environ)
                stored: CachedResponse | None = cache.get(key) if key else None
                token = bearer_token(environ.get("HTTP_AUTHORIZATION", "")) if stored is not None else None
                if token is not None:  # a signed-in caller: the answer is theirs only once the token is good
                    user_id = signed_in_user_id(token)
                    if user_id is None:
                        stored = None
        except Exception:  # a failing shared cache or database: the stack answers, as if nothing were kept
            logger.warning("The catalog cache failed in front of Django; the request goes to the stack", exc_info=True)
            key = stored = None
        if key is None:
            return self.application(environ, start_response)
        if stored is not None:
            return self.replay(environ, stored, start_response, started=started, queries=queries.count, user_id=user_id)
        sent: list = []

        def keep_headers(status: str, headers: list[tuple[str, str]], exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.application(environ, keep_headers)
        view_key = getattr(response, "response_cache_key", None)  # set by the view on the answers it keeps
        if view_key and sent and sent[0][:3] in ("200", "304"):
            try:
                self.keep(cache, key, view_key, sent[1])
            except Exception:  # the answer stands; only the copy is lost
                logger.warning("The catalog cache failed to keep an answer", exc_info=True)
        return response

    @staticmethod
    def keep(cache, key: str, view_key: str, headers: list[tuple[str, str]]) -> None:
        """Keep the view's entry (its ETag, body and type) with the headers the whole stack gave it."""
        answer: CachedResponse | None = cache.get(view_key)
        if answer is not None:
            kept = [(name, value) for name, value in headers if name.lower() not in NOT_REPLAYED]
            entry = CachedResponse(answer.etag, answer.content, answer.content_type, kept)
            cache.set(key, entry, RESPONSE_CACHE_SECONDS)

    @staticmethod
    def key(environ: dict) -> str | None:
        """Where this request's answer is kept; None when this layer leaves it to the stack."""
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or not environ.get("PATH_INFO", "").startswith(PATH_PREFIX)
            or settings.SESSION_COOKIE_NAME in environ.get("HTTP_COOKIE", "")
        ):
            return None
        caller = "anonymous"
        if "HTTP_AUTHORIZATION" in environ:
            # Renewing a token on use is a write: then every signed-in read goes to the stack.
            if knox_settings.AUTO_REFRESH or bearer_token(environ["HTTP_AUTHORIZATION"]) is None:
                return None
            caller = "signed-in"
        try:
            version = catalog_version_recent()
        except DatabaseError:
            return None  # no cache without the version: the stack answers, or gives the database's 503
        environ[VERSION_ENVIRON_KEY] = version
        identity = "\n".join([f"wsgi:{version}", caller, *(environ.get(part, "") for part in KEY_PARTS)])
        return "wsgi-response:" + hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()

    @staticmethod
    def replay(
        environ: dict,
        stored: CachedResponse,
        start_response: StartResponse,
        *,
        started: float,
        queries: int,
        user_id: int | None = None,
    ) -> list[bytes]:
        request_id = accepted_request_id(environ.get("HTTP_X_REQUEST_ID"))
        header = environ.get("HTTP_IF_NONE_MATCH", "")
        if header.strip() == "*" or stored.etag in parse_etags(header):
            status = 304
            headers = [(name, value) for name, value in stored.headers if name.lower() in NOT_MODIFIED_HEADERS]
            start_response("304 Not Modified", [*headers, (REQUEST_ID_HEADER, request_id)])
            body = []
        else:
            status = 200
            start_response(
                "200 OK",
                [
                    ("Content-Type", stored.content_type),
                    ("Content-Length", str(len(stored.content))),
                    *stored.headers,
                    (REQUEST_ID_HEADER, request_id),
                ],
            )
            body = [stored.content]
        request_logger.info(
            "request_finished",
            request_id=request_id,
            user_id=user_id,
            method="GET",
            path=environ.get("PATH_INFO", ""),
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            queries=queries,
            front_cache=True,
        )
        return body
