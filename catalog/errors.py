"""Typed errors of catalog editing; `default_code` is the stable machine code clients switch on."""

from stretchapi.api.errors import ApiError


class PreconditionRequired(ApiError):
    status_code = 428
    default_code = "precondition_required"
    title = "Precondition required."
    default_detail = "Send the exercise's current ETag in If-Match to change it."


class StaleWrite(ApiError):
    status_code = 412
    default_code = "stale_write"
    title = "Precondition failed."
    default_detail = "The exercise changed since you read it. Fetch it again, then retry with its new ETag."
