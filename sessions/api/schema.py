"""OpenAPI pieces shared by the sessions API's views: tags, headers, documented problems."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .idempotency import HEADER as IDEMPOTENCY_HEADER

TAG_ME = "accounts"
TAG_TRAINER = "trainer"


TAG_AUTH = "accounts"


TAG_SESSIONS = "sessions"


UUID_REGEX = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional. A retry with the same key returns the first response; another body with it is a 422.",
)


IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The session's current ETag. Without it: 428. When the session changed since: 412.",
)


def problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=description)
