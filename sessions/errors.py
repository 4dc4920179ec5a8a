"""Typed errors of logged sessions and accounts; `code` is the stable machine code."""

from stretchapi.errors import Conflict, DomainError


class SessionConflict(Conflict):
    status = 409
    code = "session_conflict"
    title = "Conflict."
    default_detail = (
        "A session with this id was already uploaded with different content. "
        "Re-send it unchanged, or give a new session a new id."
    )


class SessionIdTaken(Conflict):
    """Another user's session has this id. Says nothing more about it."""

    status = 409
    code = "session_id_taken"
    title = "Conflict."
    default_detail = "This session id cannot be used. Generate a new id for the session."


class SessionDeleted(Conflict):
    status = 409
    code = "session_deleted"
    title = "Conflict."
    default_detail = "This session was deleted; a deleted session's id cannot be uploaded again."


class RecordConflict(Conflict):
    status = 409
    code = "record_conflict"
    title = "Conflict."
    default_detail = "A record with this id already exists with different content."


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    title = "Idempotency key reused."
    default_detail = "This Idempotency-Key was already used for a different request."


class NotTokenAuthenticated(DomainError):
    status = 400
    code = "not_token_authenticated"
    title = "Invalid request."
    default_detail = "This request was not made with a device token, so there is no token to revoke."


class HoldLimitReached(DomainError):
    status = 400
    code = "hold_limit_reached"
    title = "Invalid request."
    default_detail = "This session already has the most holds a session may have (300)."


class InvitationInvalid(DomainError):
    status = 400
    code = "invitation_invalid"
    title = "Invalid request."
    default_detail = "This invitation code is unknown, already used or expired. Ask your trainer for a new one."


class Contraindicated(Conflict):
    """A program item whose exercise lists a contraindication the client has flagged, with no override reason.

    `extra["errors"]` names each item (`items[0].exercise`) and its contraindication.
    """

    status = 409
    code = "contraindicated"
    title = "Conflict."
    default_detail = (
        "An exercise lists a contraindication the client has recorded. "
        "Choose another exercise, or state an override_reason for the item."
    )
