"""Conditional GET for resources whose content follows one version number.

A view using `VersionETagMixin` says which version its content follows
(`get_content_version`); the ETag is that version plus the response format,
so it can be computed, and a 304 answered, before any other query runs.
"""

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response


class NotModified(Exception):
    """The client's copy is current; answered with 304 and no body."""


class VersionETagMixin:
    def get_content_version(self) -> str:
        raise NotImplementedError

    def _etag(self, request) -> str:
        renderer_format = getattr(request.accepted_renderer, "format", "json")
        return f'"v{self.get_content_version()}-{renderer_format}"'

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self.etag = self._etag(request)
            header = request.headers.get("If-None-Match", "")
            if header.strip() == "*" or self.etag in parse_etags(header):
                raise NotModified

    def handle_exception(self, exc):
        if isinstance(exc, NotModified):
            return Response(status=status.HTTP_304_NOT_MODIFIED)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        etag = getattr(self, "etag", None)
        if etag and response.status_code in (200, 304):
            response["ETag"] = etag
            response["Cache-Control"] = "public, no-cache"
            response["Vary"] = "Accept"
        return response
