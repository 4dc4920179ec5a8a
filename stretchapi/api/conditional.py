"""Conditional GET for resources whose content follows one version number, and a cache keyed on it.

A view using `VersionETagMixin` says which version its content follows
(`get_content_version`); the ETag is that version plus the response format.
The 304 is decided only once the view has produced a 2xx answer, so a request
that would fail (unknown object, bad filter, page past the end) still gets
its 404 or 400 whatever `If-None-Match` says (RFC 9110 §13.2.1).

A view that names a cache (`response_cache`) and wraps its GET handlers in
`respond` keeps each 200 JSON answer, rendered, under the content version and
the absolute URL. While the version stands, the same URL is answered from
there — a 304 or the stored bytes — without running the handler: an answer
only gets there once it was a 200, so a cached URL cannot hide an error. When
the version moves, every key moves with it; old entries are never read again
and leave as the cache culls them. A WSGI layer in front of Django answers
anonymous repeats from there too (catalog/api/front_cache.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpResponse
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response

RESPONSE_CACHE_SECONDS = 24 * 3600  # entries die with their version anyway; this only bounds idle memory


def response_cache_key(version: str, request) -> str:
    """Where the answer to this GET is kept: its content version, absolute URL (links in
    the body name the host) and Accept header (the answer varies with it)."""
    identity = "\n".join([version, request.build_absolute_uri(), request.headers.get("Accept", "")])
    return "response:" + hashlib.sha256(identity.encode()).hexdigest()


@dataclass
class CachedResponse:
    """A kept 200: its ETag, body and type; `headers` once a middleware saw the complete answer."""

    etag: str
    content: bytes
    content_type: str
    headers: list[tuple[str, str]] | None = None


class VersionETagMixin:
    response_cache: str | None = None  # an alias of settings.CACHES
    _cache_key: str | None = None
    _cached_etag: str | None = None

    def get_content_version(self) -> str:
        raise NotImplementedError

    def respond(self, request, handler: Callable[[], Response]):
        """The answer to a GET: from the cache when this version already answered this URL, else `handler()`."""
        if self.response_cache is None or request.method != "GET" or request.accepted_renderer.format != "json":
            return handler()
        self._cache_key = response_cache_key(self.get_content_version(), request)
        stored: CachedResponse | None = caches[self.response_cache].get(self._cache_key)
        if stored is None:
            return handler()  # finalize_response keeps it if it is a 200
        self._cached_etag = stored.etag
        return HttpResponse(stored.content, content_type=stored.content_type)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != status.HTTP_200_OK:
            return response
        if self._cached_etag is not None:
            etag = self._cached_etag
        else:
            etag = f'"v{self.get_content_version()}-{getattr(request.accepted_renderer, "format", "json")}"'
            if self._cache_key is not None:
                response.render()
                stored = CachedResponse(etag, response.content, response["Content-Type"])
                caches[self.response_cache].set(self._cache_key, stored, RESPONSE_CACHE_SECONDS)
        header = request.headers.get("If-None-Match", "")
        if header.strip() == "*" or etag in parse_etags(header):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response = super().finalize_response(request, response, *args, **kwargs)
        response["ETag"] = etag
        response["Cache-Control"] = "public, no-cache"
        response["Vary"] = "Accept"
        response.response_cache_key = self._cache_key  # for a middleware that answers before the view
        return response
