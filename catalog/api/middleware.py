"""Anonymous catalog reads answered from the catalog cache before the rest of the stack.

The catalog views keep each 200 JSON answer under the catalog version, the
URL and the Accept header (stretchapi/api/conditional.py). An anonymous GET
whose answer is kept for the current version is answered here — a 304 when
If-None-Match names its ETag, else the kept body — with the headers the whole
stack gave it, without sessions, CSRF, authentication, routing or DRF: a
revalidation then costs a cache read and no query while the process
remembers the version (`CATALOG_VERSION_CACHE_SECONDS`).

Requests with credentials (a bearer token, a session cookie) go on to the
view, which answers from the same cache after authenticating them: a bad
token must still be refused. An answer is kept here with its headers only
once an anonymous request has been answered by the view.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from catalog.selectors import VERSION_CACHE, catalog_version_recent
from stretchapi.api.conditional import RESPONSE_CACHE_SECONDS, CachedResponse, response_cache_key

PATH_PREFIX = "/api/v1/"
# Per answer, set by the server, or particular to a 200 or a 304.
NOT_REPLAYED = {"set-cookie", "date", "content-length", "content-type"}


class CatalogCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.cache = caches[VERSION_CACHE]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self.key(request)
        stored: CachedResponse | None = self.cache.get(key) if key else None
        if stored is not None and stored.headers is not None:
            return self.replay(request, stored)
        response = self.get_response(request)
        if key and getattr(response, "response_cache_key", None) == key:
            self.keep(key, response)
        return response

    @staticmethod
    def key(request: HttpRequest) -> str | None:
        anonymous = "HTTP_AUTHORIZATION" not in request.META and settings.SESSION_COOKIE_NAME not in request.COOKIES
        if request.method != "GET" or not anonymous or not request.path.startswith(PATH_PREFIX):
            return None
        try:
            request.catalog_version = catalog_version_recent()  # the view's too: one version per request
        except DatabaseError:
            return None  # no cache without the version: the view answers, or gives the database's 503
        try:
            return response_cache_key(str(request.catalog_version), request)
        except DisallowedHost:
            return None  # the rest of the stack refuses it

    def keep(self, key: str, response: HttpResponse) -> None:
        """Complete the view's entry (a 200's body, or the one it kept before answering 304)
        with the headers the stack around the view added."""
        stored: CachedResponse | None = self.cache.get(key)
        if stored is not None and stored.headers is None:
            stored.headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_REPLAYED]
            self.cache.set(key, stored, RESPONSE_CACHE_SECONDS)

    @staticmethod
    def replay(request: HttpRequest, stored: CachedResponse) -> HttpResponse:
        header = request.headers.get("If-None-Match", "")
        if header.strip() == "*" or stored.etag in parse_etags(header):
            response = HttpResponseNotModified()
            for name, value in stored.headers:
                response[name] = value
            return response
        response = HttpResponse(stored.content, content_type=stored.content_type)
        for name, value in stored.headers:
            response[name] = value
        response["Content-Length"] = str(len(stored.content))
        return response
