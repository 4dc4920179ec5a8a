"""`Idempotency-Key` on POSTs: a retried request with the same key gets the first response again.

A phone that lost the connection before it saw the answer resends the same
request with the same key; the service answers as it did the first time,
without doing the work twice. The same key with a different request is a 422.
Only successful answers are kept (an error is deterministic: a retry gets it
again). Records are kept per user for 48 hours.
"""

from __future__ import annotations

import functools
import hashlib
import json

from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from sessions import errors, services

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(handler):
    """Decorate a POST handler of an authenticated view."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH:
            raise serializers.ValidationError(
                {HEADER: [serializers.ErrorDetail(f"Must be 1–{MAX_KEY_LENGTH} characters.", code="invalid")]}
            )
        fingerprint = request_fingerprint(request)
        record = services.idempotency_record_find(user=request.user, key=key)
        if record is not None:
            if record.request_hash != fingerprint:
                raise errors.IdempotencyKeyReused
            return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
        response = handler(view, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            services.idempotency_record_save(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path,
                request_hash=fingerprint,
                status_code=response.status_code,
                # As the client received it, so that a replay is byte-for-byte the same JSON.
                body=json.loads(JSONRenderer().render(response.data)),
            )
        return response

    return wrapper
