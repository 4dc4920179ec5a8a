"""Conditional GET for resources whose content follows one version number.

A view using `VersionETagMixin` says which version its content follows
(`get_content_version`); the ETag is that version plus the response format.
The 304 is decided only once the view has produced a 2xx answer, so a request
that would fail (unknown object, bad filter, page past the end) still gets
its 404 or 400 whatever `If-None-Match` says (RFC 9110 §13.2.1).
"""

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response


class VersionETagMixin:
    def get_content_version(self) -> str:
        raise NotImplementedError

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != status.HTTP_200_OK:
            return response
        renderer_format = getattr(request.accepted_renderer, "format", "json")
        etag = f'"v{self.get_content_version()}-{renderer_format}"'
        header = request.headers.get("If-None-Match", "")
        if header.strip() == "*" or etag in parse_etags(header):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response = super().finalize_response(request, response, *args, **kwargs)
        response["ETag"] = etag
        response["Cache-Control"] = "public, no-cache"
        response["Vary"] = "Accept"
        return response
