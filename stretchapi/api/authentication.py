"""Bearer-token authentication: hashed, expiring, per-device tokens (django-rest-knox).

What makes a presented token good is written once, in `check_token`: its
stored digest matches, it has not expired, and its user is active. DRF's
authentication class (every API view) and the catalog cache in front of
Django (catalog/api/front_cache.py) both ask it.

knox's own check costs two queries a request: the token (by its indexed
15-character key, with its user), then every other token of the user, to
delete the expired ones. The second is housekeeping, not authentication: an
expired token is refused on its own use whatever happens to the others, and
signing a device in replaces its token. So a request costs one indexed query
here; the token it presents is still deleted when it has expired, as knox does.
"""

import binascii
import enum
import re
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

# `Bearer <token>` exactly as the token endpoint hands it out: hex digits, nothing around them.
BEARER_HEADER = re.compile(r"Bearer ([0-9a-f]{%d,512})" % CONSTANTS.TOKEN_KEY_LENGTH, re.IGNORECASE)


class TokenProblem(enum.Enum):
    UNKNOWN = "unknown"  # no stored token has this key and digest
    EXPIRED = "expired"
    INACTIVE = "inactive"  # the token is good, its user may not sign in


def check_token(token: str):
    """The stored token `token` names and what is wrong with it (None when it is good): one indexed query.

    Returns `(auth_token, problem)`; `auth_token` (with its user) is None when unknown."""
    try:
        digest = hash_token(token)
    except (TypeError, binascii.Error, ValueError):
        return None, TokenProblem.UNKNOWN
    candidates = get_token_model().objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
    for auth_token in candidates.select_related("user"):
        if not compare_digest(digest, auth_token.digest):
            continue
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            return auth_token, TokenProblem.EXPIRED
        if not auth_token.user.is_active:
            return auth_token, TokenProblem.INACTIVE
        return auth_token, None
    return None, TokenProblem.UNKNOWN


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header in the one form the API hands out, else None."""
    match = BEARER_HEADER.fullmatch(header)
    return match.group(1) if match else None


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>`, as issued by `POST /api/v1/auth/token/`."""

    def authenticate_header(self, request) -> str:
        return "Bearer"

    def authenticate_credentials(self, token: bytes):
        message = _("Invalid token.")
        auth_token, problem = check_token(token.decode("utf-8"))
        if problem is TokenProblem.UNKNOWN:
            raise exceptions.AuthenticationFailed(message)
        if problem is TokenProblem.EXPIRED:
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=type(self), username=username, source="auth_token")
            raise exceptions.AuthenticationFailed(message)
        if knox_settings.AUTO_REFRESH and auth_token.expiry:
            self.renew_token(auth_token)
        return self.validate_user(auth_token)  # knox's own refusal of an inactive user


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A device token from `POST /api/v1/auth/token/`: `Authorization: Bearer <token>`.",
        }
