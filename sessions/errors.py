"""Typed errors of logged sessions and accounts; `default_code` is the stable machine code."""

from stretchapi.api.errors import ApiError


class SessionConflict(ApiError):
    status_code = 409
    default_code = "session_conflict"
    title = "Conflict."
    default_detail = (
        "A session with this id was already uploaded with different content. "
        "Re-send it unchanged, or give a new session a new id."
    )


class SessionIdTaken(ApiError):
    """Another user's session has this id. Says nothing more about it."""

    status_code = 409
    default_code = "session_id_taken"
    title = "Conflict."
    default_detail = "This session id cannot be used. Generate a new id for the session."


class SessionDeleted(ApiError):
    status_code = 409
    default_code = "session_deleted"
    title = "Conflict."
    default_detail = "This session was deleted; a deleted session's id cannot be uploaded again."


class RecordConflict(ApiError):
    status_code = 409
    default_code = "record_conflict"
    title = "Conflict."
    default_detail = "A record with this id already exists with different content."


class PreconditionRequired(ApiError):
    status_code = 428
    default_code = "precondition_required"
    title = "Precondition required."
    default_detail = "Send the session's current ETag in If-Match to change or delete it."


class StaleWrite(ApiError):
    status_code = 412
    default_code = "stale_write"
    title = "Precondition failed."
    default_detail = "The session changed since you read it. Fetch it again, then retry with its new ETag."


class IdempotencyKeyReused(ApiError):
    status_code = 422
    default_code = "idempotency_key_reused"
    title = "Idempotency key reused."
    default_detail = "This Idempotency-Key was already used for a different request."


class NotTokenAuthenticated(ApiError):
    status_code = 400
    default_code = "not_token_authenticated"
    title = "Invalid request."
    default_detail = "This request was not made with a device token, so there is no token to revoke."


class HoldLimitReached(ApiError):
    status_code = 400
    default_code = "hold_limit_reached"
    title = "Invalid request."
    default_detail = "This session already has the most holds a session may have (300)."


class InvitationInvalid(ApiError):
    status_code = 400
    default_code = "invitation_invalid"
    title = "Invalid request."
    default_detail = "This invitation code is unknown, already used or expired. Ask your trainer for a new one."
