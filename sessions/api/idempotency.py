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
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response

from sessions import errors
from sessions.models import IdempotencyRecord, User
from stretchapi.api import renderers
from stretchapi.bulk import Batch, JSONText, bulk_insert
from stretchapi.compiled import CompiledQuery, Loader
from stretchapi.transactions import all_or_nothing

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IDEMPOTENCY_RETENTION = timedelta(hours=48)  # promised: at least 24 h


def _canonical_body(request) -> str:
    """The parsed body as canonical JSON: the same content gives the same text, whatever its key order or spacing.
    Written once per request: an upload's fingerprint and its key's fingerprint both read it."""
    canonical = getattr(request, "_canonical_body", None)
    if canonical is None:
        canonical = renderers.canonical_json(request.data)
        request._canonical_body = canonical
    return canonical


def body_fingerprint(request) -> str:
    """A hash of the body alone: how an uploaded session recognises a retry of its content."""
    return hashlib.sha256(_canonical_body(request).encode()).hexdigest()


def request_fingerprint(request) -> str:
    """A hash of the method, path and body: how an `Idempotency-Key` recognises the same request."""
    return hashlib.sha256(f"{request.method} {request.path}\n{_canonical_body(request)}".encode()).hexdigest()


class Keeping:
    """The record a keyed request's first answer is to be kept in, offered to the handler
    (`keeping(request)`): a handler that stores its writes in one statement (`bulk.insert_unless_taken`)
    can store the record in it too (`batch`), and the decorator then keeps nothing more."""

    def __init__(self, *, user: User, key: str, method: str, path: str, request_hash: str):
        self.fields = {"user": user, "key": key, "method": method, "path": path, "request_hash": request_hash}
        self.record: IdempotencyRecord | None = None

    def batch(self, status_code: int, data: Any) -> Batch:
        """The record of the answer `status_code` with `data` (written as the client will receive it),
        to insert with the handler's writes; left out if a concurrent twin kept its own first."""
        self.record = IdempotencyRecord(
            **self.fields, status_code=status_code, response_body=JSONText(renderers.dumps(data))
        )
        return Batch(IdempotencyRecord, [self.record], ignore_conflicts=True)

    @property
    def kept(self) -> bool:
        """Whether the handler's writes went in with the record (its insert marks it stored)."""
        return self.record is not None and not self.record._state.adding


def keeping(request) -> Keeping | None:
    """What a handler decorated by `idempotent` may store its answer's record with; None when the
    request has no key, or when its key's expired record must make room first (the decorator keeps
    the answer then)."""
    return getattr(request, "idempotency_keeping", None)


def idempotent(handler):
    """Decorate a POST handler of an authenticated view.

    The handler and the record of its answer share one transaction: an answer
    is kept exactly when what it reports was stored, and its insert is one
    more statement of the handler's transaction rather than a transaction of
    its own — or part of the handler's own insert, when the handler takes the
    record (`keeping`).
    """

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
        record = _record_of_key(user=request.user, key=key)
        if record is not None and not _expired(record):
            if record.request_hash != fingerprint:
                raise errors.IdempotencyKeyReused
            return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
        offered = None
        if record is None:
            offered = request.idempotency_keeping = Keeping(
                user=request.user, key=key, method=request.method, path=request.path, request_hash=fingerprint
            )
        with all_or_nothing():  # a failure anywhere in it is the answer: the handler's writes need no savepoint
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300 and not (offered is not None and offered.kept):
                idempotency_record_save(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path,
                    request_hash=fingerprint,
                    status_code=response.status_code,
                    # As the client receives it, so that a replay is byte-for-byte the same JSON; the
                    # text goes into the insert as it is.
                    body=JSONText(renderers.dumps(response.data)),
                    expired=record,
                )
        return response

    return wrapper


def _expired(record: IdempotencyRecord) -> bool:
    return record.created_at < timezone.now() - IDEMPOTENCY_RETENTION


_RECORD = Loader(IdempotencyRecord)
_RECORD_OF_KEY = CompiledQuery(
    lambda user_id, key: IdempotencyRecord.objects.filter(user=user_id, key=key).values_list(*_RECORD.columns()),
    user_id=-7_001,
    key="\0key",
)


def _record_of_key(*, user: User, key: str) -> IdempotencyRecord | None:
    """The record of `key`, kept or expired (one row at most: the key is unique per user); its
    query is compiled once, as every keyed upload asks it first."""
    rows = _RECORD_OF_KEY.rows(user_id=user.pk, key=key)
    return _RECORD.load(rows[0], using=_RECORD_OF_KEY.database) if rows else None


def idempotency_record_save(
    *,
    user: User,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    status_code: int,
    body: Any,
    expired: IdempotencyRecord | None = None,
) -> None:
    """Keep the first response to a keyed request (one insert); a concurrent twin that saved first wins.
    `body`: its JSON value, or its JSON text (`bulk.JSONText`). `expired` is the key's expired record,
    found by the caller: it makes room first."""
    if expired is not None:
        IdempotencyRecord.objects.filter(pk=expired.pk, created_at__lt=timezone.now() - IDEMPOTENCY_RETENTION).delete()
    record = IdempotencyRecord(
        user=user,
        key=key,
        method=method,
        path=path,
        request_hash=request_hash,
        status_code=status_code,
        response_body=body,
    )
    bulk_insert(IdempotencyRecord, [record], ignore_conflicts=True)


def idempotency_records_purge() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_RETENTION).delete()
    return deleted
