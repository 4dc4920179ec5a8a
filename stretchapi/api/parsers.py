"""Request-body parsing with a size limit that actually applies to the API.

DRF reads the request stream directly, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
(which guards `request.body`) never sees an API upload. This parser refuses a
body over that limit with 413 before reading it into memory.
"""

import io

from django.conf import settings
from rest_framework import parsers

from .errors import ApiError


class RequestTooLarge(ApiError):
    status_code = 413
    default_code = "request_too_large"
    title = "Request body too large."
    default_detail = "The request body is larger than the service accepts."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if limit is not None:
            if declared and declared.isdigit() and int(declared) > limit:
                raise RequestTooLarge(f"The body is {declared} bytes; at most {limit} are accepted.")
            body = stream.read(limit + 1) if stream is not None else b""
            if len(body) > limit:
                raise RequestTooLarge(f"The body is over {limit} bytes.")
            stream = io.BytesIO(body)
        return super().parse(stream, media_type, parser_context)
